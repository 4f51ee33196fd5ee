/* ISC license. */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sgclock.h"
#include "sgjudge.h"
#include "sgpolicy.h"
#include "sgscan.h"
#include "sgsession.h"
#include "sgstate.h"

void sgsession_init (sgsession *s, sglimits const *limits, int counting)
{
  memset(s, 0, offsetof(sgsession, judge)) ;
  sgscan_init(&s->scan) ;
  sgjudge_init(&s->judge) ;
  s->limits = *limits ;
  s->counting = !!counting ;
  s->history = -1 ;
}

/* The per-IP ledger is written when a transaction ends with evidence
   against the client (and at each failed AUTH or error), carrying the
   deliveries seen since: a clean session costs one write, at its end.
   On failure the session goes on without memory and s->err tells the
   caller to log it. */
int sgsession_flush (sgsession *s)
{
  static sgevidence const zero = SGEVIDENCE_ZERO ;
  sgevidence total ;
  uint64_t idx ;
  if (!s->st) return 0 ;
  if (!memcmp(&s->judge.unsaved, &zero, sizeof(sgevidence)) && !s->judge.nwd) return 1 ;
  if (!sgstate_ledger_move(s->st, s->ip, &s->judge.unsaved, s->judge.wd, s->judge.nwd, sgnow(), &total, &idx))
  {
    s->err = errno ? errno : EIO ;
    s->st = 0 ;
    return 0 ;
  }
  sgjudge_saved(&s->judge, &total, idx) ;
  return 1 ;
}

int sgsession_authkey (sgsession *s)
{
  if (!s->st || !s->counting || s->keytried) return 1 ;
  s->keytried = 1 ;
  s->scan.credkeyed = sgstate_key(s->st, s->scan.credkey) ;
  return s->scan.credkeyed ;
}

sgcounts const *sgsession_counts (sgsession const *s)
{
  return &s->counts ;
}

void sgsession_command (sgsession *s, sgevent const *ev)
{
  if (s->counting) sgjudge_command(&s->judge, ev) ;
}

/* The history is read only when it could change a verdict: it only
   ever raises the limits. A read failure is no history. */
static unsigned int check (sgsession *s)
{
  unsigned int r = sgjudge_check(&s->judge, &s->limits, s->history > 0, &s->verdict) ;
  if (r == SGR_BADRCPT && s->history < 0)
  {
    s->history = s->st && sgstate_history(s->st, s->ip, sgnow()) > 0 ;
    if (s->history) r = sgjudge_check(&s->judge, &s->limits, 1, &s->verdict) ;
  }
  return r ;
}

static unsigned int judge (sgsession *s, unsigned int changed)
{
  unsigned int r ;
  if (!changed) return SGR_NONE ;
  if (s->st && changed & SGJUDGE_NEGATIVE) sgsession_flush(s) ;
  if (s->reason) return SGR_NONE ;
  r = check(s) ;
  if (r) s->reason = r ;
  return r ;
}

/* A server event: count it, judge. Returns the reason to kick the
   client (once), or SGR_NONE. */
unsigned int sgsession_event (sgsession *s, sgevent const *ev)
{
  /* 220 to STARTTLS: nothing more to count (the relay sets s->blind once
     the client's bytes are a TLS record); what was seen in clear still
     counts, for the IP's next connections */
  if (ev->type == SGEV_BLIND)
  {
    if (s->counting && sgjudge_finish(&s->judge) && s->st) sgsession_flush(s) ;
    s->counting = 0 ;
    return SGR_NONE ;
  }
  if (ev->type != SGEV_REPLY || !s->counting) return SGR_NONE ;
  if (ev->cmd == SGCMD_QUIT && ev->code / 100 == 2) s->quit = 1 ;
  if (ev->cmd == SGCMD_AUTH && ev->code == 235)
  {
    /* authenticated senders are the server's to judge, not ours */
    s->authed = 1 ;
    s->counting = 0 ;
    return SGR_NONE ;
  }
  sgpolicy_count(&s->counts, ev) ;
  return judge(s, sgjudge_reply(&s->judge, ev)) ;
}

/* The open transaction ends with the session (EOF, kick, timeout): its
   refusals count now, and may still earn a kick, recorded by the caller
   although no 421 can be sent any more. */
unsigned int sgsession_end (sgsession *s)
{
  if (!s->counting) return SGR_NONE ;
  return judge(s, sgjudge_finish(&s->judge)) ;
}
