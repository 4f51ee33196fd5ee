/* sgtest.h: what the unit tests share: a failure count, CHECK, and the
 * end of a test that used a scratch directory. Header-only: each test
 * is one program. */
#ifndef SGTEST_H
#define SGTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int fails = 0 ;
#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s (errno %d)\n", __LINE__, #c, errno) ; fails++ ; } } while (0)

/* sgtest_end(dir): removes the scratch directory dir (0: none), says how
 * many checks failed; the test's exit code (111: dir not removed) */
static inline int sgtest_end (char const *dir)
{
  if (dir)
  {
    char cmd[600] ;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) ;
    if (system(cmd)) return 111 ;
  }
  if (fails) { printf("%d failure(s)\n", fails) ; return 1 ; }
  return 0 ;
}

#endif
