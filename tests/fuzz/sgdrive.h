/* ISC license. */

#ifndef SGDRIVE_H
#define SGDRIVE_H

/* A test driver for the scanner that feeds it the way the relay must:
   client bytes are scanned as soon as they arrive, as far as the scanner
   takes them; server bytes are scanned as they arrive, and after every
   sgscan_server() call the pending client bytes are offered again (a
   server reply, a 334 challenge included, may unblock the client side).
   It records every event, counts replies with sgpolicy_count(), and
   records when server bytes were scanned relative to client arrival,
   for the reference model (refmodel.h). */

#include <stddef.h>
#include "sgpolicy.h"
#include "sgscan.h"
#include "refmodel.h"

typedef struct sgdrive_s sgdrive ;
struct sgdrive_s
{
  sgscan sc ;
  char const *c ;
  size_t clen ;
  size_t carrived ;  /* client bytes that have arrived */
  size_t cpos ;      /* client bytes scanned */
  char const *s ;
  size_t slen ;
  size_t spos ;      /* server bytes arrived = scanned */
  rm_ev *ev ;        /* events, in order */
  size_t n ;
  size_t cap ;
  rm_seg *seg ;
  size_t nseg ;
  size_t segcap ;
  sgcounts counts ;  /* from sgpolicy_count() */
  int nomem ;
  int stuck ;        /* the scanner returned 0 without an event on a non-empty server read */
} ;

extern void sgdrive_init (sgdrive *, char const *c, size_t clen, char const *s, size_t slen) ;
extern void sgdrive_client (sgdrive *, size_t) ;  /* n more client bytes arrive */
extern void sgdrive_server (sgdrive *, size_t) ;  /* n more server bytes arrive */
extern void sgdrive_finish (sgdrive *) ;          /* the rest of the client, then the rest of the server */
extern void sgdrive_free (sgdrive *) ;

/* apply a READS string (format: fuzz_sgscan.c), then sgdrive_finish() */
extern void sgdrive_reads (sgdrive *, char const *, size_t) ;

/* run the reference model on the same streams and arrivals: 0 if it
   agrees on every event and counter, 1 (and both on stderr if verbose)
   if not, -1 if out of memory */
extern int sgdrive_compare (sgdrive *, int verbose) ;

/* the events as text: "ehlo" a command, "ehlo=250" a reply,
   "starttls!220" the blind event; space-separated. Returns a malloc'ed
   string (0 if out of memory). */
extern char *sgdrive_text (rm_ev const *, size_t) ;

/* The input format of the fuzzer and of tests/fuzz/{corpus,regressions}:
   see fuzz_sgscan.c. Runs it through the driver and the model; returns
   0 if they agree, 1 and a description on stderr if not, -1 if out of
   memory. */
extern int sgcheck_input (unsigned char const *, size_t, int verbose) ;

#endif
