/* ISC license. */

#ifndef SMTPGUARD_SGSESSION_H
#define SMTPGUARD_SGSESSION_H

/* What one relayed session knows: the scanner, its counters, its limits,
   whether it still counts (not exempt, not blind) and why it was kicked;
   with a state directory, the IP's counters over the window too. */

#include "sgscan.h"
#include "sgpolicy.h"
#include "sglisting.h"
#include "sgstate.h"

typedef struct sgsession_s sgsession, *sgsession_ref ;
struct sgsession_s
{
  sgscan scan ;
  sgcounts counts ;         /* this session */
  sgcounts window ;         /* the IP's, over the window (windowok) */
  sgcounts unsaved ;        /* this session's, not yet in the ledger */
  sglimits limits ;
  sgstate *st ;             /* 0: no memory across connections */
  char const *ip ;          /* canonical, when st is set */
  int err ;                 /* errno of the state failure that cleared st */
  unsigned int reason ;     /* SGR_*: why it was (or would be) kicked */
  unsigned char counting ;  /* 0: exempt or blind, relay only */
  unsigned char windowok ;
  unsigned char authed ;    /* 235 seen */
  unsigned char blind ;     /* STARTTLS went through */
  unsigned char quit ;      /* QUIT answered */
} ;

extern void sgsession_init (sgsession *, sglimits const *, int) ;
extern unsigned int sgsession_event (sgsession *, sgevent const *) ;
extern int sgsession_flush (sgsession *) ;
extern sgcounts const *sgsession_counts (sgsession const *) ;

/* sgsession_state: smtpguard -d for one session, failing open.
   sgsession_state: 1 memory on (s->st set), 0 off (logged), 2 the IP is
   listed (*li filled). sgsession_record_kick: the kick, and the listing
   it may make, on disk before returning (logged). */
extern int sgsession_state (sgsession *, sgstate *, char const *dir, sgstateconf const *, char *ipbuf, char const *remoteip, sglisting *li) ;
extern void sgsession_record_kick (sgsession *, char const *dir, unsigned int reason) ;
extern void sgsession_warn (sgsession const *, char const *dir, char const *what, int e) ;

#endif
