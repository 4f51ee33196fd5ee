/* sgtclient: the SMTP test client of smtpguard's tests, bench and demo.
 *
 *   sgtclient [ -t secs ] [ -o transcript ] [ -b localip ] host port [ script ]
 *   sgtclient [ -t secs ] [ -o transcript ] [ -b localip ] noread|rst|longline host port [ arg ]
 *   sgtclient load [ load options ] host port
 *
 * The first form runs a script (this file); the second plays an abusive
 * client a script cannot (abuse.c); the third is the benchmarks' load
 * generator, many sessions at once (load.c).
 *
 * host is a numeric address (no DNS, ever). The script is read from the
 * file named, or stdin. One command per line:
 *
 *   > text       send text + CRLF
 *   >> text      send text, nothing appended
 *   <            read one complete reply (multi-line aware), print it
 *   < NNN        same, and expect reply code NNN
 *   eof          expect the server to close the connection, no more bytes
 *   drain        read and print until the server closes
 *   pipeline     from here, hold sends back ...
 *   flush        ... and write them all in one write(); `<` flushes too
 *   sleep ms     pause
 *   raw-file p   send the bytes of file p unchanged
 *   urgent c     send the one byte c as TCP urgent data (MSG_OOB)
 *   shutdown     half-close: no more sends, replies can still be read
 *   close        close the connection and end the script
 *   # ...        comment; blank lines are ignored
 *
 * Every byte received is appended, as received, to the transcript (-o).
 * Replies are printed on stdout, CRLF shown as LF; failures on stderr.
 *
 * Exit status, a bit set: 1 the server closed the connection (EOF or
 * reset seen), 2 an expectation failed, 4 the timeout (-t, default 30 s,
 * for the whole run) expired. 0: every expectation met, connection open
 * until the script ended. 100 usage, 111 system error (e.g. connect).
 *
 * While it writes, it keeps reading (into its buffer) so that a server
 * that answers a big pipelined write can never deadlock it. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "sgtclient.h"

#define ST_CLOSED 1
#define ST_EXPECT 2
#define ST_TIMEOUT 4
#define RBUF_MAX (64UL << 20)

static int fd = -1;
static int status;
static int closed;              /* EOF or reset seen */
static int tfd = -1;            /* transcript */
static char *rbuf;              /* received, not yet consumed */
static size_t rlen, ralloc;
static char *wbuf;              /* pending sends (pipeline) */
static size_t wlen, walloc;
static int pipelining;
static long long deadline;      /* ms, monotonic */
static unsigned long lineno;

static void die(int e, char const *what)
{
  fprintf(stderr, "sgtclient: fatal: %s: %s\n", what, strerror(errno));
  exit(e);
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(void)
{
  long long r = deadline - now_ms();
  return r < 0 ? 0 : r > 1000000 ? 1000000 : (int)r;
}

static void timed_out(char const *doing)
{
  fprintf(stderr, "sgtclient: line %lu: timeout while %s\n", lineno, doing);
  status |= ST_TIMEOUT;
  exit(status);
}

static void grow(char **b, size_t *alloc, size_t need)
{
  if (need <= *alloc) return;
  if (need > RBUF_MAX) { errno = ENOMEM; die(111, "buffer limit"); }
  size_t n = *alloc ? *alloc : 4096;
  while (n < need) n *= 2;
  char *p = realloc(*b, n);
  if (!p) die(111, "realloc");
  *b = p; *alloc = n;
}

/* One read into rbuf. Returns 0 on EOF/reset (and sets closed). */
static int readsome(void)
{
  char buf[65536];
  ssize_t r = read(fd, buf, sizeof buf);
  if (r < 0) {
    if (errno == EINTR || errno == EAGAIN) return 1;
    if (errno != ECONNRESET) die(111, "read");
    r = 0;
  }
  if (!r) { closed = 1; status |= ST_CLOSED; return 0; }
  if (tfd >= 0 && write(tfd, buf, r) != r) die(111, "write transcript");
  grow(&rbuf, &ralloc, rlen + r);
  memcpy(rbuf + rlen, buf, r);
  rlen += r;
  return 1;
}

/* Wait for input (or EOF) until the deadline. */
static int waitread(char const *doing)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  for (;;) {
    int t = remaining();
    if (!t) timed_out(doing);
    int r = poll(&p, 1, t);
    if (r < 0 && errno != EINTR) die(111, "poll");
    if (r > 0) return readsome();
  }
}

