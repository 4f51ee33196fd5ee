/* ISC license. */

/* The judgement, pattern by pattern: each sender pattern is played as
   SMTP text through the scanner and a session with a state directory
   (several connections, an injected clock), and must reach its verdict:
   a legitimate pattern is never kicked; a prober is kicked and listed
   with no more than its expected number of guesses answered (refusals
   the client got back before the 421). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgclock.h"
#include "sgip.h"
#include "sgjudge.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgscan.h"
#include "sgsession.h"
#include "sgstate.h"

#include "sgtest.h"
static char dir[] = "/tmp/test_sgjudge.XXXXXX" ;
static uint64_t now = 1800000000 ;
static sgstateconf conf = SGSTATECONF_ZERO ;
static sglimits limits = { SGLIMIT_BADRCPT, SGLIMIT_RSET, SGLIMIT_AUTHFAIL, SGLIMIT_ERRORS } ;

/* one connection */
typedef struct drv_s drv ;
struct drv_s
{
  sgsession s ;
  sgstate st ;
  char ipbuf[SGIP_MAX] ;
  char c[32768] ;
  size_t clen, cpos ;
  int dead ;               /* kicked, or refused at the door */
  unsigned int reason ;
  int listed ;
} ;

/* what a pattern did, over all its connections */
typedef struct res_s res ;
struct res_s
{
  unsigned int answered ;  /* refused RCPTs the client was told of */
  unsigned int reason ;    /* the first kick's */
  int listed ;
  unsigned int conns ;
  unsigned int refused ;   /* connections refused at the door */
} ;

static res R ;

static void tick (uint64_t secs)
{
  char buf[32] ;
  now += secs ;
  snprintf(buf, sizeof(buf), "%llu", (unsigned long long)now) ;
  setenv("SMTPGUARD_NOW", buf, 1) ;
}

static void kicked (drv *d, unsigned int reason)
{
  d->dead = 1 ;
  d->reason = reason ;
  d->listed = sgsession_record_kick(&d->s, dir, reason, 0) > 0 ;
  if (!R.reason) R.reason = reason ;
  if (d->listed) R.listed = 1 ;
}

static void scan_client (drv *d)
{
  while (d->cpos < d->clen && !d->dead)
  {
    sgevent ev ;
    size_t n = sgscan_client(&d->s.scan, d->c + d->cpos, d->clen - d->cpos, &ev) ;
    d->cpos += n ;
    if (ev.type == SGEV_COMMAND) sgsession_command(&d->s, &ev) ;
    if (ev.type == SGEV_NONE && !n) break ;
  }
  if (d->cpos == d->clen) d->cpos = d->clen = 0 ;
}

static void cl (drv *d, char const *fmt, ...)
{
  va_list a ;
  int n ;
  if (d->dead) return ;
  va_start(a, fmt) ;
  n = vsnprintf(d->c + d->clen, sizeof(d->c) - d->clen, fmt, a) ;
  va_end(a) ;
  if (n < 0 || (size_t)n >= sizeof(d->c) - d->clen) { printf("FAIL: client buffer\n") ; fails++ ; return ; }
  d->clen += n ;
  scan_client(d) ;
}

static void sv (drv *d, char const *reply)
{
  char line[256] ;
  size_t len, i = 0 ;
  if (d->dead) return ;
  len = snprintf(line, sizeof(line), "%s\r\n", reply) ;
  while (i < len && !d->dead)
  {
    sgevent ev ;
    unsigned int r ;
    i += sgscan_server(&d->s.scan, line + i, len - i, &ev) ;
    if (ev.type == SGEV_NONE) continue ;
    r = sgsession_event(&d->s, &ev) ;
    /* a refusal reaches the client unless the 421 takes its place */
    if (ev.type == SGEV_REPLY && ev.cmd == SGCMD_RCPT && ev.code >= 400 && ev.code < 600
     && !(r && d->s.verdict.withhold)) R.answered++ ;
    if (r) kicked(d, r) ;
  }
  scan_client(d) ;
}

/* a command and its reply, not pipelined */
static void cmd (drv *d, char const *line, char const *reply)
{
  cl(d, "%s\r\n", line) ;
  sv(d, reply) ;
}

static void conn (drv *d, char const *ip)
{
  sglisting li ;
  int r ;
  memset(d, 0, sizeof(*d)) ;
  sgsession_init(&d->s, &limits, 1) ;
  R.conns++ ;
  r = sgsession_state(&d->s, &d->st, dir, &conf, d->ipbuf, ip, &li) ;
  if (r == 2) { d->dead = 1 ; R.refused++ ; return ; }
  if (r != 1) { printf("FAIL: no state for %s\n", ip) ; fails++ ; }
  sv(d, "220 mx.example ESMTP") ;
  cmd(d, "EHLO client.example", "250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING") ;
}

/* the session ends: the open transaction with it */
static void hangup (drv *d)
{
  if (!d->dead)
  {
    unsigned int r = sgsession_end(&d->s) ;
    if (r) kicked(d, r) ;
  }
  if (d->s.st)
  {
    sgsession_flush(&d->s) ;
    sgsession_record_history(&d->s, dir) ;
  }
  if (d->st.dirfd >= 0) sgstate_close(&d->st) ;
}

