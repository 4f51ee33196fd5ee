/* ISC license. */

#include <sys/auxv.h>

#include "sgsiphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define ROUND do { \
  v0 += v1 ; v1 = ROTL(v1, 13) ; v1 ^= v0 ; v0 = ROTL(v0, 32) ; \
  v2 += v3 ; v3 = ROTL(v3, 16) ; v3 ^= v2 ; \
  v0 += v3 ; v3 = ROTL(v3, 21) ; v3 ^= v0 ; \
  v2 += v1 ; v1 = ROTL(v1, 17) ; v1 ^= v2 ; v2 = ROTL(v2, 32) ; \
} while (0)

static uint64_t le64 (unsigned char const *p, size_t n)
{
  uint64_t m = 0 ;
  while (n--) m = (m << 8) | p[n] ;
  return m ;
}

uint64_t sgsiphash (uint64_t const key[2], unsigned char const *s, size_t len)
{
  uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull ;
  uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull ;
  uint64_t m ;
  size_t i = 0 ;
  for (; i + 8 <= len ; i += 8)
  {
    m = le64(s + i, 8) ;
    v3 ^= m ; ROUND ; ROUND ; v0 ^= m ;
  }
  m = ((uint64_t)len << 56) | le64(s + i, len - i) ;
  v3 ^= m ; ROUND ; ROUND ; v0 ^= m ;
  v2 ^= 0xff ;
  ROUND ; ROUND ; ROUND ; ROUND ;
  return v0 ^ v1 ^ v2 ^ v3 ;
}

void sgsiphash_key (uint64_t key[2])
{
  unsigned char const *r = (unsigned char const *)getauxval(AT_RANDOM) ;
  if (r) { key[0] = le64(r, 8) ; key[1] = le64(r + 8, 8) ; }
  else key[0] = key[1] = 0 ;
}
