/* ISC license. */

/* The clock of every smtpguard program. SMTPGUARD_NOW is a testing aid:
   expiry and escalation can be tested without waiting for hours. */

#include <stdlib.h>
#include <time.h>

#include "smtpguard.h"

uint64_t sgnow (void)
{
  char const *x = getenv("SMTPGUARD_NOW") ;
  if (x && *x)
  {
    uint64_t v = 0 ;
    char const *p = x ;
    for (; *p >= '0' && *p <= '9' && p - x < 19 ; p++) v = v * 10 + (*p - '0') ;
    if (!*p) return v ;
  }
  return (uint64_t)time(0) ;
}
