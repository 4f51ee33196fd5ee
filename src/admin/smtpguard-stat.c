/* ISC license. */

/* smtpguard-stat: what an admin wants to know during an attack, from
   smtpguard's own log lines (multilog's @TAI64N prefix or none): sessions
   and how they ended, kicks by reason, listings, connections refused at
   the door, legitimate sessions served, the top offending IPs and
   networks (/24, /64). The parsing and its bounds are in sgstat*.c. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>

#include "sgip.h"
#include "sgpolicy.h"
#include "sgstat.h"

#define USAGE "smtpguard-stat [ -t ] [ -n top ] [ -m maxips ] [ file... ]"
#define dieusage() strerr_dieusage(100, USAGE)

#define MAXIPS_DEFAULT 50000
#define MAXIPS_CAP 1000000

static sgstat st ;
static int tsv = 0 ;

static void readfd (int fd, char const *name)
{
  static char buf[65536] ;
  for (;;)
  {
    ssize_t r = read(fd, buf, sizeof(buf)) ;
    if (r < 0)
    {
      if (errno == EINTR) continue ;
      strerr_dief2sys(111, "unable to read ", name) ;
    }
    if (!r) break ;
    sgstat_feed(&st, buf, r) ;
  }
  /* a file's unterminated last line does not run into the next file */
  sgstat_finish(&st) ;
}

/* ---- output ---- */

static void put (char const *s) { buffer_puts(buffer_1, s) ; }
static void putu (uint64_t u) { char f[UINT64_FMT] ; buffer_put(buffer_1, f, uint64_fmt(f, u)) ; }
static void pad (size_t have, size_t width) { while (have++ < width) buffer_put(buffer_1, " ", 1) ; }
static void col (char const *s, size_t width) { put(s) ; pad(strlen(s), width) ; }
static void colu (uint64_t u, size_t width)  /* right-aligned */
{
  char f[UINT64_FMT] ;
  size_t n = uint64_fmt(f, u) ;
  pad(n, width) ; buffer_put(buffer_1, f, n) ;
}

/* scripts: "key<TAB>name<TAB>value", every counter, zero or not */
static void stat1 (char const *key, char const *name, uint64_t u)
{
  put(key) ; put("\t") ; put(name) ; put("\t") ; putu(u) ; put("\n") ;
}

/* people: "name   total: a 1, b 2", zero parts left out */
static void human (char const *name, uint64_t total, char const *const *names, uint64_t const *v, unsigned int n)
{
  unsigned int i ;
  int first = 1 ;
  col(name, 11) ; colu(total, 7) ;
  for (i = 0 ; i < n ; i++)
  {
    if (!v[i]) continue ;
    put(first ? ": " : ", ") ; first = 0 ;
    put(names[i]) ; put(" ") ; putu(v[i]) ;
  }
  put("\n") ;
}

static void line2 (char const *name, uint64_t u, char const *what)
{
  col(name, 11) ; colu(u, 7) ; put(what) ; put("\n") ;
}

static void fmtkey (char *out, unsigned char const *key, int isnet)
{
  size_t n = 0 ;
  if (key[0] == 4)
  {
    unsigned int i = 0 ;
    for (; i < 4 ; i++) { if (i) out[n++] = '.' ; n += uint_fmt(out + n, key[1 + i]) ; }
  }
  else n = sgip_fmt6(out, key + 1) ;
  if (isnet) { memcpy(out + n, key[0] == 4 ? "/24" : "/64", 3) ; n += 3 ; }
  out[n] = 0 ;
}

/* worst first: kicks + refusals (smtpguard's and tcpserver's), then bad RCPTs; then by address, so
   that the output is the same whatever the hash order */
static int cmp (void const *a, void const *b)
{
  sgstatent const *x = *(sgstatent const *const *)a, *y = *(sgstatent const *const *)b ;
  uint64_t ox = x->kicks + x->refused + x->denied, oy = y->kicks + y->refused + y->denied ;
  uint64_t bx = sgstatent_bad(x), by = sgstatent_bad(y) ;
  if (ox != oy) return ox > oy ? -1 : 1 ;
  if (bx != by) return bx > by ? -1 : 1 ;
  return memcmp(x->key, y->key, 17) ;
}

