/* ISC license. */

/* Test helper for the statedir suites (built by tests/state/statelib.sh,
   linked with libsmtpguard):
     sgstatetool kick DIR IP [reason]    one kick, as a session would
     sgstatetool burst DIR N A.B.        N processes at once, each kicking
                                         A.B.<i/250>.<1+i%250>
     sgstatetool listed DIR IP           exit 0 if listed now
   Linked with the test clock: SMTPGUARD_NOW applies. Exit 111 on error. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include "sgclock.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

static int kick (char const *dir, char const *ip, unsigned int reason)
{
  sgstate st ;
  sglisting l ;
  int r ;
  if (!sgstate_open(&st, dir, 0)) { perror("sgstate_open") ; return 111 ; }
  r = sgstate_kick(&st, ip, reason, sgnow(), &l) ;
  if (r < 0) { perror("sgstate_kick") ; return 111 ; }
  sgstate_close(&st) ;
  return r ? 0 : 1 ;
}

int main (int argc, char **argv)
{
  if (argc >= 4 && !strcmp(argv[1], "kick"))
    return kick(argv[2], argv[3], argc > 4 ? sgreason_scan(argv[4]) : SGR_BADRCPT) ;
  if (argc == 4 && !strcmp(argv[1], "history"))
  {
    /* one delivery recorded for IP, as a session that delivered would */
    sgstate st ;
    int r ;
    if (!sgstate_open(&st, argv[2], 0)) { perror("sgstate_open") ; return 111 ; }
    r = sgstate_delivered(&st, argv[3], 1, sgnow()) ;
    sgstate_close(&st) ;
    return r ? 0 : 111 ;
  }
  if (argc == 4 && !strcmp(argv[1], "listed"))
  {
    sgstate st ;
    sglisting l ;
    int r ;
    if (!sgstate_open(&st, argv[2], 0)) return 111 ;
    r = sgstate_listed(&st, argv[3], sgnow(), &l) ;
    return r < 0 ? 111 : !r ;
  }
  if (argc == 5 && !strcmp(argv[1], "burst"))
  {
    unsigned int n = atoi(argv[3]), i, bad = 0 ;
    int p[2] ;
    if (pipe(p) == -1) return 111 ;
    for (i = 0 ; i < n ; i++)
    {
      pid_t pid = fork() ;
      if (pid == -1) { bad++ ; break ; }
      if (!pid)
      {
        char ip[SGIP_MAX + 16] ;
        char c ;
        close(p[1]) ;
        if (read(p[0], &c, 1) < 0) _exit(111) ;
        snprintf(ip, sizeof(ip), "%s%u.%u", argv[4], i / 250, 1 + i % 250) ;
        _exit(kick(argv[2], ip, SGR_BADRCPT)) ;
      }
    }
    close(p[0]) ; close(p[1]) ;
    for (;;)
    {
      int w ;
      if (wait(&w) == -1) break ;
      if (!WIFEXITED(w) || WEXITSTATUS(w)) bad++ ;
    }
    return bad ? 1 : 0 ;
  }
  fprintf(stderr, "usage: sgstatetool kick|burst|listed ...\n") ;
  return 100 ;
}
