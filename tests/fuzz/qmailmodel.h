/* ISC license. */

#ifndef QMAILMODEL_H
#define QMAILMODEL_H

/* A model of how qmail-smtpd reads a client stream, from its public
   source (notqmail/netqmail: commands.c commands(), qmail-smtpd.c: the
   command table smtpcommands[], smtp_mail/smtp_rcpt/smtp_data, blast()).
   Debian ships no qmail-smtpd, so this stands in for it: qmail_run()
   plays qmail-smtpd on a whole client stream and gives the bytes it
   would answer and, for each reply, the command it answers (as an
   SGCMD_*) and how far it had read the client stream when it wrote it.

   qmail_check() then drives the scanner (tests/fuzz/sgdrive.c) with the
   client stream and those replies, in two schedules (all the client's
   bytes first; and lock step, each reply as soon as qmail could have
   written it), and compares the scanner's pairing with qmail's, up to
   the scanner's first protocol violation or over-long line (smtpguard
   kicks there: it refuses to guess, which is a pass). */

#include <stddef.h>

typedef struct qm_reply_s qm_reply ;
struct qm_reply_s
{
  unsigned char cmd ;    /* SGCMD_*: what qmail answers (QM_STRAY: a bare LF in a body) */
  unsigned short code ;
  size_t cpos ;          /* client bytes qmail had read when it wrote the reply */
  size_t slen ;          /* bytes of the reply in the server stream */
} ;

/* qmail's 451 to a bare LF in a DATA body: it then exits */
#define QM_STRAY 255

typedef struct qm_result_s qm_result ;
struct qm_result_s
{
  qm_reply *r ;
  size_t n, cap ;
  char *s ;              /* the server stream: every reply, in order */
  size_t slen, scap ;
} ;

extern int qmail_run (char const *c, size_t clen, qm_result *) ;   /* 0, or -1 if out of memory */
extern void qm_result_free (qm_result *) ;

/* 0 agree, 1 disagree (both accounts on stderr if verbose), -1 out of memory */
extern int qmail_check (char const *c, size_t clen, int verbose) ;

/* the same for an input in the fuzzer's format (the client part only) */
extern int qmail_check_input (unsigned char const *, size_t, int verbose) ;

#endif