/* Write all of b, reading whatever comes back meanwhile. */
static void sendall(char const *b, size_t n)
{
  if (closed || fd < 0) { fprintf(stderr, "sgtclient: line %lu: connection closed, not sent\n", lineno); return; }
  while (n) {
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
    int t = remaining();
    if (!t) timed_out("sending");
    int r = poll(&p, 1, t);
    if (r < 0 && errno != EINTR) die(111, "poll");
    if (r <= 0) continue;
    if (p.revents & POLLIN) { if (!readsome()) break; }
    if (p.revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t w = write(fd, b, n);
      if (w < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        if (errno == EPIPE || errno == ECONNRESET) {
          fprintf(stderr, "sgtclient: line %lu: peer gone while sending\n", lineno);
          closed = 1; status |= ST_CLOSED;
          return;
        }
        die(111, "write");
      }
      b += w; n -= w;
    }
  }
}

static void flushw(void)
{
  if (wlen) sendall(wbuf, wlen);
  wlen = 0;
}

/* Sends are queued; outside a pipeline group each script line is then
 * written at once, in one write (two small writes for one command would
 * meet Nagle and delayed ACKs: 40 ms per command). */
static void queue(char const *b, size_t n)
{
  grow(&wbuf, &walloc, wlen + n);
  memcpy(wbuf + wlen, b, n);
  wlen += n;
}

/* Length of the first complete reply in rbuf, 0 if none yet. A reply
 * ends with a line whose 4th byte is not '-'. */
static size_t replylen(void)
{
  size_t start = 0;
  for (;;) {
    if (start >= rlen) return 0;
    char *nl = memchr(rbuf + start, '\n', rlen - start);
    if (!nl) return 0;
    size_t end = nl - rbuf + 1;
    if (end - start < 5 || rbuf[start + 3] != '-') return end;
    start = end;
  }
}

static void printreply(size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (rbuf[i] == '\r' && i + 1 < n && rbuf[i + 1] == '\n') continue;
    putchar(rbuf[i]);
  }
  fflush(stdout);
}

static void consume(size_t n)
{
  memmove(rbuf, rbuf + n, rlen - n);
  rlen -= n;
}

static void fail(char const *what, char const *detail)
{
  fprintf(stderr, "sgtclient: line %lu: %s%s\n", lineno, what, detail ? detail : "");
  status |= ST_EXPECT;
}

static void getreply(char const *code)
{
  size_t n;
  flushw();
  while (!(n = replylen()))
    if (closed || !waitread("waiting for a reply")) {
      if (rlen) { printreply(rlen); consume(rlen); }
      fail("connection closed, expected a reply ", code);
      return;
    }
  printreply(n);
  if (code && (n < 3 || memcmp(rbuf, code, 3) || strlen(code) != 3)) {
    char got[4] = { 0 };
    memcpy(got, rbuf, n < 3 ? n : 3);
    fprintf(stderr, "sgtclient: line %lu: expected %s, got %s\n", lineno, code, got);
    status |= ST_EXPECT;
  }
  consume(n);
}

static void expect_eof(int print)
{
  flushw();
  while (!closed) waitread("waiting for the server to close");
  if (rlen) {
    printreply(rlen);
    if (!print) fail("expected the connection to close, got more bytes", 0);
    consume(rlen);
  }
}

static void sendfile_raw(char const *path)
{
  int f = open(path, O_RDONLY);
  if (f < 0) die(111, path);
  char buf[65536];
  ssize_t r;
  while ((r = read(f, buf, sizeof buf)) > 0) queue(buf, r);
  if (r < 0) die(111, path);
  close(f);
}

