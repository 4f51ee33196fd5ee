/* sgscriptd.h: sgscriptd's fast mode (fast.c), for sgscriptd.c. */
#ifndef SGSCRIPTD_H
#define SGSCRIPTD_H

extern int fast_main (void) ;

#endif
