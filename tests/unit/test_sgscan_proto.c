/* ISC license. */

/* The scanner's protocol violations, each next to the legitimate
   streams it must leave alone: a NUL or a bare CR in a command line, a
   BDAT line that is not strictly RFC 3030 or whose size is 2^31 or more,
   anything but a TLS record after 220 to STARTTLS, blanks before a verb;
   and the HELO argument kept for logs, which never holds what an AUTH
   line carried. Every case is also checked against the reference model
   (sgexpect.h). */

#define _GNU_SOURCE  /* memmem */
#include "../fuzz/sgexpect.h"

static void nul (void)
{
  /* qmail-smtpd's commands.c ends the verb at a NUL: "DATA\0" is DATA */
  EXPECT("DATA NUL: no command, a violation",
    "EHLO c\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\0\r\nNOOP\r\nRSET\r\n",
    "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 mail rcpt violation:nul") ;
  EXPECT("NUL inside an argument",
    "RCPT TO:<a\0b>\r\n", "220 mx\r\n", "c* s*", "violation:nul") ;
  EXPECT("NUL first on the line",
    "\0RSET\r\n", "220 mx\r\n", "s* c*", "greeting=220 violation:nul") ;
  EXPECT("NUL before the line ends: seen before its LF arrives",
    "NOOP\r\nRSET\0", "220 mx\r\n250 ok\r\n", "c* s*", "noop violation:nul") ;
  /* legitimate neighbours: NULs that are data */
  EXPECT("NUL in a DATA body and in replies",
    "DATA\r\nab\0c\r\n\0\r\n.\r\nQUIT\r\n", "220 mx\0\r\n354 go\r\n250 \0ok\r\n221 bye\r\n", "c* s*",
    "data greeting=220 data=354 dot quit dot=250 quit=221") ;
  EXPECT("NUL in BDAT chunk data",
    "EHLO c\r\nBDAT 4 LAST\r\n\0\0\0\0QUIT\r\n", "220 mx\r\n250 CHUNKING\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat quit bdat=250 quit=221") ;
}

static void barecr (void)
{
  EXPECT("CR CR LF",
    "MAIL\r\r\n", "220 mx\r\n", "c* s*", "violation:barecr") ;
  EXPECT("a CR splitting two commands",
    "NOOP\r\nRCPT TO:<a>\rRSET\r\n", "220 mx\r\n250 ok\r\n", "c* s*", "noop violation:barecr") ;
  EXPECT("CR then NUL: the CR first",
    "NOOP\r\0\r\n", "220 mx\r\n", "c* s*", "violation:barecr") ;
  EXPECT("a bare CR across reads",
    "RSET\r", "220 mx\r\n", "c5 s*", "greeting=220") ;
  EXPECT("a bare CR across reads, then a byte",
    "RSET\rX\r\n", "220 mx\r\n", "c5 s* c1 c*", "greeting=220 violation:barecr") ;
  /* legitimate neighbours */
  EXPECT("CRLF split between reads",
    "RSET\r\nNOOP\r\n", "220 mx\r\n250 ok\r\n250 ok\r\n", "c5 c1 s16 c* s*",
    "rset greeting=220 rset=250 noop noop=250") ;
  EXPECT("LF-only command lines (qmail, exim and Postfix read them)",
    "EHLO c\nMAIL FROM:<a>\nRCPT TO:<b>\nQUIT\n", "220 mx\r\n250 mx\r\n250 ok\r\n550 no\r\n221 bye\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 mail rcpt quit mail=250 rcpt=550 quit=221") ;
  EXPECT("a bare CR in a DATA body",
    "DATA\r\nab\rc\r\n.\r\n", "220 mx\r\n354 go\r\n250 ok\r\n", "c* s*",
    "data greeting=220 data=354 dot dot=250") ;
}