static void quit (drv *d)
{
  cmd(d, "QUIT", "221 bye") ;
  hangup(d) ;
}

static void mail (drv *d) { cmd(d, "MAIL FROM:<sender@client.example>", "250 ok") ; }
static void rcpt (drv *d, char const *addr, char const *reply)
{
  char line[200] ;
  snprintf(line, sizeof(line), "RCPT TO:<%s>", addr) ;
  cmd(d, line, reply) ;
}
static void good (drv *d, unsigned int i) { char a[64] ; snprintf(a, sizeof(a), "user%u@example.org", i) ; rcpt(d, a, "250 ok") ; }
static void stale (drv *d, unsigned int i) { char a[64] ; snprintf(a, sizeof(a), "gone%u@example.org", i) ; rcpt(d, a, "550 5.1.1 no such user") ; }
static void guess (drv *d, unsigned int i) { char a[64] ; snprintf(a, sizeof(a), "guess%u@example.org", i) ; rcpt(d, a, "550 5.1.1 no such user") ; }
static void grey (drv *d, unsigned int i) { char a[64] ; snprintf(a, sizeof(a), "user%u@grey.example", i) ; rcpt(d, a, "451 4.7.1 greylisted, try later") ; }
static void rset (drv *d) { cmd(d, "RSET", "250 reset") ; }
static void deliver (drv *d, char const *reply)
{
  cmd(d, "DATA", "354 go ahead") ;
  cl(d, "Subject: test\r\n\r\nbody\r\n.\r\n") ;
  sv(d, reply) ;
}
static void bdat (drv *d, char const *reply)
{
  cl(d, "BDAT 6 LAST\r\nhello\n") ;
  sv(d, reply) ;
}

static unsigned int ipn = 0 ;
static char const *newip (void)
{
  static char buf[32] ;
  ipn++ ;
  snprintf(buf, sizeof(buf), "10.%u.%u.%u", (ipn >> 16) & 255, (ipn >> 8) & 255, ipn & 255) ;
  return buf ;
}

/* ---- legitimate patterns ---- */

static void reuse_rset (char const *ip)  /* 1000 messages, 4 connections, RSET before each reuse */
{
  unsigned int c, m ;
  for (c = 0 ; c < 4 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    for (m = 0 ; m < 250 ; m++) { rset(&d) ; mail(&d) ; good(&d, m) ; deliver(&d, "250 queued") ; tick(3) ; }
    quit(&d) ;
  }
}

static void rset_each_session (char const *ip)  /* Eudora: RSET first, one message, 500 sessions */
{
  unsigned int i ;
  for (i = 0 ; i < 500 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    rset(&d) ; mail(&d) ; good(&d, i) ; deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(7) ;
  }
}

static void rset_before_mail (char const *ip)  /* RSET before every MAIL, 10 a session */
{
  unsigned int i, m ;
  for (i = 0 ; i < 50 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    for (m = 0 ; m < 10 ; m++) { rset(&d) ; mail(&d) ; good(&d, m) ; good(&d, m + 100) ; deliver(&d, "250 queued") ; }
    rset(&d) ;
    quit(&d) ;
    tick(70) ;
  }
}

/* 50 messages an hour to 500 recipients: 15 stale (the same ones), 5
   greylisted or full; where in the list they sit is order */
static void listhost (char const *ip, int order, int pipelined)
{
  unsigned int m, i ;
  for (m = 0 ; m < 50 ; m++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    for (i = 0 ; i < 500 ; i++)
    {
      int k ;  /* 0 good, 1 stale, 2 4xx */
      if (order == 0) k = i % 33 == 5 && i / 33 < 15 ? 1 : i % 97 == 50 ? 2 : 0 ;  /* spread */
      else if (order == 1) k = i < 15 ? 1 : i < 20 ? 2 : 0 ;                       /* bad first */
      else k = i >= 480 ? (i < 495 ? 1 : 2) : 0 ;                                  /* bad last */
      if (pipelined) cl(&d, "RCPT TO:<%s%u@example.org>\r\n", k == 1 ? "gone" : "user", i) ;
      else if (k == 1) stale(&d, i) ;
      else if (k == 2) rcpt(&d, "full@example.org", "450 4.2.2 mailbox busy") ;
      else good(&d, i) ;
    }
    if (pipelined)
      for (i = 0 ; i < 500 ; i++)
      {
        int k = i % 33 == 5 && i / 33 < 15 ? 1 : 0 ;
        sv(&d, k ? "550 5.1.1 no such user" : "250 ok") ;
      }
    deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(72) ;
  }
}

/* VERP: one recipient a transaction; a stale one ends undelivered (the
   next MAIL, or RSET) */
