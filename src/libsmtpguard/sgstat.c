/* ISC license. */

/* smtpguard-stat's reader: one log line at a time into the counters.
   Log lines are not trusted: an event is counted only when every field
   it is counted by parses exactly, and the address is a valid one (or
   "unknown", what smtpguard logs without TCPREMOTEIP). */

#include <stdlib.h>
#include <string.h>

#include <skalibs/types.h>

#include "sgip.h"
#include "sgpolicy.h"
#include "sgstat.h"

char const *const sgstat_endname[SGSTAT_END_N] =
{
  "quit", "client-eof", "client-gone", "server-eof", "kick", "signal", "timeout", "other"
} ;

int sgstat_init (sgstat *st, size_t cap)
{
  memset(st, 0, sizeof(*st)) ;
  if (!sgstattable_init(&st->ips, cap)) return 0 ;
  if (!sgstattable_init(&st->nets, cap)) { free(st->ips.e) ; st->ips.e = 0 ; return 0 ; }
  return 1 ;
}

void sgstat_free (sgstat *st)
{
  free(st->ips.e) ; free(st->nets.e) ;
  st->ips.e = st->nets.e = 0 ;
}

/* the IP's entry (0 if "unknown" or not tracked) and its network's */
static sgstatent *lookup (sgstat *st, char const *s, sgstatent **net)
{
  unsigned char key[17] = { 0 } ;
  unsigned char nkey[17] ;
  int isnew = 0, nnew = 0 ;
  int fam = sgip_scan(s, key + 1) ;
  sgstatent *e ;
  *net = 0 ;
  if (!fam) { st->noip++ ; return 0 ; }
  key[0] = fam ;
  e = sgstattable_get(&st->ips, key, &isnew) ;
  if (!e) { st->untracked++ ; return 0 ; }
  memcpy(nkey, key, 17) ;
  if (fam == 4) nkey[4] = 0 ; else memset(nkey + 9, 0, 8) ;
  *net = sgstattable_get(&st->nets, nkey, &nnew) ;
  if (*net && isnew) (*net)->ips++ ;
  return e ;
}

typedef struct fields_s fields ;
struct fields_s
{
  char const *ip, *reason, *end, *auth, *tls, *bad, *good, *verdict, *list, *history, *delivered ;
} ;

static int num (char const *s, uint64_t *u)
{
  size_t n ;
  if (!s) return 0 ;
  n = uint64_scan(s, u) ;
  return n && !s[n] ;
}

/* splits "k=v k=v ..." in place; 0 if a token is not k=v */
static int split (char *s, fields *f)
{
  memset(f, 0, sizeof(*f)) ;
  while (*s)
  {
    char *k = s, *v ;
    char *sp = strchr(s, ' ') ;
    if (sp) { *sp = 0 ; s = sp + 1 ; } else s += strlen(s) ;
    v = strchr(k, '=') ;
    if (!v || v == k) return 0 ;
    *v++ = 0 ;
    if (!strcmp(k, "ip")) f->ip = v ;
    else if (!strcmp(k, "reason")) f->reason = v ;
    else if (!strcmp(k, "end")) f->end = v ;
    else if (!strcmp(k, "auth")) f->auth = v ;
    else if (!strcmp(k, "tls")) f->tls = v ;
    else if (!strcmp(k, "bad")) f->bad = v ;
    else if (!strcmp(k, "good")) f->good = v ;
    else if (!strcmp(k, "verdict")) f->verdict = v ;
    else if (!strcmp(k, "list")) f->list = v ;
    else if (!strcmp(k, "history")) f->history = v ;
    else if (!strcmp(k, "delivered")) f->delivered = v ;
  }
  return 1 ;
}

static int reason_of (char const *s)
{
  unsigned int r ;
  if (!s) return -1 ;
  r = sgreason_scan(s) ;
  return r == SGR_NONE ? -1 : (int)r ;
}

/* a (would)kick line's judgement fields, when there are any: 1 if the
   IP had delivered mail here (history=yes, or delivered=D > 0 over the
   window), 0 if not, -1 if a field does not parse */
