/* ISC license. */

#ifndef SMTPGUARD_SGCMDARG_H
#define SMTPGUARD_SGCMDARG_H

/* What the judgement needs from a RCPT line's argument, computed by the
   scanner when it classifies the line (sgevent.arg; for BDAT the scanner
   gives its own LAST). */

#include <stddef.h>
#include <stdint.h>

#define SGCMDARG_MAX 80  /* at most the scanner's SGSCAN_LINEMAX */

/* RCPT: a keyed hash (sgsiphash.h) of the address, or 0 when it is not
   known. The address is read as qmail-smtpd reads it (between < and >,
   or the first word after the colon; a source route dropped, quotes and
   backslashes removed) and lowercased whole, so that one mailbox spelled
   many ways is one address; 0 where smtpds would read it differently (a
   comment, a quoted phrase before the '<') or where the line was cut
   (truncated: the scanner kept only its first len bytes) before the
   address ended. 0 is never credit and always counts. */
extern uint32_t sgcmdarg_rcpt (uint64_t const key[2], char const *line, size_t len, int truncated) ;

#endif