static void verp (char const *ip, int withrset)
{
  unsigned int m, i ;
  for (m = 0 ; m < 10 ; m++)
  {
    drv d ;
    conn(&d, ip) ;
    for (i = 0 ; i < 500 ; i++)
    {
      mail(&d) ;
      if (i % 33 == 16) { stale(&d, i) ; if (withrset) rset(&d) ; continue ; }
      good(&d, i) ;
      deliver(&d, "250 queued") ;
    }
    quit(&d) ;
    tick(360) ;
  }
}

/* a first-time sender to ten recipients, greylisted at RCPT, retrying
   four times in the hour before it gets through */
static void greylisted (char const *ip, unsigned int n)
{
  unsigned int t, i ;
  for (t = 0 ; t < 5 ; t++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    if (t < 4)
    {
      for (i = 0 ; i < n ; i++) grey(&d, i) ;
      cmd(&d, "DATA", "503 5.5.1 no valid recipients") ;
      quit(&d) ;
    }
    else
    {
      for (i = 0 ; i < n ; i++) good(&d, i) ;
      deliver(&d, "250 queued") ;
      quit(&d) ;
    }
    tick(600) ;
  }
}

static void content_refused (char const *ip)  /* a content filter refuses most of a relay's mail */
{
  unsigned int i ;
  for (i = 0 ; i < 200 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ; good(&d, i) ; good(&d, i + 1000) ;
    if (i % 2) deliver(&d, "554 5.7.1 message content rejected") ;
    else bdat(&d, "554 5.7.1 message content rejected") ;
    mail(&d) ; good(&d, i) ;
    deliver(&d, i % 3 ? "550 5.7.1 spam" : "250 queued") ;
    quit(&d) ;
    tick(15) ;
  }
}

/* a NAT: 300 messages an hour from many users, one in 15 with a
   mistyped recipient, after which the client gives up (RSET) and
   resends without it */
static void busy_nat (char const *ip)
{
  unsigned int i ;
  for (i = 0 ; i < 300 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ; good(&d, i) ;
    if (i % 15 == 7) { stale(&d, i) ; rset(&d) ; mail(&d) ; good(&d, i) ; }
    deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(12) ;
  }
}

static void new_sender_some_stale (char const *ip)  /* first message ever: 10 recipients, 3 stale, one 4xx */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 10 ; i++) if (i < 3) stale(&d, i) ; else if (i == 3) grey(&d, i) ; else good(&d, i) ;
  deliver(&d, "250 queued") ;
  quit(&d) ;
}

static void small_list (char const *ip)  /* a small list with many stale members */
{
  unsigned int m, i ;
  for (m = 0 ; m < 30 ; m++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    for (i = 0 ; i < 9 ; i++) { good(&d, i) ; if (i < 3) stale(&d, i) ; }
    deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(100) ;
  }
}

static void too_many (char const *ip)  /* a big list on first contact meets recipients_max */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 6000 ; i++)
    if (i < 5000) good(&d, i) ; else rcpt(&d, "more@example.org", "452 4.5.3 too many recipients") ;
  deliver(&d, "250 queued") ;
  quit(&d) ;
}

static void full_mailbox (char const *ip)  /* a shop notifying an over-quota customer (552), one connection each */
{
  unsigned int i ;
  for (i = 0 ; i < 20 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    rcpt(&d, "customer@example.org", "552 5.2.2 mailbox is full") ;
    quit(&d) ;
    tick(600) ;
  }
}

static void max_reject (char const *ip)  /* exim's recipients_max_reject: 552 past the 100th */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 300 ; i++)
    if (i < 100) good(&d, i) ; else rcpt(&d, "more@example.org", "552 5.5.3 too many recipients") ;
  deliver(&d, "250 queued") ;
  quit(&d) ;
}

static void helo_errors (char const *ip)  /* EHLO refused, HELO accepted, MAIL refused: 100 sessions */
{
  unsigned int i ;
  for (i = 0 ; i < 100 ; i++)
  {
    drv d ;
    conn(&d, ip) ;
    cmd(&d, "EHLO bad_name", "501 5.5.2 syntactically invalid argument") ;
    cmd(&d, "HELO bad_name", "250 hello") ;
    cmd(&d, "MAIL FROM:<forged@spf.example>", "550 5.7.1 SPF fail") ;
    rcpt(&d, "user1@example.org", "503 5.5.1 sender first") ;
    cmd(&d, "DATA", "503 5.5.1 valid RCPT first") ;
    quit(&d) ;
    tick(30) ;
  }
}

static void authenticated (char const *ip)  /* AUTH 235: the server's to judge */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  cl(&d, "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n") ; sv(&d, "235 2.7.0 authenticated") ;
  for (i = 0 ; i < 100 ; i++) { mail(&d) ; guess(&d, i) ; rset(&d) ; }
  quit(&d) ;
}

/* a relay with history comes back after a week with a backlog to
   a domain that moved away: 12 undelivered transactions first */
