/* ISC license. */

#include <stdlib.h>

#include <skalibs/types.h>
#include <skalibs/strerr.h>

#include "sgpolicy.h"

/* Per-client limits, as tcprules sets them: an invalid value is logged
   and the option's value stays. */
static void envlimit (uint32_t *limit, char const *var)
{
  char const *x = getenv(var) ;
  uint32_t u ;
  if (!x) return ;
  if (!*x || x[uint32_scan(x, &u)]) strerr_warnw3x("invalid ", var, " value, using the default") ;
  else *limit = u ;
}

void sglimits_env (sglimits *l)
{
  envlimit(&l->badrcpt, "SMTPGUARD_BADRCPT") ;
  envlimit(&l->rset, "SMTPGUARD_RSET") ;
  envlimit(&l->authfail, "SMTPGUARD_AUTHFAIL") ;
  envlimit(&l->errors, "SMTPGUARD_ERRORS") ;
}
