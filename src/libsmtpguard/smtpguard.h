/* ISC license. */

#ifndef SMTPGUARD_H
#define SMTPGUARD_H

/* The one header of libsmtpguard, the internal library shared by the
   smtpguard programs. One section per module; each module is one or a
   few short .c files named after its prefix. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- sgscan */

/*
   The SMTP stream scanner: a pure state machine, bytes in, events out,
   no I/O, no allocation. It sees the client stream and the server stream
   separately and pairs every server reply with the client command it
   answers, in order, whatever the client pipelines.

   Calling convention (both directions):
     n = sgscan_client(sc, s, len, &ev) ;
   consumes bytes from s up to and including the first event, fills ev
   (ev.type == SGEV_NONE if there was none) and returns how many bytes
   it consumed. Call again with the rest. If it returns less than len
   with no event, the client side is blocked: the bytes after a DATA,
   AUTH or STARTTLS command (or past a full pending queue) cannot be
   classified before the server's reply is known; feed them again after
   the next server event. The server side never blocks.

   The caller must scan client bytes no later than it forwards them, and
   scan server bytes before it forwards them: then a reply that finds no
   pending command really is unsolicited.
*/

enum sgcmd_e
{
  SGCMD_NONE = 0,
  SGCMD_GREETING,   /* pseudo-command: the connection itself */
  SGCMD_HELO,
  SGCMD_EHLO,
  SGCMD_MAIL,
  SGCMD_RCPT,
  SGCMD_DATA,
  SGCMD_DOT,        /* pseudo-command: end of a DATA body */
  SGCMD_BDAT,
  SGCMD_RSET,
  SGCMD_NOOP,
  SGCMD_QUIT,
  SGCMD_AUTH,       /* the final reply of an AUTH exchange */
  SGCMD_STARTTLS,
  SGCMD_VRFY,
  SGCMD_EXPN,
  SGCMD_HELP,
  SGCMD_OTHER,      /* unknown verb, empty line, garbage */
  SGCMD_UNSOLICITED /* a reply with no pending command */
} ;
#define SGCMD_N (SGCMD_UNSOLICITED + 1)

enum sgev_e
{
  SGEV_NONE = 0,
  SGEV_COMMAND,  /* client: a command line was seen (cmd) */
  SGEV_REPLY,    /* server: a complete reply (cmd, code) */
  SGEV_BLIND     /* server: 220 to STARTTLS, the stream is opaque from now on */
} ;

typedef struct sgevent_s sgevent, *sgevent_ref ;
struct sgevent_s
{
  unsigned char type ;
  unsigned char cmd ;
  unsigned short code ;  /* 0 if the reply line had no 3-digit code */
} ;

#define SGSCAN_QMAX 256        /* pending commands; more and the client side blocks */
#define SGSCAN_LINEMAX 80      /* bytes of a command line kept to classify it */
#define SGSCAN_HELOMAX 64      /* bytes of the HELO/EHLO argument kept for logs */

enum sgcmode_e
{
  SGC_COMMAND = 0,  /* reading command lines */
  SGC_WAIT,         /* a barrier command is pending: bytes wait for its reply */
  SGC_CRED,         /* one AUTH continuation line (credentials, never kept) */
  SGC_BODY,         /* DATA body, up to the end-of-data line */
  SGC_CHUNK,        /* BDAT chunk octets */
  SGC_BLIND         /* after STARTTLS: opaque */
} ;

typedef struct sgscan_s sgscan, *sgscan_ref ;
struct sgscan_s
{
  /* pending commands, oldest first */
  unsigned char q[SGSCAN_QMAX] ;
  unsigned int qhead ;
  unsigned int qlen ;

  /* client side */
  unsigned char cmode ;
  unsigned char bodystate ;    /* position in the end-of-data pattern */
  unsigned char inauth ;       /* an AUTH exchange is in progress */
  unsigned char chunking ;     /* the last EHLO reply advertised CHUNKING */
  uint64_t chunkleft ;         /* BDAT octets still to skip */
  size_t linelen ;             /* bytes of the current command line so far */
  char line[SGSCAN_LINEMAX] ;  /* its first bytes */