static void run(FILE *in)
{
  char *line = 0;
  size_t alloc = 0;
  ssize_t n;
  while ((n = getline(&line, &alloc, in)) >= 0) {
    lineno++;
    if (n && line[n - 1] == '\n') line[--n] = 0;
    if (!n || line[0] == '#') continue;
    if (!strncmp(line, ">> ", 3)) queue(line + 3, n - 3);
    else if (!strcmp(line, ">>")) ;
    else if (!strncmp(line, "> ", 2) || !strcmp(line, ">")) {
      char const *t = n > 2 ? line + 2 : "";
      queue(t, strlen(t));
      queue("\r\n", 2);
    }
    else if (!strcmp(line, "<")) getreply(0);
    else if (!strncmp(line, "< ", 2)) getreply(line + 2);
    else if (!strcmp(line, "eof")) expect_eof(0);
    else if (!strcmp(line, "drain")) expect_eof(1);
    else if (!strcmp(line, "pipeline")) pipelining = 1;
    else if (!strcmp(line, "flush")) { flushw(); pipelining = 0; }
    else if (!strncmp(line, "sleep ", 6)) {
      flushw();
      long ms = atol(line + 6);
      struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
      while (nanosleep(&ts, &ts) < 0 && errno == EINTR) ;
    }
    else if (!strncmp(line, "raw-file ", 9)) sendfile_raw(line + 9);
    else if (!strncmp(line, "urgent ", 7) && n == 8) {
      flushw();
      if (!closed && send(fd, line + 7, 1, MSG_OOB) != 1) die(111, "send urgent byte");
    }
    else if (!strcmp(line, "shutdown")) { flushw(); if (!closed) shutdown(fd, SHUT_WR); }
    else if (!strcmp(line, "close")) { flushw(); break; }
    else {
      fprintf(stderr, "sgtclient: usage: line %lu: unknown command: %s\n", lineno, line);
      exit(100);
    }
    if (!pipelining) flushw();
  }
  flushw();
  free(line);
}

static int resolve(char const *host, char const *port, struct addrinfo **ai)
{
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  return getaddrinfo(host, port, &hints, ai);
}

static void usage(void)
{
  fputs("sgtclient: usage: sgtclient [ -t secs ] [ -o transcript ] [ -b localip ] host port [ script ]"
        " | [ -t secs ] [ -o transcript ] [ -b localip ] noread|rst|longline host port [ arg ]"
        " | load [ load options ] host port\n", stderr);
  exit(100);
}

int main(int argc, char **argv)
{
  char const *bindip = 0, *tpath = 0;
  long secs = 30;
  int opt;
  if (argc > 1 && !strcmp(argv[1], "load")) return load_main(argc - 1, argv + 1);
  while ((opt = getopt(argc, argv, "t:o:b:")) != -1)
    switch (opt) {
      case 't': secs = atol(optarg); if (secs <= 0) usage(); break;
      case 'o': tpath = optarg; break;
      case 'b': bindip = optarg; break;
      default: usage();
    }
  argc -= optind; argv += optind;
  if (argc >= 3 && argc <= 4 && abuse_mode(argv[0]))
    return abuse_main(argv[0], argv[1], argv[2], argc == 4 ? argv[3] : 0, secs, tpath, bindip);
  if (argc < 2 || argc > 3) usage();
  deadline = now_ms() + secs * 1000;
  signal(SIGPIPE, SIG_IGN);

  FILE *in = stdin;
  if (argc == 3 && !(in = fopen(argv[2], "r"))) die(111, argv[2]);
  if (tpath && (tfd = open(tpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) die(111, tpath);

  struct addrinfo *ai, *bi;
  if (resolve(argv[0], argv[1], &ai)) { fprintf(stderr, "sgtclient: usage: bad host or port\n"); exit(100); }
  fd = socket(ai->ai_family, SOCK_STREAM, 0);
  if (fd < 0) die(111, "socket");
  if (bindip) {
    if (resolve(bindip, "0", &bi) || bi->ai_family != ai->ai_family) { fprintf(stderr, "sgtclient: usage: bad -b address\n"); exit(100); }
    if (bind(fd, bi->ai_addr, bi->ai_addrlen) < 0) die(111, "bind");
    freeaddrinfo(bi);
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) die(111, "connect");
  freeaddrinfo(ai);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die(111, "fcntl");

  run(in);
  close(fd);
  return status;
}
