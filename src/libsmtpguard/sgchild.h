/* ISC license. */

#ifndef SMTPGUARD_SGCHILD_H
#define SMTPGUARD_SGCHILD_H

#include <sys/types.h>

/* sgchild: end a child that was given EOF (grace ms, TERM, grace ms,
   KILL), always reaping it; spfd is a selfpipe trapping SIGCHLD */
extern int sgchild_end (pid_t, int spfd, unsigned int grace, int *wstat) ;

#endif
