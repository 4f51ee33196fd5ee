/* ISC license. */

/* sgstate with an injected clock: kicks, listing, expiry, escalation,
   the cap, the ledger window, unlisting, canonical names, garbage. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgclock.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#include "sgtest.h"

static int exists (char const *dir, char const *sub, char const *name)
{
  char fn[512] ;
  struct stat stt ;
  snprintf(fn, sizeof(fn), "%s/%s/%s", dir, sub, name) ;
  return lstat(fn, &stt) == 0 ;
}

int main (void)
{
  char dir[] = "/tmp/test_sgstate.XXXXXX" ;
  sgstateconf conf = { .window = 3600, .kicks = 2, .listtime = 100, .listmax = 350 } ;
  sgstate st ;
  sglisting l ;
  sgevidence d = SGEVIDENCE_ZERO, t ;
  uint64_t now = 1700000000 ;
  if (!mkdtemp(dir)) return 111 ;
  CHECK(sgstate_open(&st, dir, &conf)) ;

  /* two kicks within the window list the IP */
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now, &l) == 0) ;
  CHECK(sgstate_listed(&st, "10.0.0.1", now, &l) == 0) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now + 10, &l) == 1) ;
  CHECK(!strcmp(l.ip, "10.0.0.1") && l.strikes == 1 && l.since == now + 10 && l.until == now + 110 && l.reason == SGR_BADRCPT) ;
  CHECK(sgstate_listed(&st, "10.0.0.1", now + 109, &l) == 1) ;
  CHECK(sgstate_listed(&st, "10.0.0.1", now + 110, &l) == 0) ;  /* expired */
  /* a kick while listed adds no strike */
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_RSET, now + 20, &l) == 1 && l.strikes == 1 && l.reason == SGR_BADRCPT) ;

  /* after expiry: more kicks escalate 100, 200, then the 350 cap */
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_AUTHFAIL, now + 200, &l) == 1) ;
  CHECK(l.strikes == 2 && l.until == now + 200 + 200 && l.reason == SGR_AUTHFAIL) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_AUTHFAIL, now + 500, &l) == 1 && l.strikes == 3 && l.until == now + 500 + 350) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_AUTHFAIL, now + 900, &l) == 1 && l.strikes == 4 && l.until == now + 900 + 350) ;
  /* strikes survive a window with no kicks: one kick is not enough again
     (kicks = 2), but the strike count is remembered */
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now + 100000, &l) == 0) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now + 100001, &l) == 1 && l.strikes == 5 && l.until == now + 100001 + 350) ;

  /* the ledger: sums over the window, old buckets drop out */
  d.guessq = 3 ; d.deliv = 1 ;
  CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now, &t) && t.guessq == 3 && t.deliv == 1) ;
  d.guessq = 4 ; d.deliv = 0 ; d.rset = 2 ;
  CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now + 1000, &t) && t.guessq == 7 && t.deliv == 1 && t.rset == 2) ;
  d.guessq = 0 ; d.rset = 0 ; d.authfail = 1 ; d.errors = 5 ;
  CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now + 3000, &t) && t.guessq == 7 && t.authfail == 1 && t.errors == 5) ;
  memset(&d, 0, sizeof(d)) ;
  CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now + 3600 + 500, &t) && t.guessq == 4 && t.deliv == 0 && t.errors == 5) ;
  CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now + 100000, &t) && t.guessq == 0 && t.errors == 0) ;
  /* refused credentials: the same tag counts once while it keeps
     coming within the window, others (and untagged ones) each time;
     a tag not seen for a window counts again; two in one delta have no
     tag and count both; 8 tags are remembered */
  {
    sgevidence a = SGEVIDENCE_ZERO, b = SGEVIDENCE_ZERO ;
    unsigned int k ;
    a.authfail = 1 ; a.authtag = 0x1234 ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now, &t) && t.authfail == 1) ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 60, &t) && t.authfail == 1) ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 3000, &t) && t.authfail == 1) ;
    /* the first one has left the window, the tag was refreshed: free */
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 3600 + 300, &t) && t.authfail == 0) ;
    b.authfail = 1 ; b.authtag = 0x5678 ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &b, now + 3600 + 400, &t) && t.authfail == 1) ;
    b.authtag = 0 ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &b, now + 3600 + 500, &t) && t.authfail == 2) ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &b, now + 3600 + 600, &t) && t.authfail == 3) ;
    sgevidence_add(&b, &a) ;
    CHECK(b.authfail == 2 && b.authtag == 0) ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &b, now + 3600 + 700, &t) && t.authfail == 5) ;
    /* a tag unseen for a whole window counts again */
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 3 * 3600, &t) && t.authfail == 1) ;
    /* eight newer others push it out, the stalest first */
    for (k = 1 ; k <= 8 ; k++)
    {
      b.authfail = 1 ; b.authtag = 0x9000 + k ;
      CHECK(sgstate_ledger_add(&st, "10.0.0.5", &b, now + 3 * 3600 + k * 300, &t) && t.authfail == 1 + k) ;
    }
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 3 * 3600 + 2700, &t) && t.authfail == 10) ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.5", &a, now + 3 * 3600 + 2701, &t) && t.authfail == 10) ;
  }
  /* the key of the tags: made once, 16 bytes, the owner's only, the same after */
  {
    uint64_t k1[2] = { 0, 0 }, k2[2] = { 1, 1 } ;
    char fn[512] ;
    struct stat stt ;
    int fd ;
    snprintf(fn, sizeof(fn), "%s/key", dir) ;
    CHECK(sgstate_key(&st, k1) && (k1[0] || k1[1])) ;
    CHECK(stat(fn, &stt) == 0 && stt.st_size == 16 && (stt.st_mode & 0777) == 0600) ;
    CHECK(sgstate_key(&st, k2) && k1[0] == k2[0] && k1[1] == k2[1]) ;
    fd = open(fn, O_WRONLY | O_APPEND) ;
    CHECK(fd >= 0 && write(fd, "x", 1) == 1) ;
    close(fd) ;
    CHECK(!sgstate_key(&st, k2) && errno == EINVAL) ;
    CHECK(unlink(fn) == 0) ;
    CHECK(sgstate_key(&st, k2) && (k1[0] != k2[0] || k1[1] != k2[1])) ;
  }
  /* a torn ledger record counts as empty, it is not an error */
  {
    char fn[512] ;
    int fd ;
    snprintf(fn, sizeof(fn), "%s/ledger/10.0.0.2", dir) ;
    fd = open(fn, O_WRONLY) ;
    CHECK(fd >= 0 && pwrite(fd, "garbage", 7, 40) == 7) ;
    close(fd) ;
    d.guessq = 1 ;
    CHECK(sgstate_ledger_add(&st, "10.0.0.2", &d, now + 100000, &t) && t.guessq == 1) ;
  }

  /* canonical names only; invalid addresses never reach the disk */
  CHECK(sgstate_kick(&st, "::ffff:10.0.0.3", SGR_BADRCPT, now, &l) == 0) ;
  CHECK(sgstate_kick(&st, "10.0.0.3", SGR_BADRCPT, now, &l) == 1 && !strcmp(l.ip, "10.0.0.3")) ;
  CHECK(exists(dir, "listed", "10.0.0.3")) ;
  CHECK(sgstate_kick(&st, "2001:DB8:0:0:0:0:0:1", SGR_BADRCPT, now, &l) == 0) ;
  CHECK(sgstate_kick(&st, "2001:db8::1", SGR_BADRCPT, now, &l) == 1 && !strcmp(l.ip, "2001:db8::1")) ;
  CHECK(exists(dir, "listed", "2001:db8::1")) ;
  errno = 0 ;
  CHECK(sgstate_kick(&st, "../x", SGR_BADRCPT, now, &l) == -1 && errno == EINVAL) ;
  CHECK(sgstate_listed(&st, "", now, &l) == -1) ;
  CHECK(sgstate_ledger_add(&st, "/etc/passwd", &d, now, &t) == 0) ;
  CHECK(sgstate_unlist(&st, "..") == -1) ;

  /* unlisting forgives: listing, strikes and ledger go */
  CHECK(sgstate_unlist(&st, "10.0.0.1") == 1) ;
  CHECK(sgstate_unlist(&st, "10.0.0.1") == 0) ;
  CHECK(sgstate_listed(&st, "10.0.0.1", now + 100002, &l) == 0) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now + 100003, &l) == 0) ;
  CHECK(sgstate_kick(&st, "10.0.0.1", SGR_BADRCPT, now + 100004, &l) == 1 && l.strikes == 1 && l.until == now + 100004 + 100) ;

  /* a garbage listing file: an error for sgstate_listed, overwritten by a kick */
  {
    char fn[512] ;
    FILE *f ;
    snprintf(fn, sizeof(fn), "%s/listed/10.0.0.4", dir) ;
    f = fopen(fn, "w") ; fputs("not a listing\n", f) ; fclose(f) ;
    CHECK(sgstate_listed(&st, "10.0.0.4", now, &l) == -1) ;
    CHECK(sgstate_kick(&st, "10.0.0.4", SGR_ERRORS, now, &l) == 0) ;
    CHECK(sgstate_kick(&st, "10.0.0.4", SGR_ERRORS, now, &l) == 1 && l.strikes == 1) ;
    CHECK(sgstate_listed(&st, "10.0.0.4", now, &l) == 1 && l.reason == SGR_ERRORS) ;
  }

  /* defaults: one kick lists for an hour, the cap is a week */
  {
    sgstate st2 ;
    sgstateconf z = SGSTATECONF_ZERO ;
    CHECK(sglisting_duration(&z, 1) == 3600 && sglisting_duration(&z, 2) == 7200 && sglisting_duration(&z, 9) == 604800 && sglisting_duration(&z, 0xffffffffu) == 604800) ;
    CHECK(sgstate_open(&st2, dir, 0)) ;
    CHECK(sgstate_kick(&st2, "10.9.9.9", SGR_BADRCPT, now, &l) == 1 && l.until == now + 3600) ;
    sgstate_close(&st2) ;
  }

  /* sgnow, linked with the test clock: SMTPGUARD_NOW when valid */
  setenv("SMTPGUARD_NOW", "1234567890", 1) ;
  CHECK(sgnow() == 1234567890) ;
  setenv("SMTPGUARD_NOW", "12x", 1) ;
  CHECK(sgnow() > 1600000000) ;

  sgstate_close(&st) ;
  return sgtest_end(dir) ;
}
