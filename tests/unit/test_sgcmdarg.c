/* ISC license. */

/* The RCPT address hash: one mailbox however it is spelled (case,
   source route, quotes, backslashes, spaces, no brackets), as
   qmail-smtpd's addrparse and exim read it; distinct mailboxes stay
   distinct; 0 (unknown, always counted) where exim and qmail read the
   line differently or the scanner did not keep the whole address;
   keyed with SipHash-2-4, whose published test vector it must give. */

#include <string.h>

#include "sgcmdarg.h"
#include "sgsiphash.h"
#include "sgtest.h"

static uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull } ;
static uint32_t h (char const *line) { return sgcmdarg_rcpt(key, line, strlen(line), 0) ; }

int main (void)
{
  uint32_t base = h("RCPT TO:<postmaster@example.org>") ;
  static char const *const same[] =
  {
    "rcpt to:<postmaster@example.org>",
    "RCPT TO:<PostMaster@Example.ORG>",
    "RCPT TO: <postmaster@example.org>",
    "RCPT TO:<@relay.example:postmaster@example.org>",
    "RCPT TO:<@r1.example,@r2.example:postmaster@example.org>",
    "RCPT TO:<\"postmaster\"@example.org>",
    "RCPT TO:<post\\master@example.org>",
    "RCPT TO:<\"post\"\"master\"@example.org>",
    "RCPT TO:<postmaster@example.org> NOTIFY=NEVER",
    "RCPT TO:postmaster@example.org",
    "RCPT TO: postmaster@example.org SIZE=1",
    "RCPT TO:<postmaster@example.org",
  } ;
  static char const *const other[] =
  {
    "RCPT TO:<abuse@example.org>",
    "RCPT TO:<postmaster@example.com>",
    "RCPT TO:<postmaster+1@example.org>",
    "RCPT TO:<\"post master\"@example.org>",
    "RCPT TO:<>",
  } ;
  /* exim reads the comment away or takes the '<' after a quoted phrase;
     qmail takes the first '<' and keeps comments: not known */
  static char const *const unknown[] =
  {
    "RCPT TO:guess1(<x@y>)@example.org",
    "RCPT TO:<postmaster(1)@example.org>",
    "RCPT TO:\"<x@y>\" <guess1@example.org>",
    "RCPT TO:<@relay.example",
  } ;
  /* SipHash-2-4's test vector: key 00..0f, message 00..0e */
  {
    unsigned char m[15] ;
    unsigned int i ;
    for (i = 0 ; i < 15 ; i++) m[i] = i ;
    CHECK(sgsiphash(key, m, 15) == 0xa129ca6149be45e5ull) ;
  }
  {
    unsigned int i ;
    for (i = 0 ; i < sizeof(same) / sizeof(same[0]) ; i++)
      if (h(same[i]) != base) { printf("FAIL: not the same mailbox: %s\n", same[i]) ; fails++ ; }
    for (i = 0 ; i < sizeof(other) / sizeof(other[0]) ; i++)
      if (h(other[i]) == base) { printf("FAIL: another mailbox taken for postmaster: %s\n", other[i]) ; fails++ ; }
    for (i = 0 ; i < sizeof(unknown) / sizeof(unknown[0]) ; i++)
      if (h(unknown[i])) { printf("FAIL: read one way only: %s\n", unknown[i]) ; fails++ ; }
  }
  /* a quoted '>' does not end the address; a quoted '(' is no comment */
  CHECK(h("RCPT TO:<\"a>b\"@example.org>") != h("RCPT TO:<\"a\"@example.org>")) ;
  CHECK(h("RCPT TO:<\"a>b\"@example.org>") == h("RCPT TO:<a\\>b@example.org>")) ;
  CHECK(h("RCPT TO:<\"a(b\"@example.org>") != 0) ;
  CHECK(h("RCPT") != 0 && h("RCPT TO:<>") != 0) ;
  /* the scanner kept only the first bytes of a longer line: an address
     that ends within them is known, one that runs past them is not */
  {
    char const *l = "RCPT TO:<postmaster@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;postmaster@example.org" ;
    char const *pad = "RCPT TO:                                                                                <guess1@example.org>" ;
    CHECK(sgcmdarg_rcpt(key, l, 80, 1) == base) ;
    CHECK(sgcmdarg_rcpt(key, pad, 80, 1) == 0) ;
    CHECK(sgcmdarg_rcpt(key, "RCPT TO:<@rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr.example:guess1@x>", 80, 1) == 0) ;
    CHECK(sgcmdarg_rcpt(key, "RCPT TO:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x>", 80, 1) == 0) ;
  }
  /* another key, other hashes: a client cannot aim at a collision */
  {
    uint64_t k2[2] = { 1, 2 } ;
    char const *l = "RCPT TO:<postmaster@example.org>" ;
    CHECK(sgcmdarg_rcpt(k2, l, strlen(l), 0) != base) ;
  }
  return sgtest_end(0) ;
}
