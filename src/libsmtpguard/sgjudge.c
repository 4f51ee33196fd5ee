/* ISC license. */

#include <string.h>

#include "sgjudge.h"
#include "sgpolicy.h"
#include "sgscan.h"

enum { END_UNDELIVERED, END_DELIVERED, END_RSET } ;

void sgjudge_init (sgjudge *j)
{
  memset(j, 0, sizeof(sgjudge)) ;
}

/* 1 if the address was not in the set yet (and there was room) */
static int set_add (sgjudge *j, uint32_t h)
{
  unsigned int i = h % SGJUDGE_SLOTS ;
  if (!h || j->acc >= SGJUDGE_SETMAX) return 0 ;
  while (j->set[i])
  {
    if (j->set[i] == h) return 0 ;
    i = (i + 1) % SGJUDGE_SLOTS ;
  }
  j->set[i] = h ;
  return 1 ;
}

/* the open transaction's refusals, in quarters */
static uint64_t units_q (sgjudge const *j)
{
  return 4 * (uint64_t)j->hard + (j->acc || j->hard ? j->soft : 0) ;
}

static void add (sgjudge *j, sgevidence const *d)
{
  sgevidence_add(&j->unsaved, d) ;
  sgevidence_add(&j->mine, d) ;
}

static void end (sgjudge *j, int how)
{
  sgevidence d = SGEVIDENCE_ZERO ;
  uint64_t q = units_q(j) ;
  if (how == END_DELIVERED)
  {
    uint64_t excuse = 4 + 4 * (uint64_t)j->acc ;
    q = q > excuse ? q - excuse : 0 ;
    d.deliv = 1 ;
    j->delivered++ ;
  }
  else if (how == END_RSET && (j->hard || j->soft)) d.rset = 1 ;
  d.guessq = q > 0xffffffffu ? 0xffffffffu : (uint32_t)q ;
  add(j, &d) ;
  if (j->acc) memset(j->set, 0, sizeof(j->set)) ;
  j->hard = j->soft = j->acc = 0 ;
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
  return j->unsaved.guessq || j->unsaved.rset || j->unsaved.authfail || j->unsaved.errors ;
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
      if (!j->intrans) return 0 ;  /* no transaction: the smtpd told nothing */
      if (class == 2) { if (set_add(j, arg)) j->acc++ ; }
      else if (class == 4) { if (ev->code != 452) j->soft++ ; }  /* 452: too many recipients, or no room */
      else if (class == 5) j->hard++ ;
      else return 0 ;
      return result(j) ;
    case SGCMD_DOT :
      if (!j->intrans) return 0 ;
      end(j, class == 2 ? END_DELIVERED : END_UNDELIVERED) ;
      return result(j) ;
    case SGCMD_BDAT :
      if (!j->intrans) return 0 ;
      if (class == 2 && arg) end(j, END_DELIVERED) ;
      else if (class == 4 || class == 5) end(j, END_UNDELIVERED) ;
      else return 0 ;
      return result(j) ;
    case SGCMD_RSET :
      if (!j->intrans) return 0 ;
      end(j, END_RSET) ;
      return result(j) ;
    case SGCMD_QUIT :
      if (!j->intrans) return 0 ;
      end(j, END_UNDELIVERED) ;
      return result(j) ;
    case SGCMD_AUTH :
      if (class != 5) return 0 ;
      {
        sgevidence d = SGEVIDENCE_ZERO ;
        d.authfail = 1 ;
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

void sgjudge_saved (sgjudge *j, sgevidence const *window)
{
  static sgevidence const zero = SGEVIDENCE_ZERO ;
  j->window = *window ;
  j->windowok = 1 ;
  j->unsaved = zero ;
}

/* A stranger (no delivered history, nothing delivered in the window)
   gets no credit for accepted recipients while its transaction is open,
   and a quarter of -b for its ended transactions; a client with history
   gets -b for those and twice -b in all. Every 8 deliveries in the
   window add one to both, and to the RSET limit. */
unsigned int sgjudge_check (sgjudge const *j, sglimits const *l, int history, sgverdict *v)
{
  sgevidence t = j->windowok ? j->window : j->mine ;
  uint64_t b = l->badrcpt, d, tc, to, uq, credit, openq ;
  if (j->windowok) sgevidence_add(&t, &j->unsaved) ;
  d = t.deliv ;
  tc = (history ? b : (b + 3) / 4) + d / 8 ;
  to = (history ? 2 * b : b) + d / 8 ;
  uq = units_q(j) ;
  credit = !history && !d ? 0 : (uint64_t)j->acc / 4 ;
  openq = uq > credit ? uq - credit : 0 ;
  v->guesses = (uint32_t)((t.guessq + openq) / 4 > 0xffffffffu ? 0xffffffffu : (t.guessq + openq) / 4) ;
  v->limit = (uint32_t)(tc > 0xffffffffu ? 0xffffffffu : tc) ;
  v->deliv = t.deliv ;
  v->history = !!history ;
  if (b && t.guessq >= 4 * tc) return SGR_BADRCPT ;
  if (b && t.guessq + openq >= 4 * to)
  {
    v->limit = (uint32_t)(to > 0xffffffffu ? 0xffffffffu : to) ;
    return SGR_BADRCPT ;
  }
  if (l->authfail && t.authfail >= l->authfail) return SGR_AUTHFAIL ;
  if (l->rset && t.rset > l->rset + d / 8) return SGR_RSET ;
  if (l->errors && t.errors >= l->errors) return SGR_ERRORS ;
  return SGR_NONE ;
}