static void history_backlog (char const *ip)
{
  unsigned int i ;
  drv d ;
  conn(&d, ip) ;
  for (i = 0 ; i < 20 ; i++) { mail(&d) ; good(&d, i) ; deliver(&d, "250 queued") ; }
  quit(&d) ;
  tick(7 * 86400) ;
  conn(&d, ip) ;
  for (i = 0 ; i < 12 ; i++) { mail(&d) ; stale(&d, i) ; rset(&d) ; }
  for (i = 0 ; i < 20 ; i++) { mail(&d) ; good(&d, i) ; deliver(&d, "250 queued") ; }
  quit(&d) ;
}

/* ---- probers ---- */

static void bot (char const *ip, int pipelined)  /* 5 guesses, RSET, repeat, reconnect */
{
  unsigned int c, r, i, g = 0 ;
  for (c = 0 ; c < 20 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    for (r = 0 ; r < 10 && !d.dead ; r++)
    {
      if (pipelined)
      {
        cl(&d, "MAIL FROM:<x@bot.example>\r\n") ;
        for (i = 0 ; i < 5 ; i++) cl(&d, "RCPT TO:<guess%u@example.org>\r\n", g++) ;
        cl(&d, "RSET\r\n") ;
        sv(&d, "250 ok") ;
        for (i = 0 ; i < 5 ; i++) sv(&d, "550 5.1.1 no such user") ;
        sv(&d, "250 reset") ;
      }
      else
      {
        mail(&d) ;
        for (i = 0 ; i < 5 ; i++) guess(&d, g++) ;
        rset(&d) ;
      }
    }
    hangup(&d) ;
    tick(10) ;
  }
}

static void pad_one (char const *ip, int longtrans)  /* RCPT postmaster, RCPT guess, ... */
{
  unsigned int c, i, g = 0 ;
  for (c = 0 ; c < 10 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    for (i = 0 ; i < 200 && !d.dead ; i++)
    {
      rcpt(&d, i % 2 ? "Postmaster@example.org" : "postmaster@EXAMPLE.org", "250 ok") ;
      guess(&d, g++) ;
      if (!longtrans && i % 5 == 4) { rset(&d) ; mail(&d) ; }
    }
    hangup(&d) ;
  }
}

static void pad_distinct (char const *ip, int longtrans)  /* many distinct accepted, never delivered */
{
  unsigned int c, i, k, g = 0, a = 0 ;
  for (c = 0 ; c < 10 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    for (i = 0 ; i < 300 && !d.dead ; i++)
    {
      for (k = 0 ; k < 20 ; k++) good(&d, a++) ;
      guess(&d, g++) ;
      if (!longtrans && i % 5 == 4) { rset(&d) ; mail(&d) ; }
    }
    hangup(&d) ;
  }
}

static void one_per_connection (char const *ip, int withquit)
{
  unsigned int c ;
  for (c = 0 ; c < 50 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ; guess(&d, c) ;
    if (withquit) quit(&d) ; else hangup(&d) ;
    tick(60) ;
  }
}

static void new_mail_no_rset (char const *ip)  /* MAIL, guess, MAIL, guess, ... */
{
  unsigned int c, i, g = 0 ;
  for (c = 0 ; c < 5 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    for (i = 0 ; i < 100 && !d.dead ; i++) { mail(&d) ; guess(&d, g++) ; }
    hangup(&d) ;
  }
}

static void nested_mail (char const *ip)  /* the smtpd refuses a nested MAIL: one long transaction */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 100 && !d.dead ; i++) { guess(&d, i) ; cmd(&d, "MAIL FROM:<x@y>", "503 5.5.1 sender already given") ; }
  hangup(&d) ;
}

static void spam_and_guess (char const *ip)  /* delivers to one valid address, 4 guesses each time */
{
  unsigned int c, i, g = 0 ;
  for (c = 0 ; c < 20 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ; good(&d, 1) ;
    for (i = 0 ; i < 4 ; i++) guess(&d, g++) ;
    deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(30) ;
  }
}

/* history does not make a prober safe: after a week of delivering, the
   bot pattern is judged against -b instead of a quarter of it */
static void spam_then_bot (char const *ip)
{
  drv d ;
  conn(&d, ip) ;
  mail(&d) ; good(&d, 1) ; deliver(&d, "250 queued") ;
  quit(&d) ;
  tick(7 * 86400) ;
  bot(ip, 0) ;
}

/* 8 connections at once, each one transaction of 10 guesses, taking
   turns: they share one limit */
static void parallel_bots (char const *ip)
{
  drv d[8] ;
  unsigned int k, i ;
  for (k = 0 ; k < 8 ; k++) { conn(&d[k], ip) ; mail(&d[k]) ; }
  for (i = 0 ; i < 10 ; i++)
    for (k = 0 ; k < 8 ; k++) guess(&d[k], k * 100 + i) ;
  for (k = 0 ; k < 8 ; k++) quit(&d[k]) ;
}

/* a list host on first contact sending 10 messages at once, each to 500
   recipients with 3% stale spread through them, taking turns */
