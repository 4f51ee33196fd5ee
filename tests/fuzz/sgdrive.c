/* ISC license. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgdrive.h"

/* compare the counters too: sgpolicy_count() exists */
#ifndef SGDRIVE_POLICY
#define SGDRIVE_POLICY 1
#endif

static void record (sgdrive *d, sgevent const *ev)
{
  if (ev->type == SGEV_NONE) return ;
  if (d->n == d->cap)
  {
    size_t cap = d->cap ? 2 * d->cap : 64 ;
    rm_ev *p = realloc(d->ev, cap * sizeof(rm_ev)) ;
    if (!p) { d->nomem = 1 ; return ; }
    d->ev = p ; d->cap = cap ;
  }
  d->ev[d->n].type = ev->type ;
  d->ev[d->n].cmd = ev->cmd ;
  d->ev[d->n].code = ev->type == SGEV_COMMAND ? 0 : ev->code ;
  d->n++ ;
#if SGDRIVE_POLICY
  sgpolicy_count(&d->counts, ev) ;
#endif
}

void sgdrive_init (sgdrive *d, char const *c, size_t clen, char const *s, size_t slen)
{
  memset(d, 0, sizeof(*d)) ;
  sgscan_init(&d->sc) ;
  d->sc.credkeyed = 1 ;  /* AUTH exchanges are tagged, as with a state directory */
  d->c = c ; d->clen = clen ;
  d->s = s ; d->slen = slen ;
}

/* offer every arrived, unscanned client byte, until the scanner blocks */
static void drain (sgdrive *d)
{
  while (d->cpos < d->carrived)
  {
    sgevent ev ;
    size_t n = sgscan_client(&d->sc, d->c + d->cpos, d->carrived - d->cpos, &ev) ;
    if (n > d->carrived - d->cpos) { d->stuck = 1 ; return ; }
    d->cpos += n ;
    record(d, &ev) ;
    if (d->sc.qlen > SGSCAN_QMAX) d->stuck = 1 ;
    /* credentials held only while an AUTH line or exchange is under way */
    if (!d->sc.inauth && !d->sc.credline && d->sc.credlen) d->stuck = 1 ;
    if (!n && ev.type == SGEV_NONE) return ;  /* blocked */
    if (!n) { d->stuck = 1 ; return ; }       /* an event out of nothing */
  }
}

void sgdrive_client (sgdrive *d, size_t n)
{
  if (n > d->clen - d->carrived) n = d->clen - d->carrived ;
  d->carrived += n ;
  drain(d) ;
}

void sgdrive_server (sgdrive *d, size_t n)
{
  size_t end ;
  if (n > d->slen - d->spos) n = d->slen - d->spos ;
  if (!n) return ;
  end = d->spos + n ;
  if (d->nseg == d->segcap)
  {
    size_t cap = d->segcap ? 2 * d->segcap : 16 ;
    rm_seg *p = realloc(d->seg, cap * sizeof(rm_seg)) ;
    if (!p) { d->nomem = 1 ; return ; }
    d->seg = p ; d->segcap = cap ;
  }
  d->seg[d->nseg].send = end ;
  d->seg[d->nseg].cavail = d->carrived ;
  d->nseg++ ;
  while (d->spos < end)
  {
    sgevent ev ;
    size_t k = sgscan_server(&d->sc, d->s + d->spos, end - d->spos, &ev) ;
    if (!k || k > end - d->spos) { d->stuck = 1 ; return ; }
    d->spos += k ;
    record(d, &ev) ;
    /* an AUTH exchange's bytes never outlive it, nor pass their bound */
    if (d->sc.credlen > SGSCAN_CREDMAX || (ev.type == SGEV_REPLY && ev.cmd == SGCMD_AUTH && d->sc.credlen)) d->stuck = 1 ;
    drain(d) ;
  }
}

void sgdrive_finish (sgdrive *d)
{
  sgdrive_client(d, d->clen) ;
  sgdrive_server(d, d->slen) ;
}

void sgdrive_free (sgdrive *d)
{
  free(d->ev) ;
  free(d->seg) ;
  d->ev = 0 ; d->seg = 0 ;
}

