/* test_sgsplice: sgsplice (peek, then splice into a pipe) on a real TCP
 * connection over 127.0.0.1: whatever the pipe takes, the bytes that
 * leave the socket are exactly the bytes that were peeked, in order,
 * urgent bytes included; nothing is left behind or read twice. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "sgsplice.h"
#include "sgtest.h"

static int cli = -1, srv = -1 ;

static void connect_pair (void)
{
  struct sockaddr_in a ;
  socklen_t alen = sizeof a ;
  int l = socket(AF_INET, SOCK_STREAM, 0) ;
  memset(&a, 0, sizeof a) ;
  a.sin_family = AF_INET ;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK) ;
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1)
   || getsockname(l, (struct sockaddr *)&a, &alen))
  { perror("listen") ; exit(111) ; }
  cli = socket(AF_INET, SOCK_STREAM, 0) ;
  if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof a)) { perror("connect") ; exit(111) ; }
  srv = accept(l, 0, 0) ;
  if (srv < 0) { perror("accept") ; exit(111) ; }
  close(l) ;
}

static void sendall (char const *s, size_t n, int flags)
{
  while (n)
  {
    ssize_t w = send(cli, s, n, flags) ;
    if (w <= 0) { perror("send") ; exit(111) ; }
    s += w ; n -= w ;
  }
}

/* peeks until at least n bytes show (loopback: at once, but bounded) */
static ssize_t peek_n (char *buf, size_t len, size_t n)
{
  ssize_t r = -1 ;
  for (unsigned int i = 0 ; i < 200 ; i++)
  {
    r = sgsplice_peek(srv, buf, len) ;
    if (r >= (ssize_t)n) break ;
    poll(0, 0, 10) ;
  }
  return r ;
}

static size_t drain_pipe (int p, char *out, size_t max)
{
  size_t got = 0 ;
  for (;;)
  {
    ssize_t r = read(p, out + got, max - got) ;
    if (r <= 0) break ;
    got += r ;
  }
  return got ;
}

