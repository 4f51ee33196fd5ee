/* ISC license. */

#include <string.h>

#include <skalibs/types.h>

#include "sgip.h"
#include "sgnet.h"

void sgnet_mask (sgnet *n)
{
  unsigned int bits = n->family == 4 ? 32 : 128 ;
  unsigned int i = n->len ;
  for (; i < bits ; i++) n->ip[i >> 3] &= (unsigned char)~(0x80u >> (i & 7)) ;
}

static int masked (sgnet const *n)
{
  sgnet m = *n ;
  sgnet_mask(&m) ;
  return !memcmp(m.ip, n->ip, 16) ;
}

static size_t scan4 (char const *s, sgnet *n)
{
  size_t i = 0, octets = 0 ;
  memset(n, 0, sizeof(*n)) ;
  n->family = 4 ;
  while (octets < 4)
  {
    unsigned int v = 0, d = 0 ;
    while (s[i] >= '0' && s[i] <= '9' && d < 4) { v = v * 10 + (s[i++] - '0') ; d++ ; }
    if (!d || d > 3 || v > 255) return 0 ;
    n->ip[octets++] = v ;
    if (s[i] != '.' || s[i+1] < '0' || s[i+1] > '9') break ;
    i++ ;
  }
  n->len = octets * 8 ;
  return i ;
}

static size_t scan6 (char const *s, sgnet *n)
{
  char buf[SGIP_MAX + 4] ;
  size_t i = 0 ;
  while ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' || s[i] == '.')
    if (++i >= SGIP_MAX) return 0 ;
  memcpy(buf, s, i) ;
  buf[i] = 0 ;
  memset(n, 0, sizeof(*n)) ;
  n->family = 6 ;
  n->len = 128 ;
  if (sgip_scan(buf, n->ip) == 6) return i ;
  /* rbldnsd lets trailing zero groups go unwritten: "2001:db8:c000" */
  if (strstr(buf, "::") || i + 3 > sizeof(buf) || i < 1 || buf[i-1] == ':') return 0 ;
  memcpy(buf + i, "::", 3) ;
  return sgip_scan(buf, n->ip) == 6 ? i : 0 ;
}

size_t sgnet_scan (char const *s, sgnet *n)
{
  size_t tok = strcspn(s, " \t\r\n") ;
  size_t i = memchr(s, ':', tok) ? scan6(s, n) : scan4(s, n) ;
  if (!i) return 0 ;
  if (s[i] == '/')
  {
    unsigned int len ;
    size_t j = uint_scan(s + i + 1, &len) ;
    if (!j || j > 3 || len > (n->family == 4 ? 32u : 128u)) return 0 ;
    n->len = len ;
    i += 1 + j ;
  }
  else if (n->family == 4 && n->len < 32 && n->len != 8 * 3 && n->len != 16 && n->len != 8) return 0 ;
  return masked(n) ? i : 0 ;
}

size_t sgnet_fmt (char *s, sgnet const *n)
{
  size_t len = 0 ;
  unsigned int full = n->family == 4 ? 32 : 128 ;
  if (n->family == 4)
  {
    unsigned int i = 0 ;
    for (; i < 4 ; i++)
    {
      if (i) s[len++] = '.' ;
      len += uint_fmt(s + len, n->ip[i]) ;
    }
  }
  else len = sgip_fmt6(s, n->ip) ;
  if (n->len != full) { s[len++] = '/' ; len += uint_fmt(s + len, n->len) ; }
  s[len] = 0 ;
  return len ;
}

int sgnet_contains (sgnet const *net, sgnet const *a)
{
  sgnet m = *a ;
  if (net->family != a->family || a->len < net->len) return 0 ;
  m.len = net->len ;
  sgnet_mask(&m) ;
  return !memcmp(m.ip, net->ip, 16) ;
}

int sgnet_from_ip (sgnet *n, char const *ip)
{
  int r ;
  memset(n, 0, sizeof(*n)) ;
  r = sgip_scan(ip, n->ip) ;
  if (!r) return 0 ;
  if (r == 4) memset(n->ip + 4, 0, 12) ;
  n->family = r ;
  n->len = r == 4 ? 32 : 128 ;
  return 1 ;
}

static int keys4 (sgnet const *n, sgnet_keyfunc *f, void *p)
{
  /* round the length up to an octet boundary; one key per sub-net */
  unsigned int keylen = n->len > 24 ? 32 : n->len > 16 ? 24 : n->len > 8 ? 16 : 8 ;
  unsigned int count = 1u << (keylen - n->len), i = 0 ;
  uint32_t base = (uint32_t)n->ip[0] << 24 | (uint32_t)n->ip[1] << 16 | (uint32_t)n->ip[2] << 8 | n->ip[3] ;
  if (!n->len) return 0 ;  /* the whole space: not a listing */
  for (; i < count ; i++)
  {
    char key[20] ;
    size_t len = 0 ;
    uint32_t a = base + (i << (32 - keylen)) ;
    unsigned int o = 0 ;
    for (; o < keylen / 8 ; o++)
    {
      len += uint_fmt(key + len, (a >> (24 - 8 * o)) & 0xff) ;
      if (keylen < 32 || o < 3) key[len++] = '.' ;
    }
    if (!(*f)(key, len, p)) return -1 ;
  }
  return 1 ;
}

static int keys6 (sgnet const *n, sgnet_keyfunc *f, void *p)
{
  char key[SGIP_MAX] ;
  size_t len = 0 ;
  unsigned int g = 0 ;
  if (n->len == 128)
  {
    len = sgip_fmt6(key, n->ip) ;
    return (*f)(key, len, p) ? 1 : -1 ;
  }
  if (!n->len || n->len & 15) return 0 ;
  for (; g < n->len / 16u ; g++)
  {
    unsigned int v = n->ip[2*g] << 8 | n->ip[2*g+1] ;
    if (!v) return 0 ;
    len += uint16_xfmt(key + len, v) ;
    key[len++] = ':' ;
  }
  return (*f)(key, len, p) ? 1 : -1 ;
}

int sgnet_keys (sgnet const *n, sgnet_keyfunc *f, void *p)
{
  return n->family == 4 ? keys4(n, f, p) : keys6(n, f, p) ;
}
