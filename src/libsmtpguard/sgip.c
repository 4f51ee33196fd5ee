/* ISC license. */

/* Client addresses: parse strictly, print one canonical form. The
   canonical text is what Debian's ucspi-tcp-ipv6 tcpserver writes in
   TCPREMOTEIP and looks up in its rules cdb, so that the file names in
   the statedir and the keys smtpguard-cdb writes are the ones tcpserver
   will ask for. Not skalibs' ip4_scan/ip6_scan/ip6_fmt: ip4_scan takes
   leading zeros (ambiguous: octal to inet_aton), ip6_scan neither a
   trailing dotted quad nor "1:2:3:4:5:6:7::", and ip6_fmt does not
   compress a single zero group as tcpserver does. */

#include <string.h>

#include <skalibs/fmtscan.h>

#include "sgip.h"

static int scan4 (char const *s, unsigned char *ip)
{
  unsigned int i = 0 ;
  for (; i < 4 ; i++)
  {
    unsigned int n = 0, digits = 0 ;
    if (i && *s++ != '.') return 0 ;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9') return 0 ;  /* leading zero: ambiguous */
    while (*s >= '0' && *s <= '9' && digits < 4) { n = n * 10 + (*s++ - '0') ; digits++ ; }
    if (!digits || digits > 3 || n > 255) return 0 ;
    ip[i] = n ;
  }
  return !*s ;
}

static int hexval (char c)
{
  if (c >= '0' && c <= '9') return c - '0' ;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10 ;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10 ;
  return -1 ;
}

/* groups before "::" go to the front, groups after it to the back */
static int scan6 (char const *s, unsigned char *ip)
{
  unsigned int g[8] ;
  unsigned int n = 0, gap = 8 ;  /* gap: index in g where "::" was, 8 if none */
  if (s[0] == ':')
  {
    if (s[1] != ':') return 0 ;
    gap = 0 ; s += 2 ;
    if (!*s) goto done ;
  }
  for (;;)
  {
    unsigned int v = 0, digits = 0 ;
    int h ;
    if (n >= 8) return 0 ;
    while ((h = hexval(s[digits])) >= 0 && digits < 5) { v = (v << 4) | h ; digits++ ; }
    if (s[digits] == '.')  /* trailing dotted quad: two groups */
    {
      unsigned char q[4] ;
      if (n > 6 || !scan4(s, q)) return 0 ;
      g[n++] = (q[0] << 8) | q[1] ;
      g[n++] = (q[2] << 8) | q[3] ;
      break ;
    }
    if (!digits || digits > 4) return 0 ;
    g[n++] = v ;
    s += digits ;
    if (!*s) break ;
    if (*s++ != ':') return 0 ;
    if (*s == ':')
    {
      if (gap != 8) return 0 ;
      gap = n ; s++ ;
      if (!*s) break ;
    }
    else if (!*s) return 0 ;  /* trailing single colon */
  }
 done:
  if (gap == 8 ? n != 8 : n > 7) return 0 ;
  {
    unsigned int i, j = 0 ;
    unsigned int zeros = 8 - n ;
    for (i = 0 ; i < 8 ; i++)
    {
      unsigned int v ;
      if (gap != 8 && i >= gap && i < gap + zeros) v = 0 ;
      else v = g[j++] ;
      ip[i << 1] = v >> 8 ;
      ip[(i << 1) + 1] = v & 0xff ;
    }
  }
  return 1 ;
}

int sgip_scan (char const *in, unsigned char *ip16)
{
  static unsigned char const mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff } ;
  size_t len = strnlen(in, SGIP_MAX) ;
  if (!len || len >= SGIP_MAX) return 0 ;  /* the longest valid text is 45 bytes */
  if (scan4(in, ip16)) return 4 ;
  if (!strchr(in, ':') || !scan6(in, ip16)) return 0 ;
  if (!memcmp(ip16, mapped, 12))
  {
    memmove(ip16, ip16 + 12, 4) ;
    return 4 ;
  }
  return 6 ;
}

static size_t fmthex (char *s, unsigned int v)
{
  static char const digits[] = "0123456789abcdef" ;
  size_t len = 0 ;
  int shift = 12 ;
  while (shift > 0 && !(v >> shift)) shift -= 4 ;
  for (; shift >= 0 ; shift -= 4) s[len++] = digits[(v >> shift) & 15] ;
  return len ;
}

size_t sgip_fmt6 (char *s, unsigned char const *ip)
{
  unsigned int best = 0, bestlen = 0, i = 0 ;
  size_t len = 0 ;
  while (i < 8)  /* longest run of zero groups, first on a tie, length >= 1 */
  {
    unsigned int j = i ;
    while (j < 8 && !ip[j << 1] && !ip[(j << 1) + 1]) j++ ;
    if (j - i > bestlen) { best = i ; bestlen = j - i ; }
    i = j > i ? j : i + 1 ;
  }
  for (i = 0 ; i < 8 ; i++)
  {
    if (bestlen && i == best)
    {
      if (!i) s[len++] = ':' ;
      s[len++] = ':' ;
      i += bestlen - 1 ;
      continue ;
    }
    len += fmthex(s + len, ((unsigned int)ip[i << 1] << 8) | ip[(i << 1) + 1]) ;
    if (i < 7) s[len++] = ':' ;
  }
  return len ;
}

int sgip_canon (char *out, char const *in)
{
  unsigned char ip[16] ;
  int r ;
  /* what scan4 takes (no leading zeros, nothing but the dotted quad) is
     already canonical: its own form, without formatting it again */
  if (scan4(in, ip)) { memmove(out, in, strlen(in) + 1) ; return 4 ; }
  r = sgip_scan(in, ip) ;
  if (r == 4) out[ip4_fmt(out, (char const *)ip)] = 0 ;
  else if (r == 6) out[sgip_fmt6(out, ip)] = 0 ;
  return r ;
}
