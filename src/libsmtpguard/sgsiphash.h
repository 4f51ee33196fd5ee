/* ISC license. */

#ifndef SMTPGUARD_SGSIPHASH_H
#define SMTPGUARD_SGSIPHASH_H

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash whose collisions
   nobody can aim at without the key. The session's address sets key it
   with bytes the kernel gave the process (sgsiphash_key). */

#include <stddef.h>
#include <stdint.h>

extern uint64_t sgsiphash (uint64_t const key[2], unsigned char const *s, size_t len) ;
/* a key no client can know: the kernel's 16 random bytes for this
   process (AT_RANDOM), no system call */
extern void sgsiphash_key (uint64_t key[2]) ;

#endif
