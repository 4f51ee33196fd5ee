/* sgnovmsplice: run a program where vmsplice(2) is not allowed, as under
 * a sandbox or a kernel that refuses it: every vmsplice fails with
 * EINVAL (a seccomp filter, inherited by the program's children).
 *
 *   sgnovmsplice prog args...
 *
 * For the relay's tests: a body it cannot lend still reaches the smtpd
 * whole, by write(2). Exit 100 on usage, 111 if the filter cannot be
 * set or prog not run. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
  struct sock_filter f[] = {
    /* another architecture's system call numbers: let it be */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_vmsplice, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { sizeof f / sizeof f[0], f };
  if (argc < 2) { fprintf(stderr, "sgnovmsplice: usage: sgnovmsplice prog args...\n"); return 100; }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
    perror("sgnovmsplice: seccomp");
    return 111;
  }
  execvp(argv[1], argv + 1);
  perror("sgnovmsplice: exec");
  return 111;
}
