/* ISC license. */

#ifndef SMTPGUARD_SGJUDGE_H
#define SMTPGUARD_SGJUDGE_H

/* sgjudge: the judgement, pure (events in, evidence and verdicts out, no
   I/O). It follows mail transactions (from a 2xx to MAIL to their end)
   and turns them into evidence (sgevidence, sgpolicy.h), which the
   session writes to the per-IP ledger:
   - a transaction ends delivered on a 2xx to the end of DATA or to
     BDAT LAST; undelivered on a 2xx to RSET, a new MAIL, HELO/EHLO or
     QUIT, a 4xx/5xx after the data or to BDAT LAST with a recipient
     accepted (a content refusal, which itself counts nothing), or the
     end of the session; a refused RSET, QUIT or BDAT ends nothing (the
     smtpd's transaction goes on);
   - its refused recipients weigh 1 (5xx) or 1/4 (4xx; nothing if no
     recipient of the transaction got a 2xx: greylisting, before or
     after the smtpd's 5xx to unknown ones; 452, too many recipients or
     no room, nothing);
   - a delivered transaction excuses one of them for every two distinct
     accepted addresses that excused nothing before in the session; an
     undelivered one none; an address refused again in the session
     counts nothing more (so neither one connection's deliveries to the
     same addresses nor its repeats of the same refusals are a currency,
     and a list host sending its posts down one connection pays for its
     stale members once);
   - RSETs count (-s) only when they abort an undelivered transaction
     that holds a refusal weighing something; errors (-e) are 5xx to unrecognised commands;
   - while a transaction is open, its refusals beyond one per 16 distinct
     accepted addresses are published in the ledger at once (openq), so
     that the IP's other connections see them, and taken back when it
     ends: probers working in parallel are held to one limit.
   The verdict (sgjudge_check) is doc/smtpguard.html's table. */

#include <stdint.h>

#include "sgpolicy.h"
#include "sgscan.h"

#define SGJUDGE_SLOTS 1024   /* an address set: a transaction's accepted, a session's credited or refused */
#define SGJUDGE_SETMAX 768   /* distinct addresses in a set, at most */
#define SGJUDGE_PUBMAX 4     /* ledger buckets an open transaction publishes to */
#define SGJUDGE_WDMAX 8      /* withdrawals waiting for a ledger write */

typedef struct sgverdict_s sgverdict, *sgverdict_ref ;
struct sgverdict_s
{
  uint32_t guesses ;  /* whole units: ended transactions' and the open one's */
  uint32_t limit ;    /* the limit that decided (the ended transactions' if none did) */
  uint32_t deliv ;    /* transactions delivered over the window */
  unsigned char history ;
  unsigned char withhold ;  /* a reply to RCPT after the limit was reached elsewhere: replace it by the 421 */
} ;

typedef struct sgjudge_s sgjudge, *sgjudge_ref ;
struct sgjudge_s
{
  sgevidence window ;    /* the IP's, as the last ledger write returned it */
  sgevidence unsaved ;   /* this session's, not yet in the ledger */
  sgevidence mine ;      /* this session's, all of it */
  unsigned char windowok ;
  unsigned char intrans ;
  uint32_t hard, soft ;  /* the open transaction's 5xx and 4xx to RCPT */
  uint32_t acc ;         /* its distinct accepted addresses */
  uint32_t delivered ;   /* transactions delivered in this session */
  uint32_t lastq ;       /* quarters the last reply, to RCPT, added */
  unsigned char lastrcpt ;  /* the last reply answered RCPT in a transaction */
  uint32_t pubq ;        /* the open transaction's refusals published, quarters */
  sgwithdraw pub[SGJUDGE_PUBMAX] ;  /* the part of them written, by bucket */
  unsigned int npub ;
  sgwithdraw wd[SGJUDGE_WDMAX] ;    /* to take back at the next ledger write */
  unsigned int nwd ;
  uint32_t pend[SGSCAN_QMAX] ;  /* args of RCPT and BDAT awaiting replies, in order */
  unsigned int phead, plen ;
  uint32_t ncredited, nrefused ;
  /* last, and cleared when first used (a set with nothing in it), not
     by sgjudge_init: 12 KB a session would write for nothing */
  uint32_t set[SGJUDGE_SLOTS] ;       /* the open transaction's accepted addresses (acc of them) */
  uint32_t credited[SGJUDGE_SLOTS] ;  /* accepted addresses that excused refusals in this session */
  uint32_t refused[SGJUDGE_SLOTS] ;   /* refused addresses already counted in this session */
} ;

#define SGJUDGE_CHANGED 1   /* re-check the verdict */
#define SGJUDGE_NEGATIVE 2  /* evidence against the client waits to be written */

extern void sgjudge_init (sgjudge *) ;
extern void sgjudge_command (sgjudge *, sgevent const *) ;
extern unsigned int sgjudge_reply (sgjudge *, sgevent const *) ;
extern unsigned int sgjudge_finish (sgjudge *) ;  /* the session ends, and its transaction */
extern void sgjudge_saved (sgjudge *, sgevidence const *window, uint64_t idx) ;  /* unsaved and wd went to the ledger, in bucket idx */
extern int sgjudge_negative (sgjudge const *) ;
extern unsigned int sgjudge_check (sgjudge const *, sglimits const *, int history, sgverdict *) ;

#endif
