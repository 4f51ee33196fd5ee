/* ISC license. */

/* The SMTP stream scanner over recorded sessions: exact event sequences
   ("ehlo" a command line, "ehlo=250" the reply paired with it,
   "starttls!220" the blind event), counters, and agreement with the
   reference model. Edge cases (NUL, 1 MB lines, splits, a full queue,
   verbs) are in test_sgscan_edge.c. */

#include "../fuzz/sgexpect.h"

static void pipelining (void)
{
  static char const *const ses[] =
  {
    "220 mx.example ESMTP\r\n", "EHLO client.example\r\n",
    "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10000000\r\n250 8BITMIME\r\n",
    "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nRCPT TO:<d@y>\r\nDATA\r\n",
    "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go ahead\r\n",
    "Subject: x\r\n\r\n..RSET\r\nRSET\r\nRCPT TO:<x>\r\n..\r\n.\r\r\n. \r\nQUIT\r\n.\r\n",
    "250 queued\r\n",
    "MAIL FROM:<a@x>\r\nRCPT TO:<e@y>\r\nRCPT TO:<f@y>\r\nRSET\r\n",
    "250 ok\r\n550 no\r\n450 later\r\n250 reset\r\n", "QUIT\r\n", "221 bye\r\n", 0
  } ;
  sgcounts want = counts(3, 2, 1, 0, 0) ;
  lockstep("pipelined RCPT groups, multi-line EHLO, dot-stuffed body", ses,
    "greeting=220 ehlo ehlo=250 mail rcpt rcpt rcpt data mail=250 rcpt=250 rcpt=550 rcpt=250 data=354"
    " dot dot=250 mail rcpt rcpt rset mail=250 rcpt=550 rcpt=450 rset=250 quit quit=221", &want) ;

  /* the same, the client pipelining everything before any reply */
  EXPECT("everything pipelined",
    "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nDATA\r\nRSET\r\n..\r\n.\r\nRSET\r\nQUIT\r\n",
    "220 mx\r\n250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n250 queued\r\n250 reset\r\n221 bye\r\n",
    "c* s*",
    "ehlo greeting=220 ehlo=250 mail rcpt rcpt data mail=250 rcpt=250 rcpt=550 data=354 dot rset quit"
    " dot=250 rset=250 quit=221") ;
}

static void bare_lf (void)
{
  EXPECT("bare LF everywhere",
    "HELO c\nMAIL FROM:<a>\nRCPT TO:<b>\nDATA\nRSET\n..\n.\r\r\n.\nNOOP\r\nQUIT\n",
    "220 mx\n250 hi\n250 ok\n250 ok\n354 go\n250 queued\n250 ok\n221 bye\n",
    "c* s*",
    "helo greeting=220 helo=250 mail rcpt data mail=250 rcpt=250 data=354 violation:dataend") ;
  EXPECT("bare LF everywhere, the body too",
    "HELO c\nMAIL FROM:<a>\nRCPT TO:<b>\nDATA\nRSET\n..\n.x\n.\nNOOP\r\nQUIT\n",
    "220 mx\n250 hi\n250 ok\n250 ok\n354 go\n250 queued\n250 ok\n221 bye\n",
    "c* s*",
    "helo greeting=220 helo=250 mail rcpt data mail=250 rcpt=250 data=354 dot noop quit dot=250 noop=250 quit=221") ;
}

static void auth (void)
{
  static char const *const login[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 AUTH LOGIN PLAIN\r\n",
    "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "RSET\r\n", "334 UGFzc3dvcmQ6\r\n", "RCPT TO:<x>\r\n",
    "535 5.7.8 authentication failed\r\n",
    "AUTH PLAIN\r\n", "334 \r\n", "QUIT\r\n", "235 2.7.0 ok\r\n",
    "AUTH PLAIN AHUAcA==\r\n", "503 already authenticated\r\n",
    "QUIT\r\n", "221 bye\r\n", 0
  } ;
  /* the 535 refused credentials; the 503 tested none */
  sgcounts want = counts(0, 0, 0, 1, 0) ;
  lockstep("AUTH LOGIN and PLAIN, credentials that look like verbs", login,
    "greeting=220 ehlo ehlo=250 auth auth=535 auth auth=235 auth auth=503 quit quit=221", &want) ;

  /* credentials pipelined behind AUTH: they wait for the 334 and are
     never commands, even in the same read as the next real command */
  EXPECT("AUTH LOGIN pipelined",
    "AUTH LOGIN\r\nRSET\r\nRCPT TO:<x>\r\nNOOP\r\n",
    "220 mx\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n535 no\r\n250 ok\r\n",
    "c* s*", "auth greeting=220 auth=535 noop noop=250") ;
  EXPECT("AUTH PLAIN pipelined, all replies in one read",
    "AUTH PLAIN\r\nMAIL FROM:<a>\r\nRSET\r\n",
    "220 mx\r\n334 \r\n235 ok\r\n250 ok\r\n",
    "c* s*", "auth greeting=220 auth=235 rset rset=250") ;
  /* a misbehaving server answers AUTH in the middle of the credentials
     line: the rest of that line is still credentials */
  EXPECT("AUTH answered during the credentials line",
    "AUTH LOGIN\r\nRCPT TO:<x>\r\nNOOP\r\n",
    "220 hi\r\n334 VXNl\r\n535 no\r\n250 ok\r\n",
    "c14 s18 s8 c* s*", "auth greeting=220 auth=535 noop noop=250") ;
  /* 334 to anything but AUTH is just a reply */
  EXPECT("334 to NOOP", "NOOP\r\nNOOP\r\n", "220 hi\r\n334 what\r\n250 ok\r\n", "c* s*",
    "noop noop greeting=220 noop=334 noop=250") ;
}