  /* server side */
  unsigned char rstate ;       /* position in the current reply line */
  unsigned char rcont ;        /* current line continues the reply ('-') */
  unsigned char ehlo_chunking ;/* CHUNKING seen in the EHLO reply being read */
  unsigned short rcode ;
  size_t rlinelen ;
  char rline[16] ;             /* first bytes of the current reply line */

  /* for logs */
  size_t helolen ;
  char helo[SGSCAN_HELOMAX] ;
} ;

extern void sgscan_init (sgscan *) ;
extern size_t sgscan_client (sgscan *, char const *, size_t, sgevent *) ;
extern size_t sgscan_server (sgscan *, char const *, size_t, sgevent *) ;
extern char const *sgcmd_name (unsigned int) ;

#define sgscan_blind(sc) ((sc)->cmode == SGC_BLIND)

/* -------------------------------------------------------------- sgpolicy */

/* Per-session (or per-window) counters, and the limits they are held to.
   A limit of 0 means no limit. */

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

typedef struct sglimits_s sglimits, *sglimits_ref ;
struct sglimits_s
{
  uint32_t badrcpt ;
  uint32_t rset ;
  uint32_t authfail ;
  uint32_t errors ;
} ;

#define SGLIMIT_BADRCPT 10
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
  SGR_LISTED    /* the IP is listed (kicked elsewhere or earlier) */
} ;
#define SGR_N (SGR_LISTED + 1)

extern int sgpolicy_count (sgcounts *, sgevent const *) ;
extern void sgcounts_add (sgcounts *, sgcounts const *) ;
extern unsigned int sgpolicy_check (sgcounts const *, sglimits const *) ;
extern char const *sgreason_name (unsigned int) ;
extern unsigned int sgreason_scan (char const *) ;

/* ------------------------------------------------------------- sgsession */

/* What one relayed session knows: the scanner, its counters, its limits,
   whether it still counts (not exempt, not blind) and why it was kicked. */

typedef struct sgsession_s sgsession, *sgsession_ref ;
struct sgsession_s
{
  sgscan scan ;
  sgcounts counts ;
  sglimits limits ;
  unsigned int reason ;     /* SGR_*: why it was (or would be) kicked */
  unsigned char counting ;  /* 0: exempt or blind, relay only */
  unsigned char authed ;    /* 235 seen */
  unsigned char blind ;     /* STARTTLS went through */
} ;

extern void sgsession_init (sgsession *, sglimits const *, int) ;
extern unsigned int sgsession_event (sgsession *, sgevent const *) ;

/* ----------------------------------------------------------------- sglog */

/* One log line = one write(2) to fd 2, so that lines from concurrent
   processes never interleave; lines are cut at SGLOG_MAX. */

#define SGLOG_MAX 2048

typedef struct sglog_s sglog, *sglog_ref ;
struct sglog_s
{
  size_t len ;
  char buf[SGLOG_MAX] ;
} ;

extern void sglog_start (sglog *, char const *prog, char const *level) ;
extern void sglog_puts (sglog *, char const *) ;
extern void sglog_putn (sglog *, char const *, size_t) ;
extern void sglog_escn (sglog *, char const *, size_t) ;
extern void sglog_u64 (sglog *, char const *key, uint64_t) ;
extern void sglog_kv (sglog *, char const *key, char const *val) ;
extern void sglog_kvn (sglog *, char const *key, char const *val, size_t) ;
extern void sglog_counts (sglog *, sgcounts const *) ;
extern void sglog_flush (sglog *) ;

/* escape client-supplied bytes: printable ASCII except space, '=' and
   backslash passes, everything else becomes \xHH; returns bytes written
   (at most 4 * len) */
extern size_t sgescape (char *, char const *, size_t) ;

#endif
