/* ISC license. */

/* The SMTP stream scanner at its edges: NUL bytes, 1 MB lines, verbs,
   replies and commands split at every byte, a full pending queue. */

#include "../fuzz/sgexpect.h"

static void nul (void)
{
  /* NULs in replies and in a DATA body are data; in a command line, a
     violation (tests/unit/test_sgscan_proto.c) */
  EXPECTC("NUL bytes in replies and in a body",
    "EHLO a\r\nRCPT TO:<x>\r\nNOOP\r\nDATA\r\nRSET\0\r\n\0.\r\n.\r\nQUIT\r\n",
    "220 x\r\n250 ok\0\r\n500 what\r\n250 ok\r\n354 go\r\n\0" "50 queued\r\n221 bye\r\n", "c* s*",
    "ehlo greeting=220 ehlo=250 rcpt noop data rcpt=500 noop=250 data=354 dot quit dot=0 quit=221",
    counts(1, 0, 0, 0, 0)) ;
}

static char *big (char const *head, size_t n, char fill, char const *tail, size_t *len)
{
  size_t h = strlen(head), t = strlen(tail) ;
  char *s = malloc(h + n + t) ;
  if (!s) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  memcpy(s, head, h) ;
  memset(s + h, fill, n) ;
  memcpy(s + h + n, tail, t) ;
  *len = h + n + t ;
  return s ;
}

static void megabyte (void)
{
  size_t l1, l2, l3, l4, clen, slen ;
  char *a = big("RCPT TO:<", 1 << 20, 'a', ">\r\n", &l1) ;
  char *b = big("rcpt", 1 << 20, 'x', " TO:<b>\r\nNOOP\r\n", &l2) ;
  char *r1 = big("220 x\r\n550 ", 1 << 20, 'y', "\r\n", &l3) ;
  char *r2 = big("500-", 1 << 20, 'z', "\r\n500 no\r\n250 ok\r\n", &l4) ;
  char *c = malloc(l1 + l2), *s = malloc(l3 + l4) ;
  if (!c || !s) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  memcpy(c, a, l1) ; memcpy(c + l1, b, l2) ; clen = l1 + l2 ;
  memcpy(s, r1, l3) ; memcpy(s + l3, r2, l4) ; slen = l3 + l4 ;
  expect_n("1 MB lines, client first", c, clen, s, slen, "c* s*",
    "longline", 0) ;
  expect_n("1 MB lines, server first", c, clen, s, slen, "s* c*",
    "greeting=220 unsolicited=550 unsolicited=500 unsolicited=250 longline", 0) ;
  expect_n("1 MB lines, 4 KB reads", c, clen, s, slen,
    "c4096 s4096 c4096 s4096 c65536 s65536 c1000000 s1000000 c4096 s4096 c* s*",
    "greeting=220 longline", 0) ;
  free(a) ; free(b) ; free(r1) ; free(r2) ; free(c) ; free(s) ;
}

static void verbs (void)
{
  /* " RCPT" is a violation (test_sgscan_proto), " RCPTX" an unknown command */
  EXPECT("verbs: case, separators, long words",
    "rcpt to:<a>\r\nRcPt\tTO:<b>\r\nRCPTX\r\n"
    "RCPTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
    "\r\nRCPT\r\n RCPTX TO:<c>\r\nMAIL\r\nSTARTTLSX\r\nVrfy\r\nexpn x\r\nhelp\r\nQUIT now\r\n"
    "RCPT                                                                                          TO:<d>\r\nHeLo x\r\neHlO x\r\n",
    "", "c*",
    "rcpt rcpt other other other rcpt other mail other vrfy expn help quit rcpt helo") ;
}

/* one session, the client pipelining everything; its server stream cut
   in two at every byte, then fed one byte at a time; its client stream
   cut at every byte */
static void splits (void)
{
  static char const c[] =
    "EHLO c\r\nAUTH PLAIN\r\nAHUAcA==\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nRCPT TO:<c>\r\nDATA\r\n"
    "RSET\r\n..\r\n.\r\nBDAT 6 LAST\r\nQUIT\r\nRSET\r\nSTARTTLS\r\nRCPT TO:<d>\r\n" ;
  static char const s[] =
    "220-mx.example\r\n220 ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"
    "334 \r\n235 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n250 ok\r\n354 go\r\n250 queued\r\n"
    "250 6 octets\r\n250 reset\r\n220 go\r\n550 no\r\n" ;
  static char const want[] =
    "ehlo greeting=220 ehlo=250 auth auth=235 mail rcpt rcpt data mail=250 rcpt=550 rcpt=250 data=354"
    " dot bdat rset starttls dot=250 bdat=250 rset=250 starttls!220 violation:starttls" ;
  char reads[64] ;
  char ones[2 * sizeof(s) + 8] ;
  size_t k ;
  unsigned int before = failures ;
  for (k = 0 ; k <= sizeof(s) - 1 ; k++)
  {
    snprintf(reads, sizeof(reads), "c* s%zu s*", k) ;
    expect_n("server stream cut at every byte", c, sizeof(c) - 1, s, sizeof(s) - 1, reads, want, 0) ;
    if (failures > before) { fprintf(stderr, "  (cut at %zu)\n", k) ; return ; }
  }
  memcpy(ones, "c* ", 3) ;
  for (k = 0 ; k < sizeof(s) - 1 ; k++) { ones[3+2*k] = 's' ; ones[3+2*k+1] = ' ' ; }
  ones[3+2*k] = 0 ;
  expect_n("server stream a byte at a time", c, sizeof(c) - 1, s, sizeof(s) - 1, ones, want, 0) ;
  for (k = 0 ; k <= sizeof(c) - 1 ; k++)
  {
    snprintf(reads, sizeof(reads), "c%zu c* s*", k) ;
    expect_n("client stream cut at every byte", c, sizeof(c) - 1, s, sizeof(s) - 1, reads, want, 0) ;
    if (failures > before) { fprintf(stderr, "  (cut at %zu)\n", k) ; return ; }
  }
}

