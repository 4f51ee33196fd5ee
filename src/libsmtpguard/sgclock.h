/* ISC license. */

#ifndef SMTPGUARD_SGCLOCK_H
#define SMTPGUARD_SGCLOCK_H

#include <stdint.h>

/* SMTPGUARD_NOW (decimal seconds since the epoch), if set and valid,
   else time(): a testing aid, the clock every program uses. */
extern uint64_t sgnow (void) ;

#endif
