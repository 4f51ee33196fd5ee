/* ISC license. */

/* smtpguard: a relay between an SMTP client (fd 0/1, as tcpserver gives
   it) and an smtpd run as a child on two pipes. It watches both streams,
   counts abuse, and kicks the client with 421 when a limit passes. */

#define _GNU_SOURCE  /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <skalibs/types.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/sig.h>
#include <skalibs/selfpipe.h>
#include <skalibs/iopause.h>
#include <skalibs/tai.h>
#include <skalibs/djbunix.h>
#include <skalibs/exec.h>

#include "sgchild.h"
#include "sgclock.h"
#include "sggreet.h"
#include "sgip.h"
#include "sgkick.h"
#include "sglisting.h"
#include "sglog.h"
#include "sgpass.h"
#include "sgpolicy.h"
#include "sgscan.h"
#include "sgsession.h"
#include "sgsiphash.h"
#include "sgsplice.h"
#include "sgstate.h"
#include "sgtrace.h"
#include "sgucspitls.h"

#define USAGE "smtpguard [ -v ] [ -n ] [ -c ] [ -b badrcpt ] [ -s rset ] [ -a authfail ] [ -e errors ] [ -m text ] [ -g grace ] [ -t timeout ] [ -d statedir [ -W window ] [ -k kicks ] [ -l listtime ] [ -x listmax ] [ -H history ] [ -G ms [ -E log|strike|list ] [ -B text ] [ -P passtime ] ] ] prog..."
#define dieusage() strerr_dieusage(100, USAGE)

#define CBUFSIZE 262144  /* commands, and a body when it cannot be lent, in reads this big */
#define SBUFSIZE 16384
#define PIPEBIG 262144  /* the smtpd's stdin pipe while a body streams */
#define EXIT_KICK 99
#define EXIT_REFUSED 98

static struct
{
  unsigned int verbose : 1 ;
  unsigned int dryrun : 1 ;
  unsigned int countrelay : 1 ;
  char const *kickmsg ;
  unsigned int grace ;     /* milliseconds */
  unsigned int timeout ;   /* seconds of silence both ways, 0 = none */
  char const *statedir ;
} opt = { 0, 0, 0, 0, 2000, 0, 0 } ;

static sgsession sess ;
static sgstate state = SGSTATE_ZERO ;
static char ipbuf[SGIP_MAX] ;
static char const *ip = "unknown" ;
static int scanning ;
static int tlscheck = 0 ;   /* 220 to STARTTLS: the client's next bytes must be TLS */

/* a UCSPI-TLS layer in front (sgucspitls.h): the client is on cfdin and
   cfdout, the socket until the handoff, the layer's pipes after it */
static sgucspitls tls = SGUCSPITLS_ZERO ;
static int tlson = 0 ;      /* the layer is there */
static int tlswait = 0 ;    /* 220 to STARTTLS seen: the socket is the layer's */
static int tlsgo = 0 ;      /* passed on: the client is on the layer's pipes */
static tain tlsdl ;         /* tlswait: the smtpd asks for TLS by then, or does it itself */
static int cfdin = 0, cfdout = 1 ;
static char const *endhow = "server-eof" ;
static tain deadline = TAIN_INFINITE ;   /* when to stop waiting for the session to end */
static sggreetconf greet = { 0, SGGA_STRIKE, SGPASS_LIFE, 0 } ;
static int greethold = 0 ;   /* our "220-" teaser is out: the smtpd's greeting waits until whole */

static int spfd = -1 ;
static pid_t pid ;
static int wstat ;
static int childdone = 0 ;
static int fdr = -1, fdw = -1 ;   /* child's stdout, child's stdin */
static int cin = 1, cout = 1 ;    /* client side still open */
static int kicked = 0, wouldkicked = 0 ;
static uint64_t bytes_in = 0, bytes_out = 0 ;
static int nosplice = 0 ;   /* the kernel cannot splice the client's stream */
static int nolend = 0 ;     /* or lend to the smtpd's pipe (sgsplice.h) */
static sglend lend = SGLEND_ZERO ;
static char lbuf[SGLEND_SLOTS * SGLEND_SLOTSIZE] __attribute__((aligned(4096))) ;   /* a body's slots, lent to the pipe: whole pages */
static size_t lpos = 0, llen = 0 ;   /* bytes being lent, at sglend_at: lent so far, all */

