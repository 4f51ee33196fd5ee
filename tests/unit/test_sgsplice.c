/* test_sgsplice: the pieces of a body's way to the smtpd's pipe.
 * sglend's ring: a slot is free again exactly when the pipe holds
 * nothing of it; sgsplice_lend and sgsplice_unread on a real pipe (lent
 * bytes are read in order, the count of unread bytes follows);
 * sgsplice_move from a real TCP connection over 127.0.0.1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>

#include "sgsplice.h"
#include "sgtest.h"

static void ring (void)
{
  sglend l = SGLEND_ZERO ;
  uint64_t S = SGLEND_SLOTSIZE ;
  /* fresh: every slot free, whatever the pipe holds */
  CHECK(sglend_free(&l, 0) && sglend_at(&l) == 0 && sglend_room(&l) == S) ;
  /* a slot is filled read after read; free while it is being filled */
  l.piped += 1000 ; sglend_lent(&l, 1000) ;
  CHECK(l.next == 0 && sglend_at(&l) == 1000 && sglend_room(&l) == S - 1000) ;
  CHECK(sglend_free(&l, 1000)) ;
  /* less room than SGLEND_LOW: full, the next slot is next */
  l.piped += S - 1000 - (SGLEND_LOW - 1) ; sglend_lent(&l, S - 1000 - (SGLEND_LOW - 1)) ;
  CHECK(l.next == 1 && sglend_at(&l) == S && l.end[0] == S - (SGLEND_LOW - 1)) ;
  l.piped += SGLEND_LOW - 1 ;  /* (written bytes count too) */
  /* the other slots filled whole: slot 0 is next again */
  for (unsigned int k = 1 ; k < SGLEND_SLOTS ; k++) { l.piped += S ; sglend_lent(&l, S) ; }
  CHECK(l.next == 0 && l.fill == 0 && l.piped == SGLEND_SLOTS * S) ;
  /* slot 0 ended at S - (LOW - 1): free once the pipe holds at most
     what was piped after that */
  {
    uint64_t after = l.piped - l.end[0] ;
    CHECK(sglend_free(&l, 0)) ;
    CHECK(sglend_free(&l, after)) ;
    CHECK(!sglend_free(&l, after + 1)) ;
    /* a pipe that claims more than was ever piped: not free */
    CHECK(!sglend_free(&l, l.piped + 1)) ;
  }
}

static void lend (void)
{
  static char slot[SGLEND_SLOTSIZE], out[2 * SGLEND_SLOTSIZE] ;
  int p[2] ;
  ssize_t w, r ;
  size_t got = 0 ;
  if (pipe2(p, O_NONBLOCK)) { perror("pipe") ; exit(111) ; }
  for (size_t i = 0 ; i < sizeof slot ; i++) slot[i] = "lent bytes\r\n"[i % 12] ;
  CHECK(sgsplice_unread(p[1]) == 0) ;
  w = sgsplice_lend(p[1], slot, 10000) ;
  CHECK(w == 10000) ;
  CHECK(sgsplice_unread(p[1]) == 10000 && sgsplice_unread(p[0]) == 10000) ;
  /* a full pipe: short, then EAGAIN */
  w = sgsplice_lend(p[1], slot, sizeof slot) ;
  CHECK(w > 0 && w < (ssize_t)sizeof slot) ;
  CHECK(sgsplice_unread(p[1]) == 10000 + w) ;
  errno = 0 ;
  CHECK(sgsplice_lend(p[1], slot, sizeof slot) == -1 && errno == EAGAIN) ;
  while ((r = read(p[0], out + got, sizeof out - got)) > 0) got += r ;
  CHECK(got == (size_t)(10000 + w)) ;
  CHECK(!memcmp(out, slot, 10000) && !memcmp(out + 10000, slot, w)) ;
  CHECK(sgsplice_unread(p[1]) == 0) ;
  /* the reader gone: EPIPE, which the relay treats as a write's */
  close(p[0]) ;
  signal(SIGPIPE, SIG_IGN) ;
  errno = 0 ;
  CHECK(sgsplice_lend(p[1], slot, 100) == -1 && errno == EPIPE) ;
  close(p[1]) ;
  /* not a pipe */
  {
    int d = open("/", O_RDONLY | O_DIRECTORY) ;
    CHECK(d >= 0 && sgsplice_unread(d) == -1) ;
    if (d >= 0) close(d) ;
  }
}

static void move (void)
{
  struct sockaddr_in a ;
  socklen_t alen = sizeof a ;
  char buf[2000], out[2000] ;
  int p[2], nosplice = 0, cli, srv ;
  int l = socket(AF_INET, SOCK_STREAM, 0) ;
  ssize_t k = -1, r ;
  memset(&a, 0, sizeof a) ;
  a.sin_family = AF_INET ;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK) ;
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1)
   || getsockname(l, (struct sockaddr *)&a, &alen)) { perror("listen") ; exit(111) ; }
  cli = socket(AF_INET, SOCK_STREAM, 0) ;
  if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof a)) { perror("connect") ; exit(111) ; }
  srv = accept(l, 0, 0) ;
  if (srv < 0 || pipe2(p, O_NONBLOCK)) { perror("accept") ; exit(111) ; }
  fcntl(srv, F_SETFL, O_NONBLOCK) ;
  for (size_t i = 0 ; i < sizeof buf ; i++) buf[i] = 'a' + i % 26 ;
  CHECK(write(cli, buf, sizeof buf) == sizeof buf) ;
  for (unsigned int i = 0 ; i < 100 && k <= 0 ; i++) { k = sgsplice_move(srv, p[1], 100000, &nosplice) ; if (k <= 0) poll(0, 0, 10) ; }
  CHECK(k == sizeof buf) ;
  r = read(p[0], out, sizeof out) ;
  CHECK(r == sizeof buf && !memcmp(out, buf, sizeof buf)) ;
  /* nothing there: EAGAIN, and splicing still possible */
  errno = 0 ;
  CHECK(sgsplice_move(srv, p[1], 100000, &nosplice) == -1 && errno == EAGAIN && !nosplice) ;
  /* a pipe's write end cannot be spliced from */
  CHECK(sgsplice_move(p[1], p[1], 10, &nosplice) == -1 && nosplice) ;
  close(cli) ; close(srv) ; close(l) ; close(p[0]) ; close(p[1]) ;
}

int main (void)
{
  ring() ;
  lend() ;
  move() ;
  return sgtest_end(0) ;
}
