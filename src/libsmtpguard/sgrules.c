/* ISC license. */

/* tcprules' language, record for record. Written from tcprules(1) and
   checked against Debian's tcprules by tests/cdb-tcprules.sh:
   - lines end at \n; the last one may lack it; a line starting with #
     or empty is skipped; trailing spaces, tabs (and the \n) are cut;
   - a line with no colon is skipped;
   - address:allow or address:deny ("deny" -> data "D\0", "allow" -> no
     data), then any number of ,VAR<q>value<q> where <q> is whatever
     character follows the = ("+VAR=value\0" each);
   - an address without = or @ that has a - is a range on one component:
     "10.1-3." -> keys 10.1., 10.2., 10.3. (top capped at 255, empty
     numbers are 0, digits parsed as tcprules does, wrapping);
   - duplicate keys are all written, in order: cdb lookups find the first.
   Where tcprules finds the address's end at the first colon, this parser
   prefers the first colon followed by "allow" or "deny", as IPv6 builds
   of tcprules do: the same whenever tcprules accepts the line, and it
   lets IPv6 addresses be keys. */

#include <errno.h>
#include <string.h>

#include <skalibs/stralloc.h>
#include <skalibs/types.h>

#include "sgrules.h"

static int isdecision (char const *s, size_t len)
{
  return (len >= 4 && !memcmp(s, "deny", 4)) || (len >= 5 && !memcmp(s, "allow", 5)) ;
}

/* tcprules' getnum: digits up to the end or a NUL, else an error */
static int getnum (char const *s, size_t len, uint64_t *u)
{
  uint64_t r = 0 ;
  size_t i = 0 ;
  for (; i < len && s[i] >= '0' && s[i] <= '9' ; i++) r = r * 10 + (s[i] - '0') ;
  if (i < len && s[i]) return 0 ;
  *u = r ;
  return 1 ;
}

static int doaddress (char const *a, size_t alen, stralloc *data, sgrules_addfunc *add, void *ctx, char const **what)
{
  char const *dash = memchr(a, '-', alen) ;
  if (dash && !memchr(a, '=', alen) && !memchr(a, '@', alen))
  {
    stralloc key = STRALLOC_ZERO ;
    int r = 1 ;
    size_t i = dash - a, left = i, right ;
    uint64_t bot, top ;
    while (left && a[left - 1] != '.') left-- ;
    right = i + 1 ;
    while (right < alen && a[right] != '.') right++ ;
    if (!getnum(a + left, i - left, &bot) || !getnum(a + i + 1, right - i - 1, &top))
    {
      *what = "bad number in address range" ;
      return 0 ;
    }
    if (top > 255) top = 255 ;
    if (!stralloc_ready(&key, left + UINT64_FMT + (alen - right))) return -1 ;
    memcpy(key.s, a, left) ;
    for (; bot <= top ; bot++)
    {
      size_t n = left + uint64_fmt(key.s + left, bot) ;
      memcpy(key.s + n, a + right, alen - right) ;
      if (!(*add)(key.s, n + alen - right, data->s, data->len, ctx)) { r = -1 ; break ; }
    }
    stralloc_free(&key) ;
    return r ;
  }
  return (*add)(a, alen, data->s, data->len, ctx) ? 1 : -1 ;
}

static int doline (char const *x, size_t len, stralloc *data, sgrules_addfunc *add, void *ctx, char const **what)
{
  char const *addr = x ;
  size_t colon = 0, alen ;
  {
    char const *c = memchr(x, ':', len) ;
    if (!c) return 1 ;
    colon = c - x ;
    for (;;)
    {
      if (isdecision(c + 1, len - (c + 1 - x))) { colon = c - x ; break ; }
      c = memchr(c + 1, ':', len - (c + 1 - x)) ;
      if (!c) break ;
    }
  }
  alen = colon ;
  x += colon + 1 ; len -= colon + 1 ;
  data->len = 0 ;
  if (len >= 4 && !memcmp(x, "deny", 4))
  {
    if (!stralloc_catb(data, "D", 2)) return -1 ;
    x += 4 ; len -= 4 ;
  }
  else if (len >= 5 && !memcmp(x, "allow", 5)) { x += 5 ; len -= 5 ; }
  else { *what = "expected allow or deny after the address" ; return 0 ; }
  while (len)
  {
    char const *eq ;
    char const *end ;
    size_t i ;
    char q ;
    if (*x != ',') { *what = "expected a comma before an instruction" ; return 0 ; }
    eq = memchr(x, '=', len) ;
    if (!eq) { *what = "expected VAR=value after a comma" ; return 0 ; }
    i = eq - x ;
    if (!stralloc_catb(data, "+", 1) || !stralloc_catb(data, x + 1, i)) return -1 ;
    x += i + 1 ; len -= i + 1 ;
    if (!len) { *what = "missing value after =" ; return 0 ; }
    q = *x++ ; len-- ;
    end = memchr(x, q, len) ;
    if (!end) { *what = "unterminated value: no closing quote" ; return 0 ; }
    i = end - x ;
    if (!stralloc_catb(data, x, i) || !stralloc_0(data)) return -1 ;
    x += i + 1 ; len -= i + 1 ;
  }
  return doaddress(addr, alen, data, add, ctx, what) ;
}

int sgrules_parse (char const *s, size_t len, sgrules_addfunc *add, void *ctx, size_t *errline, char const **errwhat)
{
  stralloc data = STRALLOC_ZERO ;
  size_t line = 0 ;
  int r = 1 ;
  while (len)
  {
    char const *nl = memchr(s, '\n', len) ;
    size_t n = nl ? (size_t)(nl - s) : len ;
    size_t next = nl ? n + 1 : n ;
    line++ ;
    if (n && s[0] != '#')
    {
      while (n && (s[n-1] == ' ' || s[n-1] == '\t')) n-- ;
      r = doline(s, n, &data, add, ctx, errwhat) ;
      if (r <= 0) break ;
    }
    s += next ; len -= next ;
  }
  stralloc_free(&data) ;
  if (!r) *errline = line ;
  return r ;
}
