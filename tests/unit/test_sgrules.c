/* ISC license. */

/* sgrules_parse: records and errors (line numbers, reasons). The records
   themselves are compared with Debian's tcprules byte for byte by
   tests/cdb-tcprules.sh; this checks what tcprules cannot: IPv6 keys and
   where the errors are reported. */

#include <stdio.h>
#include <string.h>

#include "sgrules.h"

static int fails = 0 ;
static char out[4096] ;
static size_t outlen ;

static int add (char const *k, size_t kl, char const *d, size_t dl, void *p)
{
  size_t i ;
  (void)p ;
  memcpy(out + outlen, k, kl) ; outlen += kl ;
  out[outlen++] = '=' ; out[outlen++] = '>' ;
  for (i = 0 ; i < dl ; i++) out[outlen++] = d[i] ? d[i] : '|' ;
  out[outlen++] = ';' ;
  return 1 ;
}

static void ok (char const *in, char const *want)
{
  size_t el = 0 ;
  char const *ew = 0 ;
  int r ;
  outlen = 0 ;
  r = sgrules_parse(in, strlen(in), &add, 0, &el, &ew) ;
  out[outlen] = 0 ;
  if (r != 1 || strcmp(out, want)) { printf("FAIL: [%s] -> %d [%s], want [%s]\n", in, r, out, want) ; fails++ ; }
}

static void bad (char const *in, size_t line)
{
  size_t el = 0 ;
  char const *ew = 0 ;
  int r ;
  outlen = 0 ;
  r = sgrules_parse(in, strlen(in), &add, 0, &el, &ew) ;
  if (r != 0 || el != line || !ew || !*ew) { printf("FAIL: [%s] -> %d line %zu, want error at line %zu\n", in, r, el, line) ; fails++ ; }
}

int main (void)
{
  ok("", "") ;
  ok("# c\n\n   \nnocolon\n", "") ;
  ok("1.2.3.4:deny\n", "1.2.3.4=>D|;") ;
  ok("1.2.3.4:allow", "1.2.3.4=>;") ;
  ok("2001:db8::1:deny\n", "2001:db8::1=>D|;") ;
  ok("::1:allow,A=\"b\"\n", "::1=>+A=b|;") ;
  ok("x:allow,A=:b:\n", "x=>+A=b|;") ;
  ok("1-2:deny\n", "1=>D|;2=>D|;") ;
  ok("10.254-999.:deny\n", "10.254.=>D|;10.255.=>D|;") ;
  bad("1.2.3.4:allow\n\nx:permit\n", 3) ;
  bad("# c\n1.2.3.4:allow,A\n", 2) ;
  bad("1.2.3.4:allow,A=\"b\n", 1) ;
  bad("a-b.c:deny\n", 1) ;
  bad("x:deny,\n", 1) ;
  bad("x:allow,A=\n", 1) ;
  bad("x:allow\r\n", 1) ;
  if (fails) { printf("%d failures\n", fails) ; return 1 ; }
  return 0 ;
}
