/* sgtclient's abusive modes, the clients a script cannot play, for
 * smtpguard's adversarial tests. Numeric addresses only (no DNS).
 *
 *   sgtclient [ -t secs ] [ -o transcript ] [ -b localip ] mode host port [ arg ]
 *
 * Modes:
 *   noread [mb]    after the greeting (read once, so that the session is
 *                  set up), writes pipelined NOOPs and never reads again,
 *                  with small socket buffers, until a write has blocked
 *                  for 1 s or mb megabytes (default 16) are out; then
 *                  prints "written=N blocked=0|1" and waits (still not
 *                  reading) until stdin gives EOF or the timeout; then
 *                  closes.
 *   rst [kb]       greeting, EHLO, MAIL, RCPT TO:<good@example.test>, DATA,
 *                  354, kb KiB of body (default 64), then an abortive close
 *                  (SO_LINGER 0: the peer sees a RST, mid-DATA)
 *   longline mb    greeting, EHLO, its reply, then mb megabytes of 'a' with
 *                  no line end, reading all along; stops writing when the
 *                  peer closes or resets; prints "written=N"
 *
 * Everything received is appended to the transcript (-o). Exit status: 0
 * when the mode ran to its end, 1 when the peer went away before a reply
 * it needed, 4 on timeout (-t, default 30 s), 111 on a system error, 100
 * usage. */

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

static int fd = -1, tfd = -1 ;
static long long deadline ;
static int peerclosed ;

static void die (char const *what)
{
  fprintf(stderr, "sgtclient: fatal: %s: %s\n", what, strerror(errno)) ;
  exit(111) ;
}

static long long now_ms (void)
{
  struct timespec ts ;
  clock_gettime(CLOCK_MONOTONIC, &ts) ;
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 ;
}

static int remaining (void)
{
  long long r = deadline - now_ms() ;
  if (r <= 0) { fputs("sgtclient: timeout\n", stderr) ; exit(4) ; }
  return r > 1000000 ? 1000000 : (int)r ;
}

/* one read; returns bytes read, 0 at EOF or reset */
static ssize_t readsome (char *buf, size_t n)
{
  ssize_t r = read(fd, buf, n) ;
  if (r < 0)
  {
    if (errno == EAGAIN || errno == EINTR) return -1 ;
    if (errno != ECONNRESET) die("read") ;
    r = 0 ;
  }
  if (!r) { peerclosed = 1 ; return 0 ; }
  if (tfd >= 0 && write(tfd, buf, r) != r) die("write transcript") ;
  return r ;
}

/* reads until a line ending in LF whose 4th byte is not '-' has come */
static void getreply (void)
{
  char buf[4096] ;
  char last[5] = { 0 } ;
  size_t col = 0 ;
  for (;;)
  {
    struct pollfd p = { .fd = fd, .events = POLLIN } ;
    ssize_t r ;
    if (poll(&p, 1, remaining()) < 0 && errno != EINTR) die("poll") ;
    r = readsome(buf, sizeof buf) ;
    if (!r) { fputs("sgtclient: connection closed, expected a reply\n", stderr) ; exit(1) ; }
    for (ssize_t i = 0 ; i < r ; i++)
    {
      if (col < 4) last[col] = buf[i] ;
      col++ ;
      if (buf[i] == '\n')
      {
        if (col >= 4 && last[3] != '-') return ;
        col = 0 ;
      }
    }
  }
}

/* writes all of s, reading (when rd) whatever comes meanwhile; returns 0
   if the peer went away */
static int sendall (char const *s, size_t n, int rd)
{
  char buf[65536] ;
  while (n)
  {
    struct pollfd p = { .fd = fd, .events = POLLOUT | (rd ? POLLIN : 0) } ;
    if (poll(&p, 1, remaining()) < 0 && errno != EINTR) die("poll") ;
    if (rd && p.revents & (POLLIN | POLLHUP | POLLERR)) { if (!readsome(buf, sizeof buf)) return 0 ; }
    if (p.revents & (POLLOUT | POLLERR))
    {
      ssize_t w = write(fd, s, n) ;
      if (w < 0)
      {
        if (errno == EAGAIN || errno == EINTR) continue ;
        if (errno == EPIPE || errno == ECONNRESET) return 0 ;
        die("write") ;
      }
      s += w ; n -= w ;
    }
  }
  return 1 ;
}

static void sends (char const *s) { if (!sendall(s, strlen(s), 1)) { fputs("sgtclient: peer gone\n", stderr) ; exit(1) ; } }

