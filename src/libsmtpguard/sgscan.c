/* ISC license. */

#include <string.h>

#include "sgcmdarg.h"
#include "sgscan.h"
#include "sgscan_body.h"
#include "sgscan_cred.h"
#include "sgscan_internal.h"

void sgscan_init (sgscan *sc)
{
  memset(sc, 0, sizeof(sgscan)) ;
  sc->q[0] = SGCMD_GREETING ;
  sc->qlen = 1 ;
  sc->cmode = SGC_COMMAND ;
}

static void q_push (sgscan *sc, unsigned char cmd)
{
  sc->q[(sc->qhead + sc->qlen) % SGSCAN_QMAX] = cmd ;
  sc->qlen++ ;
}

static unsigned char classify (char const *s, size_t len)
{
  static struct { char const *verb ; unsigned char cmd ; } const verbs[] =
  {
    { "helo", SGCMD_HELO }, { "ehlo", SGCMD_EHLO }, { "mail", SGCMD_MAIL },
    { "rcpt", SGCMD_RCPT }, { "data", SGCMD_DATA }, { "bdat", SGCMD_BDAT },
    { "rset", SGCMD_RSET }, { "noop", SGCMD_NOOP }, { "quit", SGCMD_QUIT },
    { "auth", SGCMD_AUTH }, { "starttls", SGCMD_STARTTLS },
    { "vrfy", SGCMD_VRFY }, { "expn", SGCMD_EXPN }, { "help", SGCMD_HELP }
  } ;
  unsigned int i = 0 ;
  for (; i < sizeof(verbs) / sizeof(verbs[0]) ; i++)
    if (iskeyword(s, len, verbs[i].verb)) return verbs[i].cmd ;
  return SGCMD_OTHER ;
}

/* exactly "BDAT" SP 1*DIGIT [SP "LAST"] (verb and LAST any case, as exim's
   smtp_in.c and Postfix's smtpd read them; zeros in front are decimal to
   both) with a size below 2^31, where exim's 32-bit sscanf and Postfix's
   off_t agree: returns 1 and the size, 0 for a violation */
static int bdat_size (char const *s, size_t len, uint64_t *size, int *last)
{
  uint64_t n = 0 ;
  size_t i = 5 ;
  if (len < 6 || s[4] != ' ') return 0 ;
  if (s[i] < '0' || s[i] > '9') return 0 ;
  for (; i < len && s[i] >= '0' && s[i] <= '9' ; i++)
  {
    n = n * 10 + (uint64_t)(s[i] - '0') ;
    if (n > SGSCAN_BDATMAX) return 0 ;
  }
  if (i < len && !(len - i == 5 && s[i] == ' ' && iskeyword(s + i + 1, 4, "last"))) return 0 ;
  *size = n ;
  *last = i < len ;
  return 1 ;
}

/* s is a HELO or EHLO line: "HELO" alone keeps nothing, never what an
   earlier line left in the buffer */
static void keep_helo (sgscan *sc, char const *s, size_t len)
{
  size_t i = 4 ;
  memset(sc->helo, 0, SGSCAN_HELOMAX) ;
  sc->helolen = 0 ;
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++ ;
  if (i >= len) return ;
  sc->helolen = len - i > SGSCAN_HELOMAX ? SGSCAN_HELOMAX : len - i ;
  memcpy(sc->helo, s + i, sc->helolen) ;
}

static void violation (sgscan *sc, unsigned int kind, sgevent *ev)
{
  sc->cmode = SGC_BLIND ;
  memset(sc->line, 0, SGSCAN_LINEMAX) ;
  sgscan_cred_wipe(sc) ;
  ev->type = SGEV_VIOLATION ;
  ev->cmd = SGCMD_NONE ;
  ev->code = kind ;
}

/* n more bytes of a command line: the index of the first byte that
   makes it a violation (*kind set), or n. A CR is fine only right
   before the LF, which is not among these bytes. */
static size_t bad_byte (sgscan *sc, char const *s, size_t n, unsigned int *kind)
{
  size_t k = 0 ;
  for (; k < n ; k++)
  {
    if (sc->lastcr) { *kind = SGV_BARECR ; return k ; }
    if (!s[k]) { *kind = SGV_NUL ; return k ; }
    if (s[k] == '\v' || s[k] == '\f') { *kind = SGV_VTFF ; return k ; }
    sc->lastcr = s[k] == '\r' ;
  }
  return n ;
}

/* n more bytes of a command or credentials line: past SGSCAN_CMDMAX,
   smtpds split or cut lines their own ways and replies can no longer be
   paired; the scanner says so once and goes blind. Returns 1 then. */
static int too_long (sgscan *sc, size_t n, sgevent *ev)
{
  sc->cmdlen = addcap(sc->cmdlen, n, SGSCAN_CMDMAX + 1) ;
  if (sc->cmdlen <= SGSCAN_CMDMAX) return 0 ;
  sc->cmode = SGC_BLIND ;
  sgscan_cred_wipe(sc) ;
  ev->type = SGEV_LONGLINE ;
  ev->cmd = SGCMD_NONE ;
  ev->code = 0 ;
  return 1 ;
}

