/* ISC license. */

#ifndef SMTPGUARD_SGSTATE_H
#define SMTPGUARD_SGSTATE_H

/* sgstate: the state directory, shared by every smtpguard process.
   statedir/listed/<ip>   one listing per IP (also kept after expiry, to
                          remember strikes), written whole: temp file,
                          fsync, rename, fsync of the directory
   statedir/ledger/<ip>   the IP's events over the window, a fixed-size
                          record rewritten in place under flock
   statedir/history/<ip>  the IP's delivered mail, a fixed-size record
                          (sghistory.h), kept -H seconds after the last
   statedir/pass/<ip>     the door test's pass records (sgpass.h)
   statedir/wakeup        a FIFO: one line with the IP after each listing change
   statedir/key           16 secret bytes: the key of refused credentials' tags
   See doc/statedir.html. Every function returns errors and sets errno;
   none prints or exits. */

#include <stdint.h>

#include "sgpolicy.h"
#include "sglisting.h"

typedef struct sgstateconf_s sgstateconf, *sgstateconf_ref ;
struct sgstateconf_s
{
  uint32_t window ;    /* seconds, ledger window */
  uint32_t kicks ;     /* kicks within the window before listing */
  uint32_t listtime ;  /* first listing, seconds */
  uint32_t listmax ;   /* cap on an escalated listing, seconds */
  uint32_t history ;   /* life of a delivered history, seconds; 0 = none */
} ;
#define SGSTATE_WINDOW 3600
#define SGSTATE_KICKS 1
#define SGSTATE_LISTTIME 3600
#define SGSTATE_LISTMAX 604800
#define SGSTATE_HISTORY 2592000
#define SGSTATECONF_ZERO { SGSTATE_WINDOW, SGSTATE_KICKS, SGSTATE_LISTTIME, SGSTATE_LISTMAX, SGSTATE_HISTORY }

/* a listing's strikes decay: one is forgotten for every SGSTATE_DECAY
   seconds since the listing expired; a listing with none left is gone */
#define SGSTATE_DECAY 604800

typedef struct sgstate_s sgstate, *sgstate_ref ;
struct sgstate_s
{
  int dirfd ;     /* statedir */
  int listedfd ;  /* statedir/listed */
  int ledgerfd ;  /* statedir/ledger */
  int historyfd ; /* statedir/history, -1 if it could not be had */
  sgstateconf conf ;
} ;
#define SGSTATE_ZERO { -1, -1, -1, -1, SGSTATECONF_ZERO }

/* 1 ok, 0 error (errno). Creates listed/, ledger/, history/ and wakeup if
   missing and possible; a read-only statedir that has them is fine, and
   one without history/ too (no history then). */
extern int sgstate_open (sgstate *, char const *dir, sgstateconf const *) ;
extern void sgstate_close (sgstate *) ;

/* Ownership: everything in the state directory has the owner of the
   directory itself, whoever creates it (doc/statedir.html).
   sgstate_mkdir: makes dirfd/name if missing, gives it to dirfd's owner
   when run as root, opens it; the fd, or -1 (errno). Every directory of
   the state directory is made with it. sgstate_own: when run as root and
   fd (or, if fd < 0, the entry name, not followed) belongs to root but
   dirfd does not, gives it to dirfd's owner and group; for every file
   root may create there. 1 ok, 0 error. */
extern int sgstate_mkdir (int dirfd, char const *name) ;
extern int sgstate_own (int dirfd, int fd, char const *name) ;
/* the first part of the state directory (listed, ledger, wakeup) that
   does not belong to the directory's owner, with its stat and the
   directory's; 0 if none or if the directory belongs to root */
struct stat ;
extern char const *sgstate_check (sgstate const *, struct stat *got, struct stat *want) ;

/* 1 listed and unexpired (fills the sglisting if not null), 0 not, -1 error */
extern int sgstate_listed (sgstate *, char const *ip, uint64_t now, sglisting *) ;

/* adds delta to the IP's window; *total = sums over the window, delta
   included. 1 ok, 0 error. sgstate_ledger_move also takes back the nw
   published open refusals w and says in *idx which bucket delta went to. */
