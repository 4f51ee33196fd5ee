/* ISC license. */

#ifndef SMTPGUARD_SGSPLICE_H
#define SMTPGUARD_SGSPLICE_H

#include <sys/types.h>

/* sgsplice: a body's bytes from the client's socket to the smtpd's pipe
   with one copy fewer. They are peeked into our buffer, scanned there,
   then spliced from the socket into the pipe: the kernel hands the pipe
   the socket's pages instead of us writing a copy of them.

   sgsplice_start: once, before the first peek; 0 (errno) if fd is not a
   socket that can be peeked at. TCP urgent bytes are read in line from
   then on (SO_OOBINLINE): otherwise a crafted urgent pointer arriving
   between a peek and its splice would make the socket skip a byte the
   scanner saw, or give one it did not.

   sgsplice_peek: up to len bytes of fd's stream, left in it (recv with
   MSG_PEEK): their number, 0 at EOF, or -1 (errno).

   sgsplice_move: up to len bytes from fd into the pipe to, by splice(2)
   and with its result: -1 with EAGAIN when the pipe is full (or when a
   TCP socket stops at an urgent byte: read those bytes instead). Sets
   *nosplice when the kernel cannot splice between the two at all.

   sgsplice_skip: the next len bytes of fd, already peeked into buf, are
   read and dropped. 1 if they were the bytes of buf; 0 if fd did not
   give them back (errno; EPROTO: other bytes than it showed). */
extern int sgsplice_start (int fd) ;
extern ssize_t sgsplice_peek (int fd, char *buf, size_t len) ;
extern ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice) ;
extern int sgsplice_skip (int fd, char const *buf, size_t len) ;

#endif