static char cbuf[CBUFSIZE] ;
static size_t cw = 0, cs = 0, clen = 0 ;   /* written to server, scanned, end */
static char sbuf[SBUFSIZE + SGKICK_MAX] ;
static size_t sw = 0, ss = 0, slen = 0 ;   /* written to client, scanned, end */

/* from now, the session has opt.grace milliseconds left to end by itself */
static void grace_deadline (void)
{
  tain t ;
  tain_from_millisecs(&t, opt.grace) ;
  tain_add_g(&deadline, &t) ;
}

static void close_child_in (void)
{
  if (fdw >= 0) { fd_close(fdw) ; fdw = -1 ; }
  cw = cs = clen = llen = lpos = 0 ;
}

/* The client is gone (read or write error): nothing more can reach it.
   The smtpd gets EOF and ends its way; what it still says is read and
   dropped (relay() empties sbuf while !cout): kept, a full sbuf would stop
   us reading, a full pipe would block the smtpd, and both would wait
   forever. It has the grace time to finish, then reap() ends it. */
static void client_gone (void)
{
  cin = 0 ; cout = 0 ;
  endhow = "client-gone" ;
  close_child_in() ;
  scanning = 0 ;
  grace_deadline() ;
}

static sgverdict const *verdict (unsigned int reason)
{
  return reason == SGR_BADRCPT || reason == SGR_RSET || reason == SGR_AUTHFAIL || reason == SGR_ERRORS ? &sess.verdict : 0 ;
}

/* the dry run's verdict, once a session: counted in the ledger as a
   kick would be, so that list= says whether it would have listed */
static void wouldkick (unsigned int reason)
{
  int list ;
  if (wouldkicked) return ;
  wouldkicked = 1 ;
  list = sgsession_record_kick(&sess, opt.statedir, reason, 1) ;
  sglog_kick(PROG, "wouldkick", ip, reason, sgsession_counts(&sess), verdict(reason), list > 0) ;
}

/* The session ended (EOF, QUIT, timeout) with a transaction open or a
   verdict still to reach: no 421 can be sent, but the kick and its
   listing are recorded. */
static void late_verdict (void)
{
  unsigned int reason ;
  if (kicked) return ;
  reason = sgsession_end(&sess) ;
  if (!reason) return ;
  if (opt.dryrun) { wouldkick(reason) ; return ; }
  sglog_kick(PROG, "kick", ip, reason, sgsession_counts(&sess), verdict(reason), -1) ;
  sgsession_record_kick(&sess, opt.statedir, reason, 0) ;
}

/* Everything the server said up to the reply that passed the limit goes
   to the client, then our 421, then nothing more. */
static void kick (unsigned int reason)
{
  SGTRACE_KICK(reason) ;
  if (opt.dryrun)
  {
    wouldkick(reason) ;
    return ;
  }
  sglog_kick(PROG, "kick", ip, reason, sgsession_counts(&sess), verdict(reason), -1) ;
  sgsession_record_kick(&sess, opt.statedir, reason, 0) ;
  kicked = 1 ;
  endhow = "kick" ;
  if (greethold) { greethold = 0 ; ss = sw ; ss += sggreet_end(sbuf + ss, greet.text) ; }
  slen = ss + sgkick_line(sbuf + ss, reason, opt.kickmsg) ;
  ss = slen ;
  cin = 0 ;
  grace_deadline() ;  /* a client that does not read does not get to hold us */
  close_child_in() ;
  if (fdr >= 0) { fd_close(fdr) ; fdr = -1 ; }
}

/* The client has our "220-" line, so the reply must end with 220 (RFC
   5321 4.2.1: every line of a reply has the same code). An smtpd that
   refuses the session (a 421 or 554 greeting), dies or babbles before a
   whole 220 greeting: our "220 " line, then a 421, the reply a server may
   give to any command when it must close (RFC 5321 3.8), then the end. */
static void greet_failed (unsigned int code)
{
  char fmt[UINT_FMT] ;
  fmt[uint_fmt(fmt, code)] = 0 ;
  sglog_word(PROG, "info", "badgreeting", ip, "code", fmt) ;
  greethold = 0 ;
  scanning = 0 ;
  endhow = "badgreeting" ;
  sw = 0 ;
  slen = ss = sggreet_close(sbuf, greet.text) ;
  cin = 0 ;
  close_child_in() ;
  if (fdr >= 0) { fd_close(fdr) ; fdr = -1 ; }
  grace_deadline() ;
}

