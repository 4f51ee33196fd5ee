/* ISC license. */

/* Networks as the DNSBL datasets write them and tcprules keys cover
   them; RFC 3339 times both ways; a peer's dataset read back. */

#include <stdio.h>
#include <string.h>

#include "sgimport.h"
#include "sgisotime.h"
#include "sgnet.h"

static int fails = 0 ;
#define CHECK(c, ...) do { if (!(c)) { printf("FAIL line %d: ", __LINE__) ; printf(__VA_ARGS__) ; printf("\n") ; fails++ ; } } while (0)

static void scanfmt (char const *in, char const *want)
{
  sgnet n ;
  char out[SGNET_FMTMAX] ;
  size_t r = sgnet_scan(in, &n) ;
  if (!want) { CHECK(!r || r != strlen(in), "sgnet_scan(%s) accepted", in) ; return ; }
  CHECK(r == strlen(in), "sgnet_scan(%s) = %zu", in, r) ;
  if (!r) return ;
  sgnet_fmt(out, &n) ;
  CHECK(!strcmp(out, want), "sgnet_fmt(%s) = %s, want %s", in, out, want) ;
}

static char keys[4096] ;
static int addkey (char const *k, size_t len, void *p)
{
  (void)p ;
  strncat(keys, k, len) ;
  strcat(keys, " ") ;
  return 1 ;
}

static void cover (char const *in, int wantr, char const *want)
{
  sgnet n ;
  int r ;
  keys[0] = 0 ;
  if (!sgnet_scan(in, &n)) { CHECK(0, "scan %s", in) ; return ; }
  r = sgnet_keys(&n, &addkey, 0) ;
  CHECK(r == wantr && !strcmp(keys, want), "sgnet_keys(%s) = %d \"%s\", want %d \"%s\"", in, r, keys, wantr, want) ;
}

static char got[4096] ;
static int collect (sgnet const *n, int excluded, uint64_t until, void *p)
{
  char s[SGNET_FMTMAX] ;
  char u[32] ;
  (void)p ;
  sgnet_fmt(s, n) ;
  snprintf(u, sizeof(u), "@%llu ", (unsigned long long)until) ;
  if (excluded) strcat(got, "!") ;
  strcat(got, s) ;
  strcat(got, u) ;
  return 1 ;
}

int main (void)
{
  scanfmt("1.2.3.4", "1.2.3.4") ;
  scanfmt("1.2.3.0/24", "1.2.3.0/24") ;
  scanfmt("1.2.3", "1.2.3.0/24") ;     /* rbldnsd's initial octets */
  scanfmt("10/8", "10.0.0.0/8") ;
  scanfmt("1.2.3.4/24", 0) ;           /* host bits under the mask, as rbldnsd -e-less */
  scanfmt("1.2.3.256", 0) ;
  scanfmt("1.2.3.4/33", 0) ;
  scanfmt("1.2.3.4-8", 0) ;
  scanfmt("", 0) ;
  scanfmt("2001:db8::1", "2001:db8::1") ;
  scanfmt("2001:DB8:0:0:1::/80", "2001:db8:0:0:1::/80") ;
  scanfmt("2001:db8:1:2::/64", "2001:db8:1:2::/64") ;
  scanfmt("2001:21ab:c000/36", "2001:21ab:c000::/36") ;
  scanfmt("2001:db8::1/64", 0) ;
  scanfmt("::1", "::1") ;

  cover("1.2.3.4", 1, "1.2.3.4 ") ;
  cover("1.2.3.0/24", 1, "1.2.3. ") ;
  cover("1.2.3.0/30", 1, "1.2.3.0 1.2.3.1 1.2.3.2 1.2.3.3 ") ;
  cover("1.2.0.0/22", 1, "1.2.0. 1.2.1. 1.2.2. 1.2.3. ") ;
  cover("10/8", 1, "10. ") ;
  cover("2001:db8::1", 1, "2001:db8::1 ") ;
  cover("2001:db8:1:2::/64", 1, "2001:db8:1:2: ") ;
  cover("2001:db8:0:2::/64", 0, "") ;   /* "2001:db8::2:..." never starts with "2001:db8:0:2:" */
  cover("2001:db8:1:10::/60", 0, "") ;

  {
    char s[SGISOTIME_LEN + 1] ;
    uint64_t t = 0 ;
    s[sgisotime_fmt(s, 1796032800)] = 0 ;
    CHECK(!strcmp(s, "2026-11-30T10:00:00Z"), "fmt %s", s) ;
    CHECK(sgisotime_scan(s, &t) == SGISOTIME_LEN && t == 1796032800, "scan %llu", (unsigned long long)t) ;
    s[sgisotime_fmt(s, 951782400)] = 0 ;  /* a leap day */
    CHECK(!strcmp(s, "2000-02-29T00:00:00Z"), "fmt %s", s) ;
    CHECK(sgisotime_scan("2000-02-29T00:00:00Z", &t) && t == 951782400, "scan leap") ;
    CHECK(!sgisotime_scan("2026-13-01T00:00:00Z", &t), "month 13") ;
    CHECK(!sgisotime_scan("2026-11-30 10:00:00Z", &t), "space") ;
  }

  {
    static char const ds[] =
      "# comment\n"
      "$TTL 300\n"
      ":127.0.0.2:listed by smtpguard\n"
      "1.2.3.4 :127.0.0.2:listed by smtpguard (badrcpt) until 2026-11-30T10:00:00Z\n"
      "1.2.3.5 :127.0.0.2:listed by smtpguard (badrcpt) until 2020-01-01T00:00:00Z\n"
      "5.6.7.0/24 :127.0.0.2:listed by smtpguard (5 addresses) until 2026-11-30T10:00:00Z\n"
      "!5.6.7.9\n"
      "8.8.8\n"
      "9.9.9.1-9\n"
      "junk here\n"
      "2001:db8::7 :127.0.0.2:x until 2026-11-30T10:00:00Z\r\n"
      ":127.0.0.3:everything below until 2026-11-30T11:00:00Z\n"
      "4.4.4.4 ; comment\n" ;
    size_t bad = 0 ;
    got[0] = 0 ;
    CHECK(sgimport_parse(ds, sizeof(ds) - 1, 1795900000, &collect, 0, &bad) == 1, "parse") ;
    CHECK(!strcmp(got, "1.2.3.4@1796032800 5.6.7.0/24@1796032800 !5.6.7.9@0 8.8.8.0/24@0 2001:db8::7@1796032800 4.4.4.4@1796036400 "), "import got %s", got) ;
    CHECK(bad == 2, "bad = %zu", bad) ;
  }
  if (fails) return 1 ;
  printf("test_sgnet: ok\n") ;
  return 0 ;
}
