/* ISC license. */

/* The clock of every smtpguard program. SMTPGUARD_NOW is a testing aid:
   expiry and escalation can be tested without waiting for hours. */

#include <stdlib.h>
#include <time.h>

#include <skalibs/types.h>

#include "sgclock.h"

uint64_t sgnow (void)
{
  uint64_t now ;
  char const *x = getenv("SMTPGUARD_NOW") ;
  if (x && *x && !x[uint640_scan(x, &now)]) return now ;
  return (uint64_t)time(0) ;
}
