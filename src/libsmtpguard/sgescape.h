/* ISC license. */

#ifndef SMTPGUARD_SGESCAPE_H
#define SMTPGUARD_SGESCAPE_H

#include <stddef.h>

/* escape client-supplied bytes: printable ASCII except space, '=' and
   backslash passes, everything else becomes \xHH; returns bytes written
   (at most 4 * len) */
extern size_t sgescape (char *, char const *, size_t) ;

#endif
