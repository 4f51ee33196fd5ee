/* ISC license. */

/* sglisting_parse: a listing's text, "<reason> <since> <until>
   <strikes>" with an optional newline, read field by field; anything
   else (overflow, signs, missing or extra fields, NULs) is not a
   listing. */

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
/* entries of the directory dfd, '.' and '..' aside */
static unsigned int entries (int dfd)
{
  unsigned int n = 0 ;
  DIR *d = fdopendir(dup(dfd)) ;
  struct dirent *e ;
  if (!d) return 0 ;
  rewinddir(d) ;  /* the offset is shared with dfd, read before */
  while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++ ;
  closedir(d) ;
  return n ;
}

static int same (int dfd, char const *ip, uint64_t since, uint64_t until, uint32_t strikes)
{
  sglisting r ;
  return sglisting_read(dfd, ip, &r) == 1 && r.since == since && r.until == until && r.strikes == strikes && r.reason == SGR_BADRCPT ;
}

/* sglisting_write: a new listing under its own name, an old one
   replaced (a symlink or a regular file), no temporary left behind, a
   stray temporary with our pid taken over */
static char dir[] = "/tmp/test_sglisting.XXXXXX" ;

static void writes (void)
{
  char stray[64] ;
  sglisting l ;
  int dfd ;
  if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) { perror("scratch") ; exit(111) ; }
  memset(&l, 0, sizeof l) ;
  strcpy(l.ip, "192.0.2.7") ; l.reason = SGR_BADRCPT ; l.since = 100 ; l.until = 200 ; l.strikes = 1 ;
  CHECK(sglisting_write(dfd, &l)) ;
  CHECK(same(dfd, "192.0.2.7", 100, 200, 1)) ;
  CHECK(entries(dfd) == 1) ;
  l.until = 300 ; l.strikes = 2 ;
  CHECK(sglisting_write(dfd, &l)) ;
  CHECK(same(dfd, "192.0.2.7", 100, 300, 2)) ;
  CHECK(entries(dfd) == 1) ;
  snprintf(stray, sizeof stray, ".tmp.192.0.2.7.%llu", (unsigned long long)getpid()) ;
  CHECK(!symlinkat("junk", dfd, stray)) ;
  l.strikes = 3 ;
  CHECK(sglisting_write(dfd, &l)) ;
  CHECK(same(dfd, "192.0.2.7", 100, 300, 3)) ;
  CHECK(entries(dfd) == 1) ;
  CHECK(!unlinkat(dfd, "192.0.2.7", 0)) ;
  {
    int fd = openat(dfd, "192.0.2.7", O_WRONLY | O_CREAT | O_EXCL, 0644) ;
    CHECK(fd >= 0 && write(fd, "badrcpt 1 2 1\n", 14) == 14) ;
    if (fd >= 0) close(fd) ;
  }
  CHECK(same(dfd, "192.0.2.7", 1, 2, 1)) ;
  CHECK(sglisting_write(dfd, &l)) ;
  CHECK(same(dfd, "192.0.2.7", 100, 300, 3)) ;
  CHECK(entries(dfd) == 1) ;
  close(dfd) ;
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
  writes() ;
  return sgtest_end(dir) ;
}
