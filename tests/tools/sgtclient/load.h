/* load.h: sgtclient's load mode, shared by load.c, load_script.c and load_run.c. */
#ifndef LOADCLIENT_H
#define LOADCLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LC_MAXSTEPS 64

/* one step: send `text` (after the body, for a body step), then wait
   for `expect` final replies */
struct lc_step {
  char *text;
  size_t len;
  unsigned expect;
  unsigned char body;  /* send the message body first; its reply is end-of-data's */
  unsigned char data;  /* the last reply must be 354, else skip to the QUIT step */
  unsigned char quit;  /* the last reply answers QUIT */
  unsigned char hold;  /* wait for the hold file before going on */
};

struct lc_conf {
  unsigned long sessions, conc, ipcount, secs;
  char const *script;
  int pipelined, bind;
  uint32_t firstip;     /* host order */
  uint32_t host;        /* network order */
  unsigned short port;  /* network order */
  unsigned long long dbytes;
  char const *holdfile;
  /* built by lc_script_build */
  struct lc_step steps[LC_MAXSTEPS];
  unsigned nsteps, quitstep;
  char *block;              /* whole lines of body, repeated */
  size_t blocklen;
  unsigned long long bodylen;  /* a whole number of lines */
};

int lc_script_build(struct lc_conf *);
int lc_run(struct lc_conf *, char const *perip);

#endif
