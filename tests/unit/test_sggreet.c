/* ISC license. */

/* The door test's pure parts and its pass records: what an early
   talker's first bytes are called, the lines smtpguard writes, the
   default teaser text, and pass records written, checked, expired,
   replaced and pruned with an injected clock. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sggreet.h"
#include "sgpass.h"
#include "sgstate.h"

#include "sgtest.h"

static int line_is (char const *s, size_t n, char const *want)
{
  return n == strlen(want) && !memcmp(s, want, n) ;
}

int main (void)
{
  char buf[600] ;
  char dir[] = "/tmp/test_sggreet.XXXXXX" ;
  char fn[600] ;
  unsigned int a ;
  sgstate st ;
  int fd ;
  uint64_t now = (uint64_t)time(0) ;  /* temporaries are judged by their mtime */
  static char const hello[] = "\026\003\001\002\000\001\000\001\374\003\003" ;

  /* first bytes */
  CHECK(sggreet_classify("EHLO bot\r\n", 10) == SGG_EARLY) ;
  CHECK(sggreet_classify("\r\n", 2) == SGG_EARLY) ;
  CHECK(sggreet_classify("GET / HTTP/1.1\r\n", 16) == SGG_HTTP) ;
  CHECK(sggreet_classify("POST /x HTTP/1.0\r\n", 18) == SGG_HTTP) ;
  CHECK(sggreet_classify("CONNECT a:25 HTTP/1.1\r\n", 23) == SGG_HTTP) ;
  CHECK(sggreet_classify("GETX", 4) == SGG_EARLY) ;   /* not a method */
  CHECK(sggreet_classify("get / HTTP/1.1", 14) == SGG_EARLY) ;  /* methods are case-sensitive */
  CHECK(sggreet_classify(hello, sizeof(hello) - 1) == SGG_TLS) ;
  CHECK(sggreet_classify("\026\003", 2) == SGG_EARLY) ;  /* too short to tell */
  CHECK(sggreet_classify("\026\002\001", 3) == SGG_EARLY) ;  /* SSL 2 version byte: not a TLS record */
  CHECK(sggreet_classify("\026\003\011", 3) == SGG_EARLY) ;
  CHECK(!strcmp(sggreet_name(SGG_PASS), "pass") && !strcmp(sggreet_name(SGG_TLS), "tls") && !strcmp(sggreet_name(99), "unknown")) ;

  /* actions */
  CHECK(sggreet_action_scan("log", &a) && a == SGGA_LOG) ;
  CHECK(sggreet_action_scan("strike", &a) && a == SGGA_STRIKE) ;
  CHECK(sggreet_action_scan("list", &a) && a == SGGA_LIST) ;
  CHECK(!sggreet_action_scan("List", &a) && !sggreet_action_scan("", &a)) ;

  /* lines */
  CHECK(line_is(buf, sggreet_teaser(buf, "mx.example.test"), "220-mx.example.test\r\n")) ;
  CHECK(line_is(buf, sggreet_end(buf, "mx.example.test"), "220 mx.example.test\r\n")) ;
  {
    size_t n = sggreet_refusal(buf) ;
    CHECK(n <= SGGREET_REFUSALMAX && n > 12 && !memcmp(buf, "521 5.5.1 ", 10) && !memcmp(buf + n - 2, "\r\n", 2)) ;
    CHECK(!memchr(buf, '\n', n - 1)) ;
  }
  {
    size_t n = sggreet_close(buf, "mx") ;
    CHECK(n <= SGGREET_CLOSEMAX && line_is(buf, n, "220 mx\r\n421 4.3.0 service not available, closing connection\r\n")) ;
  }
  CHECK(sggreet_all220("220 mx ESMTP\r\n", 14)) ;
  CHECK(sggreet_all220("220-a\r\n220-b\r\n220 c\r\n", 21)) ;
  CHECK(sggreet_all220("220 bare lf\n", 12)) ;
  CHECK(!sggreet_all220("220-a\r\n554 b\r\n", 14)) ;
  CHECK(!sggreet_all220("554-a\r\n220 b\r\n", 14)) ;
  CHECK(!sggreet_all220("2200 x\r\n", 8)) ;
  CHECK(!sggreet_all220("220 no end", 10)) ;
  CHECK(!sggreet_all220("", 0)) ;
  CHECK(!sggreet_all220("421 busy\r\n", 10)) ;
  CHECK(sggreet_text_ok("mx.example.test ESMTP")) ;
  CHECK(!sggreet_text_ok("")) ;
  CHECK(!sggreet_text_ok("a\r\n220 b")) ;
  CHECK(!sggreet_text_ok("caf\xc3\xa9")) ;
  memset(fn, 'x', SGGREET_TEXTMAX) ; fn[SGGREET_TEXTMAX] = 0 ;
  CHECK(sggreet_text_ok(fn)) ;
  CHECK(sggreet_teaser(buf, fn) == SGGREET_LINEMAX) ;
  fn[SGGREET_TEXTMAX] = 'x' ; fn[SGGREET_TEXTMAX + 1] = 0 ;
  CHECK(!sggreet_text_ok(fn)) ;
  CHECK(sggreet_teaser(buf, fn) == SGGREET_LINEMAX) ;  /* cut, never more */

  /* default teaser text: tcpserver's local name, else the address */
  CHECK(!strcmp(sggreet_default_text(buf, "mx.example.test", "192.0.2.1"), "mx.example.test")) ;
  CHECK(!strcmp(sggreet_default_text(buf, "0", "192.0.2.1"), "[192.0.2.1]")) ;   /* tcpserver -l 0 */
  CHECK(!strcmp(sggreet_default_text(buf, 0, "2001:db8::1"), "[IPv6:2001:db8::1]")) ;
  CHECK(!strcmp(sggreet_default_text(buf, "evil\r\n250 x", "192.0.2.1"), "[192.0.2.1]")) ;
  CHECK(!strcmp(sggreet_default_text(buf, 0, "1.2.3.4 x"), "smtpguard")) ;
  CHECK(!strcmp(sggreet_default_text(buf, 0, 0), "smtpguard")) ;

  /* pass records */
  if (!mkdtemp(dir)) return 111 ;
  CHECK(sgstate_open(&st, dir, 0)) ;
  CHECK(sgpass_gc(&st, now) == 0) ;   /* no pass/ yet: nothing to do */
  fd = sgpass_dir(&st) ;
  CHECK(fd >= 0) ;
  CHECK(sgpass_check(fd, "10.0.0.1", now) == 0) ;
  CHECK(sgpass_record(fd, "10.0.0.1", now, 60)) ;
  CHECK(sgpass_check(fd, "10.0.0.1", now) == 1) ;
  CHECK(sgpass_check(fd, "10.0.0.1", now + 59) == 1) ;
  CHECK(sgpass_check(fd, "10.0.0.1", now + 60) == 0) ;
  CHECK(sgpass_check(fd, "10.0.0.2", now) == 0) ;
  /* a new pass replaces the old one */
  CHECK(sgpass_record(fd, "10.0.0.1", now + 100, 60)) ;
  CHECK(sgpass_check(fd, "10.0.0.1", now + 159) == 1) ;
  CHECK(sgpass_record(fd, "2001:db8::7", now, 86400)) ;
  CHECK(!sgpass_record(fd, "../x", now, 60) && errno == EINVAL) ;
  CHECK(!sgpass_record(fd, ".tmp.x", now, 60) && errno == EINVAL) ;
  /* garbage is an error (EINVAL), never a pass */
  CHECK(symlinkat("1700000000", fd, "10.0.0.3") == 0) ;
  CHECK(sgpass_check(fd, "10.0.0.3", now) == -1 && errno == EINVAL) ;
  CHECK(symlinkat("1 99999999999 x", fd, "10.0.0.4") == 0) ;
  CHECK(sgpass_check(fd, "10.0.0.4", now) == -1 && errno == EINVAL) ;
  {
    int f = openat(fd, "10.0.0.5", O_WRONLY | O_CREAT, 0644) ;
    CHECK(f >= 0) ;
    if (f >= 0) { CHECK(write(f, "1 2", 3) == 3) ; close(f) ; }
  }
  CHECK(sgpass_check(fd, "10.0.0.5", now) == -1 && errno == EINVAL) ;
  /* temporaries: an old one is a killed writer's, a fresh one may be live */
  CHECK(symlinkat("1 2", fd, ".tmp.10.0.0.6.123") == 0) ;
  /* at now + 30 the garbage goes; the pass lasts until now + 160, the
     temporary is younger than a minute; at now + 200 both go */
  CHECK(sgpass_gc(&st, now + 30) == 3) ;
  CHECK(faccessat(fd, ".tmp.10.0.0.6.123", F_OK, AT_SYMLINK_NOFOLLOW) == 0) ;
  CHECK(faccessat(fd, "10.0.0.1", F_OK, AT_SYMLINK_NOFOLLOW) == 0) ;
  CHECK(sgpass_gc(&st, now + 200) == 2) ;
  CHECK(faccessat(fd, ".tmp.10.0.0.6.123", F_OK, AT_SYMLINK_NOFOLLOW) == -1) ;
  CHECK(faccessat(fd, "10.0.0.1", F_OK, AT_SYMLINK_NOFOLLOW) == -1) ;
  CHECK(sgpass_check(fd, "2001:db8::7", now + 200) == 1) ;
  CHECK(sgpass_check(fd, "10.0.0.3", now) == 0) ;
  /* sgstate_gc prunes pass records too */
  CHECK(sgstate_gc(&st, now + 86400) >= 1) ;
  CHECK(sgpass_check(fd, "2001:db8::7", now) == 0) ;
  close(fd) ;
  sgstate_close(&st) ;
  return sgtest_end(dir) ;
}
