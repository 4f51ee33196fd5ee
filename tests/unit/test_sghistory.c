/* ISC license. */

/* The state that decays, with an injected clock: delivered history
   (its life, its start after the window, torn records), strikes that
   decay after a listing expires, an old-format ledger read as empty, and
   the gc: what it removes and what it keeps. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sghistory.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#include "sgtest.h"

static char dir[] = "/tmp/test_sghistory.XXXXXX" ;

static int exists (char const *sub, char const *name)
{
  char fn[512] ;
  struct stat stt ;
  snprintf(fn, sizeof(fn), "%s/%s/%s", dir, sub, name) ;
  return lstat(fn, &stt) == 0 ;
}

static int put (char const *sub, char const *name, char const *s, size_t len)
{
  char fn[512] ;
  int fd ;
  snprintf(fn, sizeof(fn), "%s/%s/%s", dir, sub, name) ;
  fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644) ;
  if (fd < 0) return 0 ;
  if (write(fd, s, len) != (ssize_t)len) { close(fd) ; return 0 ; }
  return close(fd) == 0 ;
}

int main (void)
{
  sgstateconf conf = { .window = 3600, .kicks = 1, .listtime = 3600, .listmax = 86400, .history = 30 * 86400 } ;
  sgstate st ;
  sglisting l ;
  sghistory h ;
  sgevidence d = SGEVIDENCE_ZERO, t ;
  uint64_t now = 1800000000 ;
  if (!mkdtemp(dir)) return 111 ;
  CHECK(sgstate_open(&st, dir, &conf)) ;
  CHECK(st.historyfd >= 0 && exists(".", "history")) ;

  /* history: none, then delivered; it counts once older than the window */
  CHECK(sgstate_history(&st, "10.1.0.1", now) == 0) ;
  CHECK(sgstate_delivered(&st, "10.1.0.1", 3, now)) ;
  CHECK(sghistory_read(st.historyfd, "10.1.0.1", &h) == 1 && h.count == 3 && h.first == now && h.last == now && h.expires == now + 30 * 86400) ;
  CHECK(sgstate_history(&st, "10.1.0.1", now + 10) == 0) ;      /* starts within the window */
  CHECK(sgstate_history(&st, "10.1.0.1", now + 3600) == 1) ;
  CHECK(sgstate_delivered(&st, "10.1.0.1", 2, now + 86400)) ;
  CHECK(sghistory_read(st.historyfd, "10.1.0.1", &h) == 1 && h.count == 5 && h.first == now && h.last == now + 86400) ;
  /* 30 days after the last delivery, not the first */
  CHECK(sgstate_history(&st, "10.1.0.1", now + 30 * 86400 + 10) == 1) ;
  CHECK(sgstate_history(&st, "10.1.0.1", now + 31 * 86400) == 0) ;
  /* a shorter life today wins over the one it was written with */
  {
    sgstate st2 ;
    sgstateconf c2 = conf ;
    c2.history = 86400 ;
    CHECK(sgstate_open(&st2, dir, &c2)) ;
    CHECK(sgstate_history(&st2, "10.1.0.1", now + 86400 + 100) == 1) ;
    CHECK(sgstate_history(&st2, "10.1.0.1", now + 2 * 86400 + 100) == 0) ;
    sgstate_close(&st2) ;
  }
  /* history off: nothing written, nothing read */
  {
    sgstate st3 ;
    sgstateconf c3 = conf ;
    c3.history = 0 ;
    CHECK(sgstate_open(&st3, dir, &c3)) ;
    CHECK(sgstate_history(&st3, "10.1.0.1", now + 3600) == 0) ;
    CHECK(sgstate_delivered(&st3, "10.1.0.9", 1, now) && !exists("history", "10.1.0.9")) ;
    sgstate_close(&st3) ;
  }
  /* a torn record is no history, not an error; the next delivery starts over */
  CHECK(put("history", "10.1.0.2", "garbage, not a record at all, no, not one", 40)) ;
  CHECK(sgstate_history(&st, "10.1.0.2", now) == 0) ;
  CHECK(sgstate_delivered(&st, "10.1.0.2", 1, now)) ;
  CHECK(sghistory_read(st.historyfd, "10.1.0.2", &h) == 1 && h.count == 1) ;
  CHECK(sgstate_history(&st, "../etc", now) == -1 && errno == EINVAL) ;

  /* an old-format ledger record reads as empty, never as evidence */
  {
    char old[528] ;
    memset(old, 0xff, sizeof(old)) ;
    memcpy(old, "SGL1", 4) ;
    CHECK(put("ledger", "10.1.0.3", old, sizeof(old))) ;
    CHECK(sgstate_ledger_add(&st, "10.1.0.3", &d, now, &t) && !t.guessq && !t.deliv && !t.rset && !t.authfail && !t.errors) ;
  }

  /* strikes decay: one a week after the listing expired */
  CHECK(sgstate_kick(&st, "10.1.0.4", SGR_BADRCPT, now, &l) == 1 && l.strikes == 1) ;
  CHECK(sgstate_kick(&st, "10.1.0.4", SGR_BADRCPT, now + 3600, &l) == 1 && l.strikes == 2 && l.until == now + 3600 + 7200) ;
  CHECK(sgstate_kick(&st, "10.1.0.4", SGR_BADRCPT, now + 10800, &l) == 1 && l.strikes == 3) ;
  CHECK(sgstate_strikes(&l, l.until) == 3 && sgstate_strikes(&l, l.until + SGSTATE_DECAY) == 2) ;
  CHECK(sgstate_strikes(&l, l.until + 3 * SGSTATE_DECAY) == 0) ;
  {
    uint64_t u = l.until ;
    /* 8 days after expiry: one strike forgotten, the new listing is the 3rd */
    CHECK(sgstate_kick(&st, "10.1.0.4", SGR_BADRCPT, u + 8 * 86400, &l) == 1 && l.strikes == 3) ;
  }

  /* a client with a delivered history that delivers again between its
     listings: they stop growing at the third's length (4 x listtime);
     one that does not deliver in between escalates as anyone does */
  CHECK(sgstate_delivered(&st, "10.1.0.6", 3, now - 2 * 86400)) ;
  CHECK(sgstate_kick(&st, "10.1.0.6", SGR_BADRCPT, now, &l) == 1 && l.strikes == 1 && l.until == now + 3600) ;
  CHECK(sgstate_delivered(&st, "10.1.0.6", 1, now + 3700)) ;
  CHECK(sgstate_kick(&st, "10.1.0.6", SGR_BADRCPT, now + 3800, &l) == 1 && l.strikes == 2 && l.until == now + 3800 + 7200) ;
  CHECK(sgstate_delivered(&st, "10.1.0.6", 1, now + 11100)) ;
  CHECK(sgstate_kick(&st, "10.1.0.6", SGR_BADRCPT, now + 11200, &l) == 1 && l.strikes == 3 && l.until == now + 11200 + 14400) ;
  CHECK(sgstate_delivered(&st, "10.1.0.6", 1, now + 25700)) ;
  CHECK(sgstate_kick(&st, "10.1.0.6", SGR_BADRCPT, now + 25800, &l) == 1 && l.strikes == 4 && l.until == now + 25800 + 14400) ;
  /* no delivery since that listing ended: 8 hours */
  CHECK(sgstate_kick(&st, "10.1.0.6", SGR_BADRCPT, now + 40300, &l) == 1 && l.strikes == 5 && l.until == now + 40300 + 57600) ;
  CHECK(sgstate_kick(&st, "10.1.0.7", SGR_BADRCPT, now, &l) == 1 && l.until == now + 3600) ;
  CHECK(sgstate_kick(&st, "10.1.0.7", SGR_BADRCPT, now + 3600, &l) == 1 && l.strikes == 2 && l.until == now + 3600 + 7200) ;

  /* the dry run's kick counts, lists nothing */
  {
    sgstateconf c4 = conf ;
    sgstate st4 ;
    c4.kicks = 2 ;
    CHECK(sgstate_open(&st4, dir, &c4)) ;
    CHECK(sgstate_wouldkick(&st4, "10.1.0.5", now) == 0) ;
    CHECK(sgstate_wouldkick(&st4, "10.1.0.5", now + 1) == 1) ;
    CHECK(!exists("listed", "10.1.0.5") && sgstate_listed(&st4, "10.1.0.5", now + 2, &l) == 0) ;
    sgstate_close(&st4) ;
  }

  /* the gc: keeps what counts, removes the rest */
  {
    uint64_t later ;
    int n ;
    d.guessq = 4 ;
    CHECK(sgstate_ledger_add(&st, "10.1.0.6", &d, now, &t)) ;   /* old evidence */
    CHECK(sgstate_delivered(&st, "10.1.0.7", 1, now)) ;        /* old history */
    CHECK(sgstate_kick(&st, "10.1.0.8", SGR_BADRCPT, now, &l) == 1) ;  /* 1 strike */
    later = now + 3600 + SGSTATE_DECAY + 10 ;
    CHECK(sgstate_ledger_add(&st, "10.1.0.10", &d, later, &t)) ;  /* fresh evidence */
    CHECK(sgstate_delivered(&st, "10.1.0.11", 1, later)) ;       /* fresh history */
    CHECK(sgstate_kick(&st, "10.1.0.12", SGR_BADRCPT, later, &l) == 1) ;  /* listed now */
    CHECK(put("listed", ".tmp.10.1.0.13.1", "x", 1)) ;
    CHECK(put("ledger", "10.1.0.14", "", 0)) ;  /* an unlisted IP's truncated ledger */
    n = sgstate_gc(&st, later) ;
    CHECK(n >= 4) ;
    CHECK(!exists("ledger", "10.1.0.6") && !exists("listed", "10.1.0.8") && !exists("listed", ".tmp.10.1.0.13.1") && !exists("ledger", "10.1.0.14")) ;
    CHECK(exists("history", "10.1.0.7")) ;  /* 30 days: not yet */
    CHECK(exists("ledger", "10.1.0.10") && exists("history", "10.1.0.11") && exists("listed", "10.1.0.12") && exists("ledger", "10.1.0.12")) ;
    /* 10.1.0.4: 3 strikes, expired on day 8: remembered 3 weeks more */
    CHECK(exists("listed", "10.1.0.4")) ;
    CHECK(sgstate_gc(&st, now + 28 * 86400) >= 0 && exists("listed", "10.1.0.4")) ;
    later = now + 40 * 86400 ;
    n = sgstate_gc(&st, later) ;
    CHECK(!exists("history", "10.1.0.7") && !exists("history", "10.1.0.11") && !exists("history", "10.1.0.1")) ;
    CHECK(!exists("ledger", "10.1.0.10") && !exists("listed", "10.1.0.12")) ;
    CHECK(!exists("listed", "10.1.0.4")) ;
    /* a statedir with no history/ (an older smtpguard's) is fine */
    {
      char fn[512] ;
      snprintf(fn, sizeof(fn), "rm -rf '%s/history'", dir) ;
      CHECK(system(fn) == 0) ;
      CHECK(sgstate_gc(&st, later) >= 0) ;
    }
  }

  sgstate_close(&st) ;
  return sgtest_end(dir) ;
}