/* A complete command line (its first bytes in sc->line) */
static void end_line (sgscan *sc, sgevent *ev)
{
  size_t len = sc->linelen < SGSCAN_LINEMAX ? sc->linelen : SGSCAN_LINEMAX ;
  int cut = sc->linelen > SGSCAN_LINEMAX ;  /* we kept only its first bytes */
  uint64_t size = 0 ;
  int last = 0 ;
  unsigned char cmd ;
  if (len && sc->line[len-1] == '\r' && sc->linelen <= SGSCAN_LINEMAX) len-- ;
  cmd = classify(sc->line, len) ;
  sc->lastcr = 0 ;
  if (sc->credline) { if (cmd == SGCMD_AUTH) sgscan_cred_add(sc, "\n", 1) ; else sgscan_cred_wipe(sc) ; }
  sc->credline = 0 ;
  /* Postfix's tokenizer skips blanks before the verb; exim (500) and
     qmail-smtpd (502) take the line for an unknown command. " MAIL" or
     " BDAT 10" would open a transaction or a chunk behind our back.
     The blanks were not kept (sgscan_client), so the verb is seen
     however many of them came first. Blanks alone, or before no verb
     we know, stay an unknown command: every smtpd refuses those. */
  if (sc->lead && cmd != SGCMD_OTHER)
  {
    violation(sc, SGV_LEADSPACE, ev) ;
    return ;
  }
  sc->lead = 0 ;
  /* a BDAT line longer than what we keep is no strict one */
  /* "BDAT 0" without LAST: exim answers 504 and then takes only RSET,
     reading the next BDAT's chunk as commands */
  /* BDAT when the last HELO/EHLO reply did not advertise CHUNKING:
     exim still reads its chunk if an earlier EHLO advertised it, and
     not otherwise; legitimate clients never send it */
  if (cmd == SGCMD_BDAT && (!sc->chunking || sc->linelen > SGSCAN_LINEMAX || !bdat_size(sc->line, len, &size, &last) || (!size && !last)))
  {
    violation(sc, SGV_BDAT, ev) ;
    return ;
  }
  /* RFC 3030: between a non-LAST BDAT and the LAST one, only BDAT (and
     RSET, NOOP, QUIT); exim answers others 503 and then reads the next
     BDAT's chunk as commands */
  if (sc->inchunks && cmd != SGCMD_BDAT && cmd != SGCMD_RSET && cmd != SGCMD_NOOP && cmd != SGCMD_QUIT)
  {
    violation(sc, SGV_BDAT, ev) ;
    return ;
  }
  if (cmd == SGCMD_BDAT && sc->chunking) sc->inchunks = !last ;
  if (cmd == SGCMD_RSET) sc->inchunks = 0 ;
  sc->linelen = 0 ;
  sc->cmdlen = 0 ;
  q_push(sc, cmd) ;
  ev->type = SGEV_COMMAND ;
  ev->cmd = cmd ;
  if (cmd == SGCMD_RCPT) ev->arg = sgcmdarg_rcpt(sc->key, sc->line, len, cut) ;
  else if (cmd == SGCMD_BDAT) ev->arg = (uint32_t)last ;
  switch (cmd)
  {
    case SGCMD_HELO :
    case SGCMD_EHLO :
      /* its reply says whether BDAT chunks follow BDAT lines: what the
         client pipelined behind it waits for it (RFC 2920 ends a group
         with EHLO anyway) */
      keep_helo(sc, sc->line, len) ;
      sc->cmode = SGC_WAIT ;
      break ;
    case SGCMD_DATA :
    case SGCMD_STARTTLS : sc->cmode = SGC_WAIT ; break ;
    case SGCMD_AUTH : sc->cmode = SGC_WAIT ; sc->inauth = 1 ; break ;
    case SGCMD_BDAT :
      if (sc->chunking && size) { sc->chunkleft = size ; sc->cmode = SGC_CHUNK ; }
      break ;
    default : break ;
  }
  /* the line may have carried credentials (AUTH PLAIN xxx): gone now */
  memset(sc->line, 0, SGSCAN_LINEMAX) ;
}

