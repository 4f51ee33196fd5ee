/* ISC license. */

/* The pairing trace of smtpguard-trace (src/libsmtpguard/sgtrace.h):
   linked only into that test binary, built with -DSMTPGUARD_TRACE=FD.
   One line per event on FD, written at once (the relay may die or be
   killed at any point; what it had paired is then already there):

     command VERB          the scanner classified a client line
     reply VERB CODE       a reply, and the command it was paired with
     blind VERB CODE       the 220 to STARTTLS
     longline              a command line too long to pair
     violation KIND        a line smtpds may read differently (sgviol_name)
     event TYPE CMD CODE   any other scanner event
     kick REASON           the relay kicks (reason as in its log)

   The descriptor is close-on-exec, so the smtpd never inherits it. */

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "sgpolicy.h"
#include "sgscan.h"
#include "sgtrace.h"

__attribute__((constructor)) static void sgtrace_init (void)
{
  int flags = fcntl(SMTPGUARD_TRACE, F_GETFD) ;
  if (flags >= 0) fcntl(SMTPGUARD_TRACE, F_SETFD, flags | FD_CLOEXEC) ;
}

static void put (char const *s, int n)
{
  if (n > 0) (void)!write(SMTPGUARD_TRACE, s, (size_t)n) ;
}

void sgtrace_event (sgevent const *ev)
{
  char buf[80] ;
  int n ;
  switch (ev->type)
  {
    case SGEV_NONE : return ;
    case SGEV_COMMAND : n = snprintf(buf, sizeof(buf), "command %s\n", sgcmd_name(ev->cmd)) ; break ;
    case SGEV_REPLY : n = snprintf(buf, sizeof(buf), "reply %s %u\n", sgcmd_name(ev->cmd), (unsigned int)ev->code) ; break ;
    case SGEV_BLIND : n = snprintf(buf, sizeof(buf), "blind %s %u\n", sgcmd_name(ev->cmd), (unsigned int)ev->code) ; break ;
    case SGEV_LONGLINE : n = snprintf(buf, sizeof(buf), "longline\n") ; break ;
    case SGEV_VIOLATION : n = snprintf(buf, sizeof(buf), "violation %s\n", sgviol_name(ev->code)) ; break ;
    default : n = snprintf(buf, sizeof(buf), "event %u %s %u\n", (unsigned int)ev->type, sgcmd_name(ev->cmd), (unsigned int)ev->code) ; break ;
  }
  put(buf, n) ;
}

void sgtrace_kick (unsigned int reason)
{
  char buf[80] ;
  put(buf, snprintf(buf, sizeof(buf), "kick %s\n", sgreason_name(reason))) ;
}
