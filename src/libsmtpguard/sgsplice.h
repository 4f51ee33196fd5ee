/* ISC license. */

#ifndef SMTPGUARD_SGSPLICE_H
#define SMTPGUARD_SGSPLICE_H

#include <stdint.h>
#include <sys/types.h>

/* sgsplice: a message body to the smtpd's pipe with one copy fewer.

   A scanned body is read (one copy), scanned, and lent to the pipe with
   vmsplice(2): the pipe refers to our pages instead of holding a copy of
   them, and the smtpd's read copies from them. Lent bytes must stay
   untouched until the smtpd has read them, so they live in a ring of
   slots of their own (sglend, below), and a slot is filled again only
   when the pipe holds nothing of it. They are our pages: a client on the
   same host cannot change them after the scan, as it could change pages
   spliced from the socket (sendfile, vmsplice on its side).

   sgsplice_lend: up to len bytes of buf lent to the pipe to, as
   vmsplice(2) without waiting: how many, or -1 (errno; EAGAIN: full).

   sgsplice_unread: how many bytes the pipe fd holds, not yet read
   (FIONREAD); -1 if it cannot tell.

   sgsplice_move: up to len bytes from fd straight into the pipe to, for
   a stream that is not scanned (nothing to keep in step with). As
   splice(2) on a non-blocking fd: 0 is EOF; -1 with EAGAIN a full pipe,
   no data, or a TCP urgent byte at the head (read fd as usual then).
   Sets *nosplice when the kernel cannot splice between the two at all.

   The smtpd must take its stdin with read(2), as qmail-smtpd, exim and
   Postfix's smtpd do: a child that moved it on with splice(2) or tee(2)
   would carry references to lent pages out of the pipe, where FIONREAD
   no longer sees them. Such a child runs with SMTPGUARD_NOLEND set. */
extern ssize_t sgsplice_lend (int to, char const *buf, size_t len) ;
extern int64_t sgsplice_unread (int fd) ;
extern ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice) ;

/* sglend: the ring of slots a lent body is read into. A slot is filled
   read after read, then the next one; a slot is filled again only when
   the pipe holds nothing of what was lent from it before, which is known
   from two counts: piped, every byte that went into the pipe, written or
   lent; end[k], piped just after slot k's last lent byte. The pipe is
   read in order, so slot k is free once the pipe holds no more unread
   bytes than were piped after end[k]: asked (FIONREAD) once per slot,
   not per read. */
#define SGLEND_SLOTS 8   /* 512 KiB: twice what a 256 KiB pipe can hold of it */
#define SGLEND_SLOTSIZE 65536
#define SGLEND_LOW 4096   /* a slot with less room than this is full */
typedef struct sglend_s sglend ;
struct sglend_s
{
  uint64_t piped ;
  uint64_t end[SGLEND_SLOTS] ;
  unsigned int next ;      /* the slot being filled */
  size_t fill ;            /* its bytes lent so far */
} ;
#define SGLEND_ZERO { 0, { 0 }, 0, 0 }

/* 1 if the slot being filled may take bytes, the pipe holding unread
   bytes (asked only when the slot is empty: fill 0) */
extern int sglend_free (sglend const *, uint64_t unread) ;
/* where the next read goes (an offset into the ring), and its room */
#define sglend_at(l) ((size_t)(l)->next * SGLEND_SLOTSIZE + (l)->fill)
#define sglend_room(l) (SGLEND_SLOTSIZE - (l)->fill)
/* n bytes at sglend_at are all in the pipe (counted in piped) */
extern void sglend_lent (sglend *, size_t n) ;

#endif
