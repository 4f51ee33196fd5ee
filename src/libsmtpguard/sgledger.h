/* ISC license. */

#ifndef SMTPGUARD_SGLEDGER_H
#define SMTPGUARD_SGLEDGER_H

#include <stdint.h>

#include "sgpolicy.h"
#include "sgstate.h"

/* internal: the per-IP lock and ledger file, open and locked */
extern int sgledger_lock (sgstate *, char const *ip) ;  /* fd or -1 */
extern int sgledger_update (int fd, sgstateconf const *, sgcounts const *delta, uint32_t kicks, uint64_t now, sgcounts *total, uint32_t *kickstotal) ;

#endif
