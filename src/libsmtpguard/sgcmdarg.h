/* ISC license. */

#ifndef SMTPGUARD_SGCMDARG_H
#define SMTPGUARD_SGCMDARG_H

/* What the judgement needs from a RCPT line's argument, computed by the
   scanner when it classifies the line (sgevent.arg; for BDAT the scanner
   gives its own LAST). */

#include <stddef.h>
#include <stdint.h>

/* RCPT: a hash of the address, never 0. The address is read as
   qmail-smtpd reads it (between < and >, or the first word after the
   colon; a source route dropped, quotes and backslashes removed) and
   lowercased whole, so that one mailbox spelled many ways is one
   address. Two mailboxes that differ only in case become one: that only
   lowers the credit of accepted ones. Only the bytes the scanner keeps
   are seen, so two long addresses may share a hash, with the same
   effect. */
extern uint32_t sgcmdarg_rcpt (char const *line, size_t len) ;

#endif