static void noread (long mb)
{
  static char chunk[6 * 4096] ;
  long long limit = (long long)mb << 20, written = 0, blockedsince = 0 ;
  int blocked = 0 ;
  for (size_t i = 0 ; i < sizeof chunk ; i += 6) memcpy(chunk + i, "NOOP\r\n", 6) ;
  getreply() ;
  while (written < limit)
  {
    struct pollfd p = { .fd = fd, .events = POLLOUT } ;
    int r = poll(&p, 1, 100) ;
    if (r < 0 && errno != EINTR) die("poll") ;
    remaining() ;
    if (r <= 0)
    {
      if (!blockedsince) blockedsince = now_ms() ;
      else if (now_ms() - blockedsince >= 1000) { blocked = 1 ; break ; }
      continue ;
    }
    {
      size_t n = sizeof chunk ;
      ssize_t w ;
      if ((long long)n > limit - written) n = limit - written ;
      w = write(fd, chunk, n) ;
      if (w < 0)
      {
        if (errno == EAGAIN || errno == EINTR) continue ;
        if (errno == EPIPE || errno == ECONNRESET) break ;
        die("write") ;
      }
      written += w ;
      blockedsince = 0 ;
    }
  }
  printf("written=%lld blocked=%d\n", written, blocked) ;
  fflush(stdout) ;
  /* hold the connection, still not reading, until told (EOF on stdin) */
  {
    struct pollfd p = { .fd = 0, .events = POLLIN } ;
    char c[64] ;
    while (poll(&p, 1, remaining()) >= 0)
      if (p.revents && read(0, c, sizeof c) <= 0) break ;
  }
}

static void rst (long kb)
{
  static char body[1024] ;
  struct linger l = { 1, 0 } ;
  for (size_t i = 0 ; i < sizeof body ; i += 64)
    memcpy(body + i, "Some body text that goes on and on, mid-DATA when cut.........\r\n", 64) ;
  getreply() ;
  sends("EHLO rst.example.test\r\n") ; getreply() ;
  sends("MAIL FROM:<a@rst.example.test>\r\n") ; getreply() ;
  sends("RCPT TO:<good@example.test>\r\n") ; getreply() ;
  sends("DATA\r\n") ; getreply() ;
  sends("Subject: cut\r\n\r\n") ;
  for (long i = 0 ; i < kb ; i++) if (!sendall(body, sizeof body, 1)) break ;
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0) die("setsockopt SO_LINGER") ;
  close(fd) ;
  fd = -1 ;
}

static void longline (long mb)
{
  static char chunk[65536] ;
  long long written = 0, limit = (long long)mb << 20 ;
  char buf[65536] ;
  memset(chunk, 'a', sizeof chunk) ;
  getreply() ;
  sends("EHLO long.example.test\r\n") ; getreply() ;
  while (written < limit)
  {
    size_t n = sizeof chunk ;
    if ((long long)n > limit - written) n = limit - written ;
    if (!sendall(chunk, n, 1)) break ;
    written += n ;
  }
  printf("written=%lld\n", written) ;
  fflush(stdout) ;
  /* then whatever the server still says, until it closes */
  while (!peerclosed)
  {
    struct pollfd p = { .fd = fd, .events = POLLIN } ;
    if (poll(&p, 1, remaining()) < 0 && errno != EINTR) die("poll") ;
    readsome(buf, sizeof buf) ;
  }
}

int abuse_mode (char const *word)
{
  return !strcmp(word, "noread") || !strcmp(word, "rst") || !strcmp(word, "longline") ;
}

int abuse_main (char const *mode, char const *host, char const *port, char const *argstr,
                long secs, char const *tpath, char const *bindip)
{
  long arg = argstr ? atol(argstr) : -1 ;
  struct addrinfo hints, *ai ;
  if (!abuse_mode(mode)) goto usage ;
  if (!strcmp(mode, "longline") && arg <= 0) goto usage ;
  deadline = now_ms() + secs * 1000 ;
  signal(SIGPIPE, SIG_IGN) ;
  if (tpath && (tfd = open(tpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) die(tpath) ;

  memset(&hints, 0, sizeof hints) ;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV ;
  hints.ai_socktype = SOCK_STREAM ;
  if (getaddrinfo(host, port, &hints, &ai)) goto usage ;
  fd = socket(ai->ai_family, SOCK_STREAM, 0) ;
  if (fd < 0) die("socket") ;
  if (!strcmp(mode, "noread"))
  {
    /* small buffers: the server's replies back up at once, and what is
       written is what smtpguard's side holds, not ours */
    int sz = 4096 ;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) ;
    sz = 16384 ;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz) ;
  }
  if (bindip)
  {
    struct addrinfo *bi ;
    if (getaddrinfo(bindip, "0", &hints, &bi) || bi->ai_family != ai->ai_family) goto usage ;
    if (bind(fd, bi->ai_addr, bi->ai_addrlen) < 0) die("bind") ;
    freeaddrinfo(bi) ;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) die("connect") ;
  freeaddrinfo(ai) ;
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl") ;

  if (!strcmp(mode, "noread")) noread(arg > 0 ? arg : 16) ;
  else if (!strcmp(mode, "rst")) rst(arg > 0 ? arg : 64) ;
  else longline(arg) ;
  if (fd >= 0) close(fd) ;
  return 0 ;
 usage:
  fputs("sgtclient: usage: sgtclient [ -t secs ] [ -o transcript ] [ -b localip ] noread|rst|longline host port [ arg ]\n", stderr) ;
  return 100 ;
}