static void bdat_bad (char const *line)
{
  char c[200], name[240] ;
  size_t n ;
  snprintf(c, sizeof(c), "EHLO c\r\n%s\r\nNOOP\r\n", line) ;
  snprintf(name, sizeof(name), "BDAT malformed: \"%s\"", line) ;
  n = strlen(c) ;
  expect_n(name, c, n, "220 mx\r\n250 CHUNKING\r\n", 22, "c8 s* c*", "ehlo greeting=220 ehlo=250 violation:bdat", 0) ;
  /* without CHUNKING too: a legitimate client never sends it */
  snprintf(name, sizeof(name), "BDAT malformed, no CHUNKING: \"%s\"", line) ;
  expect_n(name, c, n, "220 mx\r\n250 mx\r\n", 16, "c8 s* c*", "ehlo greeting=220 ehlo=250 violation:bdat", 0) ;
}

static void bdat (void)
{
  static char const *const bad[] =
  {
    "BDAT", "BDAT ", "BDAT +5", "BDAT -5", "BDAT  5", "BDAT 5x", "BDAT 5 ", "BDAT 5  LAST",
    "BDAT 5 LASTX", "BDAT 5 LAST ", "BDAT 5 LAST x", "BDAT 5 junk", "BDAT\t5", "BDAT 5\tLAST",
    "BDAT 0x10", "BDAT 4294967296 LAST", "BDAT 4294967301", "BDAT 2147483648",
    "BDAT 99999999999999999999999", "BDAT 5 LAS", "BDAT 0", "BDAT 000", 0
  } ;
  unsigned int i = 0 ;
  for (; bad[i] ; i++) bdat_bad(bad[i]) ;
  /* legitimate neighbours: exactly RFC 3030, any case, zeros in front */
  EXPECT("BDAT well-formed: any case, zeros in front, the largest size",
    "EHLO c\r\nbdat 3\r\nabcBdAt 0002 lAsT\r\nxyBDAT 2147483647 LAST\r\n",
    "220 mx\r\n250 CHUNKING\r\n250 3\r\n250 5\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat bdat bdat bdat=250 bdat=250") ;
  /* exim reads the chunk of a BDAT after HELO if an earlier EHLO
     advertised CHUNKING, and not without: smtpds differ, so no guess */
  EXPECT("BDAT well-formed without CHUNKING: a violation",
    "EHLO c\r\nBDAT 5 LAST\r\nNOOP\r\n", "220 mx\r\n250 mx\r\n503 no\r\n250 ok\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 violation:bdat") ;
  EXPECT("BDAT after HELO, CHUNKING in an earlier EHLO: a violation",
    "EHLO c\r\nHELO c\r\nMAIL FROM:<a>\r\nBDAT 6 LAST\r\nNOOP\r\nRCPT TO:<b>\r\n",
    "220 mx\r\n250-mx\r\n250 CHUNKING\r\n250 mx\r\n250 ok\r\n503 no\r\n550 no\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 helo helo=250 mail violation:bdat") ;
  EXPECT("BDATX is no BDAT",
    "BDATX 5\r\n", "220 mx\r\n500 no\r\n", "c* s*", "other greeting=220 other=500") ;
}

