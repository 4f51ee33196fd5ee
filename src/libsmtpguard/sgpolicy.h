/* ISC license. */

#ifndef SMTPGUARD_SGPOLICY_H
#define SMTPGUARD_SGPOLICY_H

/* The replies a session got (sgcounts, for logs), the evidence the
   judgement keeps over the window (sgevidence, see sgjudge.h), and the
   limits they are held to. A limit of 0 means no limit. */

#include <stdint.h>

#include "sgscan.h"

typedef struct sgcounts_s sgcounts, *sgcounts_ref ;
struct sgcounts_s
{
  uint32_t bad ;       /* 4xx/5xx to RCPT */
  uint32_t good ;      /* 2xx to RCPT */
  uint32_t rset ;      /* RSET commands answered */
  uint32_t authfail ;  /* AUTH exchanges ending in 5xx */
  uint32_t errors ;    /* 5xx to any other command */
} ;
#define SGCOUNTS_ZERO { 0, 0, 0, 0, 0 }

/* What the ledger keeps per IP over the window: ended transactions only */
typedef struct sgevidence_s sgevidence, *sgevidence_ref ;
struct sgevidence_s
{
  uint32_t guessq ;    /* refused recipients not excused by a delivery, in quarters */
  uint32_t openq ;     /* refusals of transactions still open, published (sgjudge.h) */
  uint32_t deliv ;     /* transactions delivered */
  uint32_t rset ;      /* RSETs aborting an undelivered transaction with a refusal */
  uint32_t authfail ;  /* AUTH exchanges ending in 5xx */
  uint32_t errors ;    /* 5xx to unrecognised commands */
  uint32_t authtag ;   /* in a delta with one refused AUTH: its tag (sgscan.h), 0 if none */
} ;
#define SGEVIDENCE_ZERO { 0, 0, 0, 0, 0, 0, 0 }

/* published open refusals taken back from the bucket they went to */
typedef struct sgwithdraw_s sgwithdraw, *sgwithdraw_ref ;
struct sgwithdraw_s
{
  uint64_t idx ;  /* the ledger bucket's index */
  uint32_t q ;
} ;

typedef struct sglimits_s sglimits, *sglimits_ref ;
struct sglimits_s
{
  uint32_t badrcpt ;
  uint32_t rset ;
  uint32_t authfail ;
  uint32_t errors ;
} ;

#define SGLIMIT_BADRCPT 20
#define SGLIMIT_RSET 50
#define SGLIMIT_AUTHFAIL 3
#define SGLIMIT_ERRORS 20

enum sgreason_e
{
  SGR_NONE = 0,
  SGR_BADRCPT,
  SGR_RSET,
  SGR_AUTHFAIL,
  SGR_ERRORS,
  SGR_LISTED,   /* the IP is listed (kicked elsewhere or earlier) */
  SGR_LONGLINE, /* a command line too long to pair replies any more */
  SGR_NUL,      /* protocol violations (sgscan.h sgviol_e): a NUL in a command line, */
  SGR_BARECR,   /* a bare CR in a command line, */
  SGR_BDAT,     /* a BDAT line not strictly RFC 3030 or of 2^31 octets or more, */
  SGR_STARTTLS, /* no TLS record after 220 to STARTTLS, */
  SGR_VTFF,     /* a VT or FF in a command line, */
  SGR_DATAEND,  /* a "." line ending a DATA body with line ends not its own */
  SGR_NETWORK,  /* the IP's network is listed (smtpguard-cdb -p, -i) */
  SGR_EARLY,    /* talked before the greeting (smtpguard -G) */
  SGR_LEADSPACE /* a violation too: SP or TAB before a command's verb */
} ;
#define SGR_N (SGR_LEADSPACE + 1)

extern int sgpolicy_count (sgcounts *, sgevent const *) ;
/* a reply to AUTH that refused the credentials: a 5xx, but not one that
   says the exchange never tested any (500-504: syntax, unknown or not
   offered, cancelled, bad sequence; 530, 534, 538: needs something
   first). qmail's AUTH patches, exim and Postfix answer 535 to wrong
   credentials. */
extern int sgpolicy_authfail (unsigned int code) ;
/* 500-504: the smtpd did not take the command (syntax, unknown, not
   here, bad sequence, parameter): nothing it did changed */
extern int sgpolicy_untaken (unsigned int code) ;
extern void sgcounts_add (sgcounts *, sgcounts const *) ;
extern void sgevidence_add (sgevidence *, sgevidence const *) ;
extern void sglimits_env (sglimits *) ;  /* SMTPGUARD_BADRCPT, _RSET, _AUTHFAIL, _ERRORS */
extern char const *sgreason_name (unsigned int) ;
extern unsigned int sgreason_scan (char const *) ;

#endif
