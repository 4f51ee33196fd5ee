/* ISC license. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/types.h>
#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>

#include "sgnft.h"

void sgnft_start (sgnft *n, uint64_t now)
{
  n->v4.len = n->v6.len = 0 ;
  n->n4 = n->n6 = 0 ;
  n->now = now ;
}

int sgnft_add (sgnft *n, char const *ip, uint64_t until)
{
  int six = !!strchr(ip, ':') ;
  stralloc *sa = six ? &n->v6 : &n->v4 ;
  char fmt[UINT64_FMT] ;
  if (until <= n->now) return 1 ;
  fmt[uint64_fmt(fmt, until - n->now)] = 0 ;
  if (!stralloc_cats(sa, "\t\t\t") || !stralloc_cats(sa, ip)
   || !stralloc_cats(sa, " timeout ") || !stralloc_cats(sa, fmt) || !stralloc_cats(sa, "s,\n")) return 0 ;
  if (six) n->n6++ ; else n->n4++ ;
  return 1 ;
}

void sgnft_free (sgnft *n)
{
  stralloc_free(&n->v4) ;
  stralloc_free(&n->v6) ;
}

static int catset (stralloc *sa, char const *name, char const *type, stralloc const *el)
{
  if (!stralloc_cats(sa, "\tset ") || !stralloc_cats(sa, name) || !stralloc_cats(sa, " {\n\t\ttype ")
   || !stralloc_cats(sa, type) || !stralloc_cats(sa, "\n\t\tflags timeout\n")) return 0 ;
  /* nft refuses an empty element list */
  if (el->len && (!stralloc_cats(sa, "\t\telements = {\n") || !stralloc_catb(sa, el->s, el->len)
   || !stralloc_cats(sa, "\t\t}\n"))) return 0 ;
  return stralloc_cats(sa, "\t}\n") ;
}

int sgnft_write (sgnft const *n, char const *fn, unsigned int port)
{
  stralloc sa = STRALLOC_ZERO ;
  char p[UINT_FMT], suffix[5 + UINT64_FMT] ;
  int ok ;
  p[uint_fmt(p, port)] = 0 ;
  memcpy(suffix, ".tmp.", 5) ;
  suffix[5 + uint64_fmt(suffix + 5, (uint64_t)getpid())] = 0 ;
  ok = stralloc_cats(&sa, "#!/usr/sbin/nft -f\n"
      "# written by smtpguard-cdb: the listed addresses, refused by the kernel\n"
      "# before tcpserver accepts them. Load with nft -f; it replaces itself whole.\n"
      "table inet smtpguard\n"
      "delete table inet smtpguard\n"
      "table inet smtpguard {\n")
   && catset(&sa, "listed4", "ipv4_addr", &n->v4)
   && catset(&sa, "listed6", "ipv6_addr", &n->v6)
   && stralloc_cats(&sa, "\tchain input {\n"
      "\t\ttype filter hook input priority filter - 1; policy accept;\n"
      "\t\ttcp dport ")
   && stralloc_cats(&sa, p)
   && stralloc_cats(&sa, " ip saddr @listed4 reject with tcp reset\n\t\ttcp dport ")
   && stralloc_cats(&sa, p)
   && stralloc_cats(&sa, " ip6 saddr @listed6 reject with tcp reset\n\t}\n}\n")
   /* skalibs: <fn><suffix>, fsync, rename: never a partial file */
   && openwritenclose_suffix_sync(fn, sa.s, sa.len, suffix) ;
  {
    int e = errno ;
    stralloc_free(&sa) ;
    errno = e ;
  }
  return ok ;
}
