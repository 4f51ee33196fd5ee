/* floor: the cheapest possible process in front of an smtpd.
 *
 *   floor prog...
 *
 * Starts prog on our own descriptors (vfork, execvp) and waits for it:
 * one more static process in the chain, doing nothing else. Its cost
 * per session, measured beside smtpguard's in the same run, is the floor
 * that any relay process pays (bench/1-session.sh). Built static, as
 * smtpguard is. */

#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  pid_t pid;
  int w;
  if (argc < 2) return 100;
  pid = vfork();
  if (pid < 0) return 111;
  if (!pid) { execvp(argv[1], argv + 1); _exit(127); }
  if (waitpid(pid, &w, 0) != pid) return 111;
  return WIFEXITED(w) ? WEXITSTATUS(w) : 111;
}
