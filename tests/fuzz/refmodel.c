/* ISC license. */

/* The reference model: see refmodel.h. It shares nothing with sgscan.c
   but the enums and SGSCAN_QMAX, which are the contract. Lines are
   always looked at whole, never through a fixed-size window. */

#include <stdlib.h>
#include <string.h>

#include "sgscan.h"
#include "refmodel.h"


enum { M_CMD, M_WAIT, M_CRED, M_CREDTAIL, M_BODY, M_CHUNK, M_BLIND, M_TLS } ;

typedef struct model_s model ;
struct model_s
{
  char const *c ;
  size_t clen ;
  size_t cpos ;           /* client bytes classified so far */
  int mode ;
  uint64_t chunkleft ;
  int chunking ;          /* the last 2xx EHLO reply had CHUNKING */
  int ehlo_ch ;           /* CHUNKING seen in the reply being read */
  int tlspos ;            /* M_TLS: bytes of the TLS record header seen */
  int inchunks ;          /* after a non-LAST BDAT (CHUNKING): only BDAT RSET NOOP QUIT */
  int bstyle, bprev ;     /* DATA body: first line's end, last line's end (1 CRLF, 2 LF) */
  unsigned char *q ;      /* every command ever queued; q[qh..qt) pending */
  size_t qh, qt ;
  rm_result *out ;
  int nomem ;
} ;

static int low (unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? c + 32 : c ;
}

/* s[0..len) begins with the word w (any case), then ends, SP or TAB */
static int word_is (char const *s, size_t len, char const *w)
{
  size_t n = strlen(w), i ;
  if (len < n) return 0 ;
  for (i = 0 ; i < n ; i++) if (low(s[i]) != w[i]) return 0 ;
  return len == n || s[n] == ' ' || s[n] == '\t' ;
}

static size_t strip_cr (char const *s, size_t n)
{
  return n && s[n-1] == '\r' ? n - 1 : n ;
}

static unsigned char verb_of (char const *s, size_t len)
{
  static char const *const w[] = { "helo", "ehlo", "mail", "rcpt", "data", "bdat", "rset", "noop", "quit", "auth", "starttls", "vrfy", "expn", "help" } ;
  static unsigned char const cmd[] = { SGCMD_HELO, SGCMD_EHLO, SGCMD_MAIL, SGCMD_RCPT, SGCMD_DATA, SGCMD_BDAT, SGCMD_RSET, SGCMD_NOOP, SGCMD_QUIT, SGCMD_AUTH, SGCMD_STARTTLS, SGCMD_VRFY, SGCMD_EXPN, SGCMD_HELP } ;
  size_t wl = 0, i ;
  while (wl < len && s[wl] != ' ' && s[wl] != '\t') wl++ ;
  for (i = 0 ; i < sizeof(cmd) ; i++)
    if (wl == strlen(w[i]) && word_is(s, wl, w[i])) return cmd[i] ;
  return SGCMD_OTHER ;
}

/* RFC 3030 exactly: "BDAT" SP 1*DIGIT [SP "LAST"], any case, size < 2^31 */
int refmodel_bdat (char const *s, size_t len, uint64_t *size)
{
  uint64_t v = 0 ;
  size_t i = 5 ;
  if (len < 6 || !word_is(s, 4, "bdat") || s[4] != ' ') return 0 ;
  if (s[5] < '0' || s[5] > '9') return 0 ;
  for (; i < len && s[i] >= '0' && s[i] <= '9' ; i++)
  {
    v = v * 10 + (unsigned int)(s[i] - '0') ;
    if (v >= 2147483648u) return 0 ;
  }
  if (i < len && !(len - i == 5 && s[i] == ' ' && word_is(s + i + 1, 4, "last"))) return 0 ;
  *size = v ;
  return 1 ;
}

/* the protocol violations inside the n available bytes of a command
   line (its LF excluded): the first byte that follows a CR (a bare CR),
   or is a NUL, or a VT or FF; SGV_NONE if none */
static unsigned int violation_at (char const *p, size_t n)
{
  size_t k = 0 ;
  for (; k < n ; k++)
  {
    if (k && p[k-1] == '\r') return SGV_BARECR ;
    if (!p[k]) return SGV_NUL ;
    if (p[k] == '\v' || p[k] == '\f') return SGV_VTFF ;
  }
  return SGV_NONE ;
}

