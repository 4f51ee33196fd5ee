/* ISC license. */

#ifndef SMTPGUARD_SGSCAN_H
#define SMTPGUARD_SGSCAN_H

/*
   The SMTP stream scanner: a pure state machine, bytes in, events out,
   no I/O, no allocation. It sees the client stream and the server stream
   separately and pairs every server reply with the client command it
   answers, in order, whatever the client pipelines.

   Calling convention (both directions):
     n = sgscan_client(sc, s, len, &ev) ;
   consumes bytes from s up to and including the first event, fills ev
   (ev.type == SGEV_NONE if there was none) and returns how many bytes
   it consumed. Call again with the rest. If it returns less than len
   with no event, the client side is blocked: the bytes after a HELO,
   EHLO, DATA, AUTH or STARTTLS command (or past a full pending queue)
   cannot be classified before the server's reply is known; feed them
   again after each sgscan_server call. The server side never blocks.

   A reply code is the line's first 3 digits; a line without them has
   code 0 and never continues a reply. A command or credentials line
   longer than SGSCAN_CMDMAX bytes (before its LF) gives SGEV_LONGLINE,
   after which the scanner is blind: smtpds split such lines their own
   ways (exim at 16384 bytes), so replies cannot be paired any more.
   Likewise SGEV_VIOLATION (see sgviol_e) for a line that smtpds read
   differently, as soon as its offending byte is seen (SGV_LEADSPACE:
   at the line's end, once its verb is known), and for a client
   that answers 220 to STARTTLS with anything but a TLS handshake record
   (0x16 0x03 0x00..0x04); after a TLS record header it is blind too.
   The current command line is wiped once classified, and the lines of
   an AUTH exchange at its final reply: credentials never outlive their
   exchange in the scanner, and the HELO argument kept for logs comes
   from a HELO or EHLO line only.

   The caller must scan client bytes no later than it forwards them, and
   scan server bytes before it forwards them: then a reply that finds no
   pending command really is unsolicited.
*/

#include <stddef.h>
#include <stdint.h>

enum sgcmd_e
{
  SGCMD_NONE = 0,
  SGCMD_GREETING,   /* pseudo-command: the connection itself */
  SGCMD_HELO,
  SGCMD_EHLO,
  SGCMD_MAIL,
  SGCMD_RCPT,
  SGCMD_DATA,
  SGCMD_DOT,        /* pseudo-command: end of a DATA body */
  SGCMD_BDAT,
  SGCMD_RSET,
  SGCMD_NOOP,
  SGCMD_QUIT,
  SGCMD_AUTH,       /* the final reply of an AUTH exchange */
  SGCMD_STARTTLS,
  SGCMD_VRFY,
  SGCMD_EXPN,
  SGCMD_HELP,
  SGCMD_OTHER,      /* unknown verb, empty line, garbage */
  SGCMD_UNSOLICITED /* a reply with no pending command */
} ;
#define SGCMD_N (SGCMD_UNSOLICITED + 1)

enum sgev_e
{
  SGEV_NONE = 0,
  SGEV_COMMAND,  /* client: a command line was seen (cmd) */
  SGEV_REPLY,    /* server: a complete reply (cmd, code) */
  SGEV_BLIND,    /* server: 220 to STARTTLS, the stream is opaque from now on */
  SGEV_LONGLINE, /* client: a command line longer than SGSCAN_CMDMAX; blind from now on */
  SGEV_VIOLATION /* client: a line smtpds may read differently (code: SGV_*); blind from now on */
} ;

/* Protocol violations: bytes that real smtpds read in different ways,
   so that no pairing of replies can be trusted after them. The line is
   not queued and gives no SGEV_COMMAND. */
enum sgviol_e
{
  SGV_NONE = 0,
  SGV_NUL,      /* a NUL in a command line (qmail ends the verb there) */
  SGV_BARECR,   /* a CR not followed by LF in a command line */
  SGV_BDAT,     /* not exactly "BDAT" SP 1*DIGIT [SP "LAST"], or a size of 2^31 or more,
                   or a command other than BDAT, RSET, NOOP, QUIT after a non-LAST BDAT */
  SGV_STARTTLS, /* after 220 to STARTTLS, bytes that do not start a TLS handshake record */
  SGV_VTFF,     /* a VT or FF in a command line (exim trims them as spaces) */
  SGV_DATAEND,  /* a "." line in a DATA body with a line end not of the body's style */
  SGV_LEADSPACE /* SP or TAB first on a command line, then a verb the scanner knows
                   (Postfix skips the blanks, exim and qmail do not): at the line's end */
} ;
#define SGV_N (SGV_LEADSPACE + 1)
#define SGSCAN_BDATMAX 2147483647u  /* the largest chunk size every smtpd reads alike */