static unsigned int violation_reason (sgevent const *ev)
{
  if (ev->type == SGEV_LONGLINE) return SGR_LONGLINE ;
  switch (ev->code)
  {
    case SGV_NUL : return SGR_NUL ;
    case SGV_BARECR : return SGR_BARECR ;
    case SGV_BDAT : return SGR_BDAT ;
    case SGV_VTFF : return SGR_VTFF ;
    case SGV_DATAEND : return SGR_DATAEND ;
    case SGV_LEADSPACE : return SGR_LEADSPACE ;
    default : return SGR_STARTTLS ;
  }
}

/* one event of the client's stream, n bytes scanned: 1 to scan on */
static int client_event (sgevent const *ev, size_t n)
{
  SGTRACE_EVENT(ev) ;
  if (ev->type == SGEV_NONE && !n) return 0 ;
  if (ev->type == SGEV_LONGLINE || ev->type == SGEV_VIOLATION)
  {
    scanning = 0 ;
    /* behind a TLS layer, uncounted sessions are scanned only to see
       their STARTTLS: no kick for them */
    if (!tlson || sess.counting) kick(violation_reason(ev)) ;
    return 0 ;
  }
  if (tlscheck && sess.scan.cmode == SGC_BLIND)
  {
    /* a TLS record after 220 to STARTTLS: opaque from now on */
    sess.blind = 1 ;
    sglog_word(PROG, "info", "blind", ip, "reason", "starttls") ;
    scanning = 0 ;
    cs = clen ;
    return 0 ;
  }
  if (ev->type == SGEV_COMMAND) sgsession_command(&sess, ev) ;
  if (ev->type == SGEV_COMMAND && ev->cmd == SGCMD_AUTH && !sgsession_authkey(&sess))
    sgsession_warn(&sess, opt.statedir, "read the key", errno) ;
  if (ev->type == SGEV_COMMAND && sess.counting && sess.st && !opt.dryrun && sgstate_listed(sess.st, ip, sgnow(), 0) > 0)
  {
    /* listed by another session: this command never reaches the smtpd */
    kick(SGR_LISTED) ;
    return 0 ;
  }
  return 1 ;
}

static void scan_client (void)
{
  while (cs < clen && !kicked)
  {
    sgevent ev ;
    size_t n ;
    if (!scanning) { cs = clen ; break ; }
    n = sgscan_client(&sess.scan, cbuf + cs, clen - cs, &ev) ;
    cs += n ;
    if (!client_event(&ev, n)) break ;
  }
}

static void scan_server (void)
{
  while (ss < slen && !kicked)
  {
    sgevent ev ;
    unsigned int reason ;
    size_t start = ss ;
    if (!scanning) { ss = slen ; break ; }
    ss += sgscan_server(&sess.scan, sbuf + ss, slen - ss, &ev) ;
    SGTRACE_EVENT(&ev) ;
    if (greethold && ev.type == SGEV_REPLY)
    {
      /* sbuf holds the whole greeting: nothing was written since */
      if (ev.cmd != SGCMD_GREETING || ev.code != 220 || !sggreet_all220(sbuf, ss)) { greet_failed(ev.code) ; break ; }
      greethold = 0 ;
    }
    /* a 334 to AUTH has no event but unblocks the client side */
    if (ev.type == SGEV_NONE) { scan_client() ; continue ; }
    reason = sgsession_event(&sess, &ev) ;
    if (sess.err && !sess.st) { sgsession_warn(&sess, opt.statedir, "update the ledger", sess.err) ; sess.err = 0 ; }
    /* after 220 to STARTTLS, the client's first bytes are still checked */
    if (ev.type == SGEV_BLIND) tlscheck = 1 ;
    if (!sess.counting && !tlscheck && !tlson) scanning = 0 ;
    if (tlson && ev.type == SGEV_REPLY && ev.cmd == SGCMD_STARTTLS && ev.code == 220)
    {
      /* what the client sent behind STARTTLS, before this 220, would
         reach the smtpd as if it came through TLS: command injection */
      tlswait = 1 ;
      tain_from_millisecs(&tlsdl, opt.grace) ;
      tain_add_g(&tlsdl, &tlsdl) ;
      if (cs < clen)
      {
        clen = cs ;  /* dropped, in dry-run mode too */
        scanning = 0 ;
        kick(SGR_STARTTLS) ;
        break ;
      }
    }
    /* the limit was reached by the IP's other connections: this reply
       to RCPT would be one answer too many, the 421 takes its place */
    if (reason && sess.verdict.withhold && !opt.dryrun && start >= sw) ss = start ;
    if (reason) kick(reason) ;
    else scan_client() ;
  }
}