/* the top n offenders of t: entries with a kick, a refusal, a deny or a bad RCPT */
static void top (sgstattable const *t, unsigned int n, int isnet)
{
  sgstatent const **v = t->n ? malloc(t->n * sizeof(sgstatent *)) : 0 ;
  size_t i, k = 0 ;
  if (t->n && !v) strerr_dief1sys(111, "unable to allocate") ;
  for (i = 0 ; i <= t->mask ; i++)
  {
    sgstatent const *e = t->e + i ;
    if (e->key[0] && (e->kicks || e->refused || e->denied || sgstatent_bad(e))) v[k++] = e ;
  }
  if (k) qsort(v, k, sizeof(sgstatent *), &cmp) ;
  if (!tsv && n && k)
  {
    put(isnet ? "\ntop networks                 ips" : "\ntop IPs                         ") ;
    put("    kicks  refused   denied   listed      bad sessions\n") ;
  }
  for (i = 0 ; i < k && i < n ; i++)
  {
    char s[SGIP_MAX + 4] ;
    sgstatent const *e = v[i] ;
    fmtkey(s, e->key, isnet) ;
    if (tsv)
    {
      put(isnet ? "net\t" : "ip\t") ; put(s) ;
      if (isnet) { put("\t") ; putu(e->ips) ; }
      put("\t") ; putu(e->kicks) ; put("\t") ; putu(e->refused) ; put("\t") ; putu(e->denied) ;
      put("\t") ; putu(e->listed) ;
      put("\t") ; putu(sgstatent_bad(e)) ; put("\t") ; putu(e->sessions) ; put("\n") ;
    }
    else
    {
      put("  ") ; col(s, isnet ? 24 : 31) ;
      if (isnet) colu(e->ips, 6) ;
      colu(e->kicks, 9) ; colu(e->refused, 9) ; colu(e->denied, 9) ; colu(e->listed, 9) ;
      colu(sgstatent_bad(e), 9) ; colu(e->sessions, 9) ; put("\n") ;
    }
  }
  free(v) ;
}

/* the per-IP counts that get a table of their own, after the top IPs */
typedef struct extra_s extra ;
struct extra_s
{
  char const *tag ;    /* -t's first column */
  char const *title ;  /* the human table's heading */
  uint32_t (*count) (sgstatent const *) ;
} ;
static extra const *cur ;  /* qsort's comparator has no context */
static uint32_t count (sgstatent const *e) { return (*cur->count)(e) ; }
static uint32_t blindof (sgstatent const *e) { return e->blind ; }
static uint32_t mailerof (sgstatent const *e) { return e->mailer ; }

static int cmpextra (void const *a, void const *b)
{
  sgstatent const *x = *(sgstatent const *const *)a, *y = *(sgstatent const *const *)b ;
  if (count(x) != count(y)) return count(x) > count(y) ? -1 : 1 ;
  return memcmp(x->key, y->key, 17) ;
}

/* the n IPs with the most of x's count: sessions gone opaque after
   STARTTLS (what smtpguard could not count, see doc/smtpguard.html,
   STARTTLS), or kicks of an IP that had delivered mail here (a backup
   MX, a callout verifier: the ones an admin looks at first) */
static void topextra (sgstattable const *t, unsigned int n, extra const *x)
{
  sgstatent const **v = t->n ? malloc(t->n * sizeof(sgstatent *)) : 0 ;
  size_t i, k = 0 ;
  if (t->n && !v) strerr_dief1sys(111, "unable to allocate") ;
  cur = x ;
  for (i = 0 ; i <= t->mask ; i++)
    if (t->e[i].key[0] && count(t->e + i)) v[k++] = t->e + i ;
  if (k) qsort(v, k, sizeof(sgstatent *), &cmpextra) ;
  if (!tsv && n && k) { put("\n") ; put(x->title) ; put("\n") ; }
  for (i = 0 ; i < k && i < n ; i++)
  {
    char s[SGIP_MAX + 4] ;
    fmtkey(s, v[i]->key, 0) ;
    if (tsv) { put(x->tag) ; put("\t") ; put(s) ; put("\t") ; putu(count(v[i])) ; put("\n") ; }
    else { put("  ") ; col(s, 31) ; colu(count(v[i]), 9) ; put("\n") ; }
  }
  free(v) ;
}

static extra const blindtable = { "blind", "top IPs by blind sessions (TLS)      blind", &blindof } ;
static extra const mailertable = { "mailer", "IPs kicked after delivering mail     kicks", &mailerof } ;

static void when (char *s, uint64_t t)
{
  time_t tt = (time_t)t ;
  struct tm tm ;
  s[0] = 0 ;
  if (t && gmtime_r(&tt, &tm)) strftime(s, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) ;
}

static void report_tsv (char const *t1, char const *t2)
{
  unsigned int i ;
  stat1("total", "lines", st.lines) ; stat1("total", "events", st.events) ;
  stat1("total", "ignored", st.ignored) ; stat1("total", "toolong", st.toolong) ;
  stat1("total", "untracked", st.untracked) ; stat1("total", "noip", st.noip) ;
  if (st.tfirst) { put("time\tfirst\t") ; put(t1) ; put("\ntime\tlast\t") ; put(t2) ; put("\n") ; }
  stat1("session", "total", st.sessions) ; stat1("session", "legit", st.legit) ;
  stat1("session", "clean", st.clean) ; stat1("session", "auth", st.authsess) ;
  stat1("session", "tls-blind", st.blindsess) ;
  for (i = 0 ; i < SGSTAT_END_N ; i++) stat1("end", sgstat_endname[i], st.ends[i]) ;
  for (i = 1 ; i < SGR_N ; i++) stat1("kick", sgreason_name(i), st.kicks[i]) ;
  for (i = 1 ; i < SGR_N ; i++) stat1("wouldkick", sgreason_name(i), st.wouldkicks[i]) ;
  stat1("mailer", "kicks", st.mailerkicks) ; stat1("mailer", "wouldkicks", st.mailerwouldkicks) ;
  stat1("list", "listed", st.listings) ; stat1("list", "refused", st.refused) ;
  stat1("list", "rebuilds", st.rebuilds) ; stat1("list", "wouldlist", st.wouldlists) ;
  stat1("tcpserver", "ok", st.accepted) ; stat1("tcpserver", "deny", st.denied) ;
  stat1("other", "blind", st.blinds) ; stat1("other", "warnings", st.warnings) ;
  for (i = 0 ; i < SGG_N ; i++) stat1("door", sggreet_name(i), st.door[i]) ;
  stat1("door", "badgreeting", st.badgreetings) ;
}