static void parallel_list (char const *ip)
{
  drv d[10] ;
  unsigned int k, i ;
  for (k = 0 ; k < 10 ; k++) { conn(&d[k], ip) ; mail(&d[k]) ; }
  for (i = 0 ; i < 500 ; i++)
    for (k = 0 ; k < 10 ; k++)
      if (i % 33 == 20) stale(&d[k], i) ; else good(&d[k], i) ;
  for (k = 0 ; k < 10 ; k++) { deliver(&d[k], "250 queued") ; quit(&d[k]) ; }
}

static void pay_deliver (char const *ip)  /* deliveries as the currency for guesses */
{
  unsigned int c, m, g = 0 ;
  for (c = 0 ; c < 5 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    for (m = 0 ; m < 20 && !d.dead ; m++)
    {
      mail(&d) ; rcpt(&d, "postmaster@example.org", "250 ok") ; guess(&d, g++) ;
      deliver(&d, "250 queued") ;
    }
    quit(&d) ;
  }
}

static void guess_then_data (char const *ip)  /* pipelined guesses, DATA refused, RSET */
{
  unsigned int c, i, g = 0 ;
  for (c = 0 ; c < 10 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    cl(&d, "MAIL FROM:<x@y>\r\n") ;
    for (i = 0 ; i < 3 ; i++) cl(&d, "RCPT TO:<guess%u@example.org>\r\n", g++) ;
    cl(&d, "DATA\r\n") ;
    sv(&d, "250 ok") ;
    for (i = 0 ; i < 3 ; i++) sv(&d, "550 no such user") ;
    sv(&d, "554 no valid recipients") ;
    quit(&d) ;
  }
}

static void authfail (char const *ip)
{
  unsigned int c ;
  for (c = 0 ; c < 5 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    cl(&d, "AUTH PLAIN AGFsaWNlAHdyb25n\r\n") ; sv(&d, "535 5.7.8 authentication failed") ;
    quit(&d) ;
  }
}

/* a mail client that tries AUTH where it cannot: not offered (qmail
   502, exim 503), a mechanism the server lacks (504), its own cancel
   (501), before TLS (538), 20 sessions: no credentials were tested */
static void auth_untested (char const *ip)
{
  static char const *const r[5] =
  {
    "502 unimplemented (#5.5.1)", "503 5.5.1 AUTH command used when not advertised",
    "504 5.5.4 Unrecognized authentication type", "501 auth exchange canceled (#5.0.0)",
    "538 5.7.11 Encryption required for requested authentication mechanism"
  } ;
  unsigned int c ;
  for (c = 0 ; c < 20 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    cl(&d, "AUTH CRAM-MD5\r\n") ; sv(&d, r[c % 5]) ;
    mail(&d) ; good(&d, c) ; deliver(&d, "250 queued") ;
    quit(&d) ;
    tick(180) ;
  }
}

static void garbage (char const *ip)
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  for (i = 0 ; i < 100 && !d.dead ; i++) cmd(&d, "GET / HTTP/1.0", "500 5.5.1 unrecognized command") ;
  hangup(&d) ;
}

static void vrfy_prober (char const *ip)  /* VRFY and EXPN, no transaction: every answer a guess */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  for (i = 0 ; i < 100 && !d.dead ; i++)
    cmd(&d, i & 1 ? "VRFY guess@example.org" : "EXPN guess@example.org", i % 3 ? "252 5.1.1 unknown" : i & 1 ? "550 5.1.1 unknown" : "250 <known@example.org>") ;
  hangup(&d) ;
}

static void greylist_prober (char const *ip)  /* a server answering 4xx to unknown users, one valid pad */
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  good(&d, 1) ;
  for (i = 0 ; i < 500 && !d.dead ; i++)
  {
    char a[64] ;
    snprintf(a, sizeof(a), "x%u@example.org", i) ;
    rcpt(&d, a, "450 4.1.1 unknown, try later") ;
  }
  hangup(&d) ;
}

/* greylisting after recipient validation (exim's verify = recipient
   before the greylist, Postfix's reject_unlisted_recipient before
   postgrey): a new sender's message gets 550 for its stale recipient
   and 451 for the 16 others; the 550 is not retried, the 451s are, on
   new connections, until they get through */
static void grey_after_validation (char const *ip)
{
  unsigned int t, i ;
  for (t = 0 ; t < 4 ; t++)
  {
    drv d ;
    conn(&d, ip) ;
    mail(&d) ;
    if (!t) stale(&d, 1) ;
    for (i = 0 ; i < 16 ; i++) if (t < 3) grey(&d, i) ; else good(&d, i) ;
    if (t < 3) { cmd(&d, "DATA", "554 5.5.1 no valid recipients") ; quit(&d) ; }
    else { deliver(&d, "250 queued") ; quit(&d) ; }
    tick(900) ;
  }
}

/* Postfix's connection cache: each greylisted transaction is aborted
   with RSET before the next one, 60 new senders in one connection */
static void grey_cached (char const *ip)
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  for (i = 0 ; i < 60 && !d.dead ; i++)
  {
    mail(&d) ; grey(&d, i) ;
    cmd(&d, "DATA", "554 5.5.1 no valid recipients") ;
    rset(&d) ;
  }
  quit(&d) ;
}

