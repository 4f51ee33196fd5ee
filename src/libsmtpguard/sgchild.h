/* ISC license. */

#ifndef SMTPGUARD_SGCHILD_H
#define SMTPGUARD_SGCHILD_H

#include <sys/types.h>

/* sgchild: the smtpd as a child.
   sgchild_spawn starts argv (PATH searched) with its stdin and stdout on two pipes,
   close-on-exec and non-blocking on our side: *fdr reads its stdout,
   *fdw writes its stdin. The pid, or 0 (errno) if it could not start. */
extern pid_t sgchild_spawn (char const *const *argv, char const *const *envp, int *fdr, int *fdw) ;

/* sgchild_end ends a child that was given EOF (grace ms, TERM, grace ms,
   KILL), always reaping it; spfd is a selfpipe trapping SIGCHLD */
extern int sgchild_end (pid_t, int spfd, unsigned int grace, int *wstat) ;

#endif
