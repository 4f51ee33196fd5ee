/* ISC license. */

#include <stddef.h>
#include <stdint.h>

#include "sgcmdarg.h"
#include "sgsiphash.h"

static int lower (int c)
{
  return c >= 'A' && c <= 'Z' ? c + 32 : c ;
}

static int isspace_ (char c)
{
  return c == ' ' || c == '\t' ;
}

/* As qmail-smtpd's addrparse reads it: from the first '<' (else the
   first word after the colon) to the '>' (else a space) outside quotes;
   a source route ("@a,@b:") dropped, quotes and backslashes removed.
   Then lowercased whole: one mailbox spelled many ways (exim and qmail
   accept <@r1:user@dom>, <"user"@dom>, <USER@dom> as user@dom) is one
   address, or a prober could pad with one mailbox as many.
   0 (unknown) where smtpds read it differently or we did not see all of
   it: a comment or a quoted phrase in front (exim reads
   "guess(<x@y>)@dom" as guess@dom, qmail as x@y), or an address that
   runs past the bytes the scanner keeps. An unknown address is never
   credit, and its refusals always count. */
uint32_t sgcmdarg_rcpt (uint64_t const key[2], char const *s, size_t len, int truncated)
{
  unsigned char a[SGCMDARG_MAX] ;
  size_t i = 4, n = 0 ;
  char term = '>' ;
  int quoted = 0, done = 0 ;
  uint64_t h ;
  /* a quoted phrase or a comment before the '<': exim reads past it,
     qmail takes the first '<' */
  while (i < len && s[i] != '<')
    if (s[i] == '"' || s[i++] == '(') return 0 ;
  if (i < len) i++ ;
  else
  {
    term = ' ' ;
    i = 4 ;
    while (i < len && s[i] != ':') i++ ;
    if (i < len) i++ ;
    while (i < len && isspace_(s[i])) i++ ;
  }
  if (i < len && s[i] == '@')
  {
    while (i < len && s[i] != ':') i++ ;
    if (i == len) return 0 ;
    i++ ;
  }
  for (; i < len && n < sizeof(a) ; i++)
  {
    char c = s[i] ;
    if (c == '\\' && i + 1 < len) c = s[++i] ;
    else if (c == '"') { quoted = !quoted ; continue ; }
    else if (!quoted && c == '(') return 0 ;  /* a comment: exim skips it, qmail keeps it */
    else if (!quoted && (c == term || (term == ' ' && c == '\t'))) { done = 1 ; break ; }
    a[n++] = (unsigned char)lower((unsigned char)c) ;
  }
  if (!done && truncated) return 0 ;
  h = sgsiphash(key, a, n) ;
  h ^= h >> 32 ;
  return (uint32_t)h ? (uint32_t)h : 1 ;
}
