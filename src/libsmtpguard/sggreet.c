/* ISC license. */

#include <errno.h>
#include <string.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/iopause.h>
#include <skalibs/tai.h>

#include "sggreet.h"

static char const *const names[SGG_N] = { "pass", "early", "http", "tls", "gone" } ;
static char const *const actions[3] = { "log", "strike", "list" } ;

char const *sggreet_name (unsigned int v)
{
  return v < SGG_N ? names[v] : "unknown" ;
}

char const *sggreet_action_name (unsigned int a)
{
  return a < 3 ? actions[a] : "unknown" ;
}

int sggreet_action_scan (char const *s, unsigned int *a)
{
  unsigned int i = 0 ;
  for (; i < 3 ; i++) if (!strcmp(s, actions[i])) { *a = i ; return 1 ; }
  return 0 ;
}

/* An HTTP request line starts with a method and a space (RFC 9110 9.1;
   the methods a scanner or a browser pointed at port 25 uses). A TLS
   ClientHello is a handshake record, type 22, version 3.x (RFC 8446
   5.1): a client that speaks TLS at once to a plain-text port. */
unsigned int sggreet_classify (char const *s, size_t len)
{
  static char const *const methods[] = { "GET ", "POST ", "HEAD ", "PUT ", "OPTIONS ", "CONNECT ", "DELETE ", "PATCH ", "TRACE ", 0 } ;
  unsigned int i = 0 ;
  if (len >= 3 && (unsigned char)s[0] == 0x16 && s[1] == 3 && (unsigned char)s[2] <= 4) return SGG_TLS ;
  for (; methods[i] ; i++)
  {
    size_t n = strlen(methods[i]) ;
    if (len >= n && !memcmp(s, methods[i], n)) return SGG_HTTP ;
  }
  return SGG_EARLY ;
}

int sggreet_text_ok (char const *s)
{
  size_t n = 0 ;
  for (; s[n] ; n++) if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e) return 0 ;
  return n && n <= SGGREET_TEXTMAX ;
}

static int hostname_ok (char const *s)
{
  size_t n = 0 ;
  for (; s[n] ; n++)
  {
    char c = s[n] ;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return 0 ;
  }
  return n && n <= SGGREET_TEXTMAX ;
}

char const *sggreet_default_text (char *buf, char const *localhost, char const *localip)
{
  size_t n ;
  if (localhost && strcmp(localhost, "0") && hostname_ok(localhost)) return localhost ;
  if (localip && (n = strlen(localip)) && n + 7 <= SGGREET_TEXTMAX)
  {
    size_t i = 0 ;
    int v6 = !!strchr(localip, ':') ;
    for (; i < n ; i++)
    {
      char c = localip[i] ;
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':')) break ;
    }
    if (i == n)
    {
      /* an address literal, RFC 5321 4.1.3 */
      size_t w = 0 ;
      buf[w++] = '[' ;
      if (v6) { memcpy(buf + w, "IPv6:", 5) ; w += 5 ; }
      memcpy(buf + w, localip, n) ; w += n ;
      buf[w++] = ']' ; buf[w] = 0 ;
      return buf ;
    }
  }
  return "smtpguard" ;
}

static size_t line (char *s, char const *code, char const *text)
{
  size_t n = strlen(text) ;
  if (n > SGGREET_TEXTMAX) n = SGGREET_TEXTMAX ;
  memcpy(s, code, 4) ;
  memcpy(s + 4, text, n) ;
  memcpy(s + 4 + n, "\r\n", 2) ;
  return n + 6 ;
}

size_t sggreet_teaser (char *s, char const *text)
{
  return line(s, "220-", text) ;
}

size_t sggreet_end (char *s, char const *text)
{
  return line(s, "220 ", text) ;
}

size_t sggreet_close (char *s, char const *text)
{
  static char const r[] = "421 4.3.0 service not available, closing connection\r\n" ;
  size_t n = sggreet_end(s, text) ;
  memcpy(s + n, r, sizeof(r) - 1) ;
  return n + sizeof(r) - 1 ;
}

int sggreet_all220 (char const *s, size_t len)
{
  size_t i = 0 ;
  if (!len) return 0 ;
  while (i < len)
  {
    char const *nl = memchr(s + i, '\n', len - i) ;
    if (!nl || len - i < 4 || memcmp(s + i, "220", 3) || (s[i+3] != '-' && s[i+3] != ' ' && s[i+3] != '\r')) return 0 ;
    i = nl - s + 1 ;
  }
  return 1 ;
}

/* 521, then the close at once: RFC 7504 3 lets a server close after a
   521 (to save resources); after a 554 it must wait for QUIT, answering
   503 (RFC 5321 3.1, 3.8), the smtpd's work we are here to spare. The
   enhanced code is postscreen's for the same verdict. */
size_t sggreet_refusal (char *s)
{
  static char const r[] = "521 5.5.1 protocol error: talking before the greeting, closing connection\r\n" ;
  memcpy(s, r, sizeof(r) - 1) ;
  return sizeof(r) - 1 ;
}

unsigned int sggreet_wait (int fd, unsigned int ms, char *buf, size_t max, size_t *len)
{
  tain deadline, wait ;
  *len = 0 ;
  tain_now_g() ;
  tain_from_millisecs(&wait, ms) ;
  tain_add_g(&deadline, &wait) ;
  for (;;)
  {
    iopause_fd x = { .fd = fd, .events = IOPAUSE_READ } ;
    ssize_t r ;
    int n = iopause_g(&x, 1, &deadline) ;
    if (n < 0) { if (errno == EINTR) continue ; return SGG_GONE ; }
    if (!n) return SGG_PASS ;
    r = fd_read(fd, buf, max) ;
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue ;
    if (r <= 0) return SGG_GONE ;
    *len = r ;
    /* one ClientHello or request line may come in pieces: a little more
       of it, if it is already there, makes the verdict surer */
    if ((size_t)r < 8 && max > (size_t)r)
    {
      tain t ;
      tain_from_millisecs(&wait, 50) ;
      tain_add_g(&t, &wait) ;
      if (iopause_g(&x, 1, &t) > 0)
      {
        ssize_t m = fd_read(fd, buf + r, max - r) ;
        if (m > 0) *len += m ;
      }
    }
    return sggreet_classify(buf, *len) ;
  }
}
