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
#include "sgip.h"
#include "sgkick.h"
#include "sglisting.h"
#include "sglog.h"
#include "sgpolicy.h"
#include "sgscan.h"
#include "sgsession.h"
#include "sgstate.h"

#define USAGE "smtpguard [ -v ] [ -n ] [ -c ] [ -b badrcpt ] [ -s rset ] [ -a authfail ] [ -e errors ] [ -m text ] [ -g grace ] [ -t timeout ] [ -d statedir [ -W window ] [ -k kicks ] [ -l listtime ] [ -x listmax ] ] prog..."
#define dieusage() strerr_dieusage(100, USAGE)

#define CBUFSIZE 262144  /* a body streams in reads this big: fewer system calls per MB */
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
static char const *endhow = "server-eof" ;
static tain deadline = TAIN_INFINITE ;   /* when to stop waiting for the session to end */

static int spfd = -1 ;
static pid_t pid ;
static int wstat ;
static int childdone = 0 ;
static int fdr = -1, fdw = -1 ;   /* child's stdout, child's stdin */
static int cin = 1, cout = 1 ;    /* client side still open */
static int kicked = 0, wouldkicked = 0 ;
static uint64_t bytes_in = 0, bytes_out = 0 ;

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
  cw = cs = clen = 0 ;
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

/* Everything the server said up to the reply that passed the limit goes
   to the client, then our 421, then nothing more. */
static void kick (unsigned int reason)
{
  if (opt.dryrun)
  {
    if (!wouldkicked) sglog_kick(PROG, "wouldkick", ip, reason, sgsession_counts(&sess)) ;
    wouldkicked = 1 ;
    return ;
  }
  sglog_kick(PROG, "kick", ip, reason, sgsession_counts(&sess)) ;
  sgsession_record_kick(&sess, opt.statedir, reason) ;
  kicked = 1 ;
  endhow = "kick" ;
  slen = ss + sgkick_line(sbuf + ss, reason, opt.kickmsg) ;
  ss = slen ;
  cin = 0 ;
  grace_deadline() ;  /* a client that does not read does not get to hold us */
  close_child_in() ;
  if (fdr >= 0) { fd_close(fdr) ; fdr = -1 ; }
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
    if (ev.type == SGEV_NONE && !n) break ;
    if (ev.type == SGEV_LONGLINE)
    {
      scanning = 0 ;
      kick(SGR_LONGLINE) ;
      break ;
    }
    if (ev.type == SGEV_COMMAND && sess.st && sgstate_listed(sess.st, ip, sgnow(), 0) > 0)
    {
      /* listed by another session: this command never reaches the smtpd */
      kick(SGR_LISTED) ;
      break ;
    }
  }
}

