/* ISC license. */

/* sglisting_parse: a listing's text read field by field exactly as
   skalibs' uint64_scan and uint32_scan read it (the reference below is
   the parser written with them), on edge cases (overflow, leading
   zeros, signs, missing fields, a newline, NULs) and random texts. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <skalibs/types.h>

#include "sglisting.h"
#include "sgpolicy.h"

#include "sgtest.h"

static int reference (sglisting *l, char const *s, size_t len)
{
  char buf[128] ;
  char const *p = buf ;
  char name[16] ;
  size_t n = 0 ;
  uint32_t strikes ;
  if (len && s[len-1] == '\n') len-- ;
  if (len >= sizeof(buf) || memchr(s, 0, len)) return 0 ;
  memcpy(buf, s, len) ;
  buf[len] = 0 ;
  while (*p >= 'a' && *p <= 'z' && n < sizeof(name) - 1) name[n++] = *p++ ;
  name[n] = 0 ;
  if (!n || *p++ != ' ') return 0 ;
  n = uint64_scan(p, &l->since) ; if (!n || p[n] != ' ') return 0 ; p += n + 1 ;
  n = uint64_scan(p, &l->until) ; if (!n || p[n] != ' ') return 0 ; p += n + 1 ;
  n = uint32_scan(p, &strikes) ; if (!n || p[n]) return 0 ;
  l->strikes = strikes ;
  l->reason = sgreason_scan(name) ;
  return 1 ;
}

static void check (char const *s, size_t len)
{
  sglisting a, b ;
  int ra, rb ;
  memset(&a, 0, sizeof(a)) ; memset(&b, 0, sizeof(b)) ;
  ra = sglisting_parse(&a, s, len) ;
  rb = reference(&b, s, len) ;
  if (ra != rb || (ra && (a.since != b.since || a.until != b.until || a.strikes != b.strikes || a.reason != b.reason)))
  {
    printf("FAIL: \"%.*s\": parse %d %llu %llu %u %u, reference %d %llu %llu %u %u\n", (int)len, s,
      ra, (unsigned long long)a.since, (unsigned long long)a.until, a.strikes, a.reason,
      rb, (unsigned long long)b.since, (unsigned long long)b.until, b.strikes, b.reason) ;
    fails++ ;
  }
}

static void checks (char const *s)
{
  check(s, strlen(s)) ;
}

int main (void)
{
  static char const *const nums[] = { "0", "7", "007", "1700000000", "4294967295", "4294967296", "99999999999",
    "18446744073709551615", "18446744073709551616", "99999999999999999999", "184467440737095516150",
    "", "+1", "-1", "1a", "0x10", " 1" } ;
  static char const *const names[] = { "badrcpt", "rset", "nosuchreason", "abcdefghijklmnopq", "", "Bad", "bad2" } ;
  unsigned int const nn = sizeof(nums) / sizeof(nums[0]), nr = sizeof(names) / sizeof(names[0]) ;
  unsigned int r, a, b, c ;
  unsigned int i ;
  char s[256] ;
  int parsed = 0 ;
  for (r = 0 ; r < nr ; r++) for (a = 0 ; a < nn ; a++) for (b = 0 ; b < nn ; b++) for (c = 0 ; c < nn ; c++)
  {
    snprintf(s, sizeof(s), "%s %s %s %s", names[r], nums[a], nums[b], nums[c]) ;
    checks(s) ;
    strcat(s, "\n") ;
    checks(s) ;
  }
  checks("badrcpt 1 2 3") ;
  checks("badrcpt 1 2 3\n\n") ;
  checks("badrcpt 1 2 3 ") ;
  checks("badrcpt  1 2 3") ;
  checks("badrcpt 1 2") ;
  checks("badrcpt") ;
  checks("") ;
  check("badrcpt 1 2 3\0", 14) ;
  check("badrcpt 1\0 2 3", 14) ;
  {
    sglisting l ;
    parsed = sglisting_parse(&l, "badrcpt 1700000000 1700003600 4", 31) == 1 && l.since == 1700000000 && l.until == 1700003600 && l.strikes == 4 && l.reason == SGR_BADRCPT ;
    if (!parsed) { printf("FAIL: a good listing\n") ; fails++ ; }
  }
  /* random texts over the characters that matter */
  srand(12345) ;
  for (i = 0 ; i < 200000 ; i++)
  {
    static char const alpha[] = "0123456789 abrst\n+-9" ;
    size_t len = 10 + rand() % 40, k ;
    memcpy(s, "badrcpt ", 8) ;
    for (k = 8 ; k < len ; k++) s[k] = alpha[rand() % (sizeof(alpha) - 1)] ;
    check(s, len) ;
  }
  return sgtest_end(0) ;
}