/* more pipelined commands than SGSCAN_QMAX: the client side blocks, and
   each reply lets one more command in */
static void queue_full (void)
{
  enum { N = 300 } ;
  static char c[6 * N], s[7 + 8 * N] ;
  static char want[(5 + 9) * N + 64] ;
  char *w = want ;
  size_t i ;
  sgdrive d ;
  unsigned int pushed = SGSCAN_QMAX - 1, answered = 0 ;
  for (i = 0 ; i < N ; i++) memcpy(c + 6 * i, "NOOP\r\n", 6) ;
  memcpy(s, "220 x\r\n", 7) ;
  for (i = 0 ; i < N ; i++) memcpy(s + 7 + 8 * i, "250 ok\r\n", 8) ;
  checks++ ;
  sgdrive_init(&d, c, sizeof(c), s, sizeof(s)) ;
  sgdrive_client(&d, sizeof(c)) ;
  if (d.n != SGSCAN_QMAX - 1 || d.cpos != 6 * (SGSCAN_QMAX - 1)) fail("queue full", "client side blocks at SGSCAN_QMAX pending (the greeting is one)", "", "") ;
  sgdrive_server(&d, 7) ;
  if (d.n != SGSCAN_QMAX + 1 || d.cpos != 6 * SGSCAN_QMAX) fail("queue full", "one command more after the greeting", "", "") ;
  sgdrive_free(&d) ;

  for (i = 0 ; i < pushed ; i++) w += sprintf(w, "noop ") ;
  w += sprintf(w, "greeting=220 noop") ; pushed++ ;
  while (answered < N)
  {
    w += sprintf(w, " noop=250") ; answered++ ;
    if (pushed < N) { w += sprintf(w, " noop") ; pushed++ ; }
  }
  expect_n("queue full, then replies", c, sizeof(c), s, sizeof(s), "c* s*", want, 0) ;
}

/* SGSCAN_CMDMAX bytes before the LF pass; one more and the scanner says
   so and goes blind, for commands and credentials lines alike */
static void cmdmax (void)
{
  size_t l1, l2, l3, l4 ;
  char *ok = big("NOOP ", SGSCAN_CMDMAX - 6, 'a', "\r\nQUIT\r\n", &l1) ;
  char *over = big("NOOP ", SGSCAN_CMDMAX - 5, 'a', "\r\nQUIT\r\n", &l2) ;
  char *cred = big("AUTH LOGIN\r\n", SGSCAN_CMDMAX + 1, 'b', "\r\nQUIT\r\n", &l3) ;
  char *credok = big("AUTH LOGIN\r\n", SGSCAN_CMDMAX - 1, 'b', "\r\nQUIT\r\n", &l4) ;
  static char const s2[] = "220 x\r\n500 what\r\n221 bye\r\n" ;
  static char const s3[] = "220 x\r\n334 VXNlcm5hbWU6\r\n535 no\r\n221 bye\r\n" ;
  expect_n("CMDMAX: exactly the limit", ok, l1, s2, sizeof(s2) - 1, "c* s*", "noop quit greeting=220 noop=500 quit=221", 0) ;
  expect_n("CMDMAX: one byte over", over, l2, s2, sizeof(s2) - 1, "c* s*", "longline", 0) ;
  expect_n("CMDMAX: one byte over, server first", over, l2, s2, sizeof(s2) - 1, "s* c*", "greeting=220 unsolicited=500 unsolicited=221 longline", 0) ;
  expect_n("CMDMAX: credentials over", cred, l3, s3, sizeof(s3) - 1, "c* s*", "auth greeting=220 longline", 0) ;
  expect_n("CMDMAX: credentials under", credok, l4, s3, sizeof(s3) - 1, "c* s*", "auth greeting=220 auth=535 quit quit=221", 0) ;
  free(ok) ; free(over) ; free(cred) ; free(credok) ;
}

int main (void)
{
  nul() ;
  megabyte() ;
  verbs() ;
  splits() ;
  queue_full() ;
  cmdmax() ;
  return report("test_sgscan_edge") ;
}