static void handle_signals (void)
{
  for (;;)
  {
    int sig = selfpipe_read() ;
    switch (sig)
    {
      case -1 : strerr_dief2sys(111, "unable to ", "read selfpipe") ;
      case 0 : return ;
      case SIGCHLD :
        if (!childdone && wait_pid_nohang(pid, &wstat) == pid)
        {
          childdone = 1 ;
          /* a grandchild may hold the pipe: drain it for a grace time only */
          grace_deadline() ;
        }
        break ;
      default :
        /* SIGTERM, SIGHUP, SIGINT: let the smtpd end the session its way */
        if (!childdone) kill(pid, SIGTERM) ;
        endhow = "signal" ;
        grace_deadline() ;
        break ;
    }
  }
}

static void compact_client (void)
{
  size_t done = cw < cs ? cw : cs ;
  if (!done) return ;
  /* what is done is wiped: it may have been credentials */
  if (done == clen) { memset(cbuf, 0, clen) ; cw = cs = clen = 0 ; return ; }
  if (clen < CBUFSIZE / 2) return ;
  memmove(cbuf, cbuf + done, clen - done) ;
  memset(cbuf + clen - done, 0, done) ;
  cw -= done ; cs -= done ; clen -= done ;
}

/* the smtpd asked the layer for TLS, its 220 is out: from now on the
   client is the layer's decrypted stream */
static void tls_handoff (void)
{
  if (!sgucspitls_handoff(&tls))
  {
    strerr_warnwu2sys("pass the TLS command on to ", "the UCSPI-TLS layer") ;
    client_gone() ;
    return ;
  }
  cfdin = tls.rd ; cfdout = tls.wr ;
  tlsgo = 1 ; tlswait = 0 ;
  sglog_word(PROG, "info", "tls", ip, "layer", "ucspi") ;
}

/* 220 to STARTTLS and, a grace time later, no 'y' from the smtpd: it does
   TLS itself (a layer in front of a TLS-capable smtpd). The socket is the
   smtpd's again, read as without a layer: a TLS record, and blind. */
static void tls_fallback (void)
{
  tlswait = 0 ; tlson = 0 ;
  sess.scan.tlsclear = 0 ;
  sess.scan.cmode = SGC_TLS ;
  sess.scan.tlspos = 0 ;
  sess.counting = 0 ;
  tlscheck = 1 ;
  sglog_word(PROG, "warning", "tls", ip, "layer", "unused") ;
}

static void to_client (void)
{
  ssize_t w = fd_write(cfdout, sbuf + sw, ss - sw) ;
  if (w < 0) { if (errno != EAGAIN) client_gone() ; }
  else { sw += w ; bytes_out += w ; if (sw == slen) sw = ss = slen = 0 ; }
}

/* the pipe is full: a message body is streaming. A bigger pipe (once,
   best effort) halves the wakes per MB; a session of short commands
   never gets here */
static void pipe_full (void)
{
  static int bigpipe = 0 ;
  if (!bigpipe++) fcntl(fdw, F_SETPIPE_SZ, PIPEBIG) ;
}

/* up to fwd: behind STARTTLS, only what was scanned goes on */
static void to_server (size_t fwd)
{
  ssize_t w = fd_write(fdw, cbuf + cw, fwd - cw) ;
  if (w < 0) { if (errno != EAGAIN) { cin = 0 ; close_child_in() ; } }
  else
  {
    if ((size_t)w < fwd - cw) pipe_full() ;
    cw += w ;
    lend.piped += w ;
  }
}

/* the bytes being lent go on into the pipe, as far as the pipe takes
   them; if the kernel will not lend, the rest goes as read bytes do.
   Less than a page is written: lent, it would take a pipe slot of its
   own, written, it fills the pipe's last page */
static void lend_more (void)
{
  char const *at = lbuf + sglend_at(&lend) ;
  ssize_t w = llen < SGLEND_LOW ? fd_write(fdw, at + lpos, llen - lpos) : sgsplice_lend(fdw, at + lpos, llen - lpos) ;
  if (w < 0)
  {
    if (errno == EAGAIN) { pipe_full() ; return ; }
    if (errno == EPIPE) { cin = 0 ; close_child_in() ; return ; }
    nolend = 1 ;
    compact_client() ;  /* all done with: nothing was read behind lent bytes */
    memcpy(cbuf + clen, at + lpos, llen - lpos) ;
    clen += llen - lpos ; cs = clen ;
    sglend_lent(&lend, llen) ;
    llen = lpos = 0 ;
    return ;
  }
  lend.piped += w ; lpos += w ;
  if (lpos < llen) { pipe_full() ; return ; }
  sglend_lent(&lend, llen) ;
  llen = lpos = 0 ;
}

