/* ISC license. */

/* The clock of every smtpguard program. The SMTPGUARD_NOW hook (expiry
   and escalation tested without waiting for hours) is compiled only into
   test builds (-DSGCLOCK_TESTHOOK): a stray SMTPGUARD_NOW in a tcprules
   or service environment must not freeze time in the installed programs. */

#include <time.h>

#ifdef SGCLOCK_TESTHOOK
#include <stdlib.h>
#include <skalibs/types.h>
#endif

#include "sgclock.h"

uint64_t sgnow (void)
{
#ifdef SGCLOCK_TESTHOOK
  uint64_t now ;
  char const *x = getenv("SMTPGUARD_NOW") ;
  if (x && *x && !x[uint640_scan(x, &now)]) return now ;
#endif
  return (uint64_t)time(0) ;
}
