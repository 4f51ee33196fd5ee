/* sgscriptd: the scripted smtpd of smtpguard's tests, bench and demo:
 * misbehaving servers, and a fast one for the benchmarks. It speaks on stdin/stdout like qmail-smtpd or exim -bs.
 *
 *   sgscriptd [ -l secs ] mode [ n ]
 *
 * Modes:
 *   normal      a small well-behaved smtpd: 220, EHLO (PIPELINING),
 *               HELO, MAIL, RCPT (local part "good*" 250, others 550),
 *               DATA (354, body to ".", 250), RSET, NOOP, QUIT (221, exit
 *               0), others 500. On SIGTERM it says "421 ..." and exits 0.
 *   crash n     normal for n commands, then dies of SIGABRT (no core)
 *   exit n      normal for n commands, then exit 3 without a word
 *   nogreet     exits 1 before the greeting
 *   noread      greeting, then never reads: sleeps until the limit, exit 0
 *   garbage     greeting, then answers each command with binary junk
 *               (NULs, control bytes, bare CR, 8-bit), no proper reply;
 *               exits after n commands (default 5) or at EOF
 *   bigreply    like normal, but its EHLO reply holds a 1 MB line
 *   unsol421    greeting, answers EHLO, then 300 ms later writes an
 *               unsolicited "421 ..." and exits 0
 *   multigreet  like normal, with a three-line 220 greeting
 *   greet421    greets with "421 ..." and exits 0 (too busy)
 *   greet554    greets with "554 ..." then answers 503 to every command
 *               but QUIT (221, exit 0), as RFC 5321 3.1 says
 *   ignoreterm  like normal, but ignores SIGTERM and, at EOF, does not
 *               exit: it waits for the limit (SIGKILL is expected first)
 *   fast        the benchmarks' smtpd: the same dialogue as normal, as
 *               cheaply as possible (replies batched, bodies skipped with
 *               big reads): see fast.c
 *   qmail       like normal, but a verb ends at the first space or NUL,
 *               as in qmail-smtpd's commands.c (str_chr on the C string):
 *               "DATA\0junk" is DATA, answered 354, and a body follows
 *   starttls    like normal, with STARTTLS advertised; STARTTLS is
 *               answered 220, then every byte read is opaque: for each
 *               read it writes back a 5-byte TLS alert record, until EOF
 *   ucspitls    like starttls, but TLS is a UCSPI-TLS layer's (ucspi-tls(2)):
 *               after the 220 it writes 'Y' on $SSLCTLFD, reads the
 *               layer's environment string, moves $SSLREADFD and
 *               $SSLWRITEFD to 0 and 1 and goes on with SMTP; its EHLO
 *               reply then has "250-X-TLS <the string's first variable>"
 *
 * Bounded: whatever the mode, it dies of SIGALRM after -l secs (default
 * 20). Plain libc; no DNS, no files. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "sgscriptd.h"

#define LINEKEEP 1024

static char const *mode ;
static int tlson ;
static char tlsinfo[128] ;
static long n_arg = -1 ;
static long commands ;

static void usage (void)
{
  fputs("sgscriptd: usage: sgscriptd [ -l secs ] normal|crash n|exit n|nogreet|noread|garbage [n]|bigreply|unsol421|ignoreterm|fast|multigreet|greet421|greet554|qmail|starttls|ucspitls\n", stderr) ;
  exit(100) ;
}

static void out (char const *s, size_t n)
{
  while (n)
  {
    ssize_t w = write(1, s, n) ;
    if (w < 0) { if (errno == EINTR) continue ; _exit(0) ; }  /* the peer is gone */
    s += w ; n -= w ;
  }
}

static void outs (char const *s) { out(s, strlen(s)) ; }

static void msleep (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L } ;
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) ;
}

static void onterm (int sig)
{
  static char const msg[] = "421 4.3.2 sgscriptd: terminated\r\n" ;
  ssize_t w = write(1, msg, sizeof msg - 1) ;
  (void)sig ; (void)w ;
  _exit(0) ;
}

/* one line from stdin, LF excluded, CR kept; only LINEKEEP bytes are
   kept, the rest of a long line is read and dropped. 0 at EOF. */
