/* ISC license. */

#ifndef SMTPGUARD_SGCLOCK_H
#define SMTPGUARD_SGCLOCK_H

#include <stdint.h>

/* time(): the clock every program uses. Test builds (-DSGCLOCK_TESTHOOK,
   see sgclock.c) take SMTPGUARD_NOW (decimal seconds since the epoch)
   instead when it is set and valid. */
extern uint64_t sgnow (void) ;

#endif