static void report_human (char const *t1, char const *t2)
{
  static char const *const sk[3] = { "legit", "kicked", "auth" } ;
  uint64_t sv[3] = { st.legit, st.ends[SGSTAT_KICK], st.authsess } ;
  char const *rn[SGR_N] ;
  uint64_t nk = 0, nw = 0 ;
  unsigned int i ;
  for (i = 1 ; i < SGR_N ; i++) { rn[i] = sgreason_name(i) ; nk += st.kicks[i] ; nw += st.wouldkicks[i] ; }
  put("smtpguard-stat: ") ; putu(st.lines) ; put(" lines, ") ; putu(st.events) ;
  put(" events, ") ; putu(st.ignored) ; put(" other lines") ;
  if (st.tfirst) { put(", ") ; put(t1) ; put(" .. ") ; put(t2) ; }
  put("\n") ;
  human("sessions", st.sessions, sk, sv, 3) ;
  human("  ended", st.sessions, sgstat_endname, st.ends, SGSTAT_END_N) ;
  human("kicks", nk, rn + 1, st.kicks + 1, SGR_N - 1) ;
  if (nw) human("wouldkicks", nw, rn + 1, st.wouldkicks + 1, SGR_N - 1) ;
  if (nw) line2("wouldlist", st.wouldlists, " dry-run kicks that would have listed the IP") ;
  if (st.mailerkicks) line2("mailers", st.mailerkicks, " kicks of IPs that had delivered mail here: check them first") ;
  if (st.mailerwouldkicks) line2("wouldmailer", st.mailerwouldkicks, " dry-run kicks of IPs that had delivered mail here") ;
  line2("listings", st.listings, " IP listings made") ;
  line2("refused", st.refused, " connections from listed IPs refused at connect") ;
  line2("denied", st.denied, " connections denied by tcpserver (rules cdb)") ;
  line2("rebuilds", st.rebuilds, " rules cdb rebuilds") ;
  if (st.blinds) line2("tls-blind", st.blinds, " sessions went blind after STARTTLS") ;
  {
    char const *dn[SGG_N] ;
    uint64_t nd = 0 ;
    for (i = 0 ; i < SGG_N ; i++) { dn[i] = sggreet_name(i) ; nd += st.door[i] ; }
    /* pass: waited for the greeting; early, http, tls: refused, no smtpd; gone: hung up */
    if (nd) human("door", nd, dn, st.door, SGG_N) ;
  }
  if (st.badgreetings) line2("badgreet", st.badgreetings, " smtpd greetings that were not 220 after the teaser") ;
  if (st.warnings) line2("warnings", st.warnings, " warnings") ;
  if (st.untracked)
  {
    put("note: ") ; putu(st.untracked) ;
    put(" events came from IPs beyond the -m limit: in the totals, not in the tables\n") ;
  }
}

int main (int argc, char const *const *argv)
{
  unsigned int n = 10, maxips = MAXIPS_DEFAULT ;
  char t1[32], t2[32] ;
  PROG = "smtpguard-stat" ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt = subgetopt_r(argc, argv, "tn:m:", &l) ;
      if (opt == -1) break ;
      switch (opt)
      {
        case 't' : tsv = 1 ; break ;
        case 'n' : if (!uint0_scan(l.arg, &n)) dieusage() ; break ;
        case 'm' : if (!uint0_scan(l.arg, &maxips) || !maxips || maxips > MAXIPS_CAP) dieusage() ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (!sgstat_init(&st, maxips)) strerr_dief1sys(111, "unable to allocate the IP tables") ;
  if (!argc) readfd(0, "stdin") ;
  for (; argc ; argc--, argv++)
  {
    int fd ;
    if (!strcmp(argv[0], "-")) { readfd(0, "stdin") ; continue ; }
    fd = open_read(argv[0]) ;
    if (fd < 0) strerr_dief2sys(111, "unable to open ", argv[0]) ;
    readfd(fd, argv[0]) ;
    fd_close(fd) ;
  }
  when(t1, st.tfirst) ; when(t2, st.tlast) ;
  if (tsv) report_tsv(t1, t2) ; else report_human(t1, t2) ;
  top(&st.ips, n, 0) ;
  top(&st.nets, n, 1) ;
  topextra(&st.ips, n, &mailertable) ;
  topextra(&st.ips, n, &blindtable) ;
  if (!buffer_flush(buffer_1)) strerr_dief1sys(111, "unable to write to stdout") ;
  return 0 ;
}