static char ibuf[8192] ;
static size_t ipos, ilen ;
static int getline0 (char *line, size_t *len)
{
  size_t n = 0 ;
  for (;;)
  {
    if (ipos == ilen)
    {
      ssize_t r = read(0, ibuf, sizeof ibuf) ;
      if (r < 0 && errno == EINTR) continue ;
      if (r <= 0) { *len = n ; return 0 ; }
      ipos = 0 ; ilen = r ;
    }
    while (ipos < ilen)
    {
      char c = ibuf[ipos++] ;
      if (c == '\n') { *len = n ; return 1 ; }
      if (n < LINEKEEP) line[n++] = c ;
    }
  }
}

static int verb (char const *line, size_t len, char const *v)
{
  size_t n = strlen(v) ;
  if (len < n) return 0 ;
  for (size_t i = 0 ; i < n ; i++)
  {
    char c = line[i] ;
    if (c >= 'a' && c <= 'z') c -= 32 ;
    if (c != v[i]) return 0 ;
  }
  return len == n || line[n] == ' ' || line[n] == '\r' || (line[n] == 0 && !strcmp(mode, "qmail")) ;
}

static int envfd (char const *name)
{
  char const *s = getenv(name) ;
  if (!s) { fprintf(stderr, "sgscriptd: no %s\n", name) ; exit(111) ; }
  return atoi(s) ;
}

/* after 220 to STARTTLS, the UCSPI-TLS way */
static void ucspi_start (void)
{
  int ctl = envfd("SSLCTLFD"), rfd = envfd("SSLREADFD"), wfd = envfd("SSLWRITEFD") ;
  size_t n = 0 ;
  char c, prev = 1 ;
  int first = 1 ;
  if (write(ctl, "Y", 1) != 1) exit(111) ;
  /* "VAR=val\0" ... "\0": keep the first variable */
  for (;;)
  {
    if (read(ctl, &c, 1) != 1) exit(111) ;
    if (!c && !prev) break ;
    if (!c) first = 0 ;
    else if (first && n < sizeof tlsinfo - 1) tlsinfo[n++] = c ;
    prev = c ;
  }
  tlsinfo[n] = 0 ;
  if (rfd != 0 && dup2(rfd, 0) < 0) exit(111) ;
  if (wfd != 1 && dup2(wfd, 1) < 0) exit(111) ;
  ipos = ilen = 0 ;
  tlson = 1 ;
}

/* after 220 to STARTTLS: the bytes are TLS, not SMTP */
static void opaque (void)
{
  static char const alert[] = "\x15\x03\x03\x00\x02" ;
  char buf[4096] ;
  for (;;)
  {
    ssize_t r = read(0, buf, sizeof buf) ;
    if (r < 0 && errno == EINTR) continue ;
    if (r <= 0) exit(0) ;
    out(alert, 5) ;
  }
}

static int goodrcpt (char const *line, size_t len)
{
  char const *p = memchr(line, '<', len) ;
  return p && (size_t)(line + len - p) > 5 && !memcmp(p + 1, "good", 4) ;
}

static void ehlo_reply (void)
{
  if (!strcmp(mode, "bigreply"))
  {
    static char big[1 << 20] ;
    memset(big, 'x', sizeof big) ;
    outs("250-sgscriptd hello ") ;
    out(big, sizeof big) ;
    outs("\r\n") ;
  }
  else outs("250-sgscriptd hello\r\n") ;
  if (!strcmp(mode, "starttls") || (!strcmp(mode, "ucspitls") && !tlson)) outs("250-STARTTLS\r\n") ;
  if (tlson) { outs("250-X-TLS ") ; outs(tlsinfo) ; outs("\r\n") ; }
  outs("250 PIPELINING\r\n") ;
}

static void garbage (void)
{
  static char const junk[] = "\0\001\033[2J\r\x7f\xff\xfe 250 \r\r\0ok?\t\b" ;
  out(junk, sizeof junk - 1) ;
}