static void starttls (void)
{
  static char const *const tls[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n", "220 2.0.0 ready\r\n",
    "\x16\x03\x01\x02\x00RCPT TO:<x>\r\nRSET\r\n", "\x16\x03\x03\x00\x31" "550 no\r\n421 bye\r\n", 0
  } ;
  lockstep("STARTTLS 220: blind", tls, "greeting=220 ehlo ehlo=250 starttls starttls!220", 0) ;
  EXPECT("STARTTLS with commands injected behind it: a violation",
    "STARTTLS\r\nRCPT TO:<x>\r\nRSET\r\n", "220 mx\r\n220 go\r\n550 no\r\n", "c* s*",
    "starttls greeting=220 starttls!220 violation:starttls") ;
  EXPECTC("STARTTLS 454: not blind",
    "STARTTLS\r\nRCPT TO:<x>\r\nRSET\r\n", "220 mx\r\n454 4.7.0 TLS not available\r\n550 no\r\n250 ok\r\n", "c* s*",
    "starttls greeting=220 starttls=454 rcpt rset rcpt=550 rset=250", counts(1, 0, 1, 0, 0)) ;
}

static void bdat (void)
{
  /* "RSET\r\nQUIT\r\n" and "NOOP\r\n" are chunk data */
  static char const *const chunking[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n",
    "MAIL FROM:<a>\r\nRCPT TO:<b>\r\nBDAT 12\r\nRSET\r\nQUIT\r\nbdat 6 last\r\nNOOP\r\nQUIT\r\n",
    "250 ok\r\n250 ok\r\n250 12 octets\r\n250 queued\r\n221 bye\r\n", 0
  } ;
  /* without CHUNKING in the last HELO/EHLO reply, a BDAT is a violation:
     exim reads its chunk if an earlier EHLO advertised CHUNKING, and not
     otherwise (tests/diff/regressions/bdat-after-helo) */
  static char const *const nochunking[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 PIPELINING\r\n",
    "MAIL FROM:<a>\r\nRCPT TO:<b>\r\nBDAT 12\r\nRSET\r\nQUIT\r\nbdat 6 last\r\nNOOP\r\nQUIT\r\n",
    "250 ok\r\n250 ok\r\n", 0
  } ;
  static char const *const lost[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250 CHUNKING\r\n", "EHLO c\r\n", "250-mx\r\n250 SIZE\r\n",
    "BDAT 6\r\nNOOP\r\n", "", 0
  } ;
  static char const *const helo[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 CHUNKING\r\n", "HELO c\r\n", "250 mx\r\n",
    "MAIL FROM:<a>\r\nBDAT 6 LAST\r\nNOOP\r\nRCPT TO:<b>\r\n", "250 ok\r\n", 0
  } ;
  lockstep("BDAT, CHUNKING advertised", chunking,
    "greeting=220 ehlo ehlo=250 mail rcpt bdat bdat quit mail=250 rcpt=250 bdat=250 bdat=250 quit=221", 0) ;
  lockstep("BDAT, CHUNKING not advertised: a violation", nochunking,
    "greeting=220 ehlo ehlo=250 mail rcpt violation:bdat", 0) ;
  lockstep("BDAT, CHUNKING advertised then not: a violation", lost,
    "greeting=220 ehlo ehlo=250 ehlo ehlo=250 violation:bdat", 0) ;
  lockstep("BDAT after EHLO with CHUNKING, then HELO: a violation", helo,
    "greeting=220 ehlo ehlo=250 helo helo=250 mail violation:bdat", 0) ;
  EXPECT("BDAT before any HELO/EHLO: a violation",
    "BDAT 6 LAST\r\nNOOP\r\n", "220 mx\r\n", "c* s*",
    "violation:bdat") ;
  EXPECT("BDAT 0 LAST: no chunk",
    "EHLO c\r\nBDAT 0 LAST\r\nNOOP\r\n",
    "220 mx\r\n250 CHUNKING\r\n", "c8 s* c*",
    "ehlo greeting=220 ehlo=250 bdat noop") ;
#define Z10 "0000000000"
  /* the size is past the SGSCAN_LINEMAX bytes the scanner keeps */
  EXPECT("BDAT size padded with 90 zeros",
    "EHLO c\r\nBDAT " Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 "6 LAST\r\nNOOP\r\nQUIT\r\n",
    "220 x\r\n250 CHUNKING\r\n250 ok\r\n221 bye\r\n", "c8 s21 c* s*",
    "ehlo greeting=220 ehlo=250 bdat quit bdat=250 quit=221") ;
  EXPECT("BDAT size padded with zeros, a byte at a time",
    "EHLO c\r\nBDAT " Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 Z10 "6 LAST\r\nNOOP\r\nQUIT\r\n",
    "220 x\r\n250 CHUNKING\r\n250 ok\r\n221 bye\r\n",
    "c8 s21 c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c"
    " c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c",
    "ehlo greeting=220 ehlo=250 bdat quit bdat=250 quit=221") ;
  EXPECT("BDAT size UINT64_MAX: a violation",
    "EHLO c\r\nBDAT 18446744073709551615\r\nNOOP\r\n", "220 mx\r\n250 CHUNKING\r\n", "c8 s* c*",
    "ehlo greeting=220 ehlo=250 violation:bdat") ;
}

