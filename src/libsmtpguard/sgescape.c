/* ISC license. */

#include "sgescape.h"

/* Client text in logs: anything that could fake a field, a line or a
   terminal sequence (space, '=', '\', controls, 8-bit) becomes \xHH. */
size_t sgescape (char *d, char const *s, size_t len)
{
  static char const hex[] = "0123456789abcdef" ;
  size_t w = 0, i = 0 ;
  for (; i < len ; i++)
  {
    unsigned char c = s[i] ;
    if (c > 0x20 && c < 0x7f && c != '\\' && c != '=') d[w++] = c ;
    else
    {
      d[w++] = '\\' ; d[w++] = 'x' ;
      d[w++] = hex[c >> 4] ; d[w++] = hex[c & 15] ;
    }
  }
  return w ;
}