/* A body streams in: it is read into the ring (sgsplice.h), to be lent
   from there, when nothing read before waits or is still to be scanned
   and the slot to fill is free of what the pipe holds. */
static int lending (void)
{
  int64_t unread = 0 ;
  if (nolend || !scanning || kicked || fdw < 0 || llen || cw != clen || cs != clen || !sgscan_streaming(&sess.scan)) return 0 ;
  if (!lend.fill) unread = sgsplice_unread(fdw) ;
  return unread >= 0 && sglend_free(&lend, unread) ;
}

/* rr bytes read into the ring, scanned there: a stretch of body with
   nothing in it for the scanner is lent as it is; one with the end of
   the data (or a violation) goes on as read bytes do */
static void lend_read (char *at, size_t rr)
{
  sgevent ev ;
  size_t n = sgscan_client(&sess.scan, at, rr, &ev) ;
  if (ev.type == SGEV_NONE && n == rr && sgscan_streaming(&sess.scan))
  {
    SGTRACE_EVENT(&ev) ;
    llen = rr ; lpos = 0 ;
    lend_more() ;
    return ;
  }
  compact_client() ;
  memcpy(cbuf + clen, at, rr) ;
  memset(at, 0, rr) ;  /* never lent; what follows a body's end may be credentials */
  cs = clen + n ; clen += rr ;
  if (client_event(&ev, n)) scan_client() ;
}

/* a stream we do not scan (a relay client, TLS we cannot see) goes
   straight from the client's fd into the pipe; 0 if it must be read instead */
static ssize_t pass_blind (size_t want)
{
  ssize_t k ;
  if (nosplice || scanning || fdw < 0 || cw != clen || llen) return 0 ;
  k = sgsplice_move(cfdin, fdw, want, &nosplice) ;
  if (k <= 0) return 0 ;
  bytes_in += k ;
  lend.piped += k ;
  return k ;
}

