/* ISC license. */

#ifndef SMTPGUARD_SGKICK_H
#define SMTPGUARD_SGKICK_H

#include <stddef.h>

/* sgkick: the 421 line, "421 " text CRLF; text 0 means ours for the
   reason. Returns its length, at most SGKICK_MAX. */
#define SGKICK_TEXTMAX 500
#define SGKICK_MAX (SGKICK_TEXTMAX + 6)
extern size_t sgkick_line (char *, unsigned int reason, char const *text) ;

#endif
