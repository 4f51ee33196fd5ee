/* ISC license. */

#ifndef SMTPGUARD_SGSCAN_BODY_H
#define SMTPGUARD_SGSCAN_BODY_H

/* The DATA body half of the client scanner: internal to sgscan.c
   (sgscan.h is the API). */

#include <stddef.h>

#include "sgscan.h"

enum { SGBODY_MORE = 0, SGBODY_END, SGBODY_DATAEND } ;

/* a body starts (after 354 to DATA) */
extern void sgscan_body_start (sgscan *) ;

/* scans body bytes up to and including the end-of-data line; sets *used
   to the bytes consumed and returns SGBODY_END for that line,
   SGBODY_DATAEND if its line ends are not the body's own, SGBODY_MORE
   (all bytes consumed) if it is not there yet */
extern int sgscan_body (sgscan *, char const *, size_t, size_t *used) ;

#endif
