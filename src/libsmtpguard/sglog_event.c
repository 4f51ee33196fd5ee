/* ISC license. */

#include <string.h>

#include "sgjudge.h"
#include "sglisting.h"
#include "sglog.h"
#include "sgpolicy.h"
#include "sgsession.h"

/* The log lines of smtpguard's events, one function a kind, so that
   their format lives in one place (doc/smtpguard.html lists them). */

void sglog_kick (char const *prog, char const *what, char const *ip, unsigned int reason, sgcounts const *c, sgverdict const *v, int list)
{
  sglog l ;
  sglog_start(&l, prog, "info") ;
  sglog_puts(&l, " ") ;
  sglog_puts(&l, what) ;
  sglog_kv(&l, "ip", ip) ;
  sglog_kv(&l, "reason", sgreason_name(reason)) ;
  sglog_counts(&l, c) ;
  if (v)
  {
    sglog_u64(&l, "guesses", v->guesses) ;
    sglog_u64(&l, "limit", v->limit) ;
    sglog_u64(&l, "delivered", v->deliv) ;
    sglog_kv(&l, "history", v->history ? "yes" : "no") ;
  }
  if (list >= 0) sglog_kv(&l, "list", list ? "yes" : "no") ;
  sglog_flush(&l) ;
}

void sglog_listing (char const *prog, char const *what, char const *ip, sglisting const *li)
{
  sglog l ;
  sglog_start(&l, prog, "info") ;
  sglog_puts(&l, " ") ;
  sglog_puts(&l, what) ;
  sglog_kv(&l, "ip", ip) ;
  sglog_kv(&l, "reason", sgreason_name(li->reason)) ;
  sglog_u64(&l, "until", li->until) ;
  if (!strcmp(what, "listed")) sglog_u64(&l, "strikes", li->strikes) ;
  sglog_flush(&l) ;
}

/* what ip=IP [key=val] */
void sglog_word (char const *prog, char const *level, char const *what, char const *ip, char const *key, char const *val)
{
  sglog l ;
  sglog_start(&l, prog, level) ;
  sglog_puts(&l, " ") ;
  sglog_puts(&l, what) ;
  if (ip) sglog_kv(&l, "ip", ip) ;
  if (key) sglog_kv(&l, key, val) ;
  sglog_flush(&l) ;
}

void sglog_session (char const *prog, char const *ip, sgsession const *s, sgsessionend const *e)
{
  sglog l ;
  char const *how = e->how ;
  if (s->quit && (!strcmp(how, "server-eof") || !strcmp(how, "client-eof"))) how = "quit" ;
  sglog_start(&l, prog, "info") ;
  sglog_puts(&l, " session") ;
  sglog_kv(&l, "ip", ip) ;
  if (s->scan.helolen) sglog_kvn(&l, "helo", s->scan.helo, s->scan.helolen) ;
  sglog_kv(&l, "end", how) ;
  sglog_counts(&l, &s->counts) ;
  if (s->authed) sglog_kv(&l, "auth", "yes") ;
  if (s->blind) sglog_kv(&l, "tls", "blind") ;
  sglog_u64(&l, "in", e->in) ;
  sglog_u64(&l, "out", e->out) ;
  sglog_u64(&l, "ms", e->ms) ;
  sglog_u64(&l, "status", e->status) ;
  sglog_flush(&l) ;
}
