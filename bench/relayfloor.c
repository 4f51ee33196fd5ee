/* relayfloor: the cheapest possible relay in front of an smtpd.
 *
 *   relayfloor prog...
 *
 * Starts prog on two pipes (vfork, execvp) and copies bytes both ways:
 * from our stdin to prog's stdin, from prog's stdout to our stdout, with
 * one ppoll, one read and one write per wake, and nothing else: no
 * scanning, no pairing, no state. Whatever a process that sees both
 * directions of an SMTP session costs at least (two more wakes per round
 * trip, one read and one write each way) is what this costs, so
 * smtpguard's extra cost per session is compared with it in
 * bench/1-session.sh, beside floor.c's (one more process that relays
 * nothing). Built static, as smtpguard is. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int writeall(int fd, char const *s, ssize_t n)
{
  while (n > 0)
  {
    ssize_t w = write(fd, s, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    s += w; n -= w;
  }
  return 0;
}

int main(int argc, char **argv)
{
  static char buf[65536];
  int to[2], from[2], w;
  struct pollfd p[2];
  pid_t pid;
  if (argc < 2) return 100;
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) return 111;
  pid = vfork();
  if (pid < 0) return 111;
  if (!pid)
  {
    if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0) _exit(111);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(to[0]); close(from[1]);
  p[0].fd = 0; p[0].events = POLLIN;
  p[1].fd = from[0]; p[1].events = POLLIN;
  for (;;)
  {
    struct timespec t = { 1200, 0 };
    int n = ppoll(p, 2, &t, 0);
    if (n < 0) { if (errno == EINTR) continue; break; }
    if (!n) break;
    if (p[0].revents)
    {
      ssize_t r = read(0, buf, sizeof buf);
      if (r <= 0) { close(to[1]); to[1] = -1; p[0].fd = -1; }
      else if (writeall(to[1], buf, r) < 0) break;
    }
    if (p[1].revents)
    {
      ssize_t r = read(from[0], buf, sizeof buf);
      if (r <= 0 || writeall(1, buf, r) < 0) break;
    }
  }
  if (to[1] >= 0) close(to[1]);
  close(from[0]);
  if (waitpid(pid, &w, 0) != pid) return 111;
  return WIFEXITED(w) ? WEXITSTATUS(w) : 111;
}