static void smtp (void)
{
  char line[LINEKEEP] ;
  size_t len ;
  int more ;
  if (!strcmp(mode, "greet421")) { outs("421 4.3.2 sgscriptd: too busy\r\n") ; exit(0) ; }
  if (!strcmp(mode, "greet554"))
  {
    outs("554 5.7.1 sgscriptd: no SMTP service for you\r\n") ;
    while (getline0(line, &len))
    {
      if (verb(line, len, "QUIT")) { outs("221 bye\r\n") ; exit(0) ; }
      outs("503 5.5.1 bad sequence of commands\r\n") ;
    }
    exit(0) ;
  }
  if (!strcmp(mode, "multigreet")) outs("220-sgscriptd first line\r\n220-sgscriptd second line\r\n") ;
  outs("220 sgscriptd ESMTP\r\n") ;
  if (!strcmp(mode, "noread")) { for (;;) pause() ; }
  for (;;)
  {
    more = getline0(line, &len) ;
    if (!more) break ;
    commands++ ;
    if (!strcmp(mode, "garbage"))
    {
      garbage() ;
      if (commands >= (n_arg > 0 ? n_arg : 5)) exit(0) ;
      continue ;
    }
    if (verb(line, len, "EHLO"))
    {
      ehlo_reply() ;
      if (!strcmp(mode, "unsol421"))
      {
        msleep(300) ;
        outs("421 4.3.2 sgscriptd: going away\r\n") ;
        exit(0) ;
      }
    }
    else if (verb(line, len, "HELO") || verb(line, len, "MAIL") || verb(line, len, "RSET") || verb(line, len, "NOOP")) outs("250 OK\r\n") ;
    else if (verb(line, len, "RCPT")) outs(goodrcpt(line, len) ? "250 OK\r\n" : "550 unknown user\r\n") ;
    else if (verb(line, len, "DATA"))
    {
      outs("354 go ahead\r\n") ;
      for (;;)
      {
        more = getline0(line, &len) ;
        if (!more) break ;
        if (len && line[len-1] == '\r') len-- ;
        if (len == 1 && line[0] == '.') break ;
      }
      if (!more) break ;
      outs("250 OK\r\n") ;
    }
    else if (verb(line, len, "QUIT")) { outs("221 bye\r\n") ; exit(0) ; }
    else if (verb(line, len, "STARTTLS") && (!strcmp(mode, "starttls") || (!strcmp(mode, "ucspitls") && !tlson)))
    {
      outs("220 2.0.0 ready to start TLS\r\n") ;
      if (ipos < ilen) exit(1) ;  /* plaintext injected behind STARTTLS */
      if (!strcmp(mode, "starttls")) opaque() ;
      ucspi_start() ;
    }
    else outs("500 unknown command\r\n") ;
    if (n_arg >= 0 && commands >= n_arg)
    {
      if (!strcmp(mode, "crash"))
      {
        struct rlimit r = { 0, 0 } ;
        setrlimit(RLIMIT_CORE, &r) ;
        abort() ;
      }
      if (!strcmp(mode, "exit")) exit(3) ;
    }
  }
  /* EOF */
  if (!strcmp(mode, "ignoreterm")) for (;;) pause() ;
  exit(0) ;
}

int main (int argc, char **argv)
{
  long limit = 20 ;
  int opt ;
  while ((opt = getopt(argc, argv, "l:")) != -1)
    switch (opt)
    {
      case 'l' : limit = atol(optarg) ; if (limit <= 0) usage() ; break ;
      default : usage() ;
    }
  argc -= optind ; argv += optind ;
  if (argc < 1 || argc > 2) usage() ;
  mode = argv[0] ;
  if (argc == 2) { n_arg = atol(argv[1]) ; if (n_arg < 0) usage() ; }
  if (strcmp(mode, "normal") && strcmp(mode, "crash") && strcmp(mode, "exit")
   && strcmp(mode, "nogreet") && strcmp(mode, "noread") && strcmp(mode, "garbage")
   && strcmp(mode, "bigreply") && strcmp(mode, "unsol421") && strcmp(mode, "ignoreterm")
   && strcmp(mode, "fast") && strcmp(mode, "multigreet") && strcmp(mode, "greet421")
   && strcmp(mode, "greet554") && strcmp(mode, "qmail") && strcmp(mode, "starttls")
   && strcmp(mode, "ucspitls")) usage() ;
  if ((!strcmp(mode, "crash") || !strcmp(mode, "exit")) && n_arg < 0) usage() ;
  alarm(limit) ;
  if (!strcmp(mode, "fast")) return fast_main() ;
  signal(SIGPIPE, SIG_IGN) ;
  if (!strcmp(mode, "ignoreterm")) signal(SIGTERM, SIG_IGN) ;
  else signal(SIGTERM, onterm) ;
  if (!strcmp(mode, "nogreet")) return 1 ;
  smtp() ;
  return 0 ;
}
