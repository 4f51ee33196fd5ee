/* ISC license. */

/* The server side of the scanner: reply lines, paired with the pending
   commands in order; a reply decides how the client's next bytes are
   read (a body after 354 to DATA, credentials after 334 to AUTH, TLS
   after 220 to STARTTLS). */

#include <string.h>

#include "sgscan.h"
#include "sgscan_body.h"
#include "sgscan_cred.h"
#include "sgscan_internal.h"

static int isdigit3 (char const *s)
{
  return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' ;
}

/* A complete reply line (its first bytes in sc->rline) */
static int end_rline (sgscan *sc, sgevent *ev)
{
  size_t len = sc->rlinelen < sizeof(sc->rline) ? sc->rlinelen : sizeof(sc->rline) ;
  int cont = 0 ;
  unsigned char cmd ;
  if (len && sc->rline[len-1] == '\r' && sc->rlinelen <= sizeof(sc->rline)) len-- ;
  sc->rlinelen = 0 ;
  sc->rcode = len >= 3 && isdigit3(sc->rline) ? (sc->rline[0] - '0') * 100 + (sc->rline[1] - '0') * 10 + (sc->rline[2] - '0') : 0 ;
  if (sc->rcode && len >= 4) cont = sc->rline[3] == '-' ;
  if (sc->rcode && len >= 4 && iskeyword(sc->rline + 4, len - 4, "chunking")) sc->ehlo_chunking = 1 ;
  if (cont) return 0 ;

  ev->type = SGEV_REPLY ;
  ev->code = sc->rcode ;
  if (!sc->qlen)
  {
    ev->cmd = SGCMD_UNSOLICITED ;
    sc->ehlo_chunking = 0 ;
    return 1 ;
  }
  cmd = sc->q[sc->qhead] ;
  ev->cmd = cmd ;
  if (cmd == SGCMD_EHLO && sc->rcode / 100 == 2) sc->chunking = sc->ehlo_chunking ;
  if (cmd == SGCMD_HELO && sc->rcode / 100 == 2) sc->chunking = 0 ;
  sc->ehlo_chunking = 0 ;

  if (cmd == SGCMD_AUTH && sc->inauth && sc->qlen == 1 && sc->rcode == 334)
  {
    /* a challenge: the next client line is credentials; the exchange goes on */
    sc->cmode = SGC_CRED ;
    ev->type = SGEV_NONE ;
    return 1 ;
  }
  q_pop(sc) ;
  if (cmd == SGCMD_AUTH)
  {
    ev->arg = sgscan_cred_tag(sc) ;
    sgscan_cred_wipe(sc) ;
  }
  if (!sc->qlen && (sc->cmode == SGC_WAIT || sc->cmode == SGC_CRED))
  {
    /* the barrier command itself: its reply decides how to read what follows */
    if (sc->cmode == SGC_WAIT || !sc->linelen) sc->cmode = SGC_COMMAND ;
    if (cmd == SGCMD_DATA && sc->rcode == 354)
    {
      sc->cmode = SGC_BODY ;
      sgscan_body_start(sc) ;
    }
    else if (cmd == SGCMD_STARTTLS && sc->rcode == 220)
    {
      /* RFC 3207: the client starts over with EHLO */
      sc->chunking = 0 ;
      if (!sc->tlsclear) { sc->cmode = SGC_TLS ; sc->tlspos = 0 ; ev->type = SGEV_BLIND ; }
    }
    if (cmd == SGCMD_AUTH) sc->inauth = 0 ;
  }
  return 1 ;
}

size_t sgscan_server (sgscan *sc, char const *s, size_t len, sgevent *ev)
{
  size_t i = 0 ;
  ev->type = SGEV_NONE ;
  ev->arg = 0 ;
  if (sc->cmode == SGC_BLIND || sc->cmode == SGC_TLS) return len ;
  while (i < len)
  {
    char const *nl = memchr(s + i, '\n', len - i) ;
    size_t n = (nl ? (size_t)(nl - s) : len) - i ;
    if (sc->rlinelen < sizeof(sc->rline))
    {
      size_t room = sizeof(sc->rline) - sc->rlinelen ;
      memcpy(sc->rline + sc->rlinelen, s + i, n < room ? n : room) ;
    }
    sc->rlinelen = addcap(sc->rlinelen, n, sizeof(sc->rline) + 1) ;
    i += n ;
    if (!nl) return len ;
    i++ ;
    if (end_rline(sc, ev)) return i ;
  }
  return i ;
}

char const *sgcmd_name (unsigned int cmd)
{
  static char const *const names[SGCMD_N] =
  {
    "none", "greeting", "helo", "ehlo", "mail", "rcpt", "data", "dot",
    "bdat", "rset", "noop", "quit", "auth", "starttls", "vrfy", "expn",
    "help", "other", "unsolicited"
  } ;
  return cmd < SGCMD_N ? names[cmd] : "?" ;
}

int sgscan_tlswait (sgscan const *sc)
{
  return sc->cmode == SGC_WAIT && sc->qlen && sc->q[(sc->qhead + sc->qlen - 1) % SGSCAN_QMAX] == SGCMD_STARTTLS ;
}

char const *sgviol_name (unsigned int v)
{
  static char const *const names[SGV_N] = { "none", "nul", "barecr", "bdat", "starttls", "vtff", "dataend", "leadspace" } ;
  return v < SGV_N ? names[v] : "?" ;
}