static int hadmail (fields const *f)
{
  uint64_t d = 0 ;
  int h = 0 ;
  if (f->history)
  {
    if (!strcmp(f->history, "yes")) h = 1 ;
    else if (strcmp(f->history, "no")) return -1 ;
  }
  if (f->delivered && !num(f->delivered, &d)) return -1 ;
  return h || d ;
}

/* the text after "smtpguard: info: "; 1 counted, 0 not ours */
static int event (sgstat *st, char *s)
{
  fields f ;
  sgstatent *e, *net ;
  uint64_t bad = 0, good = 0 ;
  unsigned char tmp[16] ;
  char *sp = strchr(s, ' ') ;
  char const *what = s ;
  int r ;
  if (!sp) return 0 ;
  *sp = 0 ;
  if (!split(sp + 1, &f) || !f.ip) return 0 ;
  if (strcmp(f.ip, "unknown") && !sgip_scan(f.ip, tmp)) return 0 ;
  if (!strcmp(what, "kick") || !strcmp(what, "wouldkick"))
  {
    int mailer ;
    r = reason_of(f.reason) ;
    if (r < 0 || !num(f.bad, &bad)) return 0 ;
    mailer = hadmail(&f) ;
    if (mailer < 0) return 0 ;
    if (what[0] == 'w')
    {
      st->wouldkicks[r]++ ;
      if (f.list && !strcmp(f.list, "yes")) st->wouldlists++ ;
      if (mailer)
      {
        st->mailerwouldkicks++ ;
        e = lookup(st, f.ip, &net) ;
        if (e && e->mailer < UINT32_MAX) e->mailer++ ;
      }
      return 1 ;
    }
    st->kicks[r]++ ;
    if (mailer) st->mailerkicks++ ;
    e = lookup(st, f.ip, &net) ;
    if (e) { e->kicks++ ; e->badkick += bad ; if (mailer && e->mailer < UINT32_MAX) e->mailer++ ; }
    if (net) { net->kicks++ ; net->badkick += bad ; }
  }
  else if (!strcmp(what, "listed"))
  {
    if (reason_of(f.reason) < 0) return 0 ;
    st->listings++ ;
    e = lookup(st, f.ip, &net) ;
    if (e) e->listed++ ;
    if (net) net->listed++ ;
  }
  else if (!strcmp(what, "refused"))
  {
    st->refused++ ;
    e = lookup(st, f.ip, &net) ;
    if (e) e->refused++ ;
    if (net) net->refused++ ;
  }
  else if (!strcmp(what, "blind"))
  {
    st->blinds++ ;
    e = lookup(st, f.ip, &net) ;
    if (e && e->blind < UINT32_MAX) e->blind++ ;
  }
  else if (!strcmp(what, "door"))
  {
    unsigned int i = 0 ;
    if (!f.verdict) return 0 ;
    while (i < SGG_N && strcmp(f.verdict, sggreet_name(i))) i++ ;
    if (i == SGG_N) return 0 ;
    st->door[i]++ ;
  }
  else if (!strcmp(what, "badgreeting")) st->badgreetings++ ;
  else if (!strcmp(what, "session"))
  {
    unsigned int i = 0 ;
    if (!f.end || !num(f.bad, &bad) || !num(f.good, &good)) return 0 ;
    while (i < SGSTAT_OTHER && strcmp(f.end, sgstat_endname[i])) i++ ;
    st->sessions++ ; st->ends[i]++ ;
    if (i != SGSTAT_KICK) st->clean++ ;
    if (i == SGSTAT_QUIT && good) st->legit++ ;
    if (f.auth) st->authsess++ ;
    if (f.tls) st->blindsess++ ;
    e = lookup(st, f.ip, &net) ;
    if (e) { e->sessions++ ; e->badsess += bad ; }
    if (net) { net->sessions++ ; net->badsess += bad ; }
  }
  else return 0 ;
  return 1 ;
}

/* tcpserver -v: "deny PID LOCAL REMOTE", REMOTE = host:ip:info:port
   (host and info empty with -H -R; an IPv6 address has colons, so the
   address is what lies between the first colon and the last two) */
