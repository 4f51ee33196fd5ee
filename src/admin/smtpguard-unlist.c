/* ISC license. */

/* smtpguard-unlist -d statedir ip...
   Removes listings (with their strikes and the IPs' ledgers) and pokes
   smtpguard-cdb -w. Every argument is validated before anything is
   removed. Exit 0: all were listed and are gone; 1: some were not
   listed (each named on stderr); 100: usage or an invalid IP; 111:
   system error. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>

#include "sgip.h"
#include "sgstate.h"

#define USAGE "smtpguard-unlist -d statedir ip..."
#define dieusage() strerr_dieusage(100, USAGE)

char const *PROG = "smtpguard-unlist" ;

int main (int argc, char const *const *argv)
{
  char const *dir = 0 ;
  sgstate st ;
  int notfound = 0 ;
  int i ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "d:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 'd' : dir = l.arg ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (!dir || !argc) dieusage() ;
  for (i = 0 ; i < argc ; i++)
  {
    char cip[SGIP_MAX] ;
    if (!sgip_canon(cip, argv[i])) strerr_dief(100, "invalid IP address: ", argv[i]) ;
  }
  if (!sgstate_open(&st, dir, 0)) strerr_diefsys(111, "unable to ", "open statedir ", dir) ;
  for (i = 0 ; i < argc ; i++)
  {
    char cip[SGIP_MAX] ;
    int r ;
    sgip_canon(cip, argv[i]) ;
    r = sgstate_unlist(&st, cip) ;
    if (r < 0) strerr_diefsys(111, "unable to ", "unlist ", cip) ;
    if (r) strerr_warni("unlisted ", cip) ;
    else { strerr_warnw("not listed: ", cip) ; notfound = 1 ; }
  }
  sgstate_close(&st) ;
  return notfound ;
}