static void relay (void)
{
  tain idle ;
  if (opt.timeout) tain_addsec_g(&idle, opt.timeout) ;
  else idle = tain_infinite ;
  for (;;)
  {
    iopause_fd x[6] ;
    int icin = -1, icout = -1, ir = -1, iw = -1, ictl = -1 ;
    size_t fwd ;
    unsigned int n = 1 ;
    int r ;
    tain const *until ;

    if (kicked && sw >= slen) break ;
    if (fdr < 0 && sw >= ss) break ;
    if (!cout && fdr < 0) break ;
    if (!cout) sw = ss = slen = 0 ;
    if (tls.cmd && !tlsgo && (tlswait || !scanning) && sw >= slen) tls_handoff() ;

    x[0].fd = spfd ; x[0].events = IOPAUSE_READ ;
    compact_client() ;
    if (cin && !llen && !tlswait && !(tls.cmd && !tlsgo) && clen < CBUFSIZE && fdw >= 0) { x[n].fd = cfdin ; x[n].events = IOPAUSE_READ ; icin = n++ ; }
    if (tlson && !tls.cmd && tls.mine >= 0) { x[n].fd = tls.mine ; x[n].events = IOPAUSE_READ ; ictl = n++ ; }
    else if (tlsgo && tls.ctl >= 0 && tls.mine >= 0) { x[n].fd = tls.ctl ; x[n].events = IOPAUSE_READ ; ictl = n++ ; }
    /* what the client sends behind STARTTLS waits for its 220 and our
       check; behind other commands that wait for their reply (EHLO,
       DATA, AUTH), it goes on: a violation found there later is kicked
       before any reply to it reaches the client */
    fwd = scanning && sgscan_tlswait(&sess.scan) ? cs : clen ;
    if (fdw >= 0 && (cw < fwd || llen)) { x[n].fd = fdw ; x[n].events = IOPAUSE_WRITE ; iw = n++ ; }
    if (fdr >= 0 && slen < SBUFSIZE) { x[n].fd = fdr ; x[n].events = IOPAUSE_READ ; ir = n++ ; }
    if (cout && sw < ss && !greethold) { x[n].fd = cfdout ; x[n].events = IOPAUSE_WRITE ; icout = n++ ; }
    until = tain_less(&idle, &deadline) ? &idle : &deadline ;
    if (tlswait && !tls.cmd && tain_less(&tlsdl, until)) until = &tlsdl ;
    r = iopause_g(x, n, until) ;
    if (r < 0) strerr_dief2sys(111, "unable to ", "iopause") ;
    if (!r && until == &tlsdl) { tls_fallback() ; continue ; }
    if (!r)
    {
      if (until == &idle) endhow = "timeout" ;
      break ;
    }
    if (opt.timeout) tain_addsec_g(&idle, opt.timeout) ;
    if (x[0].revents & IOPAUSE_READ) handle_signals() ;
    if (ictl >= 0 && x[ictl].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT)) sgucspitls_control(&tls, x[ictl].fd) ;

    if (icout >= 0 && x[icout].revents & (IOPAUSE_WRITE | IOPAUSE_EXCEPT)) to_client() ;
    if (iw >= 0 && x[iw].revents & (IOPAUSE_WRITE | IOPAUSE_EXCEPT)) { if (llen) lend_more() ; else to_server(fwd) ; }
    if (ir >= 0 && x[ir].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    {
      ssize_t rr = fd_read(fdr, sbuf + slen, SBUFSIZE - slen) ;
      if (rr < 0 && errno == EAGAIN) ;
      else if (rr <= 0)
      {
        fd_close(fdr) ; fdr = -1 ; close_child_in() ;
        if (greethold) greet_failed(0) ;
      }
      else
      {
        slen += rr ;
        scan_server() ;
        if (greethold && slen >= SBUFSIZE) greet_failed(0) ;
        /* write at once: the socket almost always has room, and a
           round trip then costs one wake, one read, one write each way */
        if (cout && sw < ss && !greethold) to_client() ;
        fwd = scanning && sgscan_tlswait(&sess.scan) ? cs : clen ;
        if (fdw >= 0 && cw < fwd) to_server(fwd) ;  /* what the reply unblocked */
      }
    }
    if (icin >= 0 && x[icin].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    for (unsigned int more = 0 ; more < 16 ; more++)
    {
      int lent = lending() ;
      char *to = lent ? lbuf + sglend_at(&lend) : cbuf + clen ;
      size_t want = lent ? sglend_room(&lend) : CBUFSIZE - clen ;
      ssize_t rr = pass_blind(want) ;
      if (rr > 0) { if ((size_t)rr == want) continue ; break ; }
      rr = fd_read(cfdin, to, want) ;
      if (rr < 0 && errno == EAGAIN) ;
      else if (rr <= 0)
      {
        /* half-close: the server still gets EOF and may still answer */
        cin = 0 ;
        if (rr < 0) client_gone() ;
        else endhow = "client-eof" ;
      }
      else
      {
        bytes_in += rr ;
        if (lent) lend_read(to, rr) ;
        else { clen += rr ; scan_client() ; }
        fwd = scanning && sgscan_tlswait(&sess.scan) ? cs : clen ;
        if (fdw >= 0 && cw < fwd) to_server(fwd) ;
        if (cout && sw < ss && !greethold) to_client() ;  /* a kick's 421 */
        /* a full read of a stream (a body) that all went on: more is
           almost surely waiting, read it without waiting for a wake */
        if ((size_t)rr == want && (lent || want == CBUFSIZE) && cin && fdw >= 0 && cw == clen && !llen && !kicked)
        {
          compact_client() ;
          continue ;
        }
      }
      break ;
    }
    /* client EOF and all of its bytes written: the smtpd gets EOF, but
       the bytes not yet scanned stay, their replies are still to come */
    if (!cin && fdw >= 0 && cw >= clen && !llen) { fd_close(fdw) ; fdw = -1 ; }
    if (childdone && fdr >= 0 && !tain_future(&deadline)) break ;
  }
}

/* The session is over: the client goes first, then the smtpd gets EOF,
   then, if it lingers, TERM, then KILL. It is always reaped. */
static void reap (void)
{
  fd_close(0) ; fd_close(1) ;
  close_child_in() ;
  if (fdr >= 0) { fd_close(fdr) ; fdr = -1 ; }
  if (!childdone)
  {
    if (!sgchild_end(pid, spfd, opt.grace, &wstat)) strerr_dief2sys(111, "unable to ", "reap the child") ;
    childdone = 1 ;
  }
}

/* A listed IP gets 421 at once: no smtpd is started for it. */
static void setup_state (sgstateconf const *sconf)
{
  sglisting li ;
  char line[SGKICK_MAX] ;
  int r = sgsession_state(&sess, &state, opt.statedir, sconf, ipbuf, getenv("TCPREMOTEIP"), &li) ;
  if (sess.ip) ip = sess.ip ;
  if (r != 2) return ;
  if (opt.dryrun)
  {
    /* the dry run never refuses: it says so, and keeps its memory */
    sglog_listing(PROG, "wouldrefuse", ip, &li) ;
    sess.st = &state ;
    return ;
  }
  sglog_listing(PROG, "refused", ip, &li) ;
  allwrite(1, line, sgkick_line(line, SGR_LISTED, opt.kickmsg)) ;
  sgstate_close(&state) ;
  _exit(EXIT_REFUSED) ;
}

/* The door test (-G): a refused or vanished client ends here, before
   any smtpd; a passing one goes on with our teaser out. */
static void door (void)
{
  static char textbuf[SGGREET_TEXTMAX + 1] ;
  int v ;
  if (!greet.text) greet.text = sggreet_default_text(textbuf, getenv("TCPLOCALHOST"), getenv("TCPLOCALIP")) ;
  v = sggreet_door(&sess, &greet, opt.statedir) ;
  if (v == SGG_PASS) greethold = 1 ;
  else if (v > 0)
  {
    sgstate_close(&state) ;
    _exit(v == SGG_GONE ? 0 : EXIT_REFUSED) ;
  }
}

static int exitcode (void)
{
  if (kicked) return EXIT_KICK ;
  if (!childdone) return 111 ;
  if (WIFSIGNALED(wstat)) return 128 + WTERMSIG(wstat) ;
  return WEXITSTATUS(wstat) ;
}

static void summary (tain const *start)
{
  sgsessionend e = { .how = endhow, .in = bytes_in, .out = bytes_out, .status = exitcode() } ;
  tain d ;
  tain_sub(&d, &STAMP, start) ;
  e.ms = tain_to_millisecs(&d) ;
  sglog_session(PROG, ip, &sess, &e) ;
}

int main (int argc, char const *const *argv)
{
  sglimits limits = { SGLIMIT_BADRCPT, SGLIMIT_RSET, SGLIMIT_AUTHFAIL, SGLIMIT_ERRORS } ;
  sgstateconf sconf = SGSTATECONF_ZERO ;
  int memopt = 0 ;  /* -W, -k, -l, -x or -H given */
  tain start ;
  PROG = "smtpguard" ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt_ = subgetopt_r(argc, argv, "vncb:s:a:e:m:g:t:d:W:k:l:x:H:G:E:B:P:", &l) ;
      if (opt_ == -1) break ;
      switch (opt_)
      {
        case 'v' : opt.verbose = 1 ; break ;
        case 'n' : opt.dryrun = 1 ; break ;
        case 'c' : opt.countrelay = 1 ; break ;
        case 'b' : if (!uint320_scan(l.arg, &limits.badrcpt)) dieusage() ; break ;
        case 's' : if (!uint320_scan(l.arg, &limits.rset)) dieusage() ; break ;
        case 'a' : if (!uint320_scan(l.arg, &limits.authfail)) dieusage() ; break ;
        case 'e' : if (!uint320_scan(l.arg, &limits.errors)) dieusage() ; break ;
        case 'm' : opt.kickmsg = l.arg ; break ;
        case 'g' : if (!uint0_scan(l.arg, &opt.grace)) dieusage() ; break ;
        case 't' : if (!uint0_scan(l.arg, &opt.timeout)) dieusage() ; break ;
        case 'd' : opt.statedir = l.arg ; break ;
        case 'W' : if (!uint320_scan(l.arg, &sconf.window) || !sconf.window) dieusage() ; memopt = 1 ; break ;
        case 'k' : if (!uint320_scan(l.arg, &sconf.kicks) || !sconf.kicks) dieusage() ; memopt = 1 ; break ;
        case 'l' : if (!uint320_scan(l.arg, &sconf.listtime) || !sconf.listtime) dieusage() ; memopt = 1 ; break ;
        case 'x' : if (!uint320_scan(l.arg, &sconf.listmax)) dieusage() ; memopt = 1 ; break ;
        case 'H' : if (!uint320_scan(l.arg, &sconf.history)) dieusage() ; memopt = 1 ; break ;
        case 'G' : if (!uint0_scan(l.arg, &greet.ms) || !greet.ms) dieusage() ; break ;
        case 'E' : if (!sggreet_action_scan(l.arg, &greet.action)) dieusage() ; break ;
        case 'B' : greet.text = l.arg ; break ;
        case 'P' : if (!uint320_scan(l.arg, &greet.life) || !greet.life) dieusage() ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (!argc) dieusage() ;
  if (opt.kickmsg && (strchr(opt.kickmsg, '\r') || strchr(opt.kickmsg, '\n')))
    strerr_dief1x(100, "the -m text must be a single line") ;
  if (greet.ms && !opt.statedir) strerr_dief1x(100, "-G needs -d: passes are remembered in the state directory") ;
  /* said, not fatal: a run script that has always passed them must not
     stop the mail after an upgrade */
  if (memopt && !opt.statedir) strerr_warnw1x("-W, -k, -l, -x and -H do nothing without -d") ;
  if (greet.text && !sggreet_text_ok(greet.text))
    strerr_dief1x(100, "the -B text must be one line of printable ASCII, at most 200 bytes") ;

  /* the cheapest path: an exempt client costs one exec */
  if (getenv("SMTPGUARD_EXEMPT")) xexec(argv) ;

  {
    char const *x = getenv("TCPREMOTEIP") ;
    if (x) ip = x ;
  }
  sglimits_env(&limits) ;
  if (getenv("SMTPGUARD_NOLEND")) nolend = 1 ;
  scanning = opt.countrelay || !getenv("RELAYCLIENT") ;
  sgsession_init(&sess, &limits, scanning) ;
  sgsiphash_key(sess.scan.key) ;
  if (opt.statedir && scanning) setup_state(&sconf) ;
  if (greet.ms && sess.st && !opt.dryrun && !getenv("RELAYCLIENT") && !getenv("SMTPGUARD_PASS")) door() ;

  tain_now_set_stopwatch_g() ;
  start = STAMP ;
  spfd = selfpipe_init() ;
  if (spfd < 0) strerr_dief2sys(111, "unable to ", "init selfpipe") ;
  {
    sigset_t set ;
    sigemptyset(&set) ;
    sigaddset(&set, SIGCHLD) ;
    sigaddset(&set, SIGTERM) ;
    sigaddset(&set, SIGHUP) ;
    sigaddset(&set, SIGINT) ;
    if (!selfpipe_trapset(&set)) strerr_dief2sys(111, "unable to ", "trap signals") ;
  }

  {
    /* behind a UCSPI-TLS layer, the smtpd talks TLS through us */
    int r = sgucspitls_setup(&tls) ;
    if (r < 0) strerr_warnwu1sys("set up UCSPI-TLS: the smtpd gets the layer's fds and we go blind at STARTTLS") ;
    tlson = r > 0 ;
    sess.scan.tlsclear = tlson ;
    /* uncounted sessions too are followed to their STARTTLS, to hand over in time */
    if (tlson) scanning = 1 ;
  }
  pid = sgchild_spawn(argv, (char const *const *)environ, &fdr, &fdw) ;
  if (!pid)
  {
    int e = errno ;
    /* the client deserves a temporary failure, not silence */
    if (greethold) { char end[SGGREET_LINEMAX] ; allwrite(1, end, sggreet_end(end, greet.text)) ; }
    allwrite(1, "421 4.3.0 service temporarily unavailable\r\n", 43) ;
    errno = e ;
    strerr_dief3sys(111, "unable to ", "spawn ", argv[0]) ;
  }
  sgucspitls_spawned(&tls) ;
  /* only now: an ignored SIGPIPE would be inherited by the smtpd */
  if (!sig_ignore(SIGPIPE)) strerr_dief2sys(111, "unable to ", "ignore SIGPIPE") ;
  if (ndelay_on(0) < 0 || ndelay_on(1) < 0 || (tlson && ndelay_on(tls.mine) < 0))
    strerr_dief2sys(111, "unable to ", "set fds non-blocking") ;

  relay() ;
  late_verdict() ;
  if (sess.st && !sgsession_flush(&sess)) sgsession_warn(&sess, opt.statedir, "update the ledger", sess.err) ;
  sgsession_record_history(&sess, opt.statedir) ;
  reap() ;
  selfpipe_finish() ;
  if (state.dirfd >= 0) sgstate_close(&state) ;
  tain_now_g() ;
  if (opt.verbose) summary(&start) ;
  return exitcode() ;
}
