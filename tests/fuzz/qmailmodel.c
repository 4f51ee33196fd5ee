/* ISC license. */

/* qmail-smtpd as a model: see qmailmodel.h. Each rule says where it is
   in notqmail's source (commands.c, qmail-smtpd.c; netqmail 1.06 reads
   the same). Written from reading that source, not copied from it.
   Left out, because they change no pairing: badmailfrom, databytes,
   the MAXHOPS loop check (554 instead of 250 after the dot), timeouts.
   The one piece of configuration: rcpthosts admits the recipients whose
   address starts with "good", like tests/exim/exim.conf, so that bad
   recipients get qmail's 553. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sgscan.h"
#include "sgdrive.h"
#include "qmailmodel.h"

typedef struct qm_s qm ;
struct qm_s
{
  char const *c ;
  size_t clen ;
  size_t pos ;       /* client bytes read */
  int seenmail ;     /* qmail-smtpd.c: seenmail */
  int rcpts ;        /* qmail-smtpd.c: rcptto.len != 0; cleared by MAIL only */
  int done ;         /* qmail-smtpd has exited */
  qm_result *out ;
  int nomem ;
} ;

static void qm_say (qm *m, unsigned char cmd, char const *text)
{
  qm_result *o = m->out ;
  size_t n = strlen(text) ;
  if (m->nomem) return ;
  if (o->n == o->cap)
  {
    size_t cap = o->cap ? 2 * o->cap : 32 ;
    qm_reply *p = realloc(o->r, cap * sizeof(qm_reply)) ;
    if (!p) { m->nomem = 1 ; return ; }
    o->r = p ; o->cap = cap ;
  }
  if (o->slen + n > o->scap)
  {
    size_t cap = 2 * (o->slen + n) + 256 ;
    char *p = realloc(o->s, cap) ;
    if (!p) { m->nomem = 1 ; return ; }
    o->s = p ; o->scap = cap ;
  }
  memcpy(o->s + o->slen, text, n) ;
  o->slen += n ;
  o->r[o->n].cmd = cmd ;
  o->r[o->n].code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0') ;
  o->r[o->n].cpos = m->pos ;
  o->r[o->n].slen = n ;
  o->n++ ;
}

/* qmail-smtpd.c addrparse(): the address is what follows '<' up to '>'
   (or, without '<', what follows ':' and spaces, up to a space), a
   source route "@...:" dropped, quotes removed, backslash escapes
   taken; more than 900 bytes (with its NUL) is a syntax error. Writes
   at most 4 bytes of it to head, for the rcpthosts stand-in. */
static int qm_addr_ok (char const *arg, char *head)
{
  char term = '>' ;
  char const *lt = strchr(arg, '<') ;
  size_t len = 0 ;
  int esc = 0, quoted = 0 ;
  if (lt) arg = lt + 1 ;
  else
  {
    term = ' ' ;
    arg += strcspn(arg, ":") ;
    if (*arg == ':') arg++ ;
    while (*arg == ' ') arg++ ;
  }
  if (*arg == '@') while (*arg) if (*arg++ == ':') break ;
  memset(head, 0, 5) ;
  for (; *arg ; arg++)
  {
    char ch = *arg ;
    if (esc) esc = 0 ;
    else
    {
      if (!quoted && ch == term) break ;
      if (ch == '\\') { esc = 1 ; continue ; }
      if (ch == '"') { quoted = !quoted ; continue ; }
    }
    if (len < 4) head[len] = ch ;
    len++ ;
  }
  return len + 1 <= 900 ;
}

/* qmail-smtpd.c blast(): the DATA body, byte by byte, from the start of
   a line (state 1). A LF that no CR precedes is straynewline(): 451 and
   exit. CR LF "." CR LF ends the body (state 3 then LF). End of input
   inside the body: die_read(), exit without a word. 1 at the end of the
   body, 0 if qmail-smtpd exited. */
static int qm_blast (qm *m)
{
  int state = 1 ;
  while (m->pos < m->clen)
  {
    char ch = m->c[m->pos++] ;
    switch (state)
    {
      case 0 :  /* inside a line */
        if (ch == '\n') goto stray ;
        if (ch == '\r') state = 4 ;
        break ;
      case 1 :  /* after CR LF */
        if (ch == '\n') goto stray ;
        state = ch == '.' ? 2 : ch == '\r' ? 4 : 0 ;
        break ;
      case 2 :  /* CR LF "." */
        if (ch == '\n') goto stray ;
        state = ch == '\r' ? 3 : 0 ;
        break ;
      case 3 :  /* CR LF "." CR */
        if (ch == '\n') return 1 ;
        state = ch == '\r' ? 4 : 0 ;
        break ;
      case 4 :  /* after CR */
        if (ch == '\n') state = 1 ;
        else if (ch != '\r') state = 0 ;
        break ;
    }
  }
  m->done = 1 ;
  return 0 ;
 stray:
  qm_say(m, QM_STRAY, "451 See http://pobox.com/~djb/docs/smtplf.html.\r\n") ;
  m->done = 1 ;
  return 0 ;
}

