/* ISC license. */

/* The DATA body scan (src/libsmtpguard/sgscan_body.c): it looks only at
   dots that start a line and at the line ends around them, so every
   body here is also cut in three at every pair of offsets: a dot, a CR
   or an LF at a read boundary must decide the end of data (and the
   dataend violation) exactly as in one read. The reference model
   (tests/fuzz/refmodel.c), which reads the body line by line, must
   agree each time. */

#include "../fuzz/sgexpect.h"

#define END "greeting=220 data data=354 dot quit dot=250 quit=221"
#define DATAEND "greeting=220 data data=354 violation:dataend"
/* no end of data: QUIT is body, and the replies answer nothing */
#define NOEND "greeting=220 data data=354 unsolicited=250 unsolicited=221"

/* "DATA\r\n" BODY "QUIT\r\n", the body cut at offsets a <= b; the events
   must be want for every cut */
static void body_cuts (char const *name, char const *body, size_t blen, char const *want)
{
  static char const sv[] = "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n" ;
  char *c = malloc(blen + 12) ;
  char reads[96] ;
  size_t a, b ;
  unsigned int before = failures ;
  if (!c) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  memcpy(c, "DATA\r\n", 6) ;
  memcpy(c + 6, body, blen) ;
  memcpy(c + 6 + blen, "QUIT\r\n", 6) ;
  for (a = 0 ; a <= blen ; a++)
    for (b = a ; b <= blen ; b++)
    {
      snprintf(reads, sizeof(reads), "s8 c6 s8 c%zu c%zu c* s*", a, b - a) ;
      expect_n(name, c, blen + 12, sv, sizeof(sv) - 1, reads, want, 0) ;
      if (failures > before) { fprintf(stderr, "  (body cut at %zu and %zu)\n", a, b) ; free(c) ; return ; }
    }
  free(c) ;
}

#define BODY(name, body, want) body_cuts(name, body, sizeof(body) - 1, want)

static void ends (void)
{
  BODY("an empty body, CRLF", ".\r\n", END) ;
  BODY("an empty body, bare LF", ".\n", END) ;
  BODY("CRLF lines, CRLF . CRLF", "Subject: x\r\n\r\nline one\r\nline two\r\n.\r\n", END) ;
  BODY("LF lines, LF . LF", "Subject: x\n\nline one\nline two\n.\n", END) ;
  BODY("an empty line before the dot", "a\r\n\r\n.\r\n", END) ;
  BODY("a bare CR line before the dot", "a\r\n\r\r\n.\r\n", END) ;
  BODY("a bare CR before the last line end", "a\r\nb\r\r\n.\r\n", END) ;
}

static void dataend (void)
{
  /* exim ends a CRLF body only at CRLF "." CRLF, Postfix also at bare
     LFs: the line end before the dot and the dot line's own must both be
     the body's first one */
  BODY("LF lines, CRLF . CRLF", "Subject: x\nline\nline\r\n.\r\n", DATAEND) ;
  BODY("LF lines, LF . CRLF", "Subject: x\nline\nline\n.\r\n", DATAEND) ;
  BODY("LF lines, CRLF . LF", "Subject: x\nline\nline\r\n.\n", DATAEND) ;
  BODY("CRLF lines, LF . LF", "Subject: x\r\nline\r\nline\n.\n", DATAEND) ;
  BODY("CRLF lines, LF . CRLF", "Subject: x\r\nline\r\nline\n.\r\n", DATAEND) ;
  BODY("CRLF lines, CRLF . LF", "Subject: x\r\nline\r\nline\r\n.\n", DATAEND) ;
  BODY("an empty LF line before the dot in a CRLF body", "a\r\n\n.\r\n", DATAEND) ;
  /* the body's style is its first line end's, whatever the lines after it */
  BODY("first line LF, then CRLF lines, CRLF . CRLF", "a\nb\r\nc\r\n.\r\n", DATAEND) ;
  BODY("first line CRLF, then LF lines, CRLF . CRLF", "a\r\nb\nc\n\r\n.\r\n", END) ;
  BODY("a first line that starts with a dot sets the style", ".x\n.\r\n", DATAEND) ;
  BODY("an empty first line sets the style", "\n.\n", END) ;
}

static void not_ends (void)
{
  /* dots inside lines, dot-stuffed lines and near misses: no end */
  static char const body[] =
    "a.b\r\nc. d.\r\n...x\r\n..\r\n..\r\n. \r\n.\r\r\n\r.\r\nx.\r\n.x\r\n.\r.\r\n" ;
  BODY("dots mid-line, dot-stuffed lines, near misses", body, NOEND) ;
  BODY("dot-stuffed lines, then the end", "..\r\n..x\r\n.. \r\nfoo..\r\n.\r\n", END) ;
  BODY("a dot line inside a line is no end", "a\r\nb.\r\n.\r\n", END) ;
}

