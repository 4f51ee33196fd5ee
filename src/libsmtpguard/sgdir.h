/* ISC license. */

#ifndef SMTPGUARD_SGDIR_H
#define SMTPGUARD_SGDIR_H

#include <dirent.h>

/* a DIR that reads the directory open on fd, on a descriptor of its own:
   closedir() leaves fd open. 0 on error (errno). */
extern DIR *sgdir_open (int fd) ;

#endif
