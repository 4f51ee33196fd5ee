/* ISC license. */

#ifndef SMTPGUARD_SGIP_H
#define SMTPGUARD_SGIP_H

/* sgip: client addresses, validated and canonical before they touch the
   file system or a cdb key.
   IPv4: dotted quad, four decimal numbers 0..255 without leading zeros
   ("01.2.3.4" is rejected, not normalised: inet_aton would read it as
   octal, so it is ambiguous).
   IPv6: any RFC 4291 text form (hex in either case, one "::", a trailing
   dotted quad) is accepted; the canonical form is the one Debian's
   ucspi-tcp-ipv6 tcpserver puts in TCPREMOTEIP and looks up in its cdb:
   lowercase, no leading zeros, the longest run of zero groups (the first
   one on a tie) written "::" - even a run of one group, which is where
   it differs from RFC 5952. IPv4-mapped ::ffff:a.b.c.d becomes a.b.c.d.
   Zone ids ("%eth0"), brackets, prefixes, empty strings -> invalid. */

#include <stddef.h>

#define SGIP_MAX 46  /* canonical text form incl. NUL */

extern int sgip_canon (char *out, char const *in) ;  /* 4 or 6 ok, 0 invalid */
extern int sgip_scan (char const *in, unsigned char *ip16) ;  /* 4 (ip16[0..3]) or 6, 0 invalid */
extern size_t sgip_fmt6 (char *out, unsigned char const *ip16) ;  /* canonical IPv6 text, no NUL */

#endif
