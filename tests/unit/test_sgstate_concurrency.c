/* ISC license. */

/* 1000 processes at once, each with its own sgstate, as 1000 concurrent
   smtpguard sessions would be: on 1000 distinct IPs every listing must
   be there; on one IP every ledger event and every kick must count. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "sgip.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#define N 1000

#include "sgtest.h"

static char dir[] = "/tmp/test_sgstate_conc.XXXXXX" ;

static void ipof (char *s, unsigned int i)
{
  snprintf(s, SGIP_MAX, "10.7.%u.%u", i / 250, 1 + i % 250) ;
}

/* mode 0: kick IP i; mode 1: one bad RCPT then a kick on one IP */
static int child (int mode, unsigned int i, int gate)
{
  sgstateconf conf = { .window = 3600, .kicks = mode ? N : 1, .listtime = 3600, .listmax = 86400 } ;
  sgstate st ;
  sglisting l ;
  char ip[SGIP_MAX] ;
  char c ;
  if (read(gate, &c, 1) < 0) return 111 ;  /* everyone starts together */
  if (!sgstate_open(&st, dir, &conf)) return 111 ;
  if (mode == 0)
  {
    ipof(ip, i) ;
    return sgstate_kick(&st, ip, SGR_BADRCPT, 1700000000, &l) == 1 ? 0 : 1 ;
  }
  else
  {
    sgevidence d = SGEVIDENCE_ZERO, t ;
    d.guessq = 1 ;
    if (!sgstate_ledger_add(&st, "10.8.0.1", &d, 1700000000 + i % 60, &t)) return 111 ;
    return sgstate_kick(&st, "10.8.0.1", SGR_BADRCPT, 1700000000 + i % 60, &l) >= 0 ? 0 : 1 ;
  }
}

static int run (int mode)
{
  int p[2] ;
  unsigned int i, bad = 0 ;
  if (pipe(p) == -1) return 0 ;
  for (i = 0 ; i < N ; i++)
  {
    pid_t pid = fork() ;
    if (pid == -1) { printf("fork: %s\n", strerror(errno)) ; bad++ ; break ; }
    if (!pid) { close(p[1]) ; _exit(child(mode, i, p[0])) ; }
  }
  close(p[0]) ; close(p[1]) ;  /* EOF: go */
  for (;;)
  {
    int wstat ;
    pid_t pid = wait(&wstat) ;
    if (pid == -1) break ;
    if (!WIFEXITED(wstat) || WEXITSTATUS(wstat)) bad++ ;
  }
  return !bad ;
}

static int count (sglisting const *l, void *p)
{
  (void)l ; (*(unsigned int *)p)++ ;
  return 1 ;
}

int main (void)
{
  sgstate st ;
  sglisting l ;
  unsigned int i, n = 0, garbage = 0 ;
  if (!mkdtemp(dir)) return 111 ;
  CHECK(run(0)) ;
  CHECK(sgstate_open(&st, dir, 0)) ;
  for (i = 0 ; i < N ; i++)
  {
    char ip[SGIP_MAX] ;
    ipof(ip, i) ;
    if (sgstate_listed(&st, ip, 1700000001, &l) != 1 || l.strikes != 1) { printf("FAIL: %s not listed\n", ip) ; fails++ ; }
  }
  CHECK(sgstate_foreach(&st, &count, &n, &garbage) && n == N && !garbage) ;
  sgstate_close(&st) ;

  {
    sgstateconf conf = { .window = 3600, .kicks = N, .listtime = 3600, .listmax = 86400 } ;
    sgevidence z = SGEVIDENCE_ZERO, t ;
    CHECK(run(1)) ;
    CHECK(sgstate_open(&st, dir, &conf)) ;
    CHECK(sgstate_ledger_add(&st, "10.8.0.1", &z, 1700000060, &t) && t.guessq == N) ;
    /* listed only if all N kicks were counted, and only once */
    CHECK(sgstate_listed(&st, "10.8.0.1", 1700000100, &l) == 1 && l.strikes == 1) ;
    sgstate_close(&st) ;
  }
  return sgtest_end(dir) ;
}
