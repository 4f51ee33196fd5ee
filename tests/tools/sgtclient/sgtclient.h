/* sgtclient.h: the modes of sgtclient other than the script (sgtclient.c). */
#ifndef SGTCLIENT_H
#define SGTCLIENT_H

/* abuse.c: noread, rst, longline; arg is 0 when not given */
extern int abuse_main (char const *mode, char const *host, char const *port, char const *arg,
                       long secs, char const *tpath, char const *bindip) ;
extern int abuse_mode (char const *word) ;

/* load.c: `sgtclient load ...`, argv[0] = "load" */
extern int load_main (int argc, char **argv) ;

#endif