/* a list host posting 50 messages to its 500 members down one
   connection (exim: connection_max_messages): the same 15 stale and 5
   full members each time */
static void listhost_onecon (char const *ip)
{
  drv d ;
  unsigned int m, i ;
  conn(&d, ip) ;
  for (m = 0 ; m < 50 && !d.dead ; m++)
  {
    mail(&d) ;
    for (i = 0 ; i < 500 ; i++)
    {
      if (i % 33 == 5 && i / 33 < 15) stale(&d, i) ;
      else if (i % 97 == 50) rcpt(&d, "full@example.org", "452 4.2.2 mailbox full") ;
      else if (i % 101 == 7) { char a[64] ; snprintf(a, sizeof(a), "busy%u@example.org", i) ; rcpt(&d, a, "450 4.2.1 mailbox busy") ; }
      else good(&d, i) ;
    }
    deliver(&d, "250 queued") ;
    tick(60) ;
  }
  quit(&d) ;
}

/* two known addresses and one guess in each delivered message, down one
   connection: the addresses excuse one guess once, not every time */
static void pay_two (char const *ip)
{
  drv d ;
  unsigned int m ;
  conn(&d, ip) ;
  for (m = 0 ; m < 200 && !d.dead ; m++)
  {
    mail(&d) ;
    rcpt(&d, "postmaster@example.org", "250 ok") ; rcpt(&d, "abuse@example.org", "250 ok") ;
    guess(&d, m) ;
    deliver(&d, "250 queued") ;
  }
  quit(&d) ;
}

/* guesses the scanner cannot read whole, or that exim and qmail read
   differently: each must count as a new one (how: 0 padded with spaces
   past the bytes the scanner keeps, 1 a long source route, 2 a comment
   holding another address, 3 a quoted phrase holding one) */
static void unreadable (char const *ip, int how)
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 100 && !d.dead ; i++)
  {
    char line[300] ;
    if (how == 0) snprintf(line, sizeof(line), "RCPT TO:%80s<guess%u@example.org>", "", i) ;
    else if (how == 1) snprintf(line, sizeof(line), "RCPT TO:<@%.75s.example:guess%u@example.org>",
      "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", i) ;
    else if (how == 2) snprintf(line, sizeof(line), "RCPT TO:guess%u(<x@y>)@example.org", i) ;
    else snprintf(line, sizeof(line), "RCPT TO:\"<x@y>\" <guess%u@example.org>", i) ;
    cmd(&d, line, "550 5.1.1 no such user") ;
  }
  hangup(&d) ;
}

/* the guesses first meet a 4xx that weighs nothing (a sender check that
   defers every RCPT), then, under another sender, their real 5xx */
static void deferred_first (char const *ip)
{
  unsigned int c, i ;
  for (c = 0 ; c < 10 ; c++)
  {
    drv d ;
    conn(&d, ip) ;
    cmd(&d, "MAIL FROM:<x@dns-fails.example>", "250 ok") ;
    for (i = 0 ; i < 50 && !d.dead ; i++)
    {
      char a[64] ;
      snprintf(a, sizeof(a), "guess%u@example.org", 50 * c + i) ;
      rcpt(&d, a, "450 4.1.8 sender domain does not resolve") ;
    }
    cmd(&d, "RSET", "250 reset") ;
    mail(&d) ;
    for (i = 0 ; i < 50 && !d.dead ; i++) guess(&d, 50 * c + i) ;
    quit(&d) ;
  }
}

/* a big post on first contact, sent as 20 batches of 100 recipients down
   one connection (exim's max_rcpt, Postfix's recipient limit): 2000
   members, 3% stale */
static void batched_post (char const *ip)
{
  drv d ;
  unsigned int b, i ;
  conn(&d, ip) ;
  for (b = 0 ; b < 20 && !d.dead ; b++)
  {
    mail(&d) ;
    for (i = 100 * b ; i < 100 * b + 100 ; i++)
      if (i % 33 == 7) stale(&d, i) ; else good(&d, i) ;
    deliver(&d, "250 queued") ;
  }
  quit(&d) ;
}

/* one mailbox spelled 40 ways (source routes, quotes, case: exim and
   qmail accept them all as one) padding 10 guesses a delivered message */
static void pad_spellings (char const *ip)
{
  drv d ;
  unsigned int m, i, g = 0 ;
  conn(&d, ip) ;
  for (m = 0 ; m < 10 && !d.dead ; m++)
  {
    mail(&d) ;
    for (i = 0 ; i < 40 ; i++)
    {
      char a[100] ;
      if (i % 3 == 0) snprintf(a, sizeof(a), "@r%u.example:postmaster@example.org", i) ;
      else if (i % 3 == 1) snprintf(a, sizeof(a), "\"post%.*smaster\"@example.org", (int)(i % 2), "") ;
      else snprintf(a, sizeof(a), "%cOSTMASTER@EXAMPLE.org%.*s", i & 4 ? 'P' : 'p', 0, "") ;
      rcpt(&d, a, "250 ok") ;
    }
    for (i = 0 ; i < 10 ; i++) guess(&d, g++) ;
    deliver(&d, "250 queued") ;
  }
  quit(&d) ;
}