size_t sgscan_client (sgscan *sc, char const *s, size_t len, sgevent *ev)
{
  size_t i = 0 ;
  ev->type = SGEV_NONE ;
  ev->arg = 0 ;
  while (i < len)
  {
    switch (sc->cmode)
    {
      case SGC_WAIT : return i ;
      case SGC_BLIND : return len ;
      case SGC_TLS :
      {
        /* a TLS record header: handshake (22), version 3.0 to 3.4 */
        unsigned char c = s[i++] ;
        if (sc->tlspos == 0 ? c != 0x16 : sc->tlspos == 1 ? c != 0x03 : c > 0x04)
        {
          violation(sc, SGV_STARTTLS, ev) ;
          return i ;
        }
        if (++sc->tlspos == 3) { sc->cmode = SGC_BLIND ; return len ; }
        break ;
      }
      case SGC_CHUNK :
      {
        uint64_t n = len - i ;
        if (n > sc->chunkleft) n = sc->chunkleft ;
        i += n ;
        sc->chunkleft -= n ;
        if (!sc->chunkleft) sc->cmode = SGC_COMMAND ;
        break ;
      }
      case SGC_CRED :
      {
        char const *nl = memchr(s + i, '\n', len - i) ;
        size_t n = (nl ? (size_t)(nl - s) : len) - i ;
        if (sc->cmdlen + n > SGSCAN_CMDMAX)
        {
          size_t k = SGSCAN_CMDMAX + 1 - sc->cmdlen ;
          too_long(sc, k, ev) ;
          return i + k ;
        }
        sc->cmdlen += n ;
        if (sc->inauth) sgscan_cred_add(sc, s + i, n) ;  /* not past the exchange's end */
        /* linelen marks a credentials line under way: it stays
           credentials to its end even if AUTH is answered meanwhile */
        if (!nl) { sc->linelen = 1 ; return len ; }
        i = nl - s + 1 ;
        if (sc->inauth) sgscan_cred_add(sc, "\n", 1) ;
        else sgscan_cred_wipe(sc) ;  /* its exchange has ended: nothing to tag */
        sc->linelen = 0 ;
        sc->cmdlen = 0 ;
        sc->cmode = sc->qlen ? SGC_WAIT : SGC_COMMAND ;
        break ;
      }
      case SGC_BODY :
      {
        size_t n ;
        int r = sgscan_body(sc, s + i, len - i, &n) ;
        i += n ;
        if (r == SGBODY_DATAEND) { violation(sc, SGV_DATAEND, ev) ; return i ; }
        if (r == SGBODY_END)
        {
          sc->cmode = SGC_COMMAND ;
          q_push(sc, SGCMD_DOT) ;
          ev->type = SGEV_COMMAND ;
          ev->cmd = SGCMD_DOT ;
          return i ;
        }
        break ;
      }
      case SGC_COMMAND :
      {
        char const *nl ;
        size_t n ;
        if (!sc->linelen && sc->qlen >= SGSCAN_QMAX) return i ;
        /* blanks first on a line are counted, not kept: whatever their
           number, line holds the verb after them (see end_line) */
        if (!sc->linelen && (s[i] == ' ' || s[i] == '\t'))
        {
          size_t b = i ;
          while (b < len && (s[b] == ' ' || s[b] == '\t')) b++ ;
          if (sc->cmdlen + (b - i) > SGSCAN_CMDMAX)
          {
            size_t k = SGSCAN_CMDMAX + 1 - sc->cmdlen ;
            too_long(sc, k, ev) ;
            return i + k ;
          }
          sc->cmdlen += b - i ;
          sc->lead = 1 ;
          i = b ;
          if (i == len) return len ;
        }
        /* a BDAT size padded with zeros must still fit in the bytes we
           keep: once the line reads "BDAT 0", more zeros are not kept */
        if (sc->linelen == 6 && sc->line[5] == '0' && iskeyword(sc->line, 5, "bdat"))
        {
          size_t z = i ;
          while (z < len && s[z] == '0' && sc->cmdlen + (z - i) <= SGSCAN_CMDMAX) z++ ;
          if (too_long(sc, z - i, ev)) return z ;
          i = z ;
          if (i == len) return len ;
        }
        nl = memchr(s + i, '\n', len - i) ;
        n = (nl ? (size_t)(nl - s) : len) - i ;
        /* stop after 6 bytes so that the test above sees them */
        if (sc->linelen < 6 && n > 6 - sc->linelen) { n = 6 - sc->linelen ; nl = 0 ; }
        {
          /* only bytes within the length limit: past it, it is longline */
          size_t room = SGSCAN_CMDMAX - sc->cmdlen ;
          size_t m = n < room ? n : room ;
          unsigned int kind = SGV_NONE ;
          size_t k = bad_byte(sc, s + i, m, &kind) ;
          if (k < m) { violation(sc, kind, ev) ; return i + k + 1 ; }
        }
        if (sc->cmdlen + n > SGSCAN_CMDMAX)
        {
          size_t k = SGSCAN_CMDMAX + 1 - sc->cmdlen ;
          too_long(sc, k, ev) ;
          return i + k ;
        }
        sc->cmdlen += n ;
        if (sc->linelen < SGSCAN_LINEMAX)
        {
          size_t room = SGSCAN_LINEMAX - sc->linelen ;
          memcpy(sc->line + sc->linelen, s + i, n < room ? n : room) ;
        }
        sc->linelen = addcap(sc->linelen, n, SGSCAN_LINEMAX + 1) ;
        /* an AUTH line is held whole, from its first bytes (at most 6,
           in sc->line, see above) */
        if (!sc->lead && sc->linelen >= 4 && iskeyword(sc->line, 4, "auth"))
        {
          if (!sc->credline)
          {
            sgscan_cred_wipe(sc) ;
            sgscan_cred_add(sc, sc->line, sc->cmdlen - n) ;
            sc->credline = 1 ;
          }
          sgscan_cred_add(sc, s + i, n) ;
        }
        i += n ;
        if (!nl) break ;
        i++ ;
        end_line(sc, ev) ;
        return i ;
      }
      default : return len ;
    }
  }
  return i ;
}
