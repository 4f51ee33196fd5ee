/* ISC license. */

/* The walk of listed/ that smtpguard-cdb builds from: every listing that
   parses, in directory order (the cdb's record order follows it), with
   its fields as read one by one; garbage counted, temporaries reported;
   the same with a handful of listings and with enough of them that the
   reading is shared with a second process. And the gc of the
   temporaries the walk reported, without a second walk of listed/. */

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgip.h"
#include "sglisting.h"
#include "sgpolicy.h"
#include "sgstate.h"

#include "sgtest.h"

static char dir[] = "/tmp/test_sgstate_foreach.XXXXXX" ;

/* what a walk saw */
typedef struct seen_s seen ;
struct seen_s
{
  sglisting *l ;
  size_t n ;
  size_t cap ;
  size_t stopat ;  /* f returns 0 at this call (1-based), 0: never */
  char tmps[64][64] ;
  unsigned int ntmps ;
} ;

static int add (sglisting const *l, void *p)
{
  seen *s = p ;
  if (s->n == s->cap)
  {
    s->cap = s->cap ? 2 * s->cap : 256 ;
    s->l = realloc(s->l, s->cap * sizeof(sglisting)) ;
    if (!s->l) { perror("realloc") ; exit(111) ; }
  }
  s->l[s->n++] = *l ;
  if (s->stopat && s->n == s->stopat) { errno = EDOM ; return 0 ; }
  return 1 ;
}

static int tmp (char const *name, void *p)
{
  seen *s = p ;
  if (s->ntmps < 64 && strlen(name) < 64) strcpy(s->tmps[s->ntmps++], name) ;
  return strcmp(name, ".tmp.stop") ;  /* 0 stops the walk */
}

/* the reference: readdir order, each listing read on its own */
static void reference (int listedfd, seen *s, unsigned int *bad)
{
  DIR *d = fdopendir(dup(listedfd)) ;
  struct dirent *de ;
  if (!d) { perror("fdopendir") ; exit(111) ; }
  rewinddir(d) ;
  while ((de = readdir(d)))
  {
    char cip[SGIP_MAX] ;
    sglisting l ;
    if (de->d_name[0] == '.') continue ;
    memset(&l, 0, sizeof(l)) ;
    if (!sgip_canon(cip, de->d_name) || strcmp(cip, de->d_name) || sglisting_read(listedfd, cip, &l) <= 0) { (*bad)++ ; continue ; }
    add(&l, s) ;
  }
  closedir(d) ;
}

static int same (sglisting const *a, sglisting const *b)
{
  return !strcmp(a->ip, b->ip) && a->reason == b->reason && a->since == b->since
    && a->until == b->until && a->strikes == b->strikes ;
}

static void mklink (int fd, char const *name, char const *text)
{
  if (symlinkat(text, fd, name) == -1) { perror(name) ; exit(111) ; }
}

static void mkfile (int fd, char const *name, char const *text)
{
  int f = openat(fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644) ;
  if (f == -1 || write(f, text, strlen(text)) != (ssize_t)strlen(text) || close(f) == -1) { perror(name) ; exit(111) ; }
}

/* listings from..to of all kinds; from 0, some garbage and temporaries */
static void fill (int fd, unsigned int from, unsigned int to)
{
  static char const *const reasons[] = { "badrcpt", "rset", "authfail", "errors", "network", "early", "nosuchreason" } ;
  unsigned int i ;
  for (i = from ; i < to ; i++)
  {
    char ip[SGIP_MAX], text[96] ;
    if (i % 5 == 4) snprintf(ip, sizeof(ip), "2001:db8::%x:%x", (i >> 16) + 1, i & 0xffff) ;
    else snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255) ;
    snprintf(text, sizeof(text), "%s %u %u %u", reasons[i % 7], 1700000000u + i, 1700003600u + 7 * i, 1 + i % 9) ;
    if (i % 97 == 13) { strcat(text, "\n") ; mkfile(fd, ip, text) ; }  /* a listing file */
    else mklink(fd, ip, text) ;
  }
  if (from) return ;
  mklink(fd, "01.2.3.4", "badrcpt 1 2 1") ;      /* not canonical */
  mklink(fd, "2001:DB8::1", "badrcpt 1 2 1") ;   /* not canonical */
  mklink(fd, "not-an-ip", "badrcpt 1 2 1") ;
  mklink(fd, "192.0.2.1", "badrcpt one 2 1") ;   /* garbage text */
  mkfile(fd, "192.0.2.3", "") ;
  if (mkdirat(fd, "192.0.2.4", 0755) == -1) { perror("mkdir") ; exit(111) ; }
  mklink(fd, ".tmp.192.0.2.9.4242", "badrcpt 1 2 1") ;
  mkfile(fd, ".tmp.192.0.2.10.4243", "badrcpt 1 2 1\n") ;
  mklink(fd, ".other", "badrcpt 1 2 1") ;
}

