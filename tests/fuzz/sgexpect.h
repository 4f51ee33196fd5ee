/* ISC license. */

/* Helpers for the scanner unit tests (tests/unit/test_sgscan*.c): drive
   the scanner through tests/fuzz/sgdrive.c and assert the exact event
   sequence (sgdrive_text() notation), the counters, and that the
   reference model agrees. Included once per test program. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refmodel.c"
#include "sgdrive.c"

static unsigned int failures = 0 ;
static unsigned int checks = 0 ;

static void fail (char const *name, char const *what, char const *want, char const *got)
{
  failures++ ;
  fprintf(stderr, "FAIL %s: %s\n  want: %s\n  got:  %s\n", name, what, want, got) ;
}

/* drive the streams with reads (fuzz_sgscan.c notation) and check the
   events; want_counts may be 0 */
static void expect_n (char const *name, char const *c, size_t clen, char const *s, size_t slen,
                      char const *reads, char const *want, sgcounts const *want_counts)
{
  sgdrive d ;
  char *got ;
  checks++ ;
  sgdrive_init(&d, c, clen, s, slen) ;
  sgdrive_reads(&d, reads, strlen(reads)) ;
  got = sgdrive_text(d.ev, d.n) ;
  if (!got) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  if (d.stuck) fail(name, "calling convention broken", "", "") ;
  if (strcmp(got, want)) fail(name, "events", want, got) ;
  if (want_counts && memcmp(want_counts, &d.counts, sizeof(sgcounts)))
  {
    char w[200], g[200] ;
    snprintf(w, sizeof(w), "bad=%u good=%u rset=%u authfail=%u errors=%u", (unsigned)want_counts->bad, (unsigned)want_counts->good, (unsigned)want_counts->rset, (unsigned)want_counts->authfail, (unsigned)want_counts->errors) ;
    snprintf(g, sizeof(g), "bad=%u good=%u rset=%u authfail=%u errors=%u", (unsigned)d.counts.bad, (unsigned)d.counts.good, (unsigned)d.counts.rset, (unsigned)d.counts.authfail, (unsigned)d.counts.errors) ;
    fail(name, "counters (sgpolicy_count)", w, g) ;
  }
  if (sgdrive_compare(&d, 1)) fail(name, "the reference model disagrees (above)", "", "") ;
  free(got) ;
  sgdrive_free(&d) ;
}

/* string literals, NULs included */
#define EXPECT(name, c, s, reads, want) expect_n(name, c, sizeof(c) - 1, s, sizeof(s) - 1, reads, want, 0)
#define EXPECTC(name, c, s, reads, want, cnt) do { sgcounts w_ = cnt ; expect_n(name, c, sizeof(c) - 1, s, sizeof(s) - 1, reads, want, &w_) ; } while (0)

/* A session in lock step: chunks alternate server, client, server, ...
   (0-terminated); each chunk arrives whole once the one before it has
   been scanned. */
__attribute__((unused)) static void lockstep (char const *name, char const *const *chunks, char const *want, sgcounts const *want_counts)
{
  size_t clen = 0, slen = 0, rlen = 0, i ;
  char *c, *s, *r ;
  for (i = 0 ; chunks[i] ; i++) { if (i & 1) clen += strlen(chunks[i]) ; else slen += strlen(chunks[i]) ; rlen += 16 ; }
  c = malloc(clen + 1) ; s = malloc(slen + 1) ; r = malloc(rlen + 1) ;
  if (!c || !s || !r) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  clen = slen = rlen = 0 ; r[0] = 0 ;
  for (i = 0 ; chunks[i] ; i++)
  {
    size_t n = strlen(chunks[i]) ;
    if (i & 1) { memcpy(c + clen, chunks[i], n) ; clen += n ; }
    else { memcpy(s + slen, chunks[i], n) ; slen += n ; }
    rlen += sprintf(r + rlen, "%c%zu ", i & 1 ? 'c' : 's', n) ;
  }
  expect_n(name, c, clen, s, slen, r, want, want_counts) ;
  free(c) ; free(s) ; free(r) ;
}

__attribute__((unused)) static sgcounts counts (uint32_t bad, uint32_t good, uint32_t rset, uint32_t authfail, uint32_t errors)
{
  sgcounts c = { bad, good, rset, authfail, errors } ;
  return c ;
}

static int report (char const *prog)
{
  if (failures) fprintf(stderr, "%s: %u of %u checks failed\n", prog, failures, checks) ;
  return failures ? 1 : 0 ;
}