extern int sgstate_ledger_add (sgstate *, char const *ip, sgevidence const *delta, uint64_t now, sgevidence *total) ;
extern int sgstate_ledger_move (sgstate *, char const *ip, sgevidence const *delta, sgwithdraw const *w, unsigned int nw, uint64_t now, sgevidence *total, uint64_t *idx) ;

/* records one kick; lists the IP if the kicks in the window reach
   conf.kicks (for listtime * 2^(strikes-1), capped at listmax), durably
   before returning. 1 listed (now or already: *l filled), 0 kick recorded
   but not listed, -1 error. */
extern int sgstate_kick (sgstate *, char const *ip, unsigned int reason, uint64_t now, sglisting *) ;

/* the dry run's kick: counted in the ledger like a kick, never listed.
   1 it would have listed, 0 not, -1 error. */
extern int sgstate_wouldkick (sgstate *, char const *ip, uint64_t now) ;

/* the strikes a listing still carries at now (SGSTATE_DECAY) */
extern uint32_t sgstate_strikes (sglisting const *, uint64_t now) ;

/* delivered history: sgstate_history 1 the IP delivered within its
   history life, 0 not (or no history/), -1 error; sgstate_delivered
   records n deliveries at now. 1 ok, 0 error. */
extern int sgstate_history (sgstate *, char const *ip, uint64_t now) ;
extern int sgstate_delivered (sgstate *, char const *ip, uint32_t n, uint64_t now) ;
/* the IP's last delivery here, for people (smtpguard-list): 1 and *last
   if it has an unexpired history record (the window does not matter),
   0 if not (or no history/), -1 error */
extern int sgstate_lastmail (sgstate *, char const *ip, uint64_t now, uint64_t *last) ;

/* how long the strikes-th listing lasts under the conf (sgstate_kick's
   escalation) */
extern uint64_t sglisting_duration (sgstateconf const *, uint32_t strikes) ;

/* the state directory's secret key (statedir/key, made if missing):
   1 ok, 0 error (errno; EINVAL: not 16 bytes) */
extern int sgstate_key (sgstate *, uint64_t key[2]) ;

/* 1 removed, 0 not listed, -1 error */
extern int sgstate_unlist (sgstate *, char const *ip) ;

/* wakes smtpguard-cdb -w with the IP whose listing changed (0: any);
   never blocks, ignores errors */
extern void sgstate_notify (sgstate *, char const *ip) ;

/* every listing file, expired or not, in directory order: f is called
   with each one that parses (return 0 from f to stop, then returns 0 with
   errno unchanged). Unparsable or stray files are counted in *bad if
   not null. 1 ok, 0 error. */
extern int sgstate_foreach (sgstate *, sglisting_func *, void *, unsigned int *bad) ;
/* the same, and tmpf(name, tmpctx) for each temporary (listed/.tmp.*)
   seen on the way, before the first call of f (0 from tmpf stops too):
   a rebuild that gcs them then need not walk listed/ a second time */
typedef int sgstate_tmp_func (char const *, void *) ;
extern int sgstate_foreach_tmp (sgstate *, sglisting_func *, void *, unsigned int *bad, sgstate_tmp_func *tmpf, void *tmpctx) ;

/* removes what no longer counts, one function per kind of record
   (sgstate_gc.c): ledgers whose buckets all left their window, expired
   histories, listings expired with no strike left, temporaries of
   killed writers. Returns how many files were removed, -1 on error. */
extern int sgstate_gc (sgstate *, uint64_t now) ;
/* the same, but listings only by name: the caller has just read them
   all (a rebuild) and calls sgstate_gc_listing for those expired with no
   strike left (1 removed). butlistings 1: the temporaries are still
   found and removed by a walk of listed/; 2: listed/ is not walked at
   all, the caller has named the temporaries too (sgstate_foreach_tmp)
   to sgstate_gc_listing, which removes those older than a minute */
extern int sgstate_gc_but_listings (sgstate *, uint64_t now, int butlistings) ;
extern int sgstate_gc_listing (sgstate *, char const *ip, uint64_t now) ;

#endif