/* a refused RSET, QUIT or BDAT leaves the smtpd's transaction open
   (exim: 501 to "RSET x" and "QUIT now", 503 and the chunk skipped for a
   BDAT before any accepted recipient; qmail: 502 to "RSET<TAB>x"): the
   guesses after it are still in a transaction */
static void refused_end (char const *ip, int how)
{
  drv d ;
  unsigned int i ;
  conn(&d, ip) ;
  mail(&d) ;
  for (i = 0 ; i < 100 && !d.dead ; i++)
  {
    if (i % 5 == 0)
    {
      if (how == 0) cmd(&d, "RSET x", "501 5.5.4 unexpected argument data") ;
      else if (how == 1) cmd(&d, "RSET\tx", "502 unimplemented (#5.5.1)") ;
      else if (how == 2) cmd(&d, "QUIT now", "501 5.5.4 unexpected argument data") ;
      else { cl(&d, "BDAT 1 LAST\r\nx") ; sv(&d, "503 5.5.1 valid RCPT command must precede BDAT") ; }
    }
    guess(&d, i) ;
  }
  hangup(&d) ;
}

typedef struct pattern_s pattern ;
struct pattern_s
{
  char const *name ;
  void (*run) (char const *, int) ;
  int arg ;
  unsigned int kick ;    /* SGR_NONE: must never be kicked */
  unsigned int maxans ;  /* a prober: at most this many refusals answered */
} ;

#define W1(f) static void f##_ (char const *ip, int a) { (void)a ; f(ip) ; }
W1(reuse_rset) W1(rset_each_session) W1(rset_before_mail) W1(content_refused) W1(busy_nat)
W1(new_sender_some_stale) W1(helo_errors) W1(authenticated) W1(history_backlog) W1(nested_mail)
W1(new_mail_no_rset) W1(spam_and_guess) W1(guess_then_data) W1(authfail) W1(auth_untested) W1(garbage) W1(vrfy_prober) W1(greylist_prober) W1(spam_then_bot) W1(grey_after_validation) W1(grey_cached) W1(pad_spellings) W1(listhost_onecon) W1(pay_two) W1(deferred_first) W1(batched_post) W1(small_list) W1(too_many) W1(full_mailbox) W1(max_reject) W1(parallel_bots) W1(parallel_list) W1(pay_deliver)
static void greylisted_ (char const *ip, int n) { greylisted(ip, (unsigned int)n) ; }
static void listhost_ (char const *ip, int a) { listhost(ip, a % 10, a / 10) ; }

