/* ISC license. */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <unistd.h>

#include "sgdir.h"

DIR *sgdir_open (int fd)
{
  DIR *d ;
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) ;
  if (dfd == -1) return 0 ;
  d = fdopendir(dfd) ;
  if (!d) { int e = errno ; close(dfd) ; errno = e ; }
  return d ;
}
