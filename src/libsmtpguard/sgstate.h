/* ISC license. */

#ifndef SMTPGUARD_SGSTATE_H
#define SMTPGUARD_SGSTATE_H

/* sgstate: the state directory, shared by every smtpguard process.
   statedir/listed/<ip>   one listing per IP (also kept after expiry, to
                          remember strikes), written whole: temp file,
                          fsync, rename, fsync of the directory
   statedir/ledger/<ip>   the IP's events over the window, a fixed-size
                          record rewritten in place under flock
   statedir/wakeup        a FIFO: one line with the IP after each listing change
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
} ;
#define SGSTATE_WINDOW 3600
#define SGSTATE_KICKS 1
#define SGSTATE_LISTTIME 3600
#define SGSTATE_LISTMAX 604800
#define SGSTATECONF_ZERO { SGSTATE_WINDOW, SGSTATE_KICKS, SGSTATE_LISTTIME, SGSTATE_LISTMAX }

typedef struct sgstate_s sgstate, *sgstate_ref ;
struct sgstate_s
{
  int dirfd ;     /* statedir */
  int listedfd ;  /* statedir/listed */
  int ledgerfd ;  /* statedir/ledger */
  sgstateconf conf ;
} ;
#define SGSTATE_ZERO { -1, -1, -1, SGSTATECONF_ZERO }

/* 1 ok, 0 error (errno). Creates listed/, ledger/ and wakeup if missing
   and possible; a read-only statedir that has them is fine. */
extern int sgstate_open (sgstate *, char const *dir, sgstateconf const *) ;
extern void sgstate_close (sgstate *) ;

/* 1 listed and unexpired (fills the sglisting if not null), 0 not, -1 error */
extern int sgstate_listed (sgstate *, char const *ip, uint64_t now, sglisting *) ;

/* adds delta to the IP's window; *total = sums over the window, delta
   included. 1 ok, 0 error. */
extern int sgstate_ledger_add (sgstate *, char const *ip, sgcounts const *delta, uint64_t now, sgcounts *total) ;

/* records one kick; lists the IP if the kicks in the window reach
   conf.kicks (for listtime * 2^(strikes-1), capped at listmax), durably
   before returning. 1 listed (now or already: *l filled), 0 kick recorded
   but not listed, -1 error. */
extern int sgstate_kick (sgstate *, char const *ip, unsigned int reason, uint64_t now, sglisting *) ;

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

/* removes ledger files untouched for more than a window, and listing
   temporaries left by killed writers; returns how many were removed,
   -1 on error */
extern int sgstate_gc (sgstate *, uint64_t now) ;

#endif
