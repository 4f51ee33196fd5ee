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

uint32_t sgcmdarg_rcpt (char const *s, size_t len)
{
  uint32_t h = 2166136261u ;
  size_t i = 4, end, at, k ;
  while (i < len && isspace_(s[i])) i++ ;
  if (i + 3 <= len && lower(s[i]) == 't' && lower(s[i+1]) == 'o' && s[i+2] == ':') i += 3 ;
  while (i < len && isspace_(s[i])) i++ ;
  if (i < len && s[i] == '<')
  {
    end = ++i ;
    while (end < len && s[end] != '>') end++ ;
  }
  else
  {
    end = i ;
    while (end < len && !isspace_(s[end])) end++ ;
  }
  at = end ;
  for (k = i ; k < end ; k++) if (s[k] == '@') at = k ;
  for (k = i ; k < end ; k++)
    h = (h ^ (unsigned char)(k > at ? lower((unsigned char)s[k]) : s[k])) * 16777619u ;
  return h ? h : 1 ;
}
