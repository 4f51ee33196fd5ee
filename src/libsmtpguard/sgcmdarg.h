/* ISC license. */

#ifndef SMTPGUARD_SGCMDARG_H
#define SMTPGUARD_SGCMDARG_H

/* What the judgement needs from a RCPT line's argument, computed by the
   scanner when it classifies the line (sgevent.arg; for BDAT the scanner
   gives its own LAST). */

#include <stddef.h>
#include <stdint.h>

/* RCPT: a hash of the address, never 0. The address is what is between
   < and > (or the first word after TO:), with its domain lowercased and
   its local part kept as is: two distinct mailboxes never become one.
   Only the bytes the scanner keeps are seen, so two long addresses may
   share a hash: that only lowers the credit of accepted ones. */
extern uint32_t sgcmdarg_rcpt (char const *line, size_t len) ;

#endif