static void starttls (void)
{
  static char const *const tls12[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n", "220 go\r\n",
    "\x16\x03\x01\x00\x10" "0123456789abcdef", 0
  } ;
  static char const *const plain[] =
  {
    "220 mx\r\n", "EHLO c\r\n", "250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n", "220 go\r\n",
    "MAIL FROM:<a>\r\n", 0
  } ;
  lockstep("TLS 1.0 record header after 220: blind, no violation", tls12,
    "greeting=220 ehlo ehlo=250 starttls starttls!220", 0) ;
  lockstep("plaintext after 220 to STARTTLS: a violation", plain,
    "greeting=220 ehlo ehlo=250 starttls starttls!220 violation:starttls", 0) ;
  EXPECT("TLS record header a byte at a time",
    "STARTTLS\r\n\x16\x03\x03\x02\x00" "RCPT TO:<x>\r\n", "220 mx\r\n220 go\r\n", "c10 s* c1 c1 c1 c*",
    "starttls greeting=220 starttls!220") ;
  EXPECT("SSL 3.0 and TLS 1.3 versions",
    "STARTTLS\r\n\x16\x03\x00", "220 mx\r\n220 go\r\n", "c10 s* c*", "starttls greeting=220 starttls!220") ;
  EXPECT("record version 3.5: a violation",
    "STARTTLS\r\n\x16\x03\x05", "220 mx\r\n220 go\r\n", "c10 s* c*", "starttls greeting=220 starttls!220 violation:starttls") ;
  EXPECT("record type 0x17 first: a violation",
    "STARTTLS\r\n\x17\x03\x03", "220 mx\r\n220 go\r\n", "c10 s* c*", "starttls greeting=220 starttls!220 violation:starttls") ;
  EXPECT("version 2.0 (SSLv2-style hello): a violation",
    "STARTTLS\r\n\x16\x02\x00", "220 mx\r\n220 go\r\n", "c10 s* c*", "starttls greeting=220 starttls!220 violation:starttls") ;
  EXPECTC("454 to STARTTLS: the session goes on in the clear",
    "STARTTLS\r\nRCPT TO:<x>\r\n", "220 mx\r\n454 no TLS\r\n550 no\r\n", "c* s*",
    "starttls greeting=220 starttls=454 rcpt rcpt=550", counts(1, 0, 0, 0, 0)) ;
}

/* the HELO argument is kept for the session summary: never from another
   line, whatever the order (a bare EHLO after AUTH PLAIN once logged 64
   stale bytes, credentials included) */
static void helo_kept (void)
{
  static char const *const orders[] =
  {
    "AUTH PLAIN AHVzZXIAc2VjcmV0cGFzc3dvcmQ=\r\nEHLO\r\n",
    "AUTH PLAIN AHVzZXIAc2VjcmV0cGFzc3dvcmQ=\r\nEHLO \r\n",
    "AUTH PLAIN AHVzZXIAc2VjcmV0cGFzc3dvcmQ=\r\nHELO\t\r\n",
    "EHLO client.example\r\nAUTH PLAIN AHVzZXIAc2VjcmV0cGFzc3dvcmQ=\r\nEHLO\r\n",
    0
  } ;
  unsigned int i = 0 ;
  for (; orders[i] ; i++)
  {
    sgscan sc ;
    sgevent ev ;
    char const *c = orders[i] ;
    size_t len = strlen(c), pos = 0 ;
    unsigned int k = 0 ;
    checks++ ;
    sgscan_init(&sc) ;
    /* answer every command as it comes: 220, 250, 235 */
    sgscan_server(&sc, "220 mx\r\n", 8, &ev) ;
    while (pos < len && k++ < 20)
    {
      size_t n = sgscan_client(&sc, c + pos, len - pos, &ev) ;
      pos += n ;
      if (ev.type == SGEV_COMMAND)
      {
        char const *r = ev.cmd == SGCMD_AUTH ? "235 ok\r\n" : "250 ok\r\n" ;
        sgscan_server(&sc, r, 8, &ev) ;
      }
      else if (!n) break ;
    }
    if (sc.helolen || memmem(&sc, sizeof(sc), "AHVz", 4) || memmem(&sc, sizeof(sc), "secret", 6))
    {
      char got[80] ;
      snprintf(got, sizeof(got), "helolen=%zu", sc.helolen) ;
      fail(c, "the scanner kept an empty HELO argument or credential bytes", "helolen=0, no credential bytes", got) ;
    }
  }
  {
    /* and a real argument is kept */
    sgscan sc ;
    sgevent ev ;
    checks++ ;
    sgscan_init(&sc) ;
    sgscan_client(&sc, "EHLO\tclient.example\r\n", 21, &ev) ;
    if (sc.helolen != 14 || memcmp(sc.helo, "client.example", 14)) fail("EHLO TAB arg", "helo kept", "client.example", "other") ;
  }
}