/* a body bigger than the reads: 78-byte lines (as in the benchmark) in
   4 KB reads, the end or the wrong end somewhere near a read boundary */
static void big (char const *name, size_t lines, char const *last, char const *tail, char const *want)
{
  static char const sv[] = "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n" ;
  size_t ll = strlen(last), tl = strlen(tail), len = 6 + 78 * lines + ll + tl + 6, i ;
  char *c = malloc(len) ;
  char *p = c ;
  if (!c) { fprintf(stderr, "out of memory\n") ; exit(111) ; }
  memcpy(p, "DATA\r\n", 6) ; p += 6 ;
  for (i = 0 ; i < lines ; i++) { memset(p, i % 7 ? '0' : '.', 76) ; p[76] = '\r' ; p[77] = '\n' ; p += 78 ; }
  memcpy(p, last, ll) ; p += ll ;
  memcpy(p, tail, tl) ; p += tl ;
  memcpy(p, "QUIT\r\n", 6) ;
  expect_n(name, c, len, sv, sizeof(sv) - 1, "s8 c6 s8 c4096 c4096 c4096 c4096 c4096 c4096 c* s*", want, 0) ;
  expect_n(name, c, len, sv, sizeof(sv) - 1, "s8 c6 s8 c* s*", want, 0) ;
  free(c) ;
}

static void bigs (void)
{
  /* 4096 = 52 * 78 + 40: after 52 lines, 40 bytes to the first read's end */
  big("1000 CRLF lines, CRLF . CRLF", 1000, "", ".\r\n", END) ;
  big("CRLF lines, the dot at a read's start", 52, "01234567890123456789012345678901234567\r\n", ".\r\n", END) ;
  big("CRLF lines, CR at a read's end before the dot", 52, "012345678901234567890123456789012345678\r", "\n.\r\n", END) ;
  big("CRLF lines, LF at a read's start before the dot", 52, "0123456789012345678901234567890123456789", "\n.\r\n", DATAEND) ;
  big("CRLF lines, LF at a read's end before the dot", 52, "012345678901234567890123456789012345678\n", ".\r\n", DATAEND) ;
  big("CRLF lines, the dot line cut by a read", 52, "0123456789012345678901234567890123456\r\n", ".\r\n", END) ;
  big("CRLF lines, a dot-stuffed line cut by a read", 52, "0123456789012345678901234567890123456\r\n", "..\r\n.\r\n", END) ;
}

/* the scan takes byte pairs 64 at a time: the end of data (or a wrong
   one, or a dot-stuffed line) at every offset of such a block, with text
   and dots mid-line before it, the body in one read */
static void offsets (void)
{
  static char const sv[] = "220 mx\r\n354 go\r\n250 ok\r\n221 bye\r\n" ;
  static char const *const tails[4] = { "\r\n.\r\n", "\n.\r\n", "\r\n..\r\n.\r\n", "\r\n.\n" } ;
  static char const *const wants[4] = { END, DATAEND, END, DATAEND } ;
  char c[400] ;
  char name[64] ;
  size_t off, t, k ;
  unsigned int before = failures ;
  for (t = 0 ; t < 4 ; t++)
    for (off = 0 ; off < 200 ; off++)
    {
      size_t len = 0 ;
      memcpy(c, "DATA\r\nx\r\n", 9) ; len = 9 ;
      /* CRLF lines, never a CR right before the tail */
      for (k = 0 ; k < off ; k++) c[len++] = k % 40 == 38 && k + 1 < off ? '\r' : k % 40 == 39 ? '\n' : k % 5 == 1 ? '.' : 'a' ;
      memcpy(c + len, tails[t], strlen(tails[t])) ; len += strlen(tails[t]) ;
      memcpy(c + len, "QUIT\r\n", 6) ; len += 6 ;
      snprintf(name, sizeof(name), "end of data after %zu bytes of text (%zu)", off, t) ;
      expect_n(name, c, len, sv, sizeof(sv) - 1, "s8 c6 s8 c* s*", wants[t], 0) ;
      if (failures > before) return ;
    }
}

int main (void)
{
  ends() ;
  dataend() ;
  not_ends() ;
  bigs() ;
  offsets() ;
  return report("test_sgscan_body") ;
}