static void early_data (void)
{
  sgdrive d ;
  static char const c[] = "MAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nRSET\r\nRCPT TO:<x>\r\n.\r\nQUIT\r\n" ;
  EXPECT("bytes before 354",
    c, "220 x\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n", "c* s*",
    "mail rcpt data greeting=220 mail=250 rcpt=250 data=354 dot quit dot=250 quit=221") ;
  EXPECTC("bytes before 503",
    c, "220 x\r\n250 ok\r\n550 no\r\n503 no valid recipients\r\n250 reset\r\n550 no\r\n500 what\r\n221 bye\r\n", "c* s*",
    "mail rcpt data greeting=220 mail=250 rcpt=550 data=503 rset rcpt other quit rset=250 rcpt=550 other=500 quit=221",
    counts(2, 0, 1, 0, 2)) ;
  /* the client side stops right after the DATA line until its reply */
  checks++ ;
  sgdrive_init(&d, c, sizeof(c) - 1, "220 x\r\n250 ok\r\n250 ok\r\n", 24) ;
  sgdrive_reads(&d, "c* s*", 5) ;
  if (d.cpos != 34 || d.carrived != sizeof(c) - 1)
  {
    char g[64] ;
    snprintf(g, sizeof(g), "%zu", d.cpos) ;
    fail("bytes before the DATA reply", "client bytes scanned", "34", g) ;
  }
  sgdrive_free(&d) ;
}

static void greeting_quit_421 (void)
{
  EXPECT("client talks before the greeting", "EHLO x\r\n", "220-mx\r\n220 ESMTP\r\n250 hi\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250") ;
  EXPECTC("greeting 554 counts nothing", "QUIT\r\n", "554 go away\r\n221 bye\r\n", "c* s*",
    "quit greeting=554 quit=221", counts(0, 0, 0, 0, 0)) ;
  EXPECT("unsolicited 421", "", "220 x\r\n421-shutting\r\n421 down\r\n", "s*",
    "greeting=220 unsolicited=421") ;
  EXPECT("unsolicited before the client speaks", "NOOP\r\n", "220 x\r\n421 down\r\n", "s* c*",
    "greeting=220 unsolicited=421 noop") ;
  EXPECTC("421 to a pending RCPT", "RCPT TO:<x>\r\n", "220 x\r\n421 bye\r\n", "c* s*",
    "rcpt greeting=220 rcpt=421", counts(1, 0, 0, 0, 0)) ;
  EXPECT("no code, odd codes", "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n", "220 x\r\nhello\r\n25\r\n000-x\r\n250-a\r\n\r\n", "c* s*",
    "noop noop noop noop greeting=220 noop=0 noop=0 noop=0 noop=0") ;
}

static void dictionary_attack (void)
{
  static char const c[] =
    "EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a>\r\nRCPT TO:<b>\r\nRCPT TO:<c>\r\nRSET\r\n"
    "MAIL FROM:<>\r\nRCPT TO:<d>\r\nRCPT TO:<e>\r\nVRFY x\r\nRSET\r\nQUIT\r\n" ;
  static char const s[] =
    "220 x\r\n250 hi\r\n250 ok\r\n550 no\r\n550 no\r\n250 ok\r\n250 ok\r\n"
    "550 no\r\n450 later\r\n550 no\r\n252 maybe\r\n250 ok\r\n221 bye\r\n" ;
  EXPECTC("dictionary attack counters", c, s, "c* s*",
    "ehlo greeting=220 ehlo=250 mail rcpt rcpt rcpt rset mail rcpt rcpt vrfy rset quit mail=250 rcpt=550 rcpt=550"
    " rcpt=250 rset=250 mail=550 rcpt=450 rcpt=550 vrfy=252 rset=250 quit=221", counts(4, 1, 2, 0, 1)) ;
}

int main (void)
{
  pipelining() ;
  bare_lf() ;
  auth() ;
  starttls() ;
  bdat() ;
  early_data() ;
  greeting_quit_421() ;
  dictionary_attack() ;
  return report("test_sgscan") ;
}
