/* ISC license. */

/* Whole-directory walk, for the tools only (smtpguard-cdb, -list): a
   session never scans, whatever the number of listed IPs. */

#include <errno.h>
#include <dirent.h>
#include <string.h>

#include "sgdir.h"
#include "sgip.h"
#include "sglisting.h"
#include "sgstate.h"

int sgstate_foreach (sgstate *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  DIR *d = sgdir_open(st->listedfd) ;
  if (!d) return 0 ;
  for (;;)
  {
    struct dirent *de ;
    sglisting l ;
    char cip[SGIP_MAX] ;
    errno = 0 ;
    de = readdir(d) ;
    if (!de) break ;
    if (de->d_name[0] == '.') continue ;  /* ., .., temporaries */
    if (!sgip_canon(cip, de->d_name) || strcmp(cip, de->d_name)
     || sglisting_read(st->listedfd, cip, &l) <= 0)
    {
      if (bad) (*bad)++ ;
      continue ;
    }
    if (!(*f)(&l, ctx)) { int e = errno ; closedir(d) ; errno = e ; return 0 ; }
  }
  {
    int e = errno ;
    closedir(d) ;
    errno = e ;
    return !e ;
  }
}