static int socket_empty (void)
{
  char c ;
  return recv(srv, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN ;
}

static char big[300000], buf[300000], out[300000] ;
static int nosplice = 0 ;

/* as the relay does: up to go of the len peeked bytes by splice, the
   rest read back (and checked); how many went by splice, or -1 */
static ssize_t take (int to, size_t len, size_t go)
{
  ssize_t k = go ? sgsplice_move(srv, to, go, &nosplice) : 0 ;
  if (k < 0) { CHECK(errno == EAGAIN) ; k = 0 ; }
  if (!sgsplice_skip(srv, buf + k, len - k)) return -1 ;
  return k ;
}

int main (void)
{
  int p[2] ;
  connect_pair() ;
  if (pipe2(p, O_NONBLOCK)) { perror("pipe") ; return 111 ; }
  for (size_t i = 0 ; i < sizeof big ; i++) big[i] = "0123456789abcdef\r\n."[i % 19] ;

  /* not a socket: no start */
  CHECK(!sgsplice_start(p[0]) && errno == ENOTSOCK) ;
  CHECK(sgsplice_start(srv)) ;

  /* a body bigger than the pipe: what the pipe took, then what was read
     back, is the whole of what was peeked */
  {
    size_t at = 0, n = 200000 ;
    unsigned int turns = 0 ;
    sendall(big, n, 0) ;
    while (at < n && turns++ < 100)
    {
      size_t moved, inpipe ;
      ssize_t r = peek_n(buf, sizeof buf, 1) ;
      ssize_t k ;
      CHECK(r > 0) ;
      if (r <= 0) break ;
      CHECK(!memcmp(buf, big + at, r)) ;
      k = take(p[1], r, r) ;
      CHECK(k >= 0 && k <= r) ;
      if (k < 0) break ;
      moved = k ;
      inpipe = drain_pipe(p[0], out, sizeof out) ;
      CHECK(inpipe == moved) ;
      CHECK(!memcmp(out, big + at, moved)) ;
      at += r ;
    }
    CHECK(at == n) ;
    CHECK(!nosplice) ;
    CHECK(socket_empty()) ;
  }

  /* only the first go bytes go to the pipe, or none */
  {
    ssize_t r, k ;
    sendall(big, 5000, 0) ;
    r = peek_n(buf, sizeof buf, 5000) ;
    CHECK(r == 5000) ;
    k = take(p[1], r, 10) ;
    CHECK(k == 10) ;
    CHECK(drain_pipe(p[0], out, sizeof out) == 10 && !memcmp(out, big, 10)) ;
    CHECK(socket_empty()) ;
    sendall(big, 3000, 0) ;
    r = peek_n(buf, sizeof buf, 3000) ;
    CHECK(r == 3000) ;
    CHECK(take(-1, r, 0) == 0) ;
    CHECK(drain_pipe(p[0], out, sizeof out) == 0) ;
    CHECK(socket_empty()) ;
  }

  /* urgent bytes: in line, each shown once and passed on once. The
     stream seen through peeks equals the stream that left the socket */
  {
    char seen[64], left[64] ;
    size_t ns = 0, nl = 0 ;
    unsigned int turns = 0 ;
    sendall("ab\r\n", 4, 0) ;
    sendall("X", 1, MSG_OOB) ;
    sendall(".\r\ncd", 5, 0) ;
    sendall("Y", 1, MSG_OOB) ;
    sendall("ef", 2, 0) ;
    poll(0, 0, 50) ;
    while (ns < 13 && turns++ < 20)
    {
      ssize_t r = sgsplice_peek(srv, buf, sizeof buf) ;
      ssize_t k ;
      size_t inpipe ;
      if (r <= 0) { poll(0, 0, 10) ; continue ; }
      if (ns + r > sizeof seen) break ;
      memcpy(seen + ns, buf, r) ; ns += r ;
      k = take(p[1], r, r) ;
      CHECK(k >= 0) ;
      if (k < 0) break ;
      inpipe = drain_pipe(p[0], left + nl, sizeof left - nl) ;
      CHECK(inpipe == (size_t)k) ;
      nl += inpipe ;
      /* what was not spliced went on from the buffer */
      memcpy(left + nl, buf + k, r - k) ; nl += r - k ;
    }
    CHECK(ns == 13 && nl == 13) ;
    CHECK(!memcmp(seen, "ab\r\nX.\r\ncdYef", 13)) ;
    CHECK(!memcmp(left, seen, 13)) ;
    CHECK(socket_empty()) ;
  }

  /* skip checks what it reads against what was peeked */
  {
    ssize_t r ;
    sendall("abcdef", 6, 0) ;
    r = peek_n(buf, sizeof buf, 6) ;
    CHECK(r == 6) ;
    buf[3] = 'X' ;
    errno = 0 ;
    CHECK(!sgsplice_skip(srv, buf, 6) && errno == EPROTO) ;
    while (recv(srv, buf, sizeof buf, MSG_DONTWAIT) > 0) ;
    /* and fails, not waits, for bytes that are not there */
    errno = 0 ;
    CHECK(!sgsplice_skip(srv, buf, 6) && errno == EPROTO) ;
  }

  /* a stream passed on unscanned */
  {
    ssize_t k = -1 ;
    sendall(big, 1000, 0) ;
    for (unsigned int i = 0 ; i < 100 && k <= 0 ; i++) { k = sgsplice_move(srv, p[1], sizeof big, &nosplice) ; if (k <= 0) poll(0, 0, 10) ; }
    CHECK(k == 1000) ;
    CHECK(drain_pipe(p[0], out, sizeof out) == 1000 && !memcmp(out, big, 1000)) ;
  }

  /* EOF shows as 0 */
  shutdown(cli, SHUT_WR) ;
  poll(0, 0, 20) ;
  CHECK(sgsplice_peek(srv, buf, sizeof buf) == 0) ;
  CHECK(!nosplice) ;
  return sgtest_end(0) ;
}