typedef struct sgevent_s sgevent, *sgevent_ref ;
struct sgevent_s
{
  unsigned char type ;
  unsigned char cmd ;
  unsigned short code ;  /* 0 if the reply line had no 3-digit code */
  uint32_t arg ;         /* command: RCPT's address hash, BDAT's LAST (sgcmdarg.h);
                            reply to AUTH: the exchange's tag, 0 if none; else 0 */
} ;

#define SGSCAN_QMAX 256        /* pending commands; more and the client side blocks */
#define SGSCAN_LINEMAX 80      /* bytes of a command line kept to classify it */
#define SGSCAN_HELOMAX 64      /* bytes of the HELO/EHLO argument kept for logs */
#define SGSCAN_CMDMAX 12288    /* longest command line (RFC 4954's AUTH limit) */
#define SGSCAN_CREDMAX 256     /* bytes of an AUTH exchange held to tag a refusal */

enum sgcmode_e
{
  SGC_COMMAND = 0,  /* reading command lines */
  SGC_WAIT,         /* a barrier command is pending: bytes wait for its reply */
  SGC_CRED,         /* one AUTH continuation line (credentials, never kept) */
  SGC_BODY,         /* DATA body, up to the end-of-data line */
  SGC_CHUNK,        /* BDAT chunk octets */
  SGC_BLIND,        /* after STARTTLS, a violation or a line too long: opaque */
  SGC_TLS           /* after 220 to STARTTLS: the client's first bytes must be TLS */
} ;

typedef struct sgscan_s sgscan, *sgscan_ref ;
struct sgscan_s
{
  /* pending commands, oldest first */
  unsigned char q[SGSCAN_QMAX] ;
  unsigned int qhead ;
  unsigned int qlen ;

  /* client side */
  unsigned char cmode ;
  unsigned char bodystate ;    /* position in the end-of-data pattern */
  unsigned char inauth ;       /* an AUTH exchange is in progress */
  unsigned char chunking ;     /* the last EHLO reply advertised CHUNKING */
  unsigned char lastcr ;       /* the command (or body) line's last byte so far was CR */
  unsigned char tlspos ;       /* SGC_TLS: bytes of the record header checked */
  unsigned char inchunks ;     /* a non-LAST BDAT was sent: only BDAT, RSET, NOOP, QUIT now */
  unsigned char lead ;         /* the command line under way began with SP or TAB: those
                                  blanks are counted in cmdlen, not kept in line */
  unsigned char bodystyle ;    /* DATA body: its first line's end, 1 CRLF, 2 bare LF, 0 none yet */
  unsigned char bodyprev ;     /* the same for the line end before the current line,
                                  kept where it matters (sgscan_body.c) */
  unsigned char tlsclear ;     /* set by the caller: a TLS layer in front decrypts
                                  for us (UCSPI-TLS); 220 to STARTTLS is then an
                                  ordinary reply, and what follows is plaintext */
  uint64_t chunkleft ;         /* BDAT octets still to skip */
  uint64_t key[2] ;            /* set by the caller: the RCPT address hash's key
                                  (sgcmdarg.h, sgsiphash_key); 0 by default */
  size_t linelen ;             /* bytes of the current command line so far (blanks first on it not counted) */
  size_t cmdlen ;              /* the same, all of them, up to SGSCAN_CMDMAX + 1 */
  char line[SGSCAN_LINEMAX] ;  /* its first bytes */

  /* an AUTH exchange's lines, held until its final reply only: a
     refusal's reply event carries their tag (credkey's SipHash), so
     that the ledger can count the same refused credentials once */
  unsigned char credkeyed ;    /* set by the caller: credkey is the state directory's key */
  unsigned char credline ;     /* the command line under way starts with "auth": held */
  unsigned char credover ;     /* the exchange ran past SGSCAN_CREDMAX: no tag */
  uint64_t credkey[2] ;
  size_t credlen ;
  char cred[SGSCAN_CREDMAX] ;

  /* server side */
  unsigned char ehlo_chunking ;/* CHUNKING seen in the EHLO reply being read */
  unsigned short rcode ;
  size_t rlinelen ;
  char rline[16] ;             /* first bytes of the current reply line */

  /* for logs */
  size_t helolen ;
  char helo[SGSCAN_HELOMAX] ;
} ;

extern void sgscan_init (sgscan *) ;
extern size_t sgscan_client (sgscan *, char const *, size_t, sgevent *) ;
extern size_t sgscan_server (sgscan *, char const *, size_t, sgevent *) ;
extern char const *sgcmd_name (unsigned int) ;
extern char const *sgviol_name (unsigned int) ;

/* 1 if the client side waits for the reply to STARTTLS: what the client
   sent after it must not reach the smtpd before that reply is known
   (plaintext injected behind STARTTLS would be read as if it came
   through TLS) */
extern int sgscan_tlswait (sgscan const *) ;

/* 1 inside a DATA body or a BDAT chunk: a stream of message bytes */
#define sgscan_streaming(sc) ((sc)->cmode == SGC_BODY || (sc)->cmode == SGC_CHUNK)

#endif
