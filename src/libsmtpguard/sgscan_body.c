/* ISC license. */

/* A DATA body matters only at its end-of-data line, so once the body's
   line-end style is known the scan looks for lines that start with a
   dot, not for every line end: an LF then a dot, 64 byte pairs at a time
   (real text has dots in most lines, so a memchr per dot would cost as
   much as one per line). The state carried between buffers is that of a
   byte-by-byte scan. */

#include <string.h>

#include "sgscan_body.h"

/* GCC and clang vector extensions: SSE2 on x86-64, NEON on arm64,
   plain code elsewhere */
typedef unsigned char sgv16 __attribute__((vector_size(16))) ;
typedef unsigned long long sgv2x64 __attribute__((vector_size(16))) ;

/* 16 lanes: s[j] is LF and s[j+1] a dot */
static sgv16 lfdot16 (char const *s)
{
  sgv16 a, b ;
  memcpy(&a, s, 16) ;
  memcpy(&b, s + 1, 16) ;
  return (sgv16)(a == '\n') & (sgv16)(b == '.') ;
}

/* the first k > j with s[k-1] LF and s[k] a dot, or len */
static size_t lfdot (char const *s, size_t j, size_t len)
{
  while (j + 1 < len)
  {
    size_t end = len - 1 ;  /* the pairs s[j], s[j+1] with j < end */
    if (end - j >= 64)
    {
      sgv2x64 m = (sgv2x64)(lfdot16(s + j) | lfdot16(s + j + 16) | lfdot16(s + j + 32) | lfdot16(s + j + 48)) ;
      if (!(m[0] | m[1])) { j += 64 ; continue ; }
      end = j + 64 ;
    }
    for (; j < end ; j++) if (s[j] == '\n' && s[j+1] == '.') return j + 1 ;
  }
  return len ;
}

/* end-of-data pattern states: we are at the start of a line (BOL), after
   a leading dot, after ".\r"; MID means inside a line (sc->lastcr: its
   last byte so far was CR) */
enum { BODY_BOL = 0, BODY_DOT, BODY_DOTCR, BODY_MID } ;

void sgscan_body_start (sgscan *sc)
{
  sc->bodystate = BODY_BOL ;
  sc->bodystyle = sc->bodyprev = 0 ;
  sc->lastcr = 0 ;
}

/* the end of a DATA body line: CRLF or a bare LF. The body's first line
   sets its style: exim (receive.c) ends a CRLF body only at CRLF "."
   CRLF, Postfix also at bare LFs, qmail-smtpd's blast() refuses any bare
   LF; a "." line whose ends are not the body's own is read differently.
   Past the first line, only the line ends before lines that start with a
   dot (or a buffer) are looked at: those are the ones that can matter. */
static void body_eol (sgscan *sc, int crlf)
{
  sc->bodyprev = crlf ? 1 : 2 ;
  if (!sc->bodystyle) sc->bodystyle = sc->bodyprev ;
  sc->bodystate = BODY_BOL ;
  sc->lastcr = 0 ;
}

int sgscan_body (sgscan *sc, char const *s, size_t len, size_t *used)
{
  size_t i = 0 ;
  while (i < len)
  {
    size_t k ;
    if (sc->bodystate != BODY_MID)
    {
      /* at a line start, and the few bytes of a "." line */
      char c = s[i++] ;
      if (c == '\n')
      {
        if (sc->bodystate == BODY_BOL) { body_eol(sc, 0) ; continue ; }
        /* ".\n" or ".\r\n" alone on a line: end of data, if its line
           ends are the body's own */
        *used = i ;
        if (sc->bodystyle && (sc->bodyprev != sc->bodystyle || (sc->bodystate == BODY_DOTCR ? 1 : 2) != sc->bodystyle))
          return SGBODY_DATAEND ;
        sc->bodystate = BODY_BOL ;
        return SGBODY_END ;
      }
      if (sc->bodystate == BODY_BOL && c == '.') sc->bodystate = BODY_DOT ;
      else if (sc->bodystate == BODY_DOT && c == '\r') sc->bodystate = BODY_DOTCR ;
      else { sc->bodystate = BODY_MID ; sc->lastcr = c == '\r' ; }
      continue ;
    }
    if (!sc->bodystyle)
    {
      /* the first line: its end sets the body's style */
      char const *p = memchr(s + i, '\n', len - i) ;
      if (!p) break ;
      body_eol(sc, p > s + i ? p[-1] == '\r' : sc->lastcr) ;
      i = p - s + 1 ;
      continue ;
    }
    /* inside a line (so s[i] starts none): the next line that starts
       with a dot, if any; the line end before it decides with the dot
       line's own whether it ends the data */
    k = lfdot(s, i, len) ;
    if (k == len) break ;
    body_eol(sc, k - 1 > i ? s[k-2] == '\r' : sc->lastcr) ;
    i = k ;
  }
  /* the buffer ends inside a line or right after a line end */
  if (i >= len) { *used = len ; return SGBODY_MORE ; }
  if (s[len-1] == '\n') body_eol(sc, len - 1 > i ? s[len-2] == '\r' : sc->lastcr) ;
  else sc->lastcr = s[len-1] == '\r' ;
  *used = len ;
  return SGBODY_MORE ;
}
