/* ISC license. */

#include <stddef.h>
#include <string.h>

#include "sgjudge.h"
#include "sgpolicy.h"
#include "sgscan.h"

enum { END_UNDELIVERED, END_DELIVERED, END_RSET } ;

void sgjudge_init (sgjudge *j)
{
  memset(j, 0, offsetof(sgjudge, set)) ;
}

/* an open-addressed set of SGJUDGE_SLOTS address hashes holding at most
   SGJUDGE_SETMAX: 1 h was not in it and is now, 0 it was, -1 it was
   not and there is no room */
static int hset_add (uint32_t *set, uint32_t *n, uint32_t h)
{
  unsigned int i = h % SGJUDGE_SLOTS ;
  if (!*n) memset(set, 0, SGJUDGE_SLOTS * sizeof(uint32_t)) ;  /* empty: cleared now */
  while (set[i])
  {
    if (set[i] == h) return 0 ;
    i = (i + 1) % SGJUDGE_SLOTS ;
  }
  if (*n >= SGJUDGE_SETMAX) return -1 ;
  set[i] = h ;
  (*n)++ ;
  return 1 ;
}

/* the open transaction's distinct accepted addresses; past the bound
   they are no more credit */
static void accepted (sgjudge *j, uint32_t h)
{
  if (h) hset_add(j->set, &j->acc, h) ;
}

/* a refusal counts once per session, address and class (an unknown
   address, 0, or a full set counts it). 4xx and 5xx are marked apart: a
   4xx that weighed nothing (no 2xx in its transaction: a sender check
   deferring every RCPT) must not spare the same address's 5xx later. */
static int refusal_new (sgjudge *j, uint32_t h, unsigned int class)
{
  uint32_t mark = (h << 1) | (class == 4) ;
  if (!h) return 1 ;
  return hset_add(j->refused, &j->nrefused, mark ? mark : 2) != 0 ;
}

/* the delivered transaction's accepted addresses that have excused
   nothing yet in this session; past the set's bound every address
   excuses (a list host sending a big post in batches of 50 or 100
   recipients down one connection must not lose its credit) */
static uint32_t newcredit (sgjudge *j)
{
  uint32_t n = 0 ;
  unsigned int i = 0 ;
  for (; i < SGJUDGE_SLOTS ; i++)
    if (j->set[i] && hset_add(j->credited, &j->ncredited, j->set[i]) != 0) n++ ;
  return n ;
}

/* the open transaction's refusals, in quarters. A 4xx tells something
   only next to a 2xx: a greylisting server answers 4xx to every
   recipient it knows and 5xx to those it does not, so next to a 5xx
   the 4xx are the found addresses, free as 2xx ones are. */
static uint64_t units_q (sgjudge const *j)
{
  return 4 * (uint64_t)j->hard + (j->acc ? j->soft : 0) ;
}

static void add (sgjudge *j, sgevidence const *d)
{
  sgevidence_add(&j->unsaved, d) ;
  sgevidence_add(&j->mine, d) ;
}

/* an open transaction's refusals, net of its credit, for the IP's other
   connections to see now */
static void publish (sgjudge *j)
{
  uint64_t uq = units_q(j), credit = (uint64_t)j->acc / 4 ;
  uint64_t p = uq > credit ? uq - credit : 0 ;
  if (p > 0xffffffffu) p = 0xffffffffu ;
  if (p <= j->pubq) return ;
  j->unsaved.openq += (uint32_t)p - j->pubq ;
  j->pubq = (uint32_t)p ;
}

/* its end takes them back: what was written is withdrawn at the next
   write, what was not is dropped */
static void unpublish (sgjudge *j)
{
  unsigned int i = 0 ;
  for (; i < j->npub ; i++)
    if (j->nwd < SGJUDGE_WDMAX) j->wd[j->nwd++] = j->pub[i] ;
  j->npub = 0 ;
  j->pubq = 0 ;
  j->unsaved.openq = 0 ;
}

static void end (sgjudge *j, int how)
{
  sgevidence d = SGEVIDENCE_ZERO ;
  uint64_t q = units_q(j) ;
  unpublish(j) ;
  if (how == END_DELIVERED)
  {
    /* one refusal for two distinct accepted recipients that excused
       nothing before in this session: a list's stale members are
       excused, a guess riding in each message to the same addresses is
       not (deliveries are no currency) */
    uint64_t excuse = j->acc ? 2 * (uint64_t)newcredit(j) : 0 ;
    q = q > excuse ? q - excuse : 0 ;
    d.deliv = 1 ;
    j->delivered++ ;
  }
  else if (how == END_RSET && q) d.rset = 1 ;  /* a refusal that weighs something: not greylisting */
  d.guessq = q > 0xffffffffu ? 0xffffffffu : (uint32_t)q ;
  add(j, &d) ;
  j->hard = j->soft = j->acc = 0 ;  /* the set is cleared at its next use */
  j->intrans = 0 ;
}

