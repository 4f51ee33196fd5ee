/* ISC license. */

#include <string.h>

#include "sgpolicy.h"

static char const *const names[SGR_N] = { "none", "badrcpt", "rset", "authfail", "errors", "listed", "longline", "nul", "barecr", "bdat", "starttls", "vtff", "dataend", "network", "early", "leadspace" } ;

char const *sgreason_name (unsigned int r)
{
  return r < SGR_N ? names[r] : "unknown" ;
}

unsigned int sgreason_scan (char const *s)
{
  unsigned int i = 1 ;
  for (; i < SGR_N ; i++) if (!strcmp(s, names[i])) return i ;
  return SGR_NONE ;
}
