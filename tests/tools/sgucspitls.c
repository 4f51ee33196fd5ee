/* sgucspitls: a stand-in for a UCSPI-TLS server layer (ucspi-ssl's
 * sslserver -n, s6-networking's s6-ucspitlsd), for smtpguard's tests.
 * It speaks the layer's fd protocol exactly; only the "TLS" is fake.
 *
 *   sgucspitls [ -l secs ] prog...
 *
 * Run under tcpserver (the socket on fds 0 and 1). It makes a control
 * socket and two pipes, and runs prog with the socket still on 0 and 1
 * and SSLCTLFD, SSLREADFD, SSLWRITEFD in its environment (ucspi-tls(2)).
 * When prog writes 'y' or 'Y' on SSLCTLFD, the layer takes the socket:
 * the "handshake" is the client's 5 bytes 16 03 03 00 00, answered with
 * 16 03 03 00 02 CR LF; for 'Y' it then writes the environment string
 * "SSL_PROTOCOL=TLSv1.3\0SSL_CIPHER=NULL\0\0" on the control socket.
 * From then on it relays the socket and prog's pipes unchanged (a null
 * cipher). Any other first 5 bytes: "sgucspitls: bad hello" on stderr,
 * exit 3. If prog ends without asking, the layer exits with its status.
 * Bounded: SIGALRM after -l secs (default 20). Plain libc. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

static pid_t child ;

static int status (void)
{
  int w ;
  if (waitpid(child, &w, 0) < 0) return 111 ;
  return WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w) ;
}

static int readn (int fd, char *s, size_t n)
{
  while (n)
  {
    ssize_t r = read(fd, s, n) ;
    if (r < 0 && errno == EINTR) continue ;
    if (r <= 0) return 0 ;
    s += r ; n -= r ;
  }
  return 1 ;
}

static int writen (int fd, char const *s, size_t n)
{
  while (n)
  {
    ssize_t w = write(fd, s, n) ;
    if (w < 0 && errno == EINTR) continue ;
    if (w <= 0) return 0 ;
    s += w ; n -= w ;
  }
  return 1 ;
}

int main (int argc, char **argv)
{
  int ctl[2], rp[2], wp[2], opt ;
  long limit = 20 ;
  char cmd, hello[5] ;
  while ((opt = getopt(argc, argv, "l:")) != -1)
    switch (opt)
    {
      case 'l' : limit = atol(optarg) ; if (limit > 0) break ; /* fallthrough */
      default : fputs("sgucspitls: usage: sgucspitls [ -l secs ] prog...\n", stderr) ; return 100 ;
    }
  argv += optind ; argc -= optind ;
  if (argc < 1) { fputs("sgucspitls: usage: sgucspitls [ -l secs ] prog...\n", stderr) ; return 100 ; }
  alarm(limit) ;
  signal(SIGPIPE, SIG_IGN) ;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) < 0 || pipe(rp) < 0 || pipe(wp) < 0) { perror("sgucspitls") ; return 111 ; }
  child = fork() ;
  if (child < 0) { perror("sgucspitls: fork") ; return 111 ; }
  if (!child)
  {
    char b[3][16] ;
    close(ctl[0]) ; close(rp[1]) ; close(wp[0]) ;
    snprintf(b[0], 16, "%d", ctl[1]) ; snprintf(b[1], 16, "%d", rp[0]) ; snprintf(b[2], 16, "%d", wp[1]) ;
    if (setenv("SSLCTLFD", b[0], 1) < 0 || setenv("SSLREADFD", b[1], 1) < 0 || setenv("SSLWRITEFD", b[2], 1) < 0) _exit(111) ;
    execvp(argv[0], argv) ;
    perror("sgucspitls: exec") ;
    _exit(111) ;
  }
  close(ctl[1]) ; close(rp[0]) ; close(wp[1]) ;

  /* until the command, prog has the socket */
  for (;;)
  {
    ssize_t r = read(ctl[0], &cmd, 1) ;
    if (r < 0 && errno == EINTR) continue ;
    if (r <= 0) return status() ;
    if (cmd == 'y' || cmd == 'Y') break ;
  }
  if (!readn(0, hello, 5) || memcmp(hello, "\x16\x03\x03\x00\x00", 5))
  {
    fputs("sgucspitls: bad hello\n", stderr) ;
    kill(child, SIGTERM) ;
    status() ;
    return 3 ;
  }
  if (!writen(1, "\x16\x03\x03\x00\x02\r\n", 7)) return 111 ;
  if (cmd == 'Y' && !writen(ctl[0], "SSL_PROTOCOL=TLSv1.3\0SSL_CIPHER=NULL\0\0", 38)) return 111 ;

  /* the null cipher: socket <-> prog's pipes */
  {
    int in = 1, out = 1 ;
    char buf[8192] ;
    while (in || out)
    {
      struct pollfd p[2] = { { in ? 0 : -1, POLLIN, 0 }, { out ? wp[0] : -1, POLLIN, 0 } } ;
      if (poll(p, 2, -1) < 0) { if (errno == EINTR) continue ; return 111 ; }
      if (in && p[0].revents)
      {
        ssize_t r = read(0, buf, sizeof buf) ;
        if (r <= 0 || !writen(rp[1], buf, r)) { in = 0 ; close(rp[1]) ; }
      }
      if (out && p[1].revents)
      {
        ssize_t r = read(wp[0], buf, sizeof buf) ;
        if (r <= 0 || !writen(1, buf, r)) { out = 0 ; close(wp[0]) ; shutdown(1, SHUT_WR) ; in = 0 ; }
      }
    }
  }
  return status() ;
}
