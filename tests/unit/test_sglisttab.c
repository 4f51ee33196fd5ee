/* ISC license. */

/* sglisttab, smtpguard-cdb -w's listings in memory: an IP set twice is
   one entry with the later expiry; an IP set to 0 is left out of the
   walk; 100,000 IPs (many index growths) are all found again with their
   own expiry; a reset empties it. */

#include <stdio.h>
#include <string.h>

#include "sglisttab.h"

static int fails = 0 ;
#define CHECK(c, msg) do { if (!(c)) { printf("FAIL: %s\n", msg) ; fails++ ; } } while (0)

typedef struct { size_t n ; uint64_t sum ; int seen5 ; uint64_t until5 ; } walk ;

static int count (sglisting const *l, void *p)
{
  walk *w = p ;
  w->n++ ;
  w->sum += l->until ;
  if (!strcmp(l->ip, "10.0.0.5")) { w->seen5++ ; w->until5 = l->until ; }
  return 1 ;
}

static int stop (sglisting const *l, void *p)
{
  (void)l ;
  return --*(int *)p > 0 ;
}

int main (void)
{
  sglisttab t = SGLISTTAB_ZERO ;
  walk w ;
  size_t i ;
  uint64_t want = 0 ;
  int k ;

  CHECK(sglisttab_set(&t, "10.0.0.5", 100, 1), "set") ;
  CHECK(sglisttab_set(&t, "10.0.0.5", 200, 1), "set again") ;
  CHECK(sglisttab_set(&t, "2001:db8::1", 300, 1), "set v6") ;
  CHECK(sglisttab_set(&t, "10.0.0.6", 0, 1), "set an unknown IP to 0") ;
  memset(&w, 0, sizeof(w)) ;
  sglisttab_foreach(&t, &count, &w) ;
  CHECK(w.n == 2 && w.seen5 == 1 && w.until5 == 200, "one entry per IP, the later expiry") ;

  CHECK(sglisttab_set(&t, "10.0.0.5", 0, 1), "unset") ;
  memset(&w, 0, sizeof(w)) ;
  sglisttab_foreach(&t, &count, &w) ;
  CHECK(w.n == 1 && !w.seen5, "an IP set to 0 is not walked") ;
  CHECK(sglisttab_set(&t, "10.0.0.5", 400, 1), "set after unset") ;
  memset(&w, 0, sizeof(w)) ;
  sglisttab_foreach(&t, &count, &w) ;
  CHECK(w.n == 2 && w.until5 == 400, "set again after unset") ;

  sglisttab_reset(&t) ;
  memset(&w, 0, sizeof(w)) ;
  sglisttab_foreach(&t, &count, &w) ;
  CHECK(w.n == 0, "reset empties") ;

  for (i = 0 ; i < 100000 ; i++)
  {
    char ip[SGIP_MAX] ;
    snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(i >> 16), (unsigned)((i >> 8) & 255), (unsigned)(i & 255)) ;
    if (!sglisttab_set(&t, ip, 1000 + i, 1)) { CHECK(0, "set in bulk") ; break ; }
    want += 1000 + i ;
  }
  for (i = 0 ; i < 100000 ; i += 997)
  {
    char ip[SGIP_MAX] ;
    snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(i >> 16), (unsigned)((i >> 8) & 255), (unsigned)(i & 255)) ;
    sglisttab_set(&t, ip, 1000 + i, 1) ;  /* the same again: no new entry */
  }
  memset(&w, 0, sizeof(w)) ;
  sglisttab_foreach(&t, &count, &w) ;
  CHECK(w.n == 100000 && w.sum == want, "100,000 IPs, each once, each with its own expiry") ;
  k = 3 ;
  CHECK(!sglisttab_foreach(&t, &stop, &k) && !k, "a walk stops when told") ;
  sglisttab_free(&t) ;
  return fails ? 1 : 0 ;
}
