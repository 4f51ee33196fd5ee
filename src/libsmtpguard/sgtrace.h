/* ISC license. */

#ifndef SMTPGUARD_SGTRACE_H
#define SMTPGUARD_SGTRACE_H

/* A test-only trace of the relay's pairing, for the differential
   harness (tests/diff/): every scanner event (each command classified,
   each reply with the command it was paired with) and every kick, in
   order. Production builds compile the hooks to nothing: only the test
   binary $(BUILD)/tests/diff/smtpguard-trace is built with
   -DSMTPGUARD_TRACE=FD (and tests/diff/sgtrace.c), and writes one line
   per event to that file descriptor. */

#ifdef SMTPGUARD_TRACE
#include "sgscan.h"
extern void sgtrace_event (sgevent const *) ;
extern void sgtrace_kick (unsigned int) ;
#define SGTRACE_EVENT(ev) sgtrace_event(ev)
#define SGTRACE_KICK(reason) sgtrace_kick(reason)
#else
#define SGTRACE_EVENT(ev) ((void)0)
#define SGTRACE_KICK(reason) ((void)0)
#endif

#endif
