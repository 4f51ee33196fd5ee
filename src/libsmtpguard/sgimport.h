/* ISC license. */

#ifndef SMTPGUARD_SGIMPORT_H
#define SMTPGUARD_SGIMPORT_H

/* sgimport: a peer's listings, as the datasets smtpguard-cdb -z/-Z
   write, or plain rbldnsd ip4set/ip4trie/ip6trie/ip4tset lines.
   An entry's expiry is the "until <RFC 3339 time>" in its own text, or
   in the last default line (":a:text") before it; an entry without one
   has none (it lasts as long as the file says so). Expired entries are
   skipped; so are comments, $ directives, and address ranges ("a-b",
   which tcprules cannot express: counted in *bad with other garbage). */

#include <stddef.h>
#include <stdint.h>

#include "sgnet.h"

typedef int sgimport_func (sgnet const *, int excluded, uint64_t until, void *) ;

/* 1 ok, 0 if f returned 0 */
extern int sgimport_parse (char const *s, size_t len, uint64_t now, sgimport_func *f, void *p, size_t *bad) ;

#endif