static void walk (int listedfd, sgstate *st, char const *what)
{
  seen want = { 0 }, got = { 0 } ;
  unsigned int wbad = 0, gbad = 0 ;
  size_t i ;
  reference(listedfd, &want, &wbad) ;
  CHECK(sgstate_foreach_tmp(st, &add, &got, &gbad, &tmp, &got) == 1) ;
  if (got.n != want.n) printf("%s: %zu listings, want %zu\n", what, got.n, want.n) ;
  CHECK(got.n == want.n) ;
  CHECK(gbad == wbad && gbad == 6) ;
  for (i = 0 ; i < want.n && i < got.n ; i++)
    if (!same(&got.l[i], &want.l[i])) { printf("%s: listing %zu is %s, want %s\n", what, i, got.l[i].ip, want.l[i].ip) ; fails++ ; break ; }
  /* the temporaries, and only they */
  CHECK(got.ntmps == 2) ;
  for (i = 0 ; i < got.ntmps ; i++) CHECK(!strncmp(got.tmps[i], ".tmp.192.0.2.", 13)) ;
  /* sgstate_foreach: the same walk */
  {
    seen again = { 0 } ;
    unsigned int abad = 0 ;
    CHECK(sgstate_foreach(st, &add, &again, &abad) == 1) ;
    CHECK(again.n == want.n && abad == wbad) ;
    for (i = 0 ; i < want.n && i < again.n ; i++) if (!same(&again.l[i], &want.l[i])) { fails++ ; break ; }
    free(again.l) ;
  }
  /* f stops the walk: 0, errno from f, nothing after */
  {
    seen stop = { 0 } ;
    stop.stopat = want.n / 2 + 1 ;
    errno = 0 ;
    CHECK(sgstate_foreach(st, &add, &stop, 0) == 0 && errno == EDOM) ;
    CHECK(stop.n == stop.stopat) ;
    free(stop.l) ;
  }
  free(want.l) ; free(got.l) ;
}

int main (void)
{
  sgstate st = SGSTATE_ZERO ;
  uint64_t now = (uint64_t)time(0) ;
  int fd ;
  if (!mkdtemp(dir)) { perror("mkdtemp") ; return 111 ; }
  if (!sgstate_open(&st, dir, 0)) { perror("sgstate_open") ; return 111 ; }
  fd = st.listedfd ;

  /* nothing listed: no call */
  {
    seen s = { 0 } ;
    unsigned int bad = 0 ;
    CHECK(sgstate_foreach_tmp(&st, &add, &s, &bad, &tmp, &s) == 1 && !s.n && !bad && !s.ntmps) ;
  }

  fill(fd, 0, 40) ;
  walk(fd, &st, "40 listings") ;

  /* a temporary that tmpf refuses: the walk stops before any listing */
  {
    seen s = { 0 } ;
    mklink(fd, ".tmp.stop", "x") ;
    CHECK(sgstate_foreach_tmp(&st, &add, &s, 0, &tmp, &s) == 0 && !s.n) ;
    CHECK(unlinkat(fd, ".tmp.stop", 0) == 0) ;
    free(s.l) ;
  }

  /* enough listings for a second reader */
  fill(fd, 40, 20000) ;
  walk(fd, &st, "20000 listings") ;

  /* the gc of the temporaries: with butlistings 2 listed/ is left to
     the caller, who names them; with 1 they are found by a walk */
  {
    uint64_t later = now + 3600 ;
    struct stat stt ;
    seen s = { 0 } ;
    unsigned int bad = 0 ;
    CHECK(sgstate_gc_but_listings(&st, later, 2) >= 0) ;
    CHECK(fstatat(fd, ".tmp.192.0.2.9.4242", &stt, AT_SYMLINK_NOFOLLOW) == 0) ;
    CHECK(fstatat(fd, ".tmp.192.0.2.10.4243", &stt, AT_SYMLINK_NOFOLLOW) == 0) ;
    CHECK(sgstate_gc_listing(&st, ".tmp.192.0.2.9.4242", now) == 0) ;  /* not a minute old */
    CHECK(sgstate_gc_listing(&st, ".tmp.192.0.2.9.4242", later) == 1) ;
    CHECK(fstatat(fd, ".tmp.192.0.2.9.4242", &stt, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT) ;
    CHECK(sgstate_gc_but_listings(&st, later, 1) >= 1) ;
    CHECK(fstatat(fd, ".tmp.192.0.2.10.4243", &stt, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT) ;
    /* the listings themselves untouched */
    CHECK(sgstate_foreach_tmp(&st, &add, &s, &bad, &tmp, &s) == 1 && s.n == 20000 && bad == 6 && !s.ntmps) ;
    free(s.l) ;
  }

  sgstate_close(&st) ;
  return sgtest_end(dir) ;
}