static void emit (model *m, unsigned char type, unsigned char cmd, unsigned short code)
{
  rm_result *r = m->out ;
  if (r->n == r->cap)
  {
    size_t cap = r->cap ? 2 * r->cap : 64 ;
    rm_ev *p = realloc(r->ev, cap * sizeof(rm_ev)) ;
    if (!p) { m->nomem = 1 ; return ; }
    r->ev = p ; r->cap = cap ;
  }
  r->ev[r->n].type = type ;
  r->ev[r->n].cmd = cmd ;
  r->ev[r->n].code = code ;
  r->n++ ;
  if (type != SGEV_REPLY) return ;
  /* the counting rules, as the lead stated them for sgpolicy */
  switch (cmd)
  {
    case SGCMD_GREETING : case SGCMD_UNSOLICITED : break ;
    case SGCMD_RCPT :
      if (code >= 200 && code < 300) r->counts.good++ ;
      else if (code >= 400 && code < 600) r->counts.bad++ ;
      break ;
    case SGCMD_RSET : r->counts.rset++ ; break ;
    /* refused credentials: not a syntax, mechanism, sequence or
       prerequisite refusal (500-504, 530, 534, 538), which tested none */
    case SGCMD_AUTH :
      if (code >= 500 && code < 600 && !(code <= 504) && code != 530 && code != 534 && code != 538) r->counts.authfail++ ;
      break ;
    default : if (code >= 500 && code < 600) r->counts.errors++ ; break ;
  }
}

static void push (model *m, unsigned char cmd)
{
  m->q[m->qt++] = cmd ;
  emit(m, SGEV_COMMAND, cmd, 0) ;
}

/* one whole command line, LF excluded */
static void command (model *m, char const *s, size_t n)
{
  uint64_t size ;
  unsigned char cmd ;
  size_t b = 0 ;
  n = strip_cr(s, n) ;
  cmd = verb_of(s, n) ;
  /* SP or TAB, any number, then a verb we know: Postfix skips the
     blanks, exim and qmail do not */
  while (b < n && (s[b] == ' ' || s[b] == '\t')) b++ ;
  if (b && verb_of(s + b, n - b) != SGCMD_OTHER)
  {
    emit(m, SGEV_VIOLATION, SGCMD_NONE, SGV_LEADSPACE) ;
    m->mode = M_BLIND ;
    return ;
  }
  /* a BDAT: strict, a size or LAST, and CHUNKING in the last HELO/EHLO reply */
  if ((cmd == SGCMD_BDAT && (!m->chunking || !refmodel_bdat(s, n, &size) || (!size && !(s[n-1] == 't' || s[n-1] == 'T'))))
   || (m->inchunks && cmd != SGCMD_BDAT && cmd != SGCMD_RSET && cmd != SGCMD_NOOP && cmd != SGCMD_QUIT))
  {
    emit(m, SGEV_VIOLATION, SGCMD_NONE, SGV_BDAT) ;
    m->mode = M_BLIND ;
    return ;
  }
  /* a non-LAST BDAT: its line is longer than "BDAT" SP digits */
  if (cmd == SGCMD_BDAT && m->chunking) m->inchunks = !(n > 5 && (s[n-1] == 't' || s[n-1] == 'T')) ;
  if (cmd == SGCMD_RSET) m->inchunks = 0 ;
  push(m, cmd) ;
  if (cmd == SGCMD_DATA || cmd == SGCMD_AUTH || cmd == SGCMD_STARTTLS) m->mode = M_WAIT ;
  if (cmd == SGCMD_EHLO || cmd == SGCMD_HELO) m->mode = M_WAIT ;
  if (cmd == SGCMD_BDAT && m->chunking && size)
  {
    m->mode = M_CHUNK ;
    m->chunkleft = size ;
  }
}

/* classify every client byte that has arrived (the first avail) and can
   be classified now */
static void advance (model *m, size_t avail)
{
  if (avail > m->clen) avail = m->clen ;
  while (m->cpos < avail)
  {
    char const *p = m->c + m->cpos ;
    char const *nl ;
    size_t n ;
    if (m->mode == M_WAIT || m->mode == M_BLIND) return ;
    if (m->mode == M_TLS)
    {
      /* after 220 to STARTTLS: 0x16 0x03 0x00..0x04, or a violation */
      unsigned char c = *p ;
      m->cpos++ ;
      if (m->tlspos == 0 ? c != 0x16 : m->tlspos == 1 ? c != 0x03 : c > 0x04)
      {
        emit(m, SGEV_VIOLATION, SGCMD_NONE, SGV_STARTTLS) ;
        m->mode = M_BLIND ;
        return ;
      }
      if (++m->tlspos == 3) m->mode = M_BLIND ;
      continue ;
    }
    if (m->mode == M_CHUNK)
    {
      uint64_t k = avail - m->cpos ;
      if (k > m->chunkleft) k = m->chunkleft ;
      m->cpos += k ;
      m->chunkleft -= k ;
      if (!m->chunkleft) m->mode = M_CMD ;
      continue ;
    }
    if (m->mode == M_CMD && m->qt - m->qh >= SGSCAN_QMAX) return ;
    nl = memchr(p, '\n', avail - m->cpos) ;
    n = nl ? (size_t)(nl - p) : avail - m->cpos ;
    if (m->mode == M_CMD)
    {
      unsigned int v = violation_at(p, n < SGSCAN_CMDMAX ? n : SGSCAN_CMDMAX) ;
      if (v)
      {
        emit(m, SGEV_VIOLATION, SGCMD_NONE, v) ;
        m->mode = M_BLIND ;
        return ;
      }
    }
    if (m->mode != M_BODY && n > SGSCAN_CMDMAX)
    {
      /* a command or credentials line too long to pair replies: blind */
      emit(m, SGEV_LONGLINE, SGCMD_NONE, 0) ;
      m->mode = M_BLIND ;
      return ;
    }
    if (!nl) return ;
    m->cpos += n + 1 ;
    switch (m->mode)
    {
      case M_CMD : command(m, p, n) ; break ;
      case M_CRED : m->mode = M_WAIT ; break ;       /* AUTH still pending */
      case M_CREDTAIL : m->mode = M_CMD ; break ;    /* AUTH already answered */
      case M_BODY :
      {
        int e = n && p[n-1] == '\r' ? 1 : 2 ;
        n = strip_cr(p, n) ;
        if (n == 1 && p[0] == '.')
        {
          /* the end, if its line ends are the body's own (its first line's) */
          if (m->bstyle && (m->bprev != m->bstyle || e != m->bstyle))
          {
            emit(m, SGEV_VIOLATION, SGCMD_NONE, SGV_DATAEND) ;
            m->mode = M_BLIND ;
            return ;
          }
          m->mode = M_CMD ; push(m, SGCMD_DOT) ;
        }
        else { if (!m->bstyle) m->bstyle = e ; m->bprev = e ; }
        break ;
      }
    }
  }
}