static pattern const table[] =
{
  { "connection reuse, RSET between 1000 messages", &reuse_rset_, 0, SGR_NONE, 0 },
  { "RSET at session start, 500 sessions", &rset_each_session_, 0, SGR_NONE, 0 },
  { "RSET before every MAIL", &rset_before_mail_, 0, SGR_NONE, 0 },
  { "list host, 3% stale + 1% 4xx spread", &listhost_, 0, SGR_NONE, 0 },
  /* a limitation, kept in sight: until it delivers, a list host whose
     first 10 recipients are refused looks like a prober */
  { "list host on first contact, 15 stale first (limitation)", &listhost_, 1, SGR_BADRCPT, 10 },
  { "list host, stale and 4xx last", &listhost_, 2, SGR_NONE, 0 },
  { "list host, pipelined RCPTs", &listhost_, 10, SGR_NONE, 0 },
  { "list host, 50 posts down one connection", &listhost_onecon_, 0, SGR_NONE, 0 },
  { "first contact: a 2000-member post in 20 batches, one connection", &batched_post_, 0, SGR_NONE, 0 },
  { "VERP list host, stale ends at the next MAIL", &verp, 0, SGR_NONE, 0 },
  { "VERP list host, RSET after a stale one", &verp, 1, SGR_NONE, 0 },
  { "greylisted first-time sender, 10 recipients", &greylisted_, 10, SGR_NONE, 0 },
  { "greylisted first-time sender, 100 recipients", &greylisted_, 100, SGR_NONE, 0 },
  { "greylisted after validation: 1 stale, 16 x 451, retried", &grey_after_validation_, 0, SGR_NONE, 0 },
  { "greylisted, 60 senders on one connection, RSET each", &grey_cached_, 0, SGR_NONE, 0 },
  { "content refused after the dot and BDAT", &content_refused_, 0, SGR_NONE, 0 },
  { "busy NAT with typos", &busy_nat_, 0, SGR_NONE, 0 },
  { "new sender, 3 stale of 10, delivered", &new_sender_some_stale_, 0, SGR_NONE, 0 },
  { "small list, 3 stale of 12, delivered, 30 times", &small_list_, 0, SGR_NONE, 0 },
  { "6000 recipients pipelined, 452 past the 5000th", &too_many_, 0, SGR_NONE, 0 },
  { "a full mailbox (552) notified on 20 connections", &full_mailbox_, 0, SGR_NONE, 0 },
  { "300 recipients, 552 past the 100th", &max_reject_, 0, SGR_NONE, 0 },
  { "list host, 10 messages at once on 10 connections", &parallel_list_, 0, SGR_NONE, 0 },
  { "8 connections at once, 10 guesses each", &parallel_bots_, 0, SGR_BADRCPT, 10 },
  { "EHLO, MAIL refused, RCPT without MAIL", &helo_errors_, 0, SGR_NONE, 0 },
  { "authenticated client", &authenticated_, 0, SGR_NONE, 0 },
  { "history: a backlog of 12 undelivered after a week", &history_backlog_, 0, SGR_NONE, 0 },
  { "bot: 5 guesses, RSET, repeat, reconnect", &bot, 0, SGR_BADRCPT, 5 },
  { "bot, pipelined", &bot, 1, SGR_BADRCPT, 5 },
  { "padding with one accepted address, RSET every 5", &pad_one, 0, SGR_BADRCPT, 5 },
  { "padding with one accepted address, one transaction", &pad_one, 1, SGR_BADRCPT, 10 },
  { "padding with distinct accepted, RSET every 5", &pad_distinct, 0, SGR_BADRCPT, 5 },
  { "padding with distinct accepted, one transaction", &pad_distinct, 1, SGR_BADRCPT, 20 },
  { "one guess per connection, QUIT", &one_per_connection, 1, SGR_BADRCPT, 5 },
  { "one guess per connection, hang-up", &one_per_connection, 0, SGR_BADRCPT, 5 },
  { "guesses over new MAILs, no RSET", &new_mail_no_rset_, 0, SGR_BADRCPT, 5 },
  { "guesses with nested MAIL refused", &nested_mail_, 0, SGR_BADRCPT, 10 },
  { "spam to one address, 4 guesses a message", &spam_and_guess_, 0, SGR_BADRCPT, 8 },
  { "one guess in each message delivered to one address", &pay_deliver_, 0, SGR_BADRCPT, 20 },
  { "one mailbox spelled 40 ways padding guesses, delivered", &pad_spellings_, 0, SGR_BADRCPT, 10 },
  { "two known addresses + 1 guess a message, one connection", &pay_two_, 0, SGR_BADRCPT, 10 },
  { "guesses padded with spaces past the kept bytes", &unreadable, 0, SGR_BADRCPT, 10 },
  { "guesses behind a long source route", &unreadable, 1, SGR_BADRCPT, 10 },
  { "guesses with a comment holding another address", &unreadable, 2, SGR_BADRCPT, 10 },
  { "guesses behind a quoted phrase holding another address", &unreadable, 3, SGR_BADRCPT, 10 },
  { "guesses deferred by a sender check, then refused", &deferred_first_, 0, SGR_BADRCPT, 60 },
  { "bot after a week of delivering spam", &spam_then_bot_, 0, SGR_BADRCPT, 20 },
  { "pipelined guesses then DATA refused", &guess_then_data_, 0, SGR_BADRCPT, 6 },
  { "4xx to unknown users, one valid pad", &greylist_prober_, 0, SGR_BADRCPT, 40 },
  { "guesses after a refused RSET x (exim 501)", &refused_end, 0, SGR_BADRCPT, 10 },
  { "guesses after a refused RSET<TAB>x (qmail 502)", &refused_end, 1, SGR_BADRCPT, 10 },
  { "guesses after a refused QUIT now (exim 501)", &refused_end, 2, SGR_BADRCPT, 10 },
  { "guesses after BDAT LAST refused, no recipient (503)", &refused_end, 3, SGR_BADRCPT, 10 },
  { "AUTH not offered, mechanism unknown, cancelled: 20", &auth_untested_, 0, SGR_NONE, 0 },
  { "AUTH failures", &authfail_, 0, SGR_AUTHFAIL, 0 },
  { "garbage commands", &garbage_, 0, SGR_ERRORS, 0 },
  { "VRFY and EXPN of guesses", &vrfy_prober_, 0, SGR_BADRCPT, 0 }
} ;

int main (void)
{
  unsigned int i ;
  if (!mkdtemp(dir)) return 111 ;
  tick(0) ;
  for (i = 0 ; i < sizeof(table) / sizeof(table[0]) ; i++)
  {
    pattern const *p = &table[i] ;
    int ok ;
    memset(&R, 0, sizeof(R)) ;
    (*p->run)(newip(), p->arg) ;
    if (p->kick == SGR_NONE) ok = !R.reason && !R.listed && !R.refused ;
    else ok = R.reason == p->kick && R.listed && (!p->maxans || R.answered <= p->maxans) ;
    printf("%s %-52s verdict=%s listed=%s answered=%u connections=%u\n", ok ? "ok  " : "FAIL", p->name,
      sgreason_name(R.reason), R.listed ? "yes" : "no", R.answered, R.conns) ;
    if (!ok) fails++ ;
    tick(7200) ;
  }
  return sgtest_end(dir) ;
}
