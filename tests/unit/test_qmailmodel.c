/* ISC license. */

/* The qmail-smtpd model (tests/fuzz/qmailmodel.c) reads as qmail's
   source says it does: the verb ends at SP or NUL (commands.c), one CR
   before the LF is dropped and no other, a bare LF in a DATA body gets
   451 and ends the session (blast()), only CR LF "." CR LF ends a body,
   unknown verbs get 502, QUIT ends the session. Then the scanner agrees
   with it on the sessions where smtpguard must not kick. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/refmodel.c"
#include "../fuzz/sgdrive.c"
#include "../fuzz/qmailmodel.c"

static unsigned int failures = 0 ;

/* qmail's replies as "verb=code ..." */
static void expect (char const *name, char const *c, size_t clen, char const *want)
{
  qm_result q ;
  char got[4096] ;
  size_t i, n = 0 ;
  if (qmail_run(c, clen, &q) < 0) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  got[0] = 0 ;
  for (i = 0 ; i < q.n && n < sizeof(got) - 40 ; i++)
    n += sprintf(got + n, "%s%s=%u", i ? " " : "", qm_name(q.r[i].cmd), (unsigned int)q.r[i].code) ;
  if (strcmp(got, want)) { failures++ ; fprintf(stderr, "FAIL %s\n  want: %s\n  got:  %s\n", name, want, got) ; }
  qm_result_free(&q) ;
}
#define EXPECT(name, c, want) expect(name, c, sizeof(c) - 1, want)

static void agrees (char const *name, char const *c, size_t clen)
{
  if (qmail_check(c, clen, 1)) { failures++ ; fprintf(stderr, "FAIL %s: the scanner and the qmail model disagree\n", name) ; }
}
#define AGREES(name, c) agrees(name, c, sizeof(c) - 1)

#define TX "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<good1@example.test>\r\n"

int main (void)
{
  EXPECT("plain session", TX "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\nNOOP\r\n",
    "greeting=220 helo=250 mail=250 rcpt=250 data=354 dot=250 quit=221") ;
  EXPECT("the verb ends at a NUL", TX "DATA\0junk\r\nbody\r\n.\r\n",
    "greeting=220 helo=250 mail=250 rcpt=250 data=354 dot=250") ;
  EXPECT("verbs in any case, TAB is no separator", "rSeT\r\nRSET\tx\r\nNOOP\r\r\n",
    "greeting=220 rset=250 other=502 other=502") ;
  EXPECT("a bare LF in a body: 451, then nothing", TX "DATA\r\nhi\n.\r\nNOOP\r\n",
    "greeting=220 helo=250 mail=250 rcpt=250 data=354 straynewline=451") ;
  EXPECT("only CR LF . CR LF ends a body", TX "DATA\r\n.\r\r\n. \r\n.x\r\n.\r\nNOOP\r\n",
    "greeting=220 helo=250 mail=250 rcpt=250 data=354 dot=250 noop=250") ;
  EXPECT("RCPT before MAIL, refused recipients, DATA without RCPT", "RCPT TO:<good@x>\r\nMAIL FROM:<>\r\nRCPT TO:<bad@x>\r\nDATA\r\n",
    "greeting=220 rcpt=503 mail=250 rcpt=553 data=503") ;
  EXPECT("no AUTH, no BDAT, no STARTTLS in qmail-smtpd", "EHLO c\r\nAUTH PLAIN\r\nBDAT 5 LAST\r\nSTARTTLS\r\n",
    "greeting=220 ehlo=250 other=502 other=502 other=502") ;
  EXPECT("a last line without LF is never read", "NOOP\r\nNOOP",
    "greeting=220 noop=250") ;
  AGREES("plain session", TX "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nRSET\r\nQUIT\r\n") ;
  AGREES("pipelined, refused recipients", "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bad1@x>\r\nRCPT TO:<bad2@x>\r\nRCPT TO:<good@x>\r\nDATA\r\n..x\r\n.\r\nQUIT\r\n") ;
  AGREES("a NUL after DATA: smtpguard kicks first", TX "DATA\0\r\nRSET\r\nRCPT TO:<bad@x>\r\n.\r\nQUIT\r\n") ;
  AGREES("a bare LF before the dot", TX "DATA\r\nhi\n.\r\nRCPT TO:<bad@x>\r\n") ;
  if (failures) fprintf(stderr, "test_qmailmodel: %u failures\n", failures) ;
  return failures ? 1 : 0 ;
}
