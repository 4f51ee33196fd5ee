/* ISC license. */

/* Starts the smtpd on two pipes with the fewest system calls: vfork,
   two dup2, one sigprocmask, execve. posix_spawn (skalibs' child_spawn2)
   costs about 60 sigaction calls in the child, one getrlimit per file
   action and two fcntl per descriptor. Nothing here installs a signal
   handler (skalibs' selfpipe is a signalfd on Linux), so the child has
   none to reset; ignored signals stay ignored across execve, as with
   posix_spawn. */

#define _GNU_SOURCE  /* execvpe */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include "sgchild.h"

pid_t sgchild_spawn (char const *const *argv, char const *const *envp, int *fdr, int *fdw)
{
  int in[2], out[2] ;  /* in: the child's stdin; out: its stdout */
  sigset_t none ;
  pid_t pid ;
  volatile int err = 0 ;
  if (pipe2(in, O_CLOEXEC) == -1) return 0 ;
  if (pipe2(out, O_CLOEXEC) == -1) goto errin ;
  /* the descriptors 0 and 1 are the client's: a pipe can never land there */
  if (in[0] <= 1 || out[1] <= 1) { errno = EBADF ; goto errout ; }
  sigemptyset(&none) ;
#ifdef __SANITIZE_ADDRESS__
  /* ASan's vfork interception slows concurrent sessions down badly: the
     sanitizer build forks, and the child reports a failed exec on a
     close-on-exec pipe instead of in our memory */
  int rep[2] ;
  if (pipe2(rep, O_CLOEXEC) == -1) goto errout ;
  pid = fork() ;
  if (pid == -1) { close(rep[0]) ; close(rep[1]) ; goto errout ; }
#else
  pid = vfork() ;
  if (pid == -1) goto errout ;
#endif
  if (!pid)
  {
    /* dup2 clears close-on-exec on 0 and 1; the rest closes at execve */
    if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1) err = errno ;
    else
    {
      sigprocmask(SIG_SETMASK, &none, 0) ;
      execvpe(argv[0], (char *const *)argv, (char *const *)envp) ;
      err = errno ;
    }
#ifdef __SANITIZE_ADDRESS__
    { int e = err ; ssize_t w = write(rep[1], &e, sizeof(e)) ; (void)w ; }
#endif
    _exit(127) ;
  }
#ifdef __SANITIZE_ADDRESS__
  close(rep[1]) ;
  {
    int e ;
    if (read(rep[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) err = e ;
    close(rep[0]) ;
  }
#endif
  if (err)
  {
    /* the child shared our memory until execve or _exit: it failed */
    int e = err, w ;
    while (waitpid(pid, &w, 0) == -1 && errno == EINTR) ;
    errno = e ;
    goto errout ;
  }
  close(in[0]) ; close(out[1]) ;
  /* our ends only (each end is its own open file description) */
  if (fcntl(out[0], F_SETFL, O_RDONLY | O_NONBLOCK) == -1 || fcntl(in[1], F_SETFL, O_WRONLY | O_NONBLOCK) == -1)
  {
    int e = errno ;
    close(out[0]) ; close(in[1]) ;
    kill(pid, SIGKILL) ;
    waitpid(pid, 0, 0) ;
    errno = e ;
    return 0 ;
  }
  *fdr = out[0] ; *fdw = in[1] ;
  return pid ;
 errout:
  {
    int e = errno ;
    close(out[0]) ; close(out[1]) ;
    errno = e ;
  }
 errin:
  {
    int e = errno ;
    close(in[0]) ; close(in[1]) ;
    errno = e ;
  }
  return 0 ;
}
