/* sgscriptd's fast mode: a minimal, fast smtpd for smtpguard's benchmarks.
 *
 *   sgscriptd [ -l secs ] fast
 *
 * Speaks just enough SMTP on stdin/stdout for the benchmarks, as cheaply
 * as possible, so that smtpguard's own cost is not hidden behind a slow
 * server: 220 greeting; EHLO/HELO (advertises PIPELINING); MAIL; RCPT
 * (250 if the local part starts with "good", else 550); RSET; NOOP; DATA
 * (354, then the body is skipped with big reads up to CRLF.CRLF, 250);
 * QUIT (221, exit 0). Anything else gets 502. EOF on stdin: exit 0.
 *
 * Replies are buffered and written only when every command already read
 * has been answered and more input must be waited for, so a pipelined
 * group gets its replies in one write. Nothing is stored: a message is
 * discarded as it is read. Plain libc, no allocation. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sgscriptd.h"

#define LINE_MAX_ 1000

static char ibuf[65536];
static size_t ipos, ilen;
static char obuf[8192];
static size_t olen;
static char line[LINE_MAX_ + 1];
static size_t llen;
static int toolong;

static void flush(void)
{
  size_t off = 0;
  while (off < olen) {
    ssize_t w = write(1, obuf + off, olen - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(111);
    }
    off += (size_t)w;
  }
  olen = 0;
}

static void put(char const *s)
{
  size_t n = strlen(s);
  if (olen + n > sizeof(obuf)) flush();
  memcpy(obuf + olen, s, n);
  olen += n;
}

/* refill: flush pending replies first (the client may be waiting for
   them), then block for more input. 0 on EOF. */
static int refill(void)
{
  ssize_t r;
  if (olen) flush();
  for (;;) {
    r = read(0, ibuf, sizeof(ibuf));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    ipos = 0;
    ilen = (size_t)r;
    return 1;
  }
}

/* getline: next command line into line[] (without CRLF or LF); lines
   over LINE_MAX_ are cut and flagged. 0 on EOF. */
static int getline_(void)
{
  llen = 0;
  toolong = 0;
  for (;;) {
    char *nl;
    size_t n;
    if (ipos == ilen && !refill()) return 0;
    nl = memchr(ibuf + ipos, '\n', ilen - ipos);
    n = (nl ? (size_t)(nl - ibuf) : ilen) - ipos;
    if (llen + n > LINE_MAX_) { toolong = 1; n = LINE_MAX_ - llen; }
    memcpy(line + llen, ibuf + ipos, n);
    llen += n;
    if (nl) {
      ipos = (size_t)(nl - ibuf) + 1;
      if (llen && line[llen - 1] == '\r') llen--;
      line[llen] = 0;
      return 1;
    }
    ipos = ilen;
  }
}

/* skipdata: discard the body up to and including CRLF.CRLF (the DATA
   line's own CRLF counts as the first one). 0 on EOF. */
static int skipdata(void)
{
  static char const pat[] = "\r\n.\r\n";
  unsigned int st = 2;  /* matched "\r\n" */
  for (;;) {
    if (ipos == ilen && !refill()) return 0;
    while (ipos < ilen) {
      if (st == 0) {
        /* fast path: nothing matched, jump to the next CR */
        char *cr = memchr(ibuf + ipos, '\r', ilen - ipos);
        if (!cr) { ipos = ilen; break; }
        ipos = (size_t)(cr - ibuf) + 1;
        st = 1;
        continue;
      }
      if (ibuf[ipos] == pat[st]) {
        ipos++;
        if (++st == 5) return 1;
      } else if (ibuf[ipos] == '\r') {
        ipos++;
        st = 1;
      } else {
        ipos++;
        st = 0;
      }
    }
  }
}

static int verb(char const *v)
{
  size_t n = strlen(v), i;
  if (llen < n) return 0;
  for (i = 0; i < n; i++) {
    char c = line[i];
    if (c >= 'a' && c <= 'z') c -= 32;
    if (c != v[i]) return 0;
  }
  return llen == n || line[n] == ' ' || line[n] == ':';
}

static int goodrcpt(void)
{
  char const *lt = memchr(line, '<', llen);
  char const *p = lt ? lt + 1 : line + 8;
  return (p[0] | 32) == 'g' && (p[1] | 32) == 'o' && (p[2] | 32) == 'o' && (p[3] | 32) == 'd';
}

int fast_main(void)
{
  int inmail = 0, rcpts = 0;
  put("220 bench.example.test ESMTP sgscriptd\r\n");
  while (getline_()) {
    if (toolong) put("500 5.5.2 line too long\r\n");
    else if (verb("EHLO")) { put("250-bench.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"); inmail = rcpts = 0; }
    else if (verb("HELO")) { put("250 bench.example.test\r\n"); inmail = rcpts = 0; }
    else if (verb("MAIL")) { put("250 2.1.0 ok\r\n"); inmail = 1; rcpts = 0; }
    else if (verb("RCPT")) {
      if (!inmail) put("503 5.5.1 MAIL first\r\n");
      else if (goodrcpt()) { put("250 2.1.5 ok\r\n"); rcpts++; }
      else put("550 5.1.1 unknown user\r\n");
    }
    else if (verb("RSET")) { put("250 2.0.0 ok\r\n"); inmail = rcpts = 0; }
    else if (verb("NOOP")) put("250 2.0.0 ok\r\n");
    else if (verb("DATA")) {
      if (!rcpts) { put("503 5.5.1 RCPT first\r\n"); continue; }
      put("354 go ahead\r\n");
      flush();
      if (!skipdata()) break;
      put("250 2.0.0 accepted\r\n");
      inmail = rcpts = 0;
    }
    else if (verb("QUIT")) { put("221 2.0.0 bye\r\n"); flush(); return 0; }
    else put("502 5.5.2 unknown command\r\n");
  }
  flush();
  return 0;
}
