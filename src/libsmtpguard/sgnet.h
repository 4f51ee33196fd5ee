/* ISC license. */

#ifndef SMTPGUARD_SGNET_H
#define SMTPGUARD_SGNET_H

/* sgnet: an address or a CIDR network, IPv4 or IPv6, as the DNSBL
   datasets, the imports and the prefix listings handle them. The
   address is always masked to its length. */

#include <stddef.h>
#include <stdint.h>

#define SGNET_FMTMAX 50  /* canonical IPv6 text, "/128", NUL */

typedef struct sgnet_s sgnet, *sgnet_ref ;
struct sgnet_s
{
  unsigned char ip[16] ;  /* IPv4 in ip[0..3] */
  unsigned char family ;  /* 4 or 6 */
  unsigned char len ;     /* prefix length: 0..32 or 0..128 */
} ;

/* rbldnsd's forms: a.b.c.d, a.b.c (a /24), a.b.c.d/len, a/8; any IPv6
   text form with an optional /len, trailing zero groups omittable
   ("2001:db8:c000/36"). Host bits set under the mask are refused, as
   rbldnsd does without -e. Returns the bytes used, 0 if invalid. */
extern size_t sgnet_scan (char const *s, sgnet *) ;

/* "a.b.c.d" or "a.b.c.0/24"; canonical IPv6, "/len" unless 128. NUL-terminated. */
extern size_t sgnet_fmt (char *, sgnet const *) ;

extern void sgnet_mask (sgnet *) ;                      /* clears the host bits */
extern int sgnet_contains (sgnet const *net, sgnet const *addr) ;
extern int sgnet_from_ip (sgnet *, char const *canonicalip) ;  /* a host net; 1 ok */

/* tcprules keys: calls f for each key of the records that cover net as
   tcpserver looks them up (IPv4: exact address or octet prefix "a.b.c.",
   at most 128 keys; IPv6: the exact address, or "g1:...:gk:" when the
   length is a multiple of 16 and no group of the prefix is 0, so that
   every address of the net is written with that text in front).
   Returns 1 if the keys cover the net exactly, 0 if tcpserver's textual
   prefixes cannot express it (nothing called), -1 if f failed. */
typedef int sgnet_keyfunc (char const *key, size_t len, void *) ;
extern int sgnet_keys (sgnet const *, sgnet_keyfunc *, void *) ;

#endif
