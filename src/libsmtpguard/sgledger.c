/* ISC license. */

/* The per-IP ledger: ledger/<ip>, one fixed-size record of SGLEDGER_NB
   time buckets covering the window. Every update is read, modify, one
   pwrite(2) of the whole record, under flock(LOCK_EX) on the file: so
   concurrent writers serialize, a writer killed before its pwrite
   changes nothing, and the cost does not depend on how many IPs exist.
   The ledger is not fsync'd: after a power loss it may be stale or torn;
   a torn record fails its checksum and counts as empty. The file also
   serves as the IP's lock for listing changes (sgstate_kick, _unlist).
   It also keeps the tags of the last refused credentials (sgscan.h):
   the same ones refused again within the window count once. */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "sgledger.h"
#include "sgpolicy.h"
#include "sgstate.h"

#define SGLEDGER_NB 16
#define SGLEDGER_NTAGS 8
/* "SGL3": an older record (no tags; SGL1 had raw reply counts) reads as empty */
#define SGLEDGER_MAGIC 0x334c4753u
#define NC 7  /* guessq, openq, deliv, rset, authfail, errors, kicks */

struct bucket_s
{
  uint64_t index ;  /* now / width when this bucket was last started */
  uint32_t c[NC] ;
} ;

struct tag_s
{
  uint64_t index ;  /* the bucket index when these credentials were last refused */
  uint32_t tag ;
  uint32_t pad ;
} ;

struct record_s
{
  uint32_t magic ;
  uint32_t width ;
  uint32_t sum ;
  uint32_t pad ;
  struct bucket_s b[SGLEDGER_NB] ;
  struct tag_s t[SGLEDGER_NTAGS] ;
} ;

static uint32_t checksum (struct record_s const *r)
{
  unsigned char const *p = (unsigned char const *)r->b ;
  uint32_t h = 2166136261u ;
  size_t i = 0 ;
  for (; i < sizeof(*r) - offsetof(struct record_s, b) ; i++) h = (h ^ p[i]) * 16777619u ;
  return h ;
}

static uint32_t satadd (uint32_t a, uint32_t b)
{
  return a + b < a ? 0xffffffffu : a + b ;
}

int sgledger_lock (sgstate *st, char const *ip)
{
  unsigned int tries = 0 ;
  for (; tries < 8 ; tries++)
  {
    struct stat stt ;
    int fd = openat(st->ledgerfd, ip, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644) ;
    if (fd == -1)
    {
      /* a ledger another user made (root, with an older version) that we
         cannot write: it is short-term memory, start it again */
      int e = errno ;
      if (e == EACCES && !tries && unlinkat(st->ledgerfd, ip, 0) == 0) continue ;
      errno = e ;
      return -1 ;
    }
    if (flock(fd, LOCK_EX) == -1 || fstat(fd, &stt) == -1) { int e = errno ; close(fd) ; errno = e ; return -1 ; }
    if (!S_ISREG(stt.st_mode)) { close(fd) ; errno = EINVAL ; return -1 ; }
    /* root (smtpguard-unlist) gives what it creates to the smtpd user;
       if it cannot, the smtpd user starts the file again (above) */
    if (!stt.st_uid) sgstate_own(st->ledgerfd, fd, 0) ;
    if (stt.st_nlink) return fd ;
    close(fd) ;  /* sgstate_gc unlinked it while we waited: take the new one */
  }
  errno = EBUSY ;
  return -1 ;
}

/* 1 if these refused credentials were refused within the window (the
   tag is then kept fresh), 0 if not (they take the stalest place) */
static int tag_seen (struct record_s *r, uint32_t tag, uint64_t idx)
{
  unsigned int i = 0, old = 0 ;
  for (; i < SGLEDGER_NTAGS ; i++)
    if (r->t[i].tag == tag && r->t[i].index + SGLEDGER_NB > idx)
    {
      r->t[i].index = idx ;
      return 1 ;
    }
  for (i = 1 ; i < SGLEDGER_NTAGS ; i++) if (r->t[i].index < r->t[old].index) old = i ;
  r->t[old].tag = tag ;
  r->t[old].index = idx ;
  return 0 ;
}

