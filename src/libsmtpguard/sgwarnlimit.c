/* ISC license. */

#include <string.h>

#include <skalibs/types.h>
#include <skalibs/strerr.h>

#include "sgwarnlimit.h"

void sgwarnlimit_fmt (char *buf, size_t max, char const *const *v, unsigned int n, int e)
{
  size_t len = 0 ;
  unsigned int i = 0 ;
  char const *es = e ? strerror(e) : 0 ;
  if (!max) return ;
  for (; i <= n ; i++)
  {
    char const *s = i < n ? v[i] : es ;
    size_t k ;
    if (!s) break ;
    if (i == n && len + 2 < max) { memcpy(buf + len, ": ", 2) ; len += 2 ; }
    k = strlen(s) ;
    if (k > max - 1 - len) k = max - 1 - len ;
    memcpy(buf + len, s, k) ;
    len += k ;
  }
  buf[len] = 0 ;
}

int sgwarnlimit_warn (sgwarnlimit *w, char const *msg, uint64_t now)
{
  if (w->active && !strncmp(w->last, msg, SGWARNLIMIT_MAX - 1) && now >= w->when && now - w->when < SGWARNLIMIT_AGAIN)
  {
    w->repeats++ ;
    return 0 ;
  }
  if (w->active && w->repeats && !strncmp(w->last, msg, SGWARNLIMIT_MAX - 1))
  {
    char fmt[ULONG_FMT] ;
    fmt[ulong_fmt(fmt, w->repeats)] = 0 ;
    strerr_warnw(msg, " - ", fmt, " more times since the last report") ;
  }
  else strerr_warnw1x(msg) ;
  strncpy(w->last, msg, SGWARNLIMIT_MAX - 1) ;
  w->last[SGWARNLIMIT_MAX - 1] = 0 ;
  w->active = 1 ;
  w->when = now ;
  w->repeats = 0 ;
  return 1 ;
}

void sgwarnlimit_forget (sgwarnlimit *w)
{
  w->active = 0 ;
  w->repeats = 0 ;
}

int sgwarnlimit_ok (sgwarnlimit *w)
{
  if (!w->active) return 0 ;
  strerr_warni("recovered: ", w->last) ;
  w->active = 0 ;
  w->repeats = 0 ;
  return 1 ;
}
