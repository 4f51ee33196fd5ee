/* ISC license. */

#include <string.h>

#include "smtpguard.h"

void sgsession_init (sgsession *s, sglimits const *limits, int counting)
{
  memset(s, 0, sizeof(sgsession)) ;
  sgscan_init(&s->scan) ;
  s->limits = *limits ;
  s->counting = !!counting ;
}

/* A server event: count it, decide. Returns the reason to kick the
   client (once), or SGR_NONE. */
unsigned int sgsession_event (sgsession *s, sgevent const *ev)
{
  unsigned int r ;
  if (ev->type == SGEV_BLIND) { s->blind = 1 ; s->counting = 0 ; return SGR_NONE ; }
  if (ev->type != SGEV_REPLY || !s->counting) return SGR_NONE ;
  if (ev->cmd == SGCMD_AUTH && ev->code == 235)
  {
    /* authenticated senders are the server's to judge, not ours */
    s->authed = 1 ;
    s->counting = 0 ;
    return SGR_NONE ;
  }
  if (!sgpolicy_count(&s->counts, ev)) return SGR_NONE ;
  if (s->reason) return SGR_NONE ;
  r = sgpolicy_check(&s->counts, &s->limits) ;
  if (r) s->reason = r ;
  return r ;
}
