/* ISC license. */

#ifndef SMTPGUARD_SGSTAT_H
#define SMTPGUARD_SGSTAT_H

/* smtpguard-stat's accumulator: log lines in (multilog's @TAI64N label
   or none; smtpguard's, smtpguard-cdb's and tcpserver -v's), counters and per-IP / per-network tables out. Untrusted
   input: a line counts only if every field it is counted by parses
   exactly. Bounded memory: lines over SGSTAT_LINEMAX are ignored, and at
   most cap IPs and cap networks (/24, /64) are tracked; events from IPs
   beyond that count in the totals only (untracked). */

#include <stddef.h>
#include <stdint.h>

#include "sggreet.h"
#include "sgpolicy.h"

#define SGSTAT_LINEMAX 4096

enum sgstat_end_e
{
  SGSTAT_QUIT, SGSTAT_CLIENTEOF, SGSTAT_CLIENTGONE, SGSTAT_SERVEREOF,
  SGSTAT_KICK, SGSTAT_SIGNAL, SGSTAT_TIMEOUT, SGSTAT_OTHER, SGSTAT_END_N
} ;
extern char const *const sgstat_endname[SGSTAT_END_N] ;

typedef struct sgstatent_s sgstatent, *sgstatent_ref ;
struct sgstatent_s
{
  unsigned char key[17] ;  /* [0]: 0 free, 4 or 6; then the address (masked for a network) */
  uint32_t ips ;           /* networks: distinct IPs tracked in it */
  uint64_t sessions, kicks, refused, listed ;
  uint64_t denied ;        /* tcpserver -v "deny" lines: the rules cdb said no */
  uint64_t badsess ;       /* bad RCPTs, summed over session lines */
  uint64_t badkick ;       /* bad RCPTs, summed over kick lines */
  uint32_t blind ;         /* "blind" lines: sessions opaque after STARTTLS */
  uint32_t mailer ;        /* (would)kicks while it had delivered mail here */
} ;

typedef struct sgstattable_s sgstattable, *sgstattable_ref ;
struct sgstattable_s
{
  sgstatent *e ;
  size_t mask ;  /* slots - 1 */
  size_t n, cap ;
} ;

typedef struct sgstat_s sgstat, *sgstat_ref ;
struct sgstat_s
{
  sgstattable ips, nets ;
  uint64_t lines, events, ignored, toolong, untracked, noip ;
  uint64_t sessions, ends[SGSTAT_END_N], legit, clean, authsess, blindsess ;
  uint64_t kicks[SGR_N], wouldkicks[SGR_N], listings, refused, blinds, rebuilds, warnings ;
  uint64_t wouldlists ;  /* wouldkick lines with list=yes */
  uint64_t mailerkicks, mailerwouldkicks ;  /* of IPs that had delivered mail here */
  uint64_t denied, accepted ;  /* tcpserver -v: deny and ok lines */
  uint64_t door[SGG_N], badgreetings ;  /* the door test's verdicts (-G) */
  uint64_t tfirst, tlast ;  /* unix seconds from the labels, 0 = none seen */
  size_t len ;              /* partial line */
  int skipping ;            /* inside a line longer than SGSTAT_LINEMAX */
  char line[SGSTAT_LINEMAX + 1] ;
} ;

extern int sgstat_init (sgstat *, size_t cap) ;  /* 1 ok, 0 ENOMEM */
extern void sgstat_free (sgstat *) ;
extern void sgstat_feed (sgstat *, char const *, size_t) ;  /* any chunking */
extern void sgstat_finish (sgstat *) ;  /* a last line without newline */
extern void sgstat_line (sgstat *, char *) ;  /* one NUL-terminated line, modified */
extern uint64_t sgstatent_bad (sgstatent const *) ;

extern int sgstattable_init (sgstattable *, size_t cap) ;
extern sgstatent *sgstattable_get (sgstattable *, unsigned char const *key, int *isnew) ;

#endif
