/* ISC license. */

#ifndef SMTPGUARD_SGPASS_H
#define SMTPGUARD_SGPASS_H

/* sgpass: the door test's memory, statedir/pass/<ip>: one record per
   address that waited for the greeting, a symbolic link whose target is
   "<since> <until>" (seconds), written like a listing (temporary name,
   rename, fsync of the directory). A record has its own life (smtpguard
   -P, a day by default) and is pruned by sgpass_gc. The IP must be
   canonical (sgip_canon). Every function returns errors and sets errno;
   none prints or exits. */

#include <stdint.h>

#include "sgstate.h"

#define SGPASS_LIFE 86400

/* pass/ under the open statedir, created if missing and possible: an fd
   or -1 */
extern int sgpass_dir (sgstate *) ;

/* 1 a pass record unexpired at now, 0 none or expired, -1 error (an
   unparsable record is EINVAL) */
extern int sgpass_check (int passfd, char const *ip, uint64_t now) ;

/* records a pass valid from now for life seconds, durably; 1 ok, 0 error */
extern int sgpass_record (int passfd, char const *ip, uint64_t now, uint32_t life) ;

/* removes expired and unparsable records and temporaries older than a
   minute from statedir/pass (none there: 0); how many, or -1 on error */
extern int sgpass_gc (sgstate *, uint64_t now) ;

#endif
