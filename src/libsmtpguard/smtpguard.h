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
   with no event, the client side is blocked: the bytes after a HELO,
   EHLO, DATA, AUTH or STARTTLS command (or past a full pending queue)
   cannot be classified before the server's reply is known; feed them
   again after each sgscan_server call. The server side never blocks.

   A reply code is the line's first 3 digits; a line without them has
   code 0 and never continues a reply. A command or credentials line
   longer than SGSCAN_CMDMAX bytes (before its LF) gives SGEV_LONGLINE,
   after which the scanner is blind: smtpds split such lines their own
   ways (exim at 16384 bytes), so replies cannot be paired any more.

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
  SGEV_BLIND,    /* server: 220 to STARTTLS, the stream is opaque from now on */
  SGEV_LONGLINE  /* client: a command line longer than SGSCAN_CMDMAX; blind from now on */
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
#define SGSCAN_CMDMAX 12288    /* longest command line (RFC 4954's AUTH limit) */

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
  size_t cmdlen ;              /* the same, all of them, up to SGSCAN_CMDMAX + 1 */
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
  SGR_LISTED,   /* the IP is listed (kicked elsewhere or earlier) */
  SGR_LONGLINE  /* a command line too long to pair replies any more */
} ;
#define SGR_N (SGR_LONGLINE + 1)

extern int sgpolicy_count (sgcounts *, sgevent const *) ;
extern void sgcounts_add (sgcounts *, sgcounts const *) ;
extern unsigned int sgpolicy_check (sgcounts const *, sglimits const *) ;
extern void sglimits_env (sglimits *) ;  /* SMTPGUARD_BADRCPT, _RSET, _AUTHFAIL, _ERRORS */
extern char const *sgreason_name (unsigned int) ;
extern unsigned int sgreason_scan (char const *) ;

/* ------------------------------------------------------------- sgsession */

/* What one relayed session knows: the scanner, its counters, its limits,
   whether it still counts (not exempt, not blind) and why it was kicked;
   with a state directory, the IP's counters over the window too. */

struct sgstate_s ;

