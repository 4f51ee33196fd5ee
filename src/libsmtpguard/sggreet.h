/* ISC license. */

#ifndef SMTPGUARD_SGGREET_H
#define SMTPGUARD_SGGREET_H

/* sggreet: the door test (smtpguard -G). A client without a pass record
   gets a "220-" teaser line, and the smtpd is started only if the client
   then waits, silent: SMTP is a lock-step dialogue the server opens (RFC
   5321 3.1, 4.3.1). A client that talks first is refused without an
   smtpd. The line builders and the classifier are pure; sggreet_wait
   does the I/O. */

#include <stddef.h>
#include <stdint.h>

#include "sgsession.h"

enum sggreet_verdict_e
{
  SGG_PASS = 0,  /* silent for the whole wait */
  SGG_EARLY,     /* talked before the greeting ended */
  SGG_HTTP,      /* ... and it was an HTTP request line */
  SGG_TLS,       /* ... and it was a TLS ClientHello */
  SGG_GONE       /* hung up (or the connection failed) during the wait */
} ;
#define SGG_N (SGG_GONE + 1)

enum sggreet_action_e
{
  SGGA_LOG = 0,  /* refuse and log only */
  SGGA_STRIKE,   /* refuse and count a kick: lists at -k kicks */
  SGGA_LIST      /* refuse and list at once */
} ;

#define SGGREET_TEXTMAX 200   /* teaser text */
#define SGGREET_LINEMAX (SGGREET_TEXTMAX + 6)
#define SGGREET_PEEK 256      /* bytes of an early talker read and judged */

extern char const *sggreet_name (unsigned int) ;      /* "pass", "early", "http", "tls", "gone" */
extern char const *sggreet_action_name (unsigned int) ;
extern int sggreet_action_scan (char const *, unsigned int *) ;  /* 1 ok, 0 unknown */

/* the first bytes of an early talker: SGG_EARLY, SGG_HTTP or SGG_TLS */
extern unsigned int sggreet_classify (char const *, size_t) ;

/* the teaser text: 1 if usable as the text of a reply line (printable
   ASCII, no CR, LF or controls, at most SGGREET_TEXTMAX bytes) */
extern int sggreet_text_ok (char const *) ;

/* the default teaser text: the local name tcpserver gives (TCPLOCALHOST,
   unless unset, "0" or unusable), else the local address as an address
   literal "[TCPLOCALIP]", else "smtpguard". buf: SGGREET_TEXTMAX + 1. */
extern char const *sggreet_default_text (char *buf, char const *localhost, char const *localip) ;

/* "220-" text CRLF; "220 " text CRLF (the last line of our reply) */
extern size_t sggreet_teaser (char *, char const *text) ;
extern size_t sggreet_end (char *, char const *text) ;

/* the end of our reply when the smtpd's greeting cannot continue it:
   "220 " text CRLF "421 4.3.0 ..." CRLF; at most SGGREET_CLOSEMAX */
extern size_t sggreet_close (char *, char const *text) ;
#define SGGREET_CLOSEMAX (SGGREET_LINEMAX + 64)

/* 1 if every line of the reply s (len bytes, whole lines) is a 220 line:
   then it can continue the teaser */
extern int sggreet_all220 (char const *s, size_t len) ;

/* the refusal of an early talker: "521 5.5.1 ..." CRLF */
extern size_t sggreet_refusal (char *) ;
#define SGGREET_REFUSALMAX 128

/* waits up to ms milliseconds for the client on fd (non-blocking or not)
   to say something; returns the verdict. On an early talker, buf gets
   its first bytes (at most max) and *len their count. Needs the skalibs
   clock set (tain_now_set_stopwatch_g). */
extern unsigned int sggreet_wait (int fd, unsigned int ms, char *buf, size_t max, size_t *len) ;


/* The door test for one session with memory (sgsession_state gave 1).
   Returns -1 when the client skips the test (a pass record, or the pass
   directory failed: logged, fail open), else the verdict, logged: on
   SGG_PASS the pass is recorded and the caller starts the smtpd, the
   teaser being out; on an early talker the refusal is written and the
   action taken; the caller then ends the session without an smtpd. */
typedef struct sggreetconf_s sggreetconf, *sggreetconf_ref ;
struct sggreetconf_s
{
  unsigned int ms ;      /* the wait */
  unsigned int action ;  /* SGGA_* */
  uint32_t life ;        /* seconds a pass lasts */
  char const *text ;     /* the teaser's */
} ;
extern int sggreet_door (sgsession *, sggreetconf const *, char const *dir) ;

#endif
