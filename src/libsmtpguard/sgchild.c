/* ISC license. */

#include <signal.h>
#include <sys/wait.h>

#include <skalibs/tai.h>
#include <skalibs/iopause.h>
#include <skalibs/selfpipe.h>
#include <skalibs/djbunix.h>

#include "sgchild.h"

/* A child that was given EOF has grace milliseconds to exit, then gets
   SIGTERM, then, grace milliseconds later, SIGKILL; it is always reaped.
   spfd is the selfpipe, trapping SIGCHLD. 1 and *wstat, or 0 if iopause
   failed. */
int sgchild_end (pid_t pid, int spfd, unsigned int grace, int *wstat)
{
  int sig = 0 ;
  tain_now_g() ;
  for (;;)
  {
    iopause_fd x = { .fd = spfd, .events = IOPAUSE_READ } ;
    tain deadline, t ;
    tain_from_millisecs(&t, grace) ;
    tain_add_g(&deadline, &t) ;
    for (;;)
    {
      int r ;
      if (wait_pid_nohang(pid, wstat) == pid) return 1 ;
      r = iopause_g(&x, 1, &deadline) ;
      if (r < 0) return 0 ;
      if (!r) break ;
      while (selfpipe_read() > 0) ;
    }
    sig = sig ? SIGKILL : SIGTERM ;
    kill(pid, sig) ;
    if (sig == SIGKILL) return wait_pid(pid, wstat) == pid ;
  }
}
