/* mklistings: fills a statedir with listings for the listing-scale bench.
 *
 *   mklistings statedir count until
 *
 * Creates statedir/listed/ if needed and writes count listings, for the
 * IPv4 addresses 10.0.0.1, 10.0.0.2, ... in the documented format (one
 * symlink listed/<ip> whose target is "<reason> <since> <until> <strikes>", see
 * doc/statedir.html and src/libsmtpguard/sglisting.c), with until as
 * given and since = until - 3600. Unlike smtpguard it does not fsync:
 * the files only have to exist for the benchmark, fast. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  unsigned long n, i;
  unsigned long long until;
  char rec[96];
  int dfd;
  if (argc != 4) {
    fprintf(stderr, "mklistings: usage: mklistings statedir count until\n");
    return 100;
  }
  n = strtoul(argv[2], 0, 10);
  until = strtoull(argv[3], 0, 10);
  if (n > 16000000UL || until < 3600) {
    fprintf(stderr, "mklistings: usage: mklistings statedir count until\n");
    return 100;
  }
  dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { fprintf(stderr, "mklistings: fatal: open %s: %s\n", argv[1], strerror(errno)); return 111; }
  if (mkdirat(dfd, "listed", 0755) < 0 && errno != EEXIST) { perror("mklistings: fatal: mkdir listed"); return 111; }
  close(dfd);
  {
    char path[4096];
    snprintf(path, sizeof(path), "%s/listed", argv[1]);
    dfd = open(path, O_RDONLY | O_DIRECTORY);
    if (dfd < 0) { perror("mklistings: fatal: open listed"); return 111; }
  }
  snprintf(rec, sizeof(rec), "badrcpt %llu %llu 1", until - 3600, until);
  for (i = 1; i <= n; i++) {
    char ip[16];
    snprintf(ip, sizeof(ip), "10.%lu.%lu.%lu", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    if (symlinkat(rec, dfd, ip) < 0) {
      fprintf(stderr, "mklistings: fatal: write %s: %s\n", ip, strerror(errno));
      return 111;
    }
  }
  return 0;
}