char *sgdrive_text (rm_ev const *ev, size_t n)
{
  size_t len = 1, i ;
  char *s, *p ;
  for (i = 0 ; i < n ; i++) len += 20 ;
  s = malloc(len) ;
  if (!s) return 0 ;
  p = s ; *p = 0 ;
  for (i = 0 ; i < n ; i++)
  {
    if (i) *p++ = ' ' ;
    if (ev[i].type == SGEV_COMMAND) p += sprintf(p, "%s", sgcmd_name(ev[i].cmd)) ;
    else if (ev[i].type == SGEV_LONGLINE) p += sprintf(p, "longline") ;
    else if (ev[i].type == SGEV_VIOLATION) p += sprintf(p, "violation:%s", sgviol_name(ev[i].code)) ;
    else p += sprintf(p, "%s%c%u", sgcmd_name(ev[i].cmd), ev[i].type == SGEV_BLIND ? '!' : '=', (unsigned int)ev[i].code) ;
  }
  return s ;
}

static unsigned char const *find (unsigned char const *s, size_t len, char const *pat)
{
  size_t m = strlen(pat), i ;
  if (len < m) return 0 ;
  for (i = 0 ; i + m <= len ; i++) if (!memcmp(s + i, pat, m)) return s + i ;
  return 0 ;
}

static void show (char const *what, rm_ev const *ev, size_t n, sgcounts const *c)
{
  char *t = sgdrive_text(ev, n) ;
  size_t len = t ? strlen(t) : 0 ;
  fprintf(stderr, "%s: bad=%u good=%u rset=%u authfail=%u errors=%u events: %s%s\n", what,
    (unsigned)c->bad, (unsigned)c->good, (unsigned)c->rset, (unsigned)c->authfail, (unsigned)c->errors,
    len > 4000 ? "..." : "", t ? (len > 4000 ? t + len - 4000 : t) : "(nomem)") ;
  free(t) ;
}

void sgdrive_reads (sgdrive *d, char const *r, size_t rlen)
{
  size_t i = 0 ;
  while (i < rlen && !d->stuck)
  {
    char side = r[i++] ;
    size_t n = 0 ;
    int digits = 0 ;
    if (side != 'c' && side != 's') continue ;
    if (i < rlen && r[i] == '*') { i++ ; n = (size_t)-1 ; }
    else
    {
      for (; i < rlen && digits < 9 && r[i] >= '0' && r[i] <= '9' ; i++, digits++) n = n * 10 + (r[i] - '0') ;
      if (!digits) n = 1 ;
    }
    if (side == 'c') sgdrive_client(d, n) ; else sgdrive_server(d, n) ;
  }
  if (!d->stuck) sgdrive_finish(d) ;
}

int sgdrive_compare (sgdrive *d, int verbose)
{
  rm_result m ;
  int bad = 0 ;
  if (d->nomem) return -1 ;
  if (refmodel_run(d->c, d->clen, d->s, d->slen, d->seg, d->nseg, &m) < 0) return -1 ;
  if (d->stuck) { bad = 1 ; if (verbose) fprintf(stderr, "sgcheck: the scanner broke its calling convention\n") ; }
  if (d->n != m.n || (d->n && memcmp(d->ev, m.ev, d->n * sizeof(rm_ev)))) bad = 1 ;
#if SGDRIVE_POLICY
  if (memcmp(&d->counts, &m.counts, sizeof(sgcounts))) bad = 1 ;
#endif
  if (bad && verbose)
  {
    size_t k = 0 ;
    while (k < d->n && k < m.n && !memcmp(&d->ev[k], &m.ev[k], sizeof(rm_ev))) k++ ;
    fprintf(stderr, "sgcheck: scanner and model disagree at event %zu (client %zu bytes, server %zu bytes)\n", k, d->clen, d->slen) ;
    show("scanner", d->ev, d->n, &d->counts) ;
    show("model  ", m.ev, m.n, &m.counts) ;
  }
  rm_result_free(&m) ;
  return bad ;
}

int sgcheck_input (unsigned char const *in, size_t len, int verbose)
{
  static char const sepserver[] = "@@server@@\n" ;
  static char const sepreads[] = "@@reads@@\n" ;
  unsigned char const *s, *r = 0, *p ;
  size_t clen, slen, rlen = 0 ;
  sgdrive d ;
  int bad ;

  p = find(in, len, sepserver) ;
  if (p)
  {
    clen = p - in ;
    s = p + sizeof(sepserver) - 1 ;
    slen = in + len - s ;
    p = find(s, slen, sepreads) ;
    if (p)
    {
      r = p + sizeof(sepreads) - 1 ;
      rlen = in + len - r ;
      slen = p - s ;
    }
  }
  else { clen = len / 2 ; s = in + clen ; slen = len - clen ; }

  sgdrive_init(&d, (char const *)in, clen, (char const *)s, slen) ;
  sgdrive_reads(&d, (char const *)r, rlen) ;
  bad = sgdrive_compare(&d, verbose) ;
  sgdrive_free(&d) ;
  return bad ;
}
