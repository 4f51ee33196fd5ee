/* ISC license. */

#ifndef SMTPGUARD_SGRULES_H
#define SMTPGUARD_SGRULES_H

/* sgrules: tcprules syntax, tcprules semantics. For every record that
   Debian's tcprules would write, in the same order, add(key, data) is
   called; the caller writes them with cdb_make_add. Differences: a rule's
   address ends at the first colon followed by "allow" or "deny" (so IPv6
   keys can be written, as ucspi-tcp-ipv6's tcprules allows), else at the
   first colon, which is tcprules' rule whenever tcprules accepts the line.
   1 ok; 0 syntax error: *errline (1-based) and *errwhat say where and
   what; -1 if add failed (errno). */

#include <stddef.h>

typedef int sgrules_addfunc (char const *key, size_t keylen, char const *data, size_t datalen, void *) ;
extern int sgrules_parse (char const *s, size_t len, sgrules_addfunc *add, void *ctx, size_t *errline, char const **errwhat) ;

#endif
