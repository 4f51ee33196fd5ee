/* ISC license. */

#ifndef SMTPGUARD_SGSESSION_H
#define SMTPGUARD_SGSESSION_H

/* What one relayed session knows: the scanner, its reply counts (for
   logs), the judgement and its limits, whether it still counts (not
   exempt, not blind) and why it was kicked; with a state directory, the
   IP's evidence over the window and its delivered history too. */

#include "sgscan.h"
#include "sgpolicy.h"
#include "sgjudge.h"
#include "sglisting.h"
#include "sgstate.h"

typedef struct sgsession_s sgsession, *sgsession_ref ;
struct sgsession_s
{
  sgscan scan ;
  sgcounts counts ;         /* this session's replies */
  sgverdict verdict ;       /* the last check's figures */
  sglimits limits ;
  sgstate *st ;             /* 0: no memory across connections */
  char const *ip ;          /* canonical, when st is set */
  int err ;                 /* errno of the state failure that cleared st */
  unsigned int reason ;     /* SGR_*: why it was (or would be) kicked */
  signed char history ;     /* -1 not read yet, 0 none, 1 delivered within -H */
  unsigned char counting ;  /* 0: exempt or blind, relay only */
  unsigned char authed ;    /* 235 seen */
  unsigned char blind ;     /* STARTTLS went through */
  unsigned char quit ;      /* QUIT answered */
  unsigned char keytried ;  /* the state directory's key was asked for */
  sgjudge judge ;           /* last: its address sets are cleared when first used */
} ;

extern void sgsession_init (sgsession *, sglimits const *, int) ;
extern void sgsession_command (sgsession *, sgevent const *) ;
extern unsigned int sgsession_event (sgsession *, sgevent const *) ;
extern unsigned int sgsession_end (sgsession *) ;  /* the session is over: its last verdict */
extern int sgsession_flush (sgsession *) ;
/* at an AUTH command: the key its tag needs, once a session (1 ok or
   nothing to do, 0 error: errno; its tags are then 0, always counted) */
extern int sgsession_authkey (sgsession *) ;
extern sgcounts const *sgsession_counts (sgsession const *) ;

/* sgsession_state: smtpguard -d for one session, failing open.
   sgsession_state: 1 memory on (s->st set), 0 off (logged), 2 the IP is
   listed (*li filled). sgsession_record_kick: the kick, and the listing
   it may make, on disk before returning (logged); with dry set, the kick
   is counted but nothing is listed, and it returns 1 if it would have
   listed. sgsession_record_history: this session's deliveries. */
extern int sgsession_state (sgsession *, sgstate *, char const *dir, sgstateconf const *, char *ipbuf, char const *remoteip, sglisting *li) ;
extern int sgsession_record_kick (sgsession *, char const *dir, unsigned int reason, int dry) ;
extern void sgsession_record_history (sgsession *, char const *dir) ;
extern void sgsession_warn (sgsession const *, char const *dir, char const *what, int e) ;

#endif