void sgjudge_command (sgjudge *j, sgevent const *ev)
{
  if (ev->type != SGEV_COMMAND || (ev->cmd != SGCMD_RCPT && ev->cmd != SGCMD_BDAT)) return ;
  if (j->plen >= SGSCAN_QMAX) return ;  /* cannot happen: the scanner's queue is as long */
  j->pend[(j->phead + j->plen) % SGSCAN_QMAX] = ev->arg ;
  j->plen++ ;
}

static uint32_t pop (sgjudge *j)
{
  uint32_t a ;
  if (!j->plen) return 0 ;
  a = j->pend[j->phead] ;
  j->phead = (j->phead + 1) % SGSCAN_QMAX ;
  j->plen-- ;
  return a ;
}

int sgjudge_negative (sgjudge const *j)
{
  return j->unsaved.guessq || j->unsaved.openq || j->nwd || j->unsaved.rset || j->unsaved.authfail || j->unsaved.errors ;
}

static unsigned int result (sgjudge const *j)
{
  return SGJUDGE_CHANGED | (sgjudge_negative(j) ? SGJUDGE_NEGATIVE : 0) ;
}

unsigned int sgjudge_reply (sgjudge *j, sgevent const *ev)
{
  unsigned int class = ev->code / 100 ;
  uint32_t arg = 0 ;
  if (ev->type != SGEV_REPLY) return 0 ;
  j->lastq = 0 ;
  j->lastrcpt = 0 ;
  if (ev->cmd == SGCMD_RCPT || ev->cmd == SGCMD_BDAT) arg = pop(j) ;
  switch (ev->cmd)
  {
    case SGCMD_MAIL :
      if (class != 2) return 0 ;
      if (j->intrans) end(j, END_UNDELIVERED) ;
      j->intrans = 1 ;
      return result(j) ;
    case SGCMD_HELO :
    case SGCMD_EHLO :
      if (class != 2 || !j->intrans) return 0 ;
      end(j, END_UNDELIVERED) ;
      return result(j) ;
    case SGCMD_RCPT :
    {
      uint64_t before = units_q(j), after ;
      if (!j->intrans) return 0 ;  /* no transaction: the smtpd told nothing */
      j->lastrcpt = 1 ;
      if (class == 2) accepted(j, arg) ;
      else if (class == 4) { if (ev->code != 452 && refusal_new(j, arg, 4)) j->soft++ ; }  /* 452: too many recipients, or no room */
      /* 552: a full mailbox (dovecot's quota check) or too many
         recipients, to be read as 452 (RFC 5321 4.5.3.1.10): nothing
         said of the address */
      else if (class == 5) { if (ev->code != 552 && refusal_new(j, arg, 5)) j->hard++ ; }
      else return 0 ;
      after = units_q(j) ;
      j->lastq = after > before ? (uint32_t)(after - before < 0xffffffffu ? after - before : 0xffffffffu) : 0 ;
      publish(j) ;
      return result(j) ;
    }
    case SGCMD_DOT :
      if (!j->intrans) return 0 ;
      end(j, class == 2 ? END_DELIVERED : END_UNDELIVERED) ;
      return result(j) ;
    /* A transaction ends only on a reply that says the smtpd ended it:
       a refused RSET or QUIT ("RSET x": exim's 501; "RSET<TAB>x":
       qmail's 502) leaves the smtpd's transaction open, and so does a
       BDAT it would not take (a syntax or sequence error, or no
       recipient accepted yet: exim's 503 skips the chunk and keeps the
       sender). Ending ours there would leave every later refusal
       uncounted. */
    case SGCMD_BDAT :
      if (!j->intrans) return 0 ;
      if (class == 2 && arg) end(j, END_DELIVERED) ;
      else if ((class == 4 || class == 5) && arg && j->acc && !sgpolicy_untaken(ev->code)) end(j, END_UNDELIVERED) ;
      else return 0 ;
      return result(j) ;
    case SGCMD_RSET :
      if (!j->intrans || class != 2) return 0 ;
      end(j, END_RSET) ;
      return result(j) ;
    case SGCMD_QUIT :
      if (!j->intrans || class != 2) return 0 ;
      end(j, END_UNDELIVERED) ;
      return result(j) ;
    case SGCMD_AUTH :
      if (!sgpolicy_authfail(ev->code)) return 0 ;
      {
        sgevidence d = SGEVIDENCE_ZERO ;
        d.authfail = 1 ;
        d.authtag = ev->arg ;
        add(j, &d) ;
      }
      return result(j) ;
    case SGCMD_VRFY :
    case SGCMD_EXPN :
      /* an answer about an address, outside any transaction: smtpds
         tell different things by it (Postfix 252 or 550, exim 250 or
         252 or 550 as configured, qmail 252 always), so every answer
         is a guess answered, and no delivery excuses it. Not 500-504
         (not taken) nor 421 (closing). Legitimate mail never asks. */
      if (class < 2 || class > 5 || class == 3 || ev->code == 421 || sgpolicy_untaken(ev->code)) return 0 ;
      {
        sgevidence d = SGEVIDENCE_ZERO ;
        d.guessq = 4 ;
        add(j, &d) ;
      }
      return result(j) ;
    case SGCMD_OTHER :
      if (class != 5) return 0 ;
      {
        sgevidence d = SGEVIDENCE_ZERO ;
        d.errors = 1 ;
        add(j, &d) ;
      }
      return result(j) ;
    default : return 0 ;
  }
}

