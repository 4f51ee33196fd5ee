/* ISC license. */

#ifndef SMTPGUARD_SGSCAN_INTERNAL_H
#define SMTPGUARD_SGSCAN_INTERNAL_H

/* What the scanner's two sides share (sgscan.c reads the client,
   sgscan_reply.c the server): internal, sgscan.h is the API. */

#include <stddef.h>
#include <string.h>

#include "sgscan.h"

static inline unsigned char q_pop (sgscan *sc)
{
  unsigned char cmd = sc->q[sc->qhead] ;
  sc->qhead = (sc->qhead + 1) % SGSCAN_QMAX ;
  sc->qlen-- ;
  return cmd ;
}

/* line lengths only matter up to what we keep: saturate, never wrap */
static inline size_t addcap (size_t a, size_t b, size_t cap)
{
  return b >= cap || a + b >= cap ? cap : a + b ;
}

static inline int lower (int c)
{
  return c >= 'A' && c <= 'Z' ? c + 32 : c ;
}

static inline int iskeyword (char const *s, size_t len, char const *kw)
{
  size_t n = strlen(kw) ;
  size_t i = 0 ;
  if (len < n) return 0 ;
  for (; i < n ; i++) if (lower((unsigned char)s[i]) != kw[i]) return 0 ;
  return len == n || s[n] == ' ' || s[n] == '\t' ;
}

#endif
