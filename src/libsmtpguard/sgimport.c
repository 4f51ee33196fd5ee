/* ISC license. */

#include <string.h>

#include "sgimport.h"
#include "sgisotime.h"
#include "sgnet.h"

#define LINEMAX 1024

/* the "until <time>" in a value, 0 if none */
static uint64_t until_of (char const *v)
{
  char const *p = v ;
  while ((p = strstr(p, "until ")))
  {
    uint64_t t ;
    p += 6 ;
    if (sgisotime_scan(p, &t)) return t ;
  }
  return 0 ;
}

static int line (char *s, uint64_t now, uint64_t *defuntil, sgimport_func *f, void *p, size_t *bad)
{
  sgnet n ;
  size_t i ;
  int excluded = 0 ;
  uint64_t until ;
  while (*s == ' ' || *s == '\t') s++ ;
  if (!*s || *s == '#' || *s == ';' || *s == '$') return 1 ;
  if (*s == ':') { *defuntil = until_of(s) ; return 1 ; }
  if (*s == '!') { excluded = 1 ; s++ ; }
  i = sgnet_scan(s, &n) ;
  if (!i || (s[i] && s[i] != ' ' && s[i] != '\t')) { (*bad)++ ; return 1 ; }
  until = until_of(s + i) ;
  if (!until) until = *defuntil ;
  if (!excluded && until && until <= now) return 1 ;
  return (*f)(&n, excluded, excluded ? 0 : until, p) ;
}

int sgimport_parse (char const *s, size_t len, uint64_t now, sgimport_func *f, void *p, size_t *bad)
{
  uint64_t defuntil = 0 ;
  size_t pos = 0 ;
  *bad = 0 ;
  while (pos < len)
  {
    char buf[LINEMAX] ;
    char const *nl = memchr(s + pos, '\n', len - pos) ;
    size_t n = (nl ? (size_t)(nl - s) : len) - pos ;
    if (n && s[pos + n - 1] == '\r') n-- ;
    if (n >= sizeof(buf) || memchr(s + pos, 0, n)) (*bad)++ ;
    else
    {
      memcpy(buf, s + pos, n) ;
      buf[n] = 0 ;
      if (!line(buf, now, &defuntil, f, p, bad)) return 0 ;
    }
    pos = nl ? (size_t)(nl - s) + 1 : len ;
  }
  return 1 ;
}
