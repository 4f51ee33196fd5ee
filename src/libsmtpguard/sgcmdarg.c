/* ISC license. */

#include <stddef.h>
#include <stdint.h>

#include "sgcmdarg.h"

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
   address, or a prober could pad with one mailbox as many. */
uint32_t sgcmdarg_rcpt (char const *s, size_t len)
{
  uint32_t h = 2166136261u ;
  size_t i = 4 ;
  char term = '>' ;
  int quoted = 0 ;
  while (i < len && s[i] != '<') i++ ;
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
    if (i < len) i++ ;
  }
  for (; i < len ; i++)
  {
    char c = s[i] ;
    if (c == '\\' && i + 1 < len) c = s[++i] ;
    else if (c == '"') { quoted = !quoted ; continue ; }
    else if (!quoted && (c == term || (term == ' ' && c == '\t'))) break ;
    h = (h ^ (unsigned char)lower((unsigned char)c)) * 16777619u ;
  }
  return h ? h : 1 ;
}