static int tcpdeny (sgstat *st, char *s)
{
  sgstatent *e, *net ;
  char cip[SGIP_MAX] ;
  char *ip, *end ;
  unsigned int i = 0 ;
  for (; i < 2 ; i++)
  {
    s = strchr(s, ' ') ;
    if (!s) return 0 ;
    s++ ;
  }
  if (strchr(s, ' ')) return 0 ;
  ip = strchr(s, ':') ;
  end = strrchr(s, ':') ;
  if (!ip || end == ip) return 0 ;
  *end = 0 ;
  end = strrchr(s, ':') ;
  if (end == ip) return 0 ;
  *end = 0 ; ip++ ;
  /* Debian's IPv6 tcpserver writes an IPv4 client as ::ffff:a.b.c.d,
     smtpguard as a.b.c.d: one client, one row */
  if (!sgip_canon(cip, ip)) return 0 ;
  st->denied++ ;
  e = lookup(st, cip, &net) ;
  if (e) e->denied++ ;
  if (net) net->denied++ ;
  return 1 ;
}

/* "@" + 24 hex digits + " ": TAI64N -> unix seconds (TAI - 10 s, as
   skalibs counts), 0 if not a label */
static uint64_t label (char const *s)
{
  uint64_t u = 0 ;
  unsigned int i = 1 ;
  if (s[0] != '@') return 0 ;
  for (; i <= 24 ; i++)
  {
    char c = s[i] ;
    int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1 ;
    if (h < 0) return 0 ;
    if (i <= 16) u = (u << 4) | (unsigned int)h ;
  }
  if (s[25] != ' ' || u < ((uint64_t)1 << 62) + 10 || u >= ((uint64_t)1 << 63)) return 0 ;
  return u - ((uint64_t)1 << 62) - 10 ;
}

void sgstat_line (sgstat *st, char *s)
{
  uint64_t t = label(s) ;
  int ok = 0 ;
  st->lines++ ;
  if (t)
  {
    s += 26 ;
    if (!st->tfirst || t < st->tfirst) st->tfirst = t ;
    if (t > st->tlast) st->tlast = t ;
  }
  if (!strncmp(s, "smtpguard: info: ", 17)) ok = event(st, s + 17) ;
  else if (!strncmp(s, "smtpguard: warning: ", 20)) { st->warnings++ ; ok = 1 ; }
  else if (!strncmp(s, "smtpguard-cdb: info: rebuilt ", 29)) { st->rebuilds++ ; ok = 1 ; }
  else if (!strncmp(s, "smtpguard-cdb: warning: ", 24)) { st->warnings++ ; ok = 1 ; }
  else if (!strncmp(s, "tcpserver: deny ", 16)) ok = tcpdeny(st, s + 16) ;
  else if (!strncmp(s, "tcpserver: ok ", 14)) { st->accepted++ ; ok = 1 ; }
  if (ok) st->events++ ; else st->ignored++ ;
}

static void endline (sgstat *st)
{
  if (st->skipping) { st->lines++ ; st->ignored++ ; st->toolong++ ; }
  else
  {
    st->line[st->len] = 0 ;
    /* a NUL would hide the rest of the line: not one of ours */
    if (strlen(st->line) != st->len) { st->lines++ ; st->ignored++ ; }
    else sgstat_line(st, st->line) ;
  }
  st->skipping = 0 ; st->len = 0 ;
}

void sgstat_feed (sgstat *st, char const *p, size_t n)
{
  while (n)
  {
    char const *nl = memchr(p, '\n', n) ;
    size_t k = nl ? (size_t)(nl - p) : n ;
    if (!st->skipping)
    {
      if (st->len + k > SGSTAT_LINEMAX) st->skipping = 1 ;
      else { memcpy(st->line + st->len, p, k) ; st->len += k ; }
    }
    if (!nl) return ;
    endline(st) ;
    p = nl + 1 ; n -= k + 1 ;
  }
}

void sgstat_finish (sgstat *st)
{
  if (st->len || st->skipping) endline(st) ;
}