/* one command line, LF excluded, already without its one CR; a C string
   from here on, as in commands.c (what follows a NUL is not seen) */
static void qm_command (qm *m, char *line)
{
  /* qmail-smtpd.c smtpcommands[]; anything else: err_unimpl() */
  static struct { char const *verb ; unsigned char cmd ; } const table[] =
  {
    { "rcpt", SGCMD_RCPT }, { "mail", SGCMD_MAIL }, { "data", SGCMD_DATA },
    { "quit", SGCMD_QUIT }, { "helo", SGCMD_HELO }, { "ehlo", SGCMD_EHLO },
    { "rset", SGCMD_RSET }, { "help", SGCMD_HELP }, { "noop", SGCMD_NOOP },
    { "vrfy", SGCMD_VRFY }
  } ;
  unsigned char cmd = SGCMD_OTHER ;
  char head[5] ;
  size_t i = strcspn(line, " ") ;   /* commands.c: str_chr(cmd.s, ' '): the verb ends at SP or NUL */
  char *arg = line + i ;
  unsigned int k ;
  while (*arg == ' ') arg++ ;
  line[i] = 0 ;
  for (k = 0 ; k < sizeof(table) / sizeof(table[0]) ; k++)
    if (!strcasecmp(line, table[k].verb)) { cmd = table[k].cmd ; break ; }   /* case_equals() */
  switch (cmd)
  {
    case SGCMD_HELO : m->seenmail = 0 ; qm_say(m, cmd, "250 mx.example.test\r\n") ; break ;
    case SGCMD_EHLO : m->seenmail = 0 ; qm_say(m, cmd, "250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n") ; break ;
    case SGCMD_RSET : m->seenmail = 0 ; qm_say(m, cmd, "250 flushed\r\n") ; break ;
    case SGCMD_HELP : qm_say(m, cmd, "214 notqmail home page: https://notqmail.org\r\n") ; break ;
    case SGCMD_NOOP : qm_say(m, cmd, "250 ok\r\n") ; break ;
    case SGCMD_VRFY : qm_say(m, cmd, "252 send some mail, i'll try my best\r\n") ; break ;
    case SGCMD_QUIT : qm_say(m, cmd, "221 mx.example.test\r\n") ; m->done = 1 ; break ;  /* smtp_quit(): _exit(0) */
    case SGCMD_MAIL :
      if (!qm_addr_ok(arg, head)) { qm_say(m, cmd, "555 syntax error (#5.5.4)\r\n") ; break ; }
      m->seenmail = 1 ; m->rcpts = 0 ;
      qm_say(m, cmd, "250 ok\r\n") ;
      break ;
    case SGCMD_RCPT :
      if (!m->seenmail) { qm_say(m, cmd, "503 MAIL first (#5.5.1)\r\n") ; break ; }
      if (!qm_addr_ok(arg, head)) { qm_say(m, cmd, "555 syntax error (#5.5.4)\r\n") ; break ; }
      if (strncmp(head, "good", 4)) { qm_say(m, cmd, "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n") ; break ; }
      m->rcpts = 1 ;
      qm_say(m, cmd, "250 ok\r\n") ;
      break ;
    case SGCMD_DATA :
      /* smtp_data(): the checks, 354, blast(), then qmail-queue's answer */
      if (!m->seenmail) { qm_say(m, cmd, "503 MAIL first (#5.5.1)\r\n") ; break ; }
      if (!m->rcpts) { qm_say(m, cmd, "503 RCPT first (#5.5.1)\r\n") ; break ; }
      m->seenmail = 0 ;
      qm_say(m, cmd, "354 go ahead\r\n") ;
      if (qm_blast(m)) qm_say(m, SGCMD_DOT, "250 ok 1700000000 qp 1\r\n") ;
      break ;
    default : qm_say(m, SGCMD_OTHER, "502 unimplemented (#5.5.1)\r\n") ; break ;
  }
}

int qmail_run (char const *c, size_t clen, qm_result *out)
{
  qm m ;
  char *line = 0 ;
  size_t cap = 0 ;
  memset(&m, 0, sizeof(m)) ;
  memset(out, 0, sizeof(*out)) ;
  m.c = c ; m.clen = clen ; m.out = out ;
  qm_say(&m, SGCMD_GREETING, "220 mx.example.test ESMTP\r\n") ;
  while (!m.done && !m.nomem)
  {
    /* commands.c commands(): bytes up to LF, however many; end of input
       before the LF: commands() returns 0, main() die_read(): exit */
    char const *nl = memchr(c + m.pos, '\n', clen - m.pos) ;
    size_t n ;
    if (!nl) break ;
    n = nl - (c + m.pos) ;
    if (n + 1 > cap)
    {
      char *p = realloc(line, n + 1) ;
      if (!p) { m.nomem = 1 ; break ; }
      line = p ; cap = n + 1 ;
    }
    memcpy(line, c + m.pos, n) ;
    m.pos += n + 1 ;
    if (n && line[n-1] == '\r') n-- ;   /* one CR before the LF */
    line[n] = 0 ;
    qm_command(&m, line) ;
  }
  free(line) ;
  if (m.nomem) { qm_result_free(out) ; return -1 ; }
  return 0 ;
}

