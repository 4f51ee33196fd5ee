/* ISC license. */

/* Whole-directory walks, for the tools only (smtpguard-cdb, -list): a
   session never scans, whatever the number of listed IPs. */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sgip.h"
#include "sglisting.h"
#include "sgstate.h"

static DIR *opensub (int fd)
{
  DIR *d ;
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (dfd == -1) return 0 ;
  d = fdopendir(dfd) ;
  if (!d) { int e = errno ; close(dfd) ; errno = e ; }
  return d ;
}

int sgstate_foreach (sgstate *st, sglisting_func *f, void *ctx, unsigned int *bad)
{
  DIR *d = opensub(st->listedfd) ;
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
