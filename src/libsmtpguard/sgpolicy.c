/* ISC license. */

#include "sgpolicy.h"
#include "sgscan.h"

/* Which counter a reply moves. Greetings and unsolicited replies are the
   server's business, not the client's: they count nothing. */
int sgpolicy_count (sgcounts *c, sgevent const *ev)
{
  unsigned int class = ev->code / 100 ;
  if (ev->type != SGEV_REPLY) return 0 ;
  switch (ev->cmd)
  {
    case SGCMD_GREETING :
    case SGCMD_UNSOLICITED : return 0 ;
    case SGCMD_RCPT :
      if (class == 2) { c->good++ ; return 1 ; }
      if (class == 4 || class == 5) { c->bad++ ; return 1 ; }
      return 0 ;
    case SGCMD_RSET : c->rset++ ; return 1 ;
    case SGCMD_AUTH :
      if (class == 5) { c->authfail++ ; return 1 ; }
      return 0 ;
    default :
      if (class == 5) { c->errors++ ; return 1 ; }
      return 0 ;
  }
}

void sgcounts_add (sgcounts *to, sgcounts const *from)
{
  to->bad += from->bad ;
  to->good += from->good ;
  to->rset += from->rset ;
  to->authfail += from->authfail ;
  to->errors += from->errors ;
}

/* The bad-recipient rule needs both conditions: a mailing list with a
   few stale addresses has far more good recipients than bad ones. */
unsigned int sgpolicy_check (sgcounts const *c, sglimits const *l)
{
  if (l->badrcpt && c->bad >= l->badrcpt && c->bad > c->good) return SGR_BADRCPT ;
  if (l->authfail && c->authfail >= l->authfail) return SGR_AUTHFAIL ;
  if (l->rset && c->rset > l->rset) return SGR_RSET ;
  if (l->errors && c->errors >= l->errors) return SGR_ERRORS ;
  return SGR_NONE ;
}
