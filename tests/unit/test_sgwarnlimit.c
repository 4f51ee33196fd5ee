/* test_sgwarnlimit: a persistent error is written once, again when it
 * changes or SGWARNLIMIT_AGAIN seconds later, and its end once. */
#include <errno.h>
#include <string.h>

#include "sgwarnlimit.h"
#include "sgtest.h"

char const *PROG = "test_sgwarnlimit" ;

int main (void)
{
  sgwarnlimit w = SGWARNLIMIT_ZERO ;
  char buf[SGWARNLIMIT_MAX] ;
  char big[2000] ;
  char const *v[3] = { "unable to read ", "rules.txt", " - x" } ;
  uint64_t t ;

  sgwarnlimit_fmt(buf, sizeof(buf), v, 2, ENOENT) ;
  CHECK(!strcmp(buf, "unable to read rules.txt: No such file or directory")) ;
  sgwarnlimit_fmt(buf, sizeof(buf), v, 3, 0) ;
  CHECK(!strcmp(buf, "unable to read rules.txt - x")) ;
  memset(big, 'a', sizeof(big) - 1) ; big[sizeof(big) - 1] = 0 ;
  v[1] = big ;
  sgwarnlimit_fmt(buf, sizeof(buf), v, 2, ENOENT) ;
  CHECK(strlen(buf) == SGWARNLIMIT_MAX - 1) ;
  sgwarnlimit_fmt(buf, 8, v, 2, ENOENT) ;
  CHECK(!strcmp(buf, "unable ")) ;

  CHECK(!sgwarnlimit_ok(&w)) ;
  CHECK(sgwarnlimit_warn(&w, "e1", 1000)) ;
  for (t = 1000 ; t < 1000 + SGWARNLIMIT_AGAIN ; t++) CHECK(!sgwarnlimit_warn(&w, "e1", t)) ;
  CHECK(w.repeats == SGWARNLIMIT_AGAIN) ;
  CHECK(sgwarnlimit_warn(&w, "e1", 1000 + SGWARNLIMIT_AGAIN)) ;
  CHECK(!w.repeats) ;
  CHECK(!sgwarnlimit_warn(&w, "e1", 1001 + SGWARNLIMIT_AGAIN)) ;
  CHECK(sgwarnlimit_warn(&w, "e2", 1002 + SGWARNLIMIT_AGAIN)) ;
  CHECK(!sgwarnlimit_warn(&w, "e2", 1003 + SGWARNLIMIT_AGAIN)) ;
  /* the clock set back: not silenced for ever */
  CHECK(sgwarnlimit_warn(&w, "e2", 5)) ;
  CHECK(sgwarnlimit_ok(&w)) ;
  CHECK(!sgwarnlimit_ok(&w)) ;
  /* after the recovery the same error is new again */
  CHECK(sgwarnlimit_warn(&w, "e2", 6)) ;
  /* forgotten (the admin changed something): the same error is new, and
     no recovery is claimed */
  CHECK(!sgwarnlimit_warn(&w, "e2", 7)) ;
  sgwarnlimit_forget(&w) ;
  CHECK(!sgwarnlimit_ok(&w)) ;
  CHECK(sgwarnlimit_warn(&w, "e2", 8)) ;
  return sgtest_end(0) ;
}
