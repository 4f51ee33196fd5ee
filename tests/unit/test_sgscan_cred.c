/* ISC license. */

/* The tag of an AUTH exchange, which the ledger uses to count the same
   refused credentials once: the same bytes sent again tag alike however
   they are split into reads; other credentials, another line split,
   another key tag apart, bytes past the 80 a command line keeps
   included; no tag without the key or past SGSCAN_CREDMAX; and the
   held bytes are wiped at the exchange's end or at the next command. */

#include <string.h>

#include "sgscan.h"
#include "sgtest.h"

static uint64_t const key1[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull } ;
static uint64_t const key2[2] = { 0x0706050403020101ull, 0x0f0e0d0c0b0a0908ull } ;
static sgscan sc ;

static int wiped (void)
{
  size_t i = 0 ;
  for (; i < SGSCAN_CREDMAX ; i++) if (sc.cred[i]) return 0 ;
  return !sc.credlen ;
}

/* ses: server and client turns alternating, the greeting first, client
   bytes fed step at a time; the AUTH reply's tag (its code in *code) */
static uint32_t run (char const *const *ses, size_t step, uint64_t const *key, unsigned int *code)
{
  uint32_t tag = 0 ;
  unsigned int i = 0 ;
  sgscan_init(&sc) ;
  if (key) { memcpy(sc.credkey, key, sizeof(sc.credkey)) ; sc.credkeyed = 1 ; }
  for (; ses[i] ; i++)
  {
    char const *s = ses[i] ;
    size_t len = strlen(s), done = 0 ;
    while (done < len)
    {
      sgevent ev ;
      size_t want = i & 1 && len - done > step ? step : len - done ;
      size_t n = i & 1 ? sgscan_client(&sc, s + done, want, &ev) : sgscan_server(&sc, s + done, want, &ev) ;
      if (!n && ev.type == SGEV_NONE) { printf("FAIL: blocked at turn %u\n", i) ; fails++ ; return 0 ; }
      done += n ;
      if (ev.type == SGEV_REPLY && ev.cmd == SGCMD_AUTH) { tag = ev.arg ; *code = ev.code ; }
    }
  }
  return tag ;
}

static uint32_t plain (char const *cred, size_t step, uint64_t const *key)
{
  char line[600] ;
  char const *ses[] = { "220 mx\r\n", "EHLO c\r\n", "250 AUTH PLAIN\r\n", line, "535 5.7.8 no\r\n", 0 } ;
  unsigned int code = 0 ;
  uint32_t t ;
  snprintf(line, sizeof(line), "AUTH PLAIN %s\r\n", cred) ;
  t = run(ses, step, key, &code) ;
  CHECK(code == 535) ;
  CHECK(wiped()) ;
  return t ;
}

static uint32_t login (char const *user, char const *pass, size_t step)
{
  char const *ses[] = { "220 mx\r\n", "EHLO c\r\n", "250 AUTH LOGIN\r\n", "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", user, "334 UGFzc3dvcmQ6\r\n", pass, "535 no\r\n", 0 } ;
  unsigned int code = 0 ;
  uint32_t t = run(ses, step, key1, &code) ;
  CHECK(code == 535) ;
  CHECK(wiped()) ;
  return t ;
}

int main (void)
{
  char longb[300] ;
  uint32_t t = plain("AGFsaWNlAG9sZHNlY3JldA==", 1000, key1) ;
  CHECK(t) ;
  CHECK(plain("AGFsaWNlAG9sZHNlY3JldA==", 1, key1) == t) ;
  CHECK(plain("AGFsaWNlAG9sZHNlY3JldA==", 7, key1) == t) ;
  CHECK(plain("AGFsaWNlAG9sZHNlY3JldB==", 1000, key1) != t) ;
  CHECK(plain("AGFsaWNlAG9sZHNlY3JldA==", 1000, key2) != t) ;
  CHECK(plain("AGFsaWNlAG9sZHNlY3JldA==", 1000, 0) == 0) ;

  /* past the 80 bytes a command line keeps: still all of it */
  memset(longb, 'A', 150) ; longb[150] = 0 ;
  t = plain(longb, 1000, key1) ;
  CHECK(t) ;
  CHECK(plain(longb, 5, key1) == t) ;
  longb[140] = 'B' ;
  CHECK(plain(longb, 1000, key1) != t) ;
  /* past SGSCAN_CREDMAX: no tag, always counted */
  memset(longb, 'A', 280) ; longb[280] = 0 ;
  CHECK(plain(longb, 1000, key1) == 0) ;
  CHECK(plain(longb, 3, key1) == 0) ;

  /* AUTH LOGIN: its two lines, and where one ends */
  t = login("YWxpY2U=\r\n", "b2xkc2VjcmV0\r\n", 1000) ;
  CHECK(t) ;
  CHECK(login("YWxpY2U=\r\n", "b2xkc2VjcmV0\r\n", 2) == t) ;
  CHECK(login("YWxpY2U=\r\n", "b2xkc2VjcmVx\r\n", 1000) != t) ;
  CHECK(login("YWxpY2U=b\r\n", "2xkc2VjcmV0\r\n", 1000) != t) ;

  /* an AUTH line that was not one: nothing held after it */
  {
    char const *ses[] = { "220 mx\r\n", "AUTHX PLAIN AGFsaWNl\r\n", "500 what\r\n", 0 } ;
    unsigned int code = 0 ;
    CHECK(run(ses, 4, key1, &code) == 0) ;
    CHECK(wiped()) ;
  }
  /* a credentials line under way when the exchange ends: what comes
     after the final reply is not held */
  {
    sgevent ev ;
    sgscan_init(&sc) ;
    sc.credkeyed = 1 ;
    sgscan_server(&sc, "220 mx\r\n", 8, &ev) ;
    sgscan_client(&sc, "AUTH LOGIN\r\n", 12, &ev) ;
    sgscan_server(&sc, "334 VXNlcm5hbWU6\r\n", 18, &ev) ;
    sgscan_client(&sc, "YWxpY2U=\r\n", 10, &ev) ;
    sgscan_server(&sc, "334 UGFzc3dvcmQ6\r\n", 18, &ev) ;
    sgscan_client(&sc, "c2VjcmV0", 8, &ev) ;
    CHECK(sc.credlen > 8) ;
    sgscan_server(&sc, "535 no\r\n", 8, &ev) ;
    CHECK(ev.type == SGEV_REPLY && ev.cmd == SGCMD_AUTH && wiped()) ;
    sgscan_client(&sc, "eHRyYXNlY3JldA", 14, &ev) ;
    CHECK(wiped()) ;
    sgscan_client(&sc, "\r\nQUIT\r\n", 8, &ev) ;
    CHECK(wiped()) ;
  }
  /* a violation in the AUTH line: wiped */
  {
    sgevent ev ;
    sgscan_init(&sc) ;
    sgscan_server(&sc, "220 mx\r\n", 8, &ev) ;
    CHECK(sgscan_client(&sc, "AUTH PLAIN AGFs", 15, &ev) == 15 && sc.credlen == 15) ;
    sgscan_client(&sc, "\0aWNl\r\n", 8, &ev) ;
    CHECK(ev.type == SGEV_VIOLATION) ;
    CHECK(wiped()) ;
  }
  return sgtest_end(0) ;
}
