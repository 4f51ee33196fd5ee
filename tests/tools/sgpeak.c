/* sgpeak: run a program and report, at the moment it exits, its peak
 * memory and the file descriptors it still holds. For smtpguard's
 * robustness tests: "RSS stays under the bound, no fd leak".
 *
 *   sgpeak -o report prog args...
 *
 * prog runs as sgpeak's traced child (ptrace, PTRACE_O_TRACEEXIT), so
 * that its /proc entry can be read when it is about to exit, with its
 * memory and descriptors still there: getrusage cannot do it (ru_maxrss
 * of a wait includes the grandchildren, here the smtpd). Signals sent to
 * prog are passed on unchanged; its children are not traced.
 *
 * One line is appended (one write) to report:
 *
 *   ip=IP pid=P hwm=KB rss=KB anon=KB status=S sig=K fds=N[,fd:target...]
 *
 * ip is $TCPREMOTEIP (- if unset), hwm is VmHWM (peak resident size), anon RssAnon, status the exit code
 * (128 + signal if killed), sig the signal that killed prog itself (0 if
 * it exited), fds the descriptors prog still had open at
 * exit that sgpeak did not itself hand it (same number, same target).
 * sgpeak exits with prog's status. Plain libc, Linux only.
 *
 * With SGPEAK_NOTRACE set in the environment, prog is not traced and
 * only ip, pid, status and sig are real (hwm=-1 ... fds=-1): for ASan
 * builds, whose LeakSanitizer cannot work under ptrace. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#define FDMAX 256

struct fdent { int fd ; char target[128] ; } ;
static struct fdent inherited[FDMAX] ;
static int ninherited ;
static long hwm = -1, rss = -1, anon = -1 ;
static char newfds[4096] ;
static int nnew ;

static void die (char const *what)
{
  fprintf(stderr, "sgpeak: fatal: %s: %s\n", what, strerror(errno)) ;
  exit(111) ;
}

/* calls f(fd, target) for every descriptor of process pid ("self") */
static void eachfd (char const *pid, void (*f)(int, char const *))
{
  char path[64], link[352], target[128] ;
  DIR *d ;
  struct dirent *e ;
  snprintf(path, sizeof path, "/proc/%s/fd", pid) ;
  d = opendir(path) ;
  if (!d) return ;
  while ((e = readdir(d)))
  {
    ssize_t r ;
    if (e->d_name[0] == '.') continue ;
    snprintf(link, sizeof link, "%s/%s", path, e->d_name) ;
    r = readlink(link, target, sizeof target - 1) ;
    if (r < 0) continue ;
    target[r] = 0 ;
    for (ssize_t i = 0 ; i < r ; i++) if (target[i] == ' ' || target[i] == ',') target[i] = '_' ;
    f(atoi(e->d_name), target) ;
  }
  closedir(d) ;
}

static void note_inherited (int fd, char const *target)
{
  if (ninherited >= FDMAX || !strncmp(target, "/proc/", 6)) return ;
  inherited[ninherited].fd = fd ;
  snprintf(inherited[ninherited].target, sizeof inherited[0].target, "%s", target) ;
  ninherited++ ;
}

static void note_new (int fd, char const *target)
{
  size_t len = strlen(newfds) ;
  for (int i = 0 ; i < ninherited ; i++)
    if (inherited[i].fd == fd && !strcmp(inherited[i].target, target)) return ;
  nnew++ ;
  snprintf(newfds + len, sizeof newfds - len, ",%d:%s", fd, target) ;
}

static long statusfield (char const *buf, char const *key)
{
  char const *p = strstr(buf, key) ;
  return p ? atol(p + strlen(key)) : -1 ;
}

static void snapshot (pid_t pid)
{
  char path[64], buf[4096], spid[24] ;
  int fd ;
  ssize_t r ;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid) ;
  fd = open(path, O_RDONLY) ;
  if (fd < 0) return ;
  r = read(fd, buf, sizeof buf - 1) ;
  close(fd) ;
  if (r <= 0) return ;
  buf[r] = 0 ;
  hwm = statusfield(buf, "\nVmHWM:") ;
  rss = statusfield(buf, "\nVmRSS:") ;
  anon = statusfield(buf, "\nRssAnon:") ;
  snprintf(spid, sizeof spid, "%d", (int)pid) ;
  newfds[0] = 0 ; nnew = 0 ;
  eachfd(spid, note_new) ;
}

int main (int argc, char **argv)
{
  char const *report = 0 ;
  pid_t pid ;
  int st, code = 111, opt, killsig = 0, notrace ;
  while ((opt = getopt(argc, argv, "+o:")) != -1)
    switch (opt)
    {
      case 'o' : report = optarg ; break ;
      default : goto usage ;
    }
  argc -= optind ; argv += optind ;
  if (!report || argc < 1) goto usage ;

  eachfd("self", note_inherited) ;
  notrace = !!getenv("SGPEAK_NOTRACE") ;
  pid = fork() ;
  if (pid < 0) die("fork") ;
  if (!pid)
  {
    if (!notrace && ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) die("ptrace TRACEME") ;
    execvp(argv[0], argv) ;
    die(argv[0]) ;
  }
  if (notrace)
  {
    nnew = -1 ;
    while (waitpid(pid, &st, 0) != pid) if (errno != EINTR) die("waitpid") ;
    if (WIFSIGNALED(st)) { killsig = WTERMSIG(st) ; code = 128 + killsig ; }
    else code = WEXITSTATUS(st) ;
    goto end ;
  }
  /* the exec stop */
  if (waitpid(pid, &st, 0) != pid) die("waitpid") ;
  if (!WIFSTOPPED(st)) { code = WIFEXITED(st) ? WEXITSTATUS(st) : 111 ; goto end ; }
  if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) < 0) die("ptrace SETOPTIONS") ;
  if (ptrace(PTRACE_CONT, pid, 0, 0) < 0) die("ptrace CONT") ;
  for (;;)
  {
    int sig = 0 ;
    if (waitpid(pid, &st, 0) != pid) { if (errno == EINTR) continue ; die("waitpid") ; }
    if (WIFEXITED(st)) { code = WEXITSTATUS(st) ; break ; }
    if (WIFSIGNALED(st)) { killsig = WTERMSIG(st) ; code = 128 + killsig ; break ; }
    if (!WIFSTOPPED(st)) continue ;
    if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) snapshot(pid) ;
    else sig = WSTOPSIG(st) ;
    ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) ;
  }
 end:
  {
    char line[4400] ;
    char const *ip = getenv("TCPREMOTEIP") ;
    int n = snprintf(line, sizeof line, "ip=%.64s pid=%d hwm=%ld rss=%ld anon=%ld status=%d sig=%d fds=%d%s\n",
      ip ? ip : "-", (int)pid, hwm, rss, anon, code, killsig, nnew, newfds) ;
    int fd = open(report, O_WRONLY | O_APPEND | O_CREAT, 0644) ;
    if (fd < 0) die(report) ;
    if (n > (int)sizeof line - 1) n = sizeof line - 1 ;
    if (write(fd, line, n) != n) die(report) ;
    close(fd) ;
  }
  return code ;
 usage:
  fputs("sgpeak: usage: sgpeak -o report prog args...\n", stderr) ;
  return 100 ;
}