unsigned int sgjudge_finish (sgjudge *j)
{
  if (!j->intrans) return 0 ;
  end(j, END_UNDELIVERED) ;
  return result(j) ;
}

void sgjudge_saved (sgjudge *j, sgevidence const *window, uint64_t idx)
{
  static sgevidence const zero = SGEVIDENCE_ZERO ;
  if (j->unsaved.openq)
  {
    if (j->npub && j->pub[j->npub-1].idx == idx) j->pub[j->npub-1].q += j->unsaved.openq ;
    else if (j->npub < SGJUDGE_PUBMAX) { j->pub[j->npub].idx = idx ; j->pub[j->npub++].q = j->unsaved.openq ; }
    else j->pub[j->npub-1].q += j->unsaved.openq ;  /* at worst left for a window */
  }
  j->window = *window ;
  j->windowok = 1 ;
  j->unsaved = zero ;
  j->nwd = 0 ;
}

/* A stranger (no delivered history, nothing delivered in the window)
   may have a quarter of -b for its ended transactions, and half of -b in
   all, plus one per 16 distinct accepted recipients of its open
   transaction up to half of -b more (padding never buys more than -b); a
   client that delivered in the window gets -b in all, with that credit
   uncapped; one with history -b for its ended transactions and twice -b
   in all. Every 8 deliveries in the window add one to both, and to the
   RSET limit. */
unsigned int sgjudge_check (sgjudge const *j, sglimits const *l, int history, sgverdict *v)
{
  sgevidence t = j->windowok ? j->window : j->mine ;
  uint64_t b = l->badrcpt, d, tc, to, uq, credit, openq, own = 0, others = 0 ;
  unsigned int i ;
  if (j->windowok)
  {
    sgevidence_add(&t, &j->unsaved) ;
    /* the other connections' open transactions, as of the last write */
    for (i = 0 ; i < j->npub ; i++) own += j->pub[i].q ;
    if (j->window.openq > own) others = j->window.openq - own ;
  }
  d = t.deliv ;
  tc = (history ? b : (b + 3) / 4) + d / 8 ;
  to = (history ? 2 * b : d ? b : (b + 1) / 2) + d / 8 ;
  uq = units_q(j) ;
  credit = (uint64_t)j->acc / 4 ;
  if (!history && !d && credit > 4 * ((b + 1) / 2)) credit = 4 * ((b + 1) / 2) ;
  openq = uq > credit ? uq - credit : 0 ;
  v->guesses = (uint32_t)((t.guessq + others + openq) / 4 > 0xffffffffu ? 0xffffffffu : (t.guessq + others + openq) / 4) ;
  v->limit = (uint32_t)(tc > 0xffffffffu ? 0xffffffffu : tc) ;
  v->deliv = t.deliv ;
  v->history = !!history ;
  v->withhold = 0 ;
  if (b && (t.guessq >= 4 * tc || t.guessq + others + openq >= 4 * to))
  {
    uint64_t all = t.guessq + others + openq ;
    if (t.guessq < 4 * tc) v->limit = (uint32_t)(to > 0xffffffffu ? 0xffffffffu : to) ;
    /* a reply to RCPT that the limit did not need: the IP's other
       connections reached it first; it is not to be answered */
    if (j->lastrcpt && (t.guessq >= 4 * tc || (all > j->lastq ? all - j->lastq : 0) >= 4 * to)) v->withhold = 1 ;
    return SGR_BADRCPT ;
  }
  if (l->authfail && t.authfail >= l->authfail) return SGR_AUTHFAIL ;
  if (l->rset && t.rset > l->rset + d / 8) return SGR_RSET ;
  if (l->errors && t.errors >= l->errors) return SGR_ERRORS ;
  return SGR_NONE ;
}
