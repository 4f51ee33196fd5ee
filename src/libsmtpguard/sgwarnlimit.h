/* ISC license. */

#ifndef SMTPGUARD_SGWARNLIMIT_H
#define SMTPGUARD_SGWARNLIMIT_H

/* sgwarnlimit: a long-running service's persistent error logged once,
   not at every retry. A warning is written when it differs from the last
   one, or SGWARNLIMIT_AGAIN seconds after the last one was written
   (saying how often it came meanwhile); in between it is only counted.
   When the error is over, one info line says so. */

#include <stddef.h>
#include <stdint.h>

#define SGWARNLIMIT_AGAIN 600
#define SGWARNLIMIT_MAX 512

typedef struct sgwarnlimit_s sgwarnlimit, *sgwarnlimit_ref ;
struct sgwarnlimit_s
{
  char last[SGWARNLIMIT_MAX] ;  /* the active error's text, NUL-terminated */
  int active ;
  uint64_t when ;               /* when it was last written */
  unsigned long repeats ;       /* how often it came since */
} ;
#define SGWARNLIMIT_ZERO { .last = "", .active = 0, .when = 0, .repeats = 0 }

/* the n strings of v, then ": " and strerror(e) if e, into buf (max
   bytes, NUL-terminated, cut if longer) */
extern void sgwarnlimit_fmt (char *buf, size_t max, char const *const *v, unsigned int n, int e) ;

/* the error msg happened at now: 1 written ("PROG: warning: msg"), 0 counted */
extern int sgwarnlimit_warn (sgwarnlimit *, char const *msg, uint64_t now) ;

/* forget the last error without a word: the next one is new (the
   admin changed something; say it again even if it reads the same) */
extern void sgwarnlimit_forget (sgwarnlimit *) ;

/* no error any more: 1 if one was active ("PROG: info: recovered: ..."
   written), 0 if not */
extern int sgwarnlimit_ok (sgwarnlimit *) ;

#endif