/* the last line of a reply, with its code; avail as in advance() */
static void reply (model *m, unsigned short code, size_t avail)
{
  unsigned char cmd ;
  unsigned char type = SGEV_REPLY ;
  if (m->qt == m->qh)
  {
    m->ehlo_ch = 0 ;
    emit(m, SGEV_REPLY, SGCMD_UNSOLICITED, code) ;
    return ;
  }
  cmd = m->q[m->qh] ;
  if (cmd == SGCMD_EHLO && code >= 200 && code < 300) m->chunking = m->ehlo_ch ;
  if (cmd == SGCMD_HELO && code >= 200 && code < 300) m->chunking = 0 ;
  m->ehlo_ch = 0 ;
  if (cmd == SGCMD_AUTH && code == 334)
  {
    m->mode = M_CRED ;  /* the next line is credentials; no event */
    return ;
  }
  m->qh++ ;
  if (m->qh == m->qt && (m->mode == M_WAIT || m->mode == M_CRED))
  {
    /* a credentials line already begun stays credentials to its end */
    m->mode = m->mode == M_CRED && avail > m->cpos ? M_CREDTAIL : M_CMD ;
    if (cmd == SGCMD_DATA && code == 354) { m->mode = M_BODY ; m->bstyle = m->bprev = 0 ; }
    if (cmd == SGCMD_STARTTLS && code == 220) { m->mode = M_TLS ; m->tlspos = 0 ; type = SGEV_BLIND ; }
  }
  emit(m, type, cmd, code) ;
}

static size_t avail_at (rm_seg const *seg, size_t nseg, size_t off, size_t clen)
{
  size_t i = 0 ;
  for (; i < nseg ; i++) if (off < seg[i].send) return seg[i].cavail ;
  return clen ;
}

int refmodel_run (char const *c, size_t clen, char const *s, size_t slen,
                  rm_seg const *seg, size_t nseg, rm_result *out)
{
  model m ;
  size_t start = 0 ;
  memset(&m, 0, sizeof(m)) ;
  memset(out, 0, sizeof(*out)) ;
  m.c = c ; m.clen = clen ; m.out = out ; m.mode = M_CMD ;
  /* at most one command per client line, plus the greeting */
  m.q = malloc(clen + 2) ;
  if (!m.q) return -1 ;
  m.q[m.qt++] = SGCMD_GREETING ;
  while (start < slen && m.mode != M_BLIND && m.mode != M_TLS)
  {
    char const *nl = memchr(s + start, '\n', slen - start) ;
    size_t end, n, avail ;
    unsigned short code = 0 ;
    if (!nl) break ;  /* an unfinished line is no reply */
    end = nl - s ;
    avail = avail_at(seg, nseg, end, clen) ;
    advance(&m, avail) ;
    if (m.mode == M_BLIND) break ;  /* a line too long: nothing more pairs */
    n = strip_cr(s + start, end - start) ;
    if (n >= 3 && s[start] >= '0' && s[start] <= '9' && s[start+1] >= '0' && s[start+1] <= '9' && s[start+2] >= '0' && s[start+2] <= '9')
      code = (s[start] - '0') * 100 + (s[start+1] - '0') * 10 + (s[start+2] - '0') ;
    if (code && n >= 4 && word_is(s + start + 4, n - 4, "chunking")) m.ehlo_ch = 1 ;
    if (!(code && n >= 4 && s[start+3] == '-')) reply(&m, code, avail) ;
    start = end + 1 ;
  }
  advance(&m, clen) ;
  free(m.q) ;
  if (m.nomem) { rm_result_free(out) ; return -1 ; }
  return 0 ;
}

void rm_result_free (rm_result *r)
{
  free(r->ev) ;
  r->ev = 0 ;
  r->n = r->cap = 0 ;
}