static void vtff (void)
{
  /* exim trims trailing VT/FF as spaces: "DATA\v" is DATA to it, unknown to qmail */
  EXPECT("DATA VT", "DATA\v\r\nRCPT TO:<a>\r\n", "220 mx\r\n354 go\r\n", "c* s*", "violation:vtff") ;
  EXPECT("RSET SP FF", "NOOP\r\nRSET \f\r\n", "220 mx\r\n250 ok\r\n", "c* s*", "noop violation:vtff") ;
  EXPECT("VT and FF in a DATA body",
    "DATA\r\n\v\f\r\n.\r\n", "220 mx\r\n354 go\r\n250 ok\r\n", "c* s*", "data greeting=220 data=354 dot dot=250") ;
}

static void dataend (void)
{
  /* a CRLF body: exim ends it only at CRLF "." CRLF */
  EXPECT("CRLF body, LF . CRLF", "DATA\r\nSubject: x\r\n\r\nbody\n.\r\nRCPT TO:<a>\r\n",
    "220 mx\r\n354 go\r\n", "c* s*", "data greeting=220 data=354 violation:dataend") ;
  EXPECT("CRLF body, CRLF . LF", "DATA\r\nSubject: x\r\n\r\nbody\r\n.\nRCPT TO:<a>\r\n",
    "220 mx\r\n354 go\r\n", "c* s*", "data greeting=220 data=354 violation:dataend") ;
  EXPECT("CRLF body, LF . LF", "DATA\r\nSubject: x\r\n\r\nbody\n.\nRSET\r\n",
    "220 mx\r\n354 go\r\n", "c* s*", "data greeting=220 data=354 violation:dataend") ;
  EXPECT("LF body, CRLF . CRLF", "DATA\nSubject: x\n\nbody\r\n.\r\nRSET\r\n",
    "220 mx\r\n354 go\r\n", "c* s*", "data greeting=220 data=354 violation:dataend") ;
  /* legitimate neighbours */
  EXPECT("CRLF body with bare LFs inside, CRLF . CRLF",
    "DATA\r\nSubject: x\r\n\r\nab\ncd\r\n\n\r\n.\r\nQUIT\r\n", "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "data greeting=220 data=354 dot quit dot=250 quit=221") ;
  EXPECT("LF-only body", "DATA\nSubject: x\n\nbody\n..\n.\nQUIT\n", "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "data greeting=220 data=354 dot quit dot=250 quit=221") ;
  EXPECT("an empty body", "DATA\r\n.\nQUIT\r\n", "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "data greeting=220 data=354 dot quit dot=250 quit=221") ;
  {
    static char const c[] = "DATA\r\nSubject: x\r\n\r\nline\r\n.\r\nQUIT\r\n" ;
    static char const sv[] = "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n" ;
    char reads[64] ;
    size_t k ;
    for (k = 6 ; k < sizeof(c) - 1 ; k++)
    {
      snprintf(reads, sizeof(reads), "s8 c6 s8 c%zu c* s*", k - 6) ;
      expect_n("CRLF body cut at every byte", c, sizeof(c) - 1, sv, sizeof(sv) - 1, reads,
        "greeting=220 data data=354 dot quit dot=250 quit=221", 0) ;
    }
  }
}

/* blanks, then a verb: Postfix skips the blanks, exim (500) and
   qmail-smtpd (502) do not, so " MAIL" opens a transaction for one only */
static void leadspace (void)
{
  static char const sv[] = "220 mx\r\n500 what\r\n221 bye\r\n" ;
  char c[13000] ;
  size_t k ;
  EXPECT("SP MAIL",
    "EHLO c\r\n MAIL FROM:<x@p>\r\nRCPT TO:<a>\r\n", "220 mx\r\n250 mx\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 violation:leadspace") ;
  EXPECT("TAB RCPT",
    "MAIL FROM:<x@p>\r\n\tRCPT TO:<a>\r\n", "220 mx\r\n250 ok\r\n", "c* s*", "mail violation:leadspace") ;
  EXPECT("SP BDAT 10, CHUNKING advertised",
    "EHLO c\r\n BDAT 10\r\nRCPT TO:<a>\r\n", "220 mx\r\n250 CHUNKING\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 violation:leadspace") ;
  EXPECT("SP BDAT 10, no CHUNKING",
    "EHLO c\r\n BDAT 10\r\nRCPT TO:<a>\r\n", "220 mx\r\n250 mx\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 violation:leadspace") ;
  EXPECT("SP RSET between BDAT and BDAT LAST",
    "EHLO c\r\nBDAT 5\r\n12345 RSET\r\n", "220 mx\r\n250 CHUNKING\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat violation:leadspace") ;
  EXPECT("blanks, any case, verb alone", "\t \tquit\r\n", "220 mx\r\n", "c* s*", "violation:leadspace") ;
  EXPECT("SP AUTH PLAIN", "NOOP\r\n AUTH PLAIN AGEAYg==\r\n", "220 mx\r\n250 ok\r\n", "c* s*", "noop violation:leadspace") ;
  EXPECT("LF only", " STARTTLS\n", "220 mx\r\n", "c* s*", "violation:leadspace") ;
  /* more blanks than the bytes the scanner keeps: they are not kept */
  memset(c, ' ', 100) ;
  memcpy(c + 100, "RCPT TO:<a>\r\n", 13) ;
  expect_n("100 SP, then RCPT", c, 113, "220 mx\r\n", 8, "c* s*", "violation:leadspace", 0) ;
  expect_n("100 SP, then RCPT, a byte at a time", c, 113, "220 mx\r\n", 8,
    "c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 "
    "c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 "
    "c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 "
    "c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c* s*",
    "violation:leadspace", 0) ;
  memset(c, '\t', 12000) ;
  memcpy(c + 12000, "MAIL FROM:<a>\r\n", 15) ;
  expect_n("12000 TAB, then MAIL", c, 12015, "220 mx\r\n", 8, "c* s*", "violation:leadspace", 0) ;
  memset(c, ' ', 12289) ;
  memcpy(c + 12289, "RCPT TO:<a>\r\n", 13) ;
  expect_n("blanks past the length limit", c, 12302, "220 mx\r\n", 8, "c* s*", "longline", 0) ;
  {
    static char const cs[] = "MAIL FROM:<a>\r\n  RCPT TO:<b>\r\n" ;
    char reads[32] ;
    for (k = 1 ; k < sizeof(cs) - 16 ; k++)
    {
      snprintf(reads, sizeof(reads), "c15 c%zu c* s*", k) ;
      expect_n("blanks and RCPT cut at every byte", cs, sizeof(cs) - 1, "220 mx\r\n250 ok\r\n", 16, reads,
        "mail violation:leadspace", 0) ;
    }
  }
  /* legitimate neighbours and unknown commands: blanks alone, or before
     no verb we know, are refused by every smtpd and counted as errors */
  EXPECTC("a line of blanks", "  \t \r\nNOOP\r\n", "220 mx\r\n500 what\r\n250 ok\r\n", "c* s*",
    "other noop greeting=220 other=500 noop=250", ((sgcounts){ 0, 0, 0, 0, 1 })) ;
  EXPECTC("SP XYZZY", " XYZZY\r\nNOOP\r\n", "220 mx\r\n500 what\r\n250 ok\r\n", "c* s*",
    "other noop greeting=220 other=500 noop=250", ((sgcounts){ 0, 0, 0, 0, 1 })) ;
  EXPECT("SP MAILX, SP BDATA, SP RCPT:", " MAILX\r\n BDATA 5\r\n\tRCPT:<a>\r\n", "220 mx\r\n500 a\r\n500 b\r\n500 c\r\n", "c* s*",
    "other other other greeting=220 other=500 other=500 other=500") ;
  memset(c, ' ', 100) ;
  memcpy(c + 100, "\r\nQUIT\r\n", 8) ;
  expect_n("100 SP alone", c, 108, sv, sizeof(sv) - 1, "c* s*",
    "other quit greeting=220 other=500 quit=221", 0) ;
  memcpy(c + 100, "XYZZY\r\nQUIT\r\n", 13) ;
  expect_n("100 SP, then XYZZY", c, 113, sv, sizeof(sv) - 1, "c* s*",
    "other quit greeting=220 other=500 quit=221", 0) ;
  EXPECT("blanks inside and after commands",
    "HELO  c\r\nMAIL FROM: <a>  \r\nRCPT TO:<b>\t\r\nQUIT\r\n", "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "helo greeting=220 helo=250 mail rcpt quit mail=250 rcpt=250 quit=221") ;
  EXPECT("blanks first on DATA body lines",
    "DATA\r\n MAIL FROM:<a>\r\n\tRCPT TO:<b>\r\n.\r\nQUIT\r\n", "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "data greeting=220 data=354 dot quit dot=250 quit=221") ;
  EXPECT("blanks first in a BDAT chunk",
    "EHLO c\r\nBDAT 7 LAST\r\n RSET\r\nQUIT\r\n", "220 mx\r\n250 CHUNKING\r\n250 ok\r\n221 bye\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat quit bdat=250 quit=221") ;
  EXPECT("blanks first on an AUTH credentials line",
    "AUTH LOGIN\r\n dXNlcg==\r\n cGFzcw==\r\nQUIT\r\n", "220 mx\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n221 bye\r\n", "c* s*",
    "auth greeting=220 auth=235 quit quit=221") ;
}

static void inchunks (void)
{
  EXPECT("a command between BDAT and BDAT LAST",
    "EHLO c\r\nBDAT 5\r\n12345RCPT TO:<a>\r\nBDAT 3 LAST\r\nabc", "220 mx\r\n250 CHUNKING\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat violation:bdat") ;
  EXPECT("BDAT, NOOP, RSET, then anything",
    "EHLO c\r\nBDAT 5\r\n12345NOOP\r\nRSET\r\nMAIL FROM:<a>\r\n", "220 mx\r\n250 CHUNKING\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat noop rset mail") ;
  EXPECT("BDAT, BDAT LAST, then anything",
    "EHLO c\r\nBDAT 5\r\n12345BDAT 3 LAST\r\nabcMAIL FROM:<a>\r\n", "220 mx\r\n250 CHUNKING\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 bdat bdat mail") ;
}

/* behind a UCSPI-TLS layer the caller sets tlsclear: 220 to STARTTLS is
   an ordinary reply, the client starts over in the clear, CHUNKING is
   forgotten; and what the client sends behind STARTTLS is held
   (sgscan_tlswait) until that reply */
static void tlsclear (void)
{
  sgscan sc ;
  sgevent ev ;
  size_t n ;
  checks++ ;
  sgscan_init(&sc) ;
  sc.tlsclear = 1 ;
  sgscan_server(&sc, "220 mx\r\n", 8, &ev) ;
  sgscan_client(&sc, "EHLO c\r\n", 8, &ev) ;
  sgscan_server(&sc, "250 CHUNKING\r\n", 14, &ev) ;
  n = sgscan_client(&sc, "STARTTLS\r\nMAIL", 14, &ev) ;
  if (n != 10 || ev.type != SGEV_COMMAND || ev.cmd != SGCMD_STARTTLS || !sgscan_tlswait(&sc))
    fail("tlsclear", "STARTTLS waits for its reply", "starttls, held", "other") ;
  sgscan_server(&sc, "220 go\r\n", 8, &ev) ;
  if (ev.type != SGEV_REPLY || ev.cmd != SGCMD_STARTTLS || ev.code != 220 || sgscan_tlswait(&sc) || sc.chunking || sc.cmode != SGC_COMMAND)
    fail("tlsclear", "220 to STARTTLS", "reply starttls=220, command mode, no CHUNKING", "other") ;
  sgscan_client(&sc, "EHLO c\r\n", 8, &ev) ;
  if (ev.type != SGEV_COMMAND || ev.cmd != SGCMD_EHLO) fail("tlsclear", "EHLO after TLS", "ehlo", "other") ;
}

int main (void)
{
  nul() ;
  barecr() ;
  bdat() ;
  starttls() ;
  helo_kept() ;
  tlsclear() ;
  vtff() ;
  dataend() ;
  leadspace() ;
  inchunks() ;
  return report("test_sgscan_proto") ;
}
