/* ISC license. */

#include <string.h>

#include "sgkick.h"
#include "sgpolicy.h"

/* The only line smtpguard ever writes itself: 421, the admin's text or
   ours, CRLF. Enhanced codes are all 4.7.0: a temporary, policy refusal. */

static char const *const texts[SGR_N] =
{
  "4.7.0 closing connection",
  "4.7.0 too many invalid recipients, closing connection",
  "4.7.0 too many RSET commands, closing connection",
  "4.7.0 too many failed authentications, closing connection",
  "4.7.0 too many rejected commands, closing connection",
  "4.7.0 your address is temporarily blocked for abuse, try again later",
  "4.7.0 command line too long, closing connection",
  "4.7.0 NUL in command line, closing connection",
  "4.7.0 bare CR in command line, closing connection",
  "4.7.0 malformed BDAT command, closing connection",
  "4.7.0 no TLS handshake after STARTTLS, closing connection",
  "4.7.0 VT or FF in command line, closing connection",
  "4.7.0 mixed line ends at the end of data, closing connection",
  "4.7.0 your network is temporarily blocked for abuse, try again later",
  "4.7.0 talking before the greeting, closing connection",
  "4.7.0 space before command verb, closing connection"
} ;

size_t sgkick_line (char *s, unsigned int reason, char const *text)
{
  size_t n ;
  if (!text) text = texts[reason < SGR_N ? reason : SGR_NONE] ;
  n = strlen(text) ;
  if (n > SGKICK_TEXTMAX) n = SGKICK_TEXTMAX ;
  memcpy(s, "421 ", 4) ;
  memcpy(s + 4, text, n) ;
  memcpy(s + 4 + n, "\r\n", 2) ;
  return n + 6 ;
}
