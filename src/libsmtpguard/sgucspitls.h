/* ISC license. */

#ifndef SMTPGUARD_SGUCSPITLS_H
#define SMTPGUARD_SGUCSPITLS_H

/* UCSPI-TLS (ucspi-ssl's sslserver -n, s6-networking's s6-ucspitlsd):
   the TLS layer in front of us gives SSLCTLFD (a control socket),
   SSLREADFD and SSLWRITEFD (the decrypted stream, once TLS is on). We
   stand between it and the smtpd: the smtpd gets a control socket of
   ours as SSLCTLFD, and SSLREADFD=0, SSLWRITEFD=1, its stdin and stdout
   to us, which it keeps using. When it writes 'y' or 'Y' there (after
   its 220 to STARTTLS), the relay passes the byte on, stops using the
   socket, which is the layer's from then on, and relays, and scans, the
   decrypted stream on the layer's fds. The layer's answer to 'Y' (its
   environment string) is copied back to the smtpd. */

typedef struct sgucspitls_s sgucspitls, *sgucspitls_ref ;
struct sgucspitls_s
{
  int ctl, rd, wr ;    /* the layer's fds */
  int mine, child ;    /* our control socket, the smtpd's end */
  int sockflags[2] ;   /* fds 0 and 1's file status flags, as we got them */
  char cmd ;           /* 'y' or 'Y' from the smtpd, 0 if none yet */
} ;
#define SGUCSPITLS_ZERO { -1, -1, -1, -1, -1, { -1, -1 }, 0 }

/* 1: the layer is there, the smtpd's environment is set (setenv) and
   the layer's fds are close-on-exec; 0: no UCSPI-TLS environment (or an
   incomplete one: the smtpd gets it unchanged); -1: a system error. */
extern int sgucspitls_setup (sgucspitls *) ;

/* after the spawn: the smtpd's end is its own */
extern void sgucspitls_spawned (sgucspitls *) ;

/* bytes on a control socket (from: mine or ctl): the smtpd's command is
   kept in t->cmd, the layer's answer to 'Y' copied to the smtpd; at EOF
   the socket is closed (-1). */
extern void sgucspitls_control (sgucspitls *, int from) ;

/* the handoff: fds 0 and 1 get their flags back (O_NONBLOCK belongs to
   the open file description, which the layer shares), the command goes
   to the layer, its pipes are made non-blocking. 1 ok, 0 error (errno). */
extern int sgucspitls_handoff (sgucspitls *) ;

#endif
