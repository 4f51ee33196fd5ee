/* ISC license. */

#include <errno.h>
#include <string.h>

#include "sgclock.h"
#include "sgpolicy.h"
#include "sgscan.h"
#include "sgsession.h"
#include "sgstate.h"

void sgsession_init (sgsession *s, sglimits const *limits, int counting)
{
  memset(s, 0, sizeof(sgsession)) ;
  sgscan_init(&s->scan) ;
  s->limits = *limits ;
  s->counting = !!counting ;
}

/* The per-IP ledger is written at each negative event only (bad RCPT,
   RSET, failed AUTH, error), carrying the good recipients seen since:
   a clean session costs one write, at its end. On failure the session
   goes on without memory and s->err tells the caller to log it. */
int sgsession_flush (sgsession *s)
{
  sgcounts zero = SGCOUNTS_ZERO ;
  if (!s->st) return 0 ;
  if (!memcmp(&s->unsaved, &zero, sizeof(sgcounts))) return 1 ;
  if (!sgstate_ledger_add(s->st, s->ip, &s->unsaved, sgnow(), &s->window))
  {
    s->err = errno ? errno : EIO ;
    s->st = 0 ;
    return 0 ;
  }
  s->unsaved = zero ;
  s->windowok = 1 ;
  return 1 ;
}

/* The counters that decide: the window's when we have it (it includes
   this session's flushed events), else the session's. */
sgcounts const *sgsession_counts (sgsession const *s)
{
  return s->windowok ? &s->window : &s->counts ;
}

/* A server event: count it, decide. Returns the reason to kick the
   client (once), or SGR_NONE. */
unsigned int sgsession_event (sgsession *s, sgevent const *ev)
{
  sgcounts delta = SGCOUNTS_ZERO ;
  unsigned int r ;
  /* 220 to STARTTLS: nothing more to count; the relay sets s->blind once
     the client's bytes are a TLS record */
  if (ev->type == SGEV_BLIND) { s->counting = 0 ; return SGR_NONE ; }
  if (ev->type != SGEV_REPLY || !s->counting) return SGR_NONE ;
  if (ev->cmd == SGCMD_QUIT) s->quit = 1 ;
  if (ev->cmd == SGCMD_AUTH && ev->code == 235)
  {
    /* authenticated senders are the server's to judge, not ours */
    s->authed = 1 ;
    s->counting = 0 ;
    return SGR_NONE ;
  }
  if (!sgpolicy_count(&delta, ev)) return SGR_NONE ;
  sgcounts_add(&s->counts, &delta) ;
  if (s->st)
  {
    sgcounts_add(&s->unsaved, &delta) ;
    if (!delta.good) sgsession_flush(s) ;
  }
  if (s->reason) return SGR_NONE ;
  r = sgpolicy_check(&s->counts, &s->limits) ;
  if (!r && s->windowok) r = sgpolicy_check(&s->window, &s->limits) ;
  if (r) s->reason = r ;
  return r ;
}