static void scan_server (void)
{
  while (ss < slen && !kicked)
  {
    sgevent ev ;
    unsigned int reason ;
    if (!scanning) { ss = slen ; break ; }
    ss += sgscan_server(&sess.scan, sbuf + ss, slen - ss, &ev) ;
    /* a 334 to AUTH has no event but unblocks the client side */
    if (ev.type == SGEV_NONE) { scan_client() ; continue ; }
    reason = sgsession_event(&sess, &ev) ;
    if (sess.err && !sess.st) { sgsession_warn(&sess, opt.statedir, "update the ledger", sess.err) ; sess.err = 0 ; }
    if (ev.type == SGEV_BLIND) sglog_word(PROG, "info", "blind", ip, "reason", "starttls") ;
    if (!sess.counting) scanning = 0 ;
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
  if (done == clen) { cw = cs = clen = 0 ; return ; }
  if (clen < CBUFSIZE / 2) return ;
  memmove(cbuf, cbuf + done, clen - done) ;
  cw -= done ; cs -= done ; clen -= done ;
}

static void to_client (void)
{
  ssize_t w = fd_write(1, sbuf + sw, ss - sw) ;
  if (w < 0) { if (errno != EAGAIN) client_gone() ; }
  else { sw += w ; bytes_out += w ; if (sw == slen) sw = ss = slen = 0 ; }
}

static void to_server (void)
{
  static int bigpipe = 0 ;
  ssize_t w = fd_write(fdw, cbuf + cw, clen - cw) ;
  if (w < 0) { if (errno != EAGAIN) { cin = 0 ; close_child_in() ; } }
  else
  {
    /* the pipe is full: a message body is streaming. A bigger pipe (once,
       best effort) halves the wakes per MB; a session of short commands
       never gets here */
    if ((size_t)w < clen - cw && !bigpipe++) fcntl(fdw, F_SETPIPE_SZ, PIPEBIG) ;
    cw += w ;
  }
}

static void relay (void)
{
  tain idle ;
  if (opt.timeout) tain_addsec_g(&idle, opt.timeout) ;
  else idle = tain_infinite ;
  for (;;)
  {
    iopause_fd x[5] ;
    int icin = -1, icout = -1, ir = -1, iw = -1 ;
    unsigned int n = 1 ;
    int r ;
    tain const *until ;

    if (kicked && sw >= slen) break ;
    if (fdr < 0 && sw >= ss) break ;
    if (!cout && fdr < 0) break ;
    if (!cout) sw = ss = slen = 0 ;

    x[0].fd = spfd ; x[0].events = IOPAUSE_READ ;
    compact_client() ;
    if (cin && clen < CBUFSIZE && fdw >= 0) { x[n].fd = 0 ; x[n].events = IOPAUSE_READ ; icin = n++ ; }
    if (fdw >= 0 && cw < clen) { x[n].fd = fdw ; x[n].events = IOPAUSE_WRITE ; iw = n++ ; }
    if (fdr >= 0 && slen < SBUFSIZE) { x[n].fd = fdr ; x[n].events = IOPAUSE_READ ; ir = n++ ; }
    if (cout && sw < ss) { x[n].fd = 1 ; x[n].events = IOPAUSE_WRITE ; icout = n++ ; }
    until = tain_less(&idle, &deadline) ? &idle : &deadline ;
    r = iopause_g(x, n, until) ;
    if (r < 0) strerr_dief2sys(111, "unable to ", "iopause") ;
    if (!r)
    {
      if (until == &idle) endhow = "timeout" ;
      break ;
    }
    if (opt.timeout) tain_addsec_g(&idle, opt.timeout) ;
    if (x[0].revents & IOPAUSE_READ) handle_signals() ;

    if (icout >= 0 && x[icout].revents & (IOPAUSE_WRITE | IOPAUSE_EXCEPT)) to_client() ;
    if (iw >= 0 && x[iw].revents & (IOPAUSE_WRITE | IOPAUSE_EXCEPT)) to_server() ;
    if (ir >= 0 && x[ir].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    {
      ssize_t rr = fd_read(fdr, sbuf + slen, SBUFSIZE - slen) ;
      if (rr < 0 && errno == EAGAIN) ;
      else if (rr <= 0) { fd_close(fdr) ; fdr = -1 ; close_child_in() ; }
      else
      {
        slen += rr ;
        scan_server() ;
        /* write at once: the socket almost always has room, and a
           round trip then costs one wake, one read, one write each way */
        if (cout && sw < ss) to_client() ;
        if (fdw >= 0 && cw < clen) to_server() ;  /* what the reply unblocked */
      }
    }
    if (icin >= 0 && x[icin].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    for (unsigned int more = 0 ; more < 16 ; more++)
    {
      size_t want = CBUFSIZE - clen ;
      ssize_t rr = fd_read(0, cbuf + clen, want) ;
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
        clen += rr ; bytes_in += rr ;
        scan_client() ;
        if (fdw >= 0 && cw < clen) to_server() ;
        if (cout && sw < ss) to_client() ;  /* a kick's 421 */
        /* a full read of a stream (a body) that all went on: more is
           almost surely waiting, read it without waiting for a wake */
        if ((size_t)rr == want && want == CBUFSIZE && cin && fdw >= 0 && cw == clen && !kicked)
        {
          compact_client() ;
          continue ;
        }
      }
      break ;
    }
    /* client EOF and all of its bytes written: the smtpd gets EOF, but
       the bytes not yet scanned stay, their replies are still to come */
    if (!cin && fdw >= 0 && cw >= clen) { fd_close(fdw) ; fdw = -1 ; }
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
  sglog_listing(PROG, "refused", ip, &li) ;
  allwrite(1, line, sgkick_line(line, SGR_LISTED, opt.kickmsg)) ;
  sgstate_close(&state) ;
  _exit(EXIT_REFUSED) ;
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
  tain start ;
  PROG = "smtpguard" ;
  {
    subgetopt l = SUBGETOPT_ZERO ;
    for (;;)
    {
      int opt_ = subgetopt_r(argc, argv, "vncb:s:a:e:m:g:t:d:W:k:l:x:", &l) ;
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
        case 'W' : if (!uint320_scan(l.arg, &sconf.window) || !sconf.window) dieusage() ; break ;
        case 'k' : if (!uint320_scan(l.arg, &sconf.kicks) || !sconf.kicks) dieusage() ; break ;
        case 'l' : if (!uint320_scan(l.arg, &sconf.listtime) || !sconf.listtime) dieusage() ; break ;
        case 'x' : if (!uint320_scan(l.arg, &sconf.listmax)) dieusage() ; break ;
        default : dieusage() ;
      }
    }
    argc -= l.ind ; argv += l.ind ;
  }
  if (!argc) dieusage() ;
  if (opt.kickmsg && (strchr(opt.kickmsg, '\r') || strchr(opt.kickmsg, '\n')))
    strerr_dief1x(100, "the -m text must be a single line") ;

  /* the cheapest path: an exempt client costs one exec */
  if (getenv("SMTPGUARD_EXEMPT")) xexec(argv) ;

  {
    char const *x = getenv("TCPREMOTEIP") ;
    if (x) ip = x ;
  }
  sglimits_env(&limits) ;
  scanning = opt.countrelay || !getenv("RELAYCLIENT") ;
  sgsession_init(&sess, &limits, scanning) ;
  if (opt.statedir && scanning && !opt.dryrun) setup_state(&sconf) ;

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

  pid = sgchild_spawn(argv, (char const *const *)environ, &fdr, &fdw) ;
  if (!pid)
  {
    int e = errno ;
    /* the client deserves a temporary failure, not silence */
    allwrite(1, "421 4.3.0 service temporarily unavailable\r\n", 43) ;
    errno = e ;
    strerr_dief3sys(111, "unable to ", "spawn ", argv[0]) ;
  }
  /* only now: an ignored SIGPIPE would be inherited by the smtpd */
  if (!sig_ignore(SIGPIPE)) strerr_dief2sys(111, "unable to ", "ignore SIGPIPE") ;
  if (ndelay_on(0) < 0 || ndelay_on(1) < 0)
    strerr_dief2sys(111, "unable to ", "set fds non-blocking") ;

  relay() ;
  if (sess.st && !sgsession_flush(&sess)) sgsession_warn(&sess, opt.statedir, "update the ledger", sess.err) ;
  reap() ;
  selfpipe_finish() ;
  if (state.dirfd >= 0) sgstate_close(&state) ;
  tain_now_g() ;
  if (opt.verbose) summary(&start) ;
  return exitcode() ;
}
