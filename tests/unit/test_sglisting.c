/* ISC license. */

/* sglisting_parse: a listing's text, "<reason> <since> <until>
   <strikes>" with an optional newline, read field by field; anything
   else (overflow, signs, missing or extra fields, NULs) is not a
   listing. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sglisting.h"
#include "sgpolicy.h"
#include "sgtest.h"

/* parse s (len bytes): want 1 with the fields, or 0 */
static void want (char const *s, size_t len, int ok, uint64_t since, uint64_t until, uint32_t strikes)
{
  sglisting l ;
  int r ;
  memset(&l, 0, sizeof(l)) ;
  r = sglisting_parse(&l, s, len) ;
  if (r != ok || (ok && (l.since != since || l.until != until || l.strikes != strikes)))
  {
    printf("FAIL: \"%.*s\": got %d %llu %llu %u, want %d %llu %llu %u\n", (int)len, s,
      r, (unsigned long long)l.since, (unsigned long long)l.until, l.strikes,
      ok, (unsigned long long)since, (unsigned long long)until, strikes) ;
    fails++ ;
  }
}
#define GOOD(s, a, b, c) want(s, sizeof(s) - 1, 1, a, b, c)
#define BAD(s) want(s, sizeof(s) - 1, 0, 0, 0, 0)

int main (void)
{
  sglisting l ;
  GOOD("badrcpt 1700000000 1700003600 4", 1700000000, 1700003600, 4) ;
  GOOD("badrcpt 1 2 3\n", 1, 2, 3) ;
  GOOD("rset 0 0 0", 0, 0, 0) ;
  GOOD("badrcpt 007 2 3", 7, 2, 3) ;
  GOOD("badrcpt 18446744073709551615 1 4294967295", UINT64_MAX, 1, UINT32_MAX) ;
  BAD("badrcpt 18446744073709551616 1 1") ;   /* since overflows */
  BAD("badrcpt 1 2 4294967296") ;             /* strikes overflow */
  BAD("badrcpt +1 2 3") ;
  BAD("badrcpt -1 2 3") ;
  BAD("badrcpt 0x10 2 3") ;
  BAD("badrcpt 1a 2 3") ;
  BAD("badrcpt 1 2 3 ") ;
  BAD("badrcpt  1 2 3") ;
  BAD("badrcpt 1 2 3\n\n") ;
  BAD("badrcpt 1 2") ;
  BAD("badrcpt") ;
  BAD("") ;
  BAD(" 1 2 3") ;
  BAD("Bad 1 2 3") ;
  want("badrcpt 1 2 3\0", 14, 0, 0, 0, 0) ;
  want("badrcpt 1\0 2 3", 14, 0, 0, 0, 0) ;
  /* the reason: a known name, or an unknown one kept as "other" */
  if (sglisting_parse(&l, "badrcpt 1 2 3", 13) != 1 || l.reason != SGR_BADRCPT) { printf("FAIL: reason badrcpt\n") ; fails++ ; }
  if (sglisting_parse(&l, "nosuchreason 1 2 3", 18) != 1 || l.reason == SGR_BADRCPT) { printf("FAIL: an unknown reason\n") ; fails++ ; }
  return sgtest_end(0) ;
}