/* The open refusals a transaction published are taken back from the
   bucket they went to, if it is still that bucket: a writer killed
   before taking them back leaves them for a window at most. */
int sgledger_update (int fd, sgstateconf const *conf, sgevidence const *delta, sgwithdraw const *w, unsigned int nw, uint32_t kicks, uint64_t now, sgevidence *total, uint32_t *kickstotal, uint64_t *curidx)
{
  struct record_s r ;
  uint32_t width = (conf->window + SGLEDGER_NB - 1) / SGLEDGER_NB ;
  uint32_t sums[NC] = { 0, 0, 0, 0, 0, 0, 0 } ;
  uint64_t idx ;
  struct bucket_s *cur ;
  unsigned int i, j ;
  ssize_t n ;
  if (!width) width = 1 ;
  idx = now / width ;
  n = pread(fd, &r, sizeof(r), 0) ;
  if (n < 0) return 0 ;
  if (n != sizeof(r) || r.magic != SGLEDGER_MAGIC || r.width != width || r.sum != checksum(&r))
  {
    memset(&r, 0, sizeof(r)) ;
    r.magic = SGLEDGER_MAGIC ;
    r.width = width ;
  }
  cur = &r.b[idx % SGLEDGER_NB] ;
  if (cur->index != idx) { memset(cur, 0, sizeof(*cur)) ; cur->index = idx ; }
  for (i = 0 ; i < nw ; i++)
  {
    struct bucket_s *b = &r.b[w[i].idx % SGLEDGER_NB] ;
    if (b->index == w[i].idx) b->c[1] = b->c[1] > w[i].q ? b->c[1] - w[i].q : 0 ;
  }
  if (delta)
  {
    cur->c[0] = satadd(cur->c[0], delta->guessq) ;
    cur->c[1] = satadd(cur->c[1], delta->openq) ;
    cur->c[2] = satadd(cur->c[2], delta->deliv) ;
    cur->c[3] = satadd(cur->c[3], delta->rset) ;
    /* a phone retrying a stale password counts once, a guesser each time */
    if (!(delta->authfail == 1 && delta->authtag && tag_seen(&r, delta->authtag, idx)))
      cur->c[4] = satadd(cur->c[4], delta->authfail) ;
    cur->c[5] = satadd(cur->c[5], delta->errors) ;
  }
  cur->c[6] = satadd(cur->c[6], kicks) ;
  for (i = 0 ; i < SGLEDGER_NB ; i++)
    if (r.b[i].index <= idx && r.b[i].index + SGLEDGER_NB > idx)
      for (j = 0 ; j < NC ; j++) sums[j] = satadd(sums[j], r.b[i].c[j]) ;
  r.sum = checksum(&r) ;
  n = pwrite(fd, &r, sizeof(r), 0) ;
  if (n != sizeof(r))
  {
    if (n >= 0) errno = ENOSPC ;
    return 0 ;
  }
  if (total)
  {
    total->guessq = sums[0] ; total->openq = sums[1] ; total->deliv = sums[2] ;
    total->rset = sums[3] ; total->authfail = sums[4] ; total->errors = sums[5] ;
    total->authtag = 0 ;
  }
  if (kickstotal) *kickstotal = sums[6] ;
  if (curidx) *curidx = idx ;
  return 1 ;
}

/* The gc's test for one ledger file (locked by the caller): stale when
   it holds no valid record or every bucket has left its window. The
   record knows its own bucket width, so no configuration is needed. */
int sgledger_stale (int fd, uint64_t now)
{
  struct record_s r ;
  uint64_t newest = 0 ;
  unsigned int i ;
  ssize_t n = pread(fd, &r, sizeof(r), 0) ;
  if (n < 0) return 0 ;
  if (n != sizeof(r) || r.magic != SGLEDGER_MAGIC || !r.width || r.sum != checksum(&r)) return 1 ;
  for (i = 0 ; i < SGLEDGER_NB ; i++) if (r.b[i].index > newest) newest = r.b[i].index ;
  return newest + SGLEDGER_NB <= now / r.width ;
}