void qm_result_free (qm_result *r)
{
  free(r->r) ; free(r->s) ;
  memset(r, 0, sizeof(*r)) ;
}

static char const *qm_name (unsigned char cmd)
{
  return cmd == QM_STRAY ? "straynewline" : sgcmd_name(cmd) ;
}

/* the scanner's pair (cmd, code) against qmail's reply */
static int qm_same (unsigned char cmd, unsigned short code, qm_reply const *q)
{
  if (code != q->code) return 0 ;
  if (cmd == q->cmd) return 1 ;
  /* qmail's 451 to a stray LF ends the session: the scanner may have
     left DATA already (at "LF . CR LF") or not */
  if (q->cmd == QM_STRAY) return cmd == SGCMD_DOT || cmd == SGCMD_UNSOLICITED ;
  /* qmail did not know the verb (502) or refused the line: one line,
     one reply either way; the scanner over-counts it at worst */
  return q->cmd == SGCMD_OTHER && code >= 500 && cmd != SGCMD_GREETING && cmd != SGCMD_DOT && cmd != SGCMD_UNSOLICITED ;
}

static int qm_schedule (char const *c, size_t clen, qm_result const *q, int lockstep, int verbose)
{
  sgdrive d ;
  size_t i, k = 0 ;
  int bad = 0, kicked = 0 ;
  sgdrive_init(&d, c, clen, q->s, q->slen) ;
  if (lockstep)
    for (i = 0 ; i < q->n ; i++)
    {
      if (q->r[i].cpos > d.carrived) sgdrive_client(&d, q->r[i].cpos - d.carrived) ;
      sgdrive_server(&d, q->r[i].slen) ;
    }
  sgdrive_finish(&d) ;
  if (d.nomem) { sgdrive_free(&d) ; return -1 ; }
  for (i = 0 ; i < d.n && !bad ; i++)
  {
    rm_ev const *e = &d.ev[i] ;
    if (e->type == SGEV_LONGLINE || e->type == SGEV_VIOLATION) { kicked = 1 ; break ; }
    if (e->type != SGEV_REPLY && e->type != SGEV_BLIND) continue ;
    if (k >= q->n || !qm_same(e->cmd, e->code, &q->r[k])) { bad = 1 ; break ; }
    k++ ;
  }
  /* no kick: every reply qmail sent was paired, and the same way */
  if (!bad && !kicked && k < q->n) bad = 1 ;
  if (bad && verbose)
  {
    char *t = sgdrive_text(d.ev, d.n) ;
    size_t tl = t ? strlen(t) : 0 ;
    fprintf(stderr, "qmailcheck: scanner and qmail-smtpd disagree (%s schedule) at reply %zu: qmail: %s=%u\n",
      lockstep ? "lock-step" : "pipelined", k, k < q->n ? qm_name(q->r[k].cmd) : "(none)", k < q->n ? (unsigned int)q->r[k].code : 0) ;
    fprintf(stderr, "scanner: %s%s\nqmail:  ", tl > 4000 ? "..." : "", t ? (tl > 4000 ? t + tl - 4000 : t) : "(nomem)") ;
    for (i = 0 ; i < q->n && i < 300 ; i++) fprintf(stderr, "%s=%u ", qm_name(q->r[i].cmd), (unsigned int)q->r[i].code) ;
    fprintf(stderr, "\n") ;
    free(t) ;
  }
  sgdrive_free(&d) ;
  return bad ;
}

int qmail_check (char const *c, size_t clen, int verbose)
{
  qm_result q ;
  int r ;
  if (qmail_run(c, clen, &q) < 0) return -1 ;
  r = qm_schedule(c, clen, &q, 0, verbose) ;
  if (!r) r = qm_schedule(c, clen, &q, 1, verbose) ;
  qm_result_free(&q) ;
  return r ;
}

int qmail_check_input (unsigned char const *in, size_t len, int verbose)
{
  static char const sep[] = "@@server@@\n" ;
  size_t m = sizeof(sep) - 1, i, clen = len / 2 ;
  for (i = 0 ; i + m <= len ; i++) if (!memcmp(in + i, sep, m)) { clen = i ; break ; }
  return qmail_check((char const *)in, clen, verbose) ;
}
