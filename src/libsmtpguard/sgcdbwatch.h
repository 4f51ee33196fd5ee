/* ISC license. */

#ifndef SMTPGUARD_SGCDBWATCH_H
#define SMTPGUARD_SGCDBWATCH_H

/* sgcdbwatch: smtpguard-cdb -w's loop. It keeps the unexpired listings
   in memory (sglisttab) and re-reads only the IPs named on the statedir's
   wakeup FIFO; it rescans listed/ whole at start, when the FIFO may have
   overflowed, when listed/ changed without a wakeup line (an admin's
   hand), and every SGCDBWATCH_RESCAN seconds whatever happens. Rebuilds
   on a wakeup, on a change of the rules file (polled), on the expiry of
   a listing, and at once when the poll finds the cdb it last wrote
   gone or replaced by another inode (another writer); never more often
   than every 250 ms, and after a costly rebuild (a big cdb) only once a
   gap that grows with its length and size has passed. Returns on SIGTERM or
   SIGINT; dies (111) only if it cannot wait. */

#include <stdint.h>

#include "sglisttab.h"

#define SGCDBWATCH_RESCAN 600
#define SGCDBWATCH_EXTRAMAX 64

typedef struct sgcdbwatch_s sgcdbwatch, *sgcdbwatch_ref ;
struct sgcdbwatch_s
{
  char const *rulesfn ;
  char const *target ;     /* the cdb the build writes: checked at every poll */
  char const *statedir ;   /* 0: rules only, rebuilt when the rules file changes */
  unsigned int pollsecs ;
  char const *const *extra ;  /* more files whose change means a rebuild (-i) */
  unsigned int nextra ;
  /* builds the outputs from the rules file and tab (0 without statedir):
     1 built (sets *nextexpiry, 0 if none), 0 rules syntax error, -1
     system error; reports its own errors */
  int (*build) (sglisttab const *tab, uint64_t *nextexpiry, void *ctx) ;
  void *ctx ;
} ;

extern void sgcdbwatch_run (sgcdbwatch const *) ;

#endif
