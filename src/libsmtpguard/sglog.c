/* ISC license. */

#include <string.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/types.h>

#include "sgescape.h"
#include "sglog.h"
#include "sgpolicy.h"

/* Lines are built in memory and written with one write(2): stderr is
   usually a pipe to multilog, where writes up to PIPE_BUF are atomic. */

void sglog_putn (sglog *l, char const *s, size_t n)
{
  size_t room = SGLOG_MAX - 1 - l->len ;
  if (n > room) n = room ;
  memcpy(l->buf + l->len, s, n) ;
  l->len += n ;
}

void sglog_puts (sglog *l, char const *s)
{
  sglog_putn(l, s, strlen(s)) ;
}

void sglog_start (sglog *l, char const *prog, char const *level)
{
  l->len = 0 ;
  sglog_puts(l, prog) ;
  sglog_puts(l, ": ") ;
  sglog_puts(l, level) ;
  sglog_puts(l, ":") ;
}

void sglog_escn (sglog *l, char const *s, size_t n)
{
  char tmp[256] ;
  while (n)
  {
    size_t chunk = n > sizeof(tmp) / 4 ? sizeof(tmp) / 4 : n ;
    sglog_putn(l, tmp, sgescape(tmp, s, chunk)) ;
    s += chunk ; n -= chunk ;
  }
}

void sglog_kvn (sglog *l, char const *key, char const *val, size_t n)
{
  sglog_puts(l, " ") ;
  sglog_puts(l, key) ;
  sglog_puts(l, "=") ;
  sglog_escn(l, val, n) ;
}

void sglog_kv (sglog *l, char const *key, char const *val)
{
  sglog_kvn(l, key, val, strlen(val)) ;
}

void sglog_u64 (sglog *l, char const *key, uint64_t u)
{
  char fmt[UINT64_FMT] ;
  sglog_puts(l, " ") ;
  sglog_puts(l, key) ;
  sglog_puts(l, "=") ;
  sglog_putn(l, fmt, uint64_fmt(fmt, u)) ;
}

void sglog_counts (sglog *l, sgcounts const *c)
{
  sglog_u64(l, "bad", c->bad) ;
  sglog_u64(l, "good", c->good) ;
  sglog_u64(l, "rset", c->rset) ;
  sglog_u64(l, "authfail", c->authfail) ;
  sglog_u64(l, "errors", c->errors) ;
}

void sglog_flush (sglog *l)
{
  l->buf[l->len++] = '\n' ;
  allwrite(2, l->buf, l->len) ;
  l->len = 0 ;
}
