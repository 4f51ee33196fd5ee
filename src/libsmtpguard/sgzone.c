/* ISC license. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>

#include "sgisotime.h"
#include "sgnet.h"
#include "sgzone.h"

int sgzone_start (sgzone *z, char const *path, unsigned int family, uint64_t now)
{
  char stamp[SGISOTIME_LEN + 1] ;
  z->path = path ;
  z->family = family ;
  z->sa = stralloc_zero ;
  stamp[sgisotime_fmt(stamp, now)] = 0 ;
  if (stralloc_cats(&z->sa, family == 4 ? "# ip4trie" : "# ip6trie")
   && stralloc_cats(&z->sa, " dataset of smtpguard's listings, written ")
   && stralloc_cats(&z->sa, stamp)
   && stralloc_cats(&z->sa, "\n:127.0.0.2:listed by smtpguard\n")) return 1 ;
  sgzone_abort(z) ;
  return 0 ;
}

int sgzone_add (sgzone *z, sgnet const *n, char const *what, uint64_t until)
{
  char net[SGNET_FMTMAX] ;
  char t[SGISOTIME_LEN] ;
  if (n->family != z->family) return 1 ;
  sgnet_fmt(net, n) ;
  return stralloc_cats(&z->sa, net)
    && stralloc_cats(&z->sa, " :127.0.0.2:listed by smtpguard (")
    && stralloc_cats(&z->sa, what)
    && stralloc_cats(&z->sa, ") until ")
    && stralloc_catb(&z->sa, t, sgisotime_fmt(t, until))
    && stralloc_catb(&z->sa, "\n", 1) ;
}

int sgzone_exclude (sgzone *z, sgnet const *n)
{
  char net[SGNET_FMTMAX] ;
  if (n->family != z->family) return 1 ;
  sgnet_fmt(net, n) ;
  return stralloc_catb(&z->sa, "!", 1) && stralloc_cats(&z->sa, net) && stralloc_catb(&z->sa, "\n", 1) ;
}

/* skalibs: <path>.tmp.<pid>, fsync, rename: rbldnsd never reads half a file */
int sgzone_finish (sgzone *z)
{
  char suffix[5 + UINT64_FMT] ;
  int r ;
  memcpy(suffix, ".tmp.", 5) ;
  suffix[5 + uint64_fmt(suffix + 5, (uint64_t)getpid())] = 0 ;
  r = openwritenclose_suffix_sync(z->path, z->sa.s, z->sa.len, suffix) ;
  sgzone_abort(z) ;
  return r ;
}

void sgzone_abort (sgzone *z)
{
  int e = errno ;
  stralloc_free(&z->sa) ;
  errno = e ;
}
