/* ISC license. */

#ifndef SMTPGUARD_SGISOTIME_H
#define SMTPGUARD_SGISOTIME_H

/* UTC times as "2026-11-29T10:00:00Z" (RFC 3339), the form the DNSBL
   datasets carry so that people and peers read the same text. */

#include <stddef.h>
#include <stdint.h>

#define SGISOTIME_LEN 20

extern size_t sgisotime_fmt (char *, uint64_t) ;   /* SGISOTIME_LEN bytes, no NUL */
extern size_t sgisotime_scan (char const *, uint64_t *) ;  /* bytes read, 0 if invalid */

#endif
