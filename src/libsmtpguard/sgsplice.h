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
   between the peek and the splice would make the socket skip a byte the
   scanner saw, or give one it did not.

   sgsplice_peek: up to len bytes of fd's stream, left in it (recv with
   MSG_PEEK): their number, 0 at EOF, or -1 (errno).

   sgsplice_take: the len bytes just peeked into buf leave fd. The first
   go of them (go <= len) are spliced into the pipe to as far as it takes
   them; whatever was not spliced is read and checked against buf, so
   that the bytes that go on are always the bytes that were scanned.
   Returns how many were spliced, or -1 if fd did not give them back
   (errno; EPROTO: not the bytes it showed). *nosplice is set when the
   kernel cannot splice between the two (not merely a full pipe).

   sgsplice_move: up to len bytes from fd straight into the pipe to, for
   a stream that is not scanned. As splice(2): 0 is EOF or an urgent
   byte (read fd as usual to tell), -1 with EAGAIN a full pipe or no data;
   *nosplice as above. */
extern int sgsplice_start (int fd) ;
extern ssize_t sgsplice_peek (int fd, char *buf, size_t len) ;
extern ssize_t sgsplice_take (int fd, int to, char const *buf, size_t len, size_t go, int *nosplice) ;
extern ssize_t sgsplice_move (int fd, int to, size_t len, int *nosplice) ;

#endif
