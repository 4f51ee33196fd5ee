/* ISC license. */

#include "sgpolicy.h"
#include "sgscan.h"

/* The raw reply counts of a session, for its log lines (the judgement
   is sgjudge's). Which counter a reply moves. Greetings and unsolicited replies are the
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
      if (sgpolicy_authfail(ev->code)) { c->authfail++ ; return 1 ; }
      return 0 ;
    default :
      if (class == 5) { c->errors++ ; return 1 ; }
      return 0 ;
  }
}

int sgpolicy_untaken (unsigned int code)
{
  return code >= 500 && code <= 504 ;
}

int sgpolicy_authfail (unsigned int code)
{
  return code / 100 == 5 && !sgpolicy_untaken(code) && code != 530 && code != 534 && code != 538 ;
}

void sgcounts_add (sgcounts *to, sgcounts const *from)
{
  to->bad += from->bad ;
  to->good += from->good ;
  to->rset += from->rset ;
  to->authfail += from->authfail ;
  to->errors += from->errors ;
}

static uint32_t satadd (uint32_t a, uint32_t b)
{
  return a + b < a ? 0xffffffffu : a + b ;
}

void sgevidence_add (sgevidence *to, sgevidence const *from)
{
  to->guessq = satadd(to->guessq, from->guessq) ;
  to->openq = satadd(to->openq, from->openq) ;
  to->deliv = satadd(to->deliv, from->deliv) ;
  to->rset = satadd(to->rset, from->rset) ;
  /* one refused AUTH keeps its tag; two together have none */
  to->authtag = !to->authfail ? from->authtag : from->authfail ? 0 : to->authtag ;
  to->authfail = satadd(to->authfail, from->authfail) ;
  to->errors = satadd(to->errors, from->errors) ;
}