typedef struct sgsession_s sgsession, *sgsession_ref ;
struct sgsession_s
{
  sgscan scan ;
  sgcounts counts ;         /* this session */
  sgcounts window ;         /* the IP's, over the window (windowok) */
  sgcounts unsaved ;        /* this session's, not yet in the ledger */
  sglimits limits ;
  struct sgstate_s *st ;    /* 0: no memory across connections */
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

/* the event lines (see doc/smtpguard.html) */
typedef struct sgsessionend_s sgsessionend, *sgsessionend_ref ;
struct sgsessionend_s
{
  char const *how ;   /* quit, client-eof, client-gone, server-eof, kick, signal, timeout */
  uint64_t in ;       /* bytes from the client */
  uint64_t out ;      /* bytes to the client */
  uint64_t ms ;
  int status ;        /* the exit code */
} ;
extern void sglog_kick (char const *prog, char const *what, char const *ip, unsigned int reason, sgcounts const *) ;
extern void sglog_word (char const *prog, char const *level, char const *what, char const *ip, char const *key, char const *val) ;
extern void sglog_session (char const *prog, char const *ip, sgsession const *, sgsessionend const *) ;

/* sgkick: the 421 line, "421 " text CRLF; text 0 means ours for the
   reason. Returns its length, at most SGKICK_MAX. */
#define SGKICK_TEXTMAX 500
#define SGKICK_MAX (SGKICK_TEXTMAX + 6)
extern size_t sgkick_line (char *, unsigned int reason, char const *text) ;

/* sgchild: end a child that was given EOF (grace ms, TERM, grace ms,
   KILL), always reaping it; spfd is a selfpipe trapping SIGCHLD */
extern int sgchild_end (pid_t, int spfd, unsigned int grace, int *wstat) ;

/* escape client-supplied bytes: printable ASCII except space, '=' and
   backslash passes, everything else becomes \xHH; returns bytes written
   (at most 4 * len) */
extern size_t sgescape (char *, char const *, size_t) ;

/* ------------------------------------------------------------ sgip, sgstate, sgrules (listings) */

/* sgip: client addresses, validated and canonical before they touch the
   file system or a cdb key.
   IPv4: dotted quad, four decimal numbers 0..255 without leading zeros
   ("01.2.3.4" is rejected, not normalised: inet_aton would read it as
   octal, so it is ambiguous).
   IPv6: any RFC 4291 text form (hex in either case, one "::", a trailing
   dotted quad) is accepted; the canonical form is the one Debian's
   ucspi-tcp-ipv6 tcpserver puts in TCPREMOTEIP and looks up in its cdb:
   lowercase, no leading zeros, the longest run of zero groups (the first
   one on a tie) written "::" - even a run of one group, which is where
   it differs from RFC 5952. IPv4-mapped ::ffff:a.b.c.d becomes a.b.c.d.
   Zone ids ("%eth0"), brackets, prefixes, empty strings -> invalid. */

#define SGIP_MAX 46  /* canonical text form incl. NUL */

extern int sgip_canon (char *out, char const *in) ;  /* 4 or 6 ok, 0 invalid */
extern int sgip_scan (char const *in, unsigned char *ip16) ;  /* 4 (ip16[0..3]) or 6, 0 invalid */
extern size_t sgip_fmt6 (char *out, unsigned char const *ip16) ;  /* canonical IPv6 text, no NUL */

/* SMTPGUARD_NOW (decimal seconds since the epoch), if set and valid,
   else time(): a testing aid, the clock every program uses. */
extern uint64_t sgnow (void) ;

/* sgstate: the state directory, shared by every smtpguard process.
   statedir/listed/<ip>   one listing per IP (also kept after expiry, to
                          remember strikes), written whole: temp file,
                          fsync, rename, fsync of the directory
   statedir/ledger/<ip>   the IP's events over the window, a fixed-size
                          record rewritten in place under flock
   statedir/wakeup        a FIFO poked after each listing change
   See doc/statedir.html. Every function returns errors and sets errno;
   none prints or exits. */

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

typedef struct sglisting_s sglisting, *sglisting_ref ;
struct sglisting_s
{
  char ip[SGIP_MAX] ;
  unsigned int reason ;  /* enum sgreason_e */
  uint64_t since ;
  uint64_t until ;
  uint32_t strikes ;     /* how many times it has been listed */
} ;
#define SGLISTING_ZERO { "", 0, 0, 0, 0 }

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

/* wakes smtpguard-cdb -w; never blocks, ignores errors */
extern void sgstate_notify (sgstate *) ;

/* every listing file, expired or not, in directory order: f is called
   with each one that parses (return 0 from f to stop, then returns 0 with
   errno unchanged). Unparsable or stray files are counted in *bad if
   not null. 1 ok, 0 error. */
typedef int sglisting_func (sglisting const *, void *) ;
extern int sgstate_foreach (sgstate *, sglisting_func *, void *, unsigned int *bad) ;

/* removes ledger files untouched for more than a window, and listing
   temporaries left by killed writers; returns how many were removed,
   -1 on error */
extern int sgstate_gc (sgstate *, uint64_t now) ;

/* the log line of a listing event: "listed" or "refused" */
extern void sglog_listing (char const *prog, char const *what, char const *ip, sglisting const *) ;

/* sgsession_state: smtpguard -d for one session, failing open.
   sgsession_state: 1 memory on (s->st set), 0 off (logged), 2 the IP is
   listed (*li filled). sgsession_record_kick: the kick, and the listing
   it may make, on disk before returning (logged). */
extern int sgsession_state (sgsession *, sgstate *, char const *dir, sgstateconf const *, char *ipbuf, char const *remoteip, sglisting *li) ;
extern void sgsession_record_kick (sgsession *, char const *dir, unsigned int reason) ;
extern void sgsession_warn (sgsession const *, char const *dir, char const *what, int e) ;

/* internal: listing files */
extern int sglisting_read (int listedfd, char const *ip, sglisting *) ;  /* 1, 0 none, -1 error/garbage (EINVAL) */
extern int sglisting_write (int listedfd, sglisting const *) ;  /* durable; 1 ok, 0 error */
extern int sglisting_parse (sglisting *, char const *s, size_t len) ;  /* 1 ok, 0 garbage */
extern uint64_t sglisting_duration (sgstateconf const *, uint32_t strikes) ;

/* internal: the per-IP lock and ledger file, open and locked */
extern int sgledger_lock (sgstate *, char const *ip) ;  /* fd or -1 */
extern int sgledger_update (int fd, sgstateconf const *, sgcounts const *delta, uint32_t kicks, uint64_t now, sgcounts *total, uint32_t *kickstotal) ;

/* sgrules: tcprules syntax, tcprules semantics. For every record that
   Debian's tcprules would write, in the same order, add(key, data) is
   called; the caller writes them with cdb_make_add. Differences: a rule's
   address ends at the first colon followed by "allow" or "deny" (so IPv6
   keys can be written, as ucspi-tcp-ipv6's tcprules allows), else at the
   first colon, which is tcprules' rule whenever tcprules accepts the line.
   1 ok; 0 syntax error: *errline (1-based) and *errwhat say where and
   what; -1 if add failed (errno). */
typedef int sgrules_addfunc (char const *key, size_t keylen, char const *data, size_t datalen, void *) ;
extern int sgrules_parse (char const *s, size_t len, sgrules_addfunc *add, void *ctx, size_t *errline, char const **errwhat) ;

/* sgcdb: the rules cdb = rules.txt + unexpired listings; atomic. */
typedef struct sgcdbstats_s sgcdbstats, *sgcdbstats_ref ;
struct sgcdbstats_s
{
  size_t rules ;       /* records from the rules file */
  size_t listed ;      /* listing records written */
  size_t shadowed ;    /* listings skipped: the admin has a rule for that exact IP */
  unsigned int bad ;   /* garbage files in listed/ */
  uint64_t nextexpiry ;/* earliest until among the listings written, 0 if none */
} ;
#define SGCDBSTATS_ZERO { 0, 0, 0, 0, 0 }

/* builds target from the rules text and the listings of st (may be 0):
   deny records, or allow with RBLSMTPD="-<rbltext>" if rbltext is set.
   Temporary file <target>.tmp.<pid> in target's directory, fsync,
   rename, fsync of the directory; stale <target>.tmp.* are removed under
   the lock <target>.lock. 1 ok; 0 syntax error in the rules (*errline,
   *errwhat; target untouched); -1 system error (errno; target untouched). */
extern int sgcdb_build (char const *target, char const *rules, size_t ruleslen, sgstate *st, char const *rbltext, uint64_t now, sgcdbstats *stats, size_t *errline, char const **errwhat) ;


/* ---------------------------------------------------------------- sgstat */
/* (section owned by smtpguard-stat) */

/* smtpguard-stat's accumulator: log lines in (multilog's @TAI64N label
   or none; smtpguard's, smtpguard-cdb's and tcpserver -v's), counters and per-IP / per-network tables out. Untrusted
   input: a line counts only if every field it is counted by parses
   exactly. Bounded memory: lines over SGSTAT_LINEMAX are ignored, and at
   most cap IPs and cap networks (/24, /64) are tracked; events from IPs
   beyond that count in the totals only (untracked). */

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
  uint64_t denied, accepted ;  /* tcpserver -v: deny and ok lines */
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
