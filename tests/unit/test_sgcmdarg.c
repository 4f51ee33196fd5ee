/* ISC license. */

/* The RCPT address hash: one mailbox however it is spelled (case,
   source route, quotes, backslashes, spaces, no brackets), as
   qmail-smtpd's addrparse and exim read it; distinct mailboxes stay
   distinct; never 0. */

#include <string.h>

#include "sgcmdarg.h"
#include "sgtest.h"

static uint32_t h (char const *line) { return sgcmdarg_rcpt(line, strlen(line)) ; }

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
  unsigned int i ;
  for (i = 0 ; i < sizeof(same) / sizeof(same[0]) ; i++)
    if (h(same[i]) != base) { printf("FAIL: not the same mailbox: %s\n", same[i]) ; fails++ ; }
  for (i = 0 ; i < sizeof(other) / sizeof(other[0]) ; i++)
    if (h(other[i]) == base) { printf("FAIL: another mailbox taken for postmaster: %s\n", other[i]) ; fails++ ; }
  /* a quoted '>' does not end the address */
  CHECK(h("RCPT TO:<\"a>b\"@example.org>") != h("RCPT TO:<\"a\"@example.org>")) ;
  CHECK(h("RCPT TO:<\"a>b\"@example.org>") == h("RCPT TO:<a\\>b@example.org>")) ;
  CHECK(h("RCPT") != 0 && h("RCPT TO:<>") != 0) ;
  return sgtest_end(0) ;
}
