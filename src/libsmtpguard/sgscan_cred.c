/* ISC license. */

#include <string.h>

#include "sgscan_cred.h"
#include "sgsiphash.h"

void sgscan_cred_wipe (sgscan *sc)
{
  memset(sc->cred, 0, sc->credlen) ;
  sc->credlen = 0 ;
  sc->credover = 0 ;
  sc->credline = 0 ;
}

void sgscan_cred_add (sgscan *sc, char const *s, size_t n)
{
  if (sc->credover) return ;
  if (n > SGSCAN_CREDMAX - sc->credlen)
  {
    sgscan_cred_wipe(sc) ;
    sc->credover = 1 ;
    return ;
  }
  memcpy(sc->cred + sc->credlen, s, n) ;
  sc->credlen += n ;
}

uint32_t sgscan_cred_tag (sgscan const *sc)
{
  uint64_t h ;
  if (!sc->credkeyed || sc->credover || !sc->credlen) return 0 ;
  h = sgsiphash(sc->credkey, (unsigned char const *)sc->cred, sc->credlen) ;
  h ^= h >> 32 ;
  return (uint32_t)h ? (uint32_t)h : 1 ;
}
