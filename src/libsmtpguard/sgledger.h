/* ISC license. */

#ifndef SMTPGUARD_SGLEDGER_H
#define SMTPGUARD_SGLEDGER_H

#include <stdint.h>

#include "sgpolicy.h"
#include "sgstate.h"

/* internal: the per-IP lock and ledger file, open and locked */
extern int sgledger_lock (sgstate *, char const *ip) ;  /* fd or -1 */
extern int sgledger_update (int fd, sgstateconf const *, sgevidence const *delta, sgwithdraw const *, unsigned int, uint32_t kicks, uint64_t now, sgevidence *total, uint32_t *kickstotal, uint64_t *curidx) ;
extern int sgledger_stale (int fd, uint64_t now) ;  /* 1 the gc may remove it */

#endif
