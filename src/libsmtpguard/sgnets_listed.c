/* ISC license. */

/* smtpguard -d at connect: networks that tcpserver's rules cannot
   refuse (an IPv6 prefix whose text is not a prefix of its addresses'
   text). One open and a few lookups, only while statedir/nets.cdb
   exists, that is while such a network is listed. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cdb.h>

#include "sgcdbnets.h"
#include "sgnet.h"

int sgnets_listed (int dirfd, char const *ip)
{
  struct cdb c ;
  sgnet h ;
  unsigned char lens[129] ;
  unsigned int nlens, i = 0 ;
  int r = 0 ;
  int fd = openat(dirfd, SGNETS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) ;
  if (fd == -1) return errno == ENOENT ? 0 : -1 ;
  if (!sgnet_from_ip(&h, ip)) { close(fd) ; return 0 ; }
  if (h.family == 4)
  {
    memmove(h.ip + 12, h.ip, 4) ;
    memset(h.ip, 0, 10) ;
    h.ip[10] = h.ip[11] = 0xff ;
    h.family = 6 ;
    h.len = 128 ;
  }
  if (cdb_init(&c, fd) < 0) { close(fd) ; return -1 ; }
  {
    char key[17] ;
    key[0] = 'x' ;
    memcpy(key + 1, h.ip, 16) ;
    if (cdb_find(&c, key, 17) > 0) goto end ;  /* a carve-out */
  }
  if (cdb_find(&c, "lens", 4) <= 0) goto end ;
  nlens = cdb_datalen(&c) ;
  if (nlens > sizeof(lens) || cdb_read(&c, lens, nlens, cdb_datapos(&c)) < 0) { r = -1 ; goto end ; }
  for (; i < nlens && !r ; i++)
  {
    sgnet n = h ;
    char key[18] ;
    if (lens[i] > 128) continue ;
    n.len = lens[i] ;
    sgnet_mask(&n) ;
    key[0] = 'n' ; key[1] = n.len ;
    memcpy(key + 2, n.ip, 16) ;
    r = cdb_find(&c, key, 18) > 0 ;
  }
 end:
  cdb_free(&c) ;
  close(fd) ;
  return r ;
}
