/* ISC license. */

#ifndef SMTPGUARD_SGSCAN_CRED_H
#define SMTPGUARD_SGSCAN_CRED_H

/* The AUTH exchange's lines, held to tag a refused exchange: internal
   to the scanner, sgscan.c and sgscan_reply.c (sgscan.h is the API). The tag is a keyed hash of the
   exact bytes the client sent: the same refused credentials sent again
   the same way (a phone retrying a stale password) tag alike, and
   nobody without the state directory's key can make two different
   guesses tag alike. */

#include <stddef.h>
#include <stdint.h>

#include "sgscan.h"

/* forgets the held bytes, wiping them, and that a line is under way */
extern void sgscan_cred_wipe (sgscan *) ;
/* n more bytes of the exchange; past SGSCAN_CREDMAX it has no tag */
extern void sgscan_cred_add (sgscan *, char const *, size_t) ;
/* the tag of what is held, 0 if none (no key, too long, nothing) */
extern uint32_t sgscan_cred_tag (sgscan const *) ;

#endif
