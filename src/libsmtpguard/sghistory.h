/* ISC license. */

#ifndef SMTPGUARD_SGHISTORY_H
#define SMTPGUARD_SGHISTORY_H

/* sghistory: statedir/history/<ip>, the IP's delivered mail, one
   fixed-size record: deliveries counted, first and last delivery, and
   when it expires (last + the history life at the time of writing), so
   that the gc needs no configuration. Internal to sgstate. */

#include <stdint.h>

typedef struct sghistory_s sghistory, *sghistory_ref ;
struct sghistory_s
{
  uint32_t count ;   /* deliveries, saturating */
  uint64_t first ;
  uint64_t last ;
  uint64_t expires ;
} ;

/* 1 read (a valid record), 0 none or garbage, -1 error */
extern int sghistory_read (int historyfd, char const *ip, sghistory *) ;
/* adds n deliveries at now, expiring at now + life. 1 ok, 0 error */
extern int sghistory_add (int historyfd, char const *ip, uint32_t n, uint64_t now, uint32_t life) ;
/* gc: 1 removed */
extern int sghistory_gc (int historyfd, char const *name, uint64_t now) ;

#endif
