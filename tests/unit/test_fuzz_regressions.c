/* ISC license. */

/* Replays every input of tests/fuzz/regressions/ and tests/fuzz/corpus/
   (format: tests/fuzz/fuzz_sgscan.c) through the scanner driver and the
   reference model (and against the qmail-smtpd model,
   tests/fuzz/qmailmodel.c), without libFuzzer: a crash input once found stays a
   test, with gcc, under `make check` and `make check-sanitize`.
   With arguments, replays those files instead (to look at one). */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the Makefile builds one .c per test program */
#include "../fuzz/refmodel.c"
#include "../fuzz/sgdrive.c"
#include "../fuzz/qmailmodel.c"

static int replay (char const *path, unsigned int *count)
{
  FILE *f = fopen(path, "rb") ;
  unsigned char *buf ;
  long len ;
  int r ;
  if (!f) { fprintf(stderr, "test_fuzz_regressions: unable to open %s\n", path) ; return 1 ; }
  if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) { fclose(f) ; return 1 ; }
  buf = malloc(len ? len : 1) ;
  if (!buf || fread(buf, 1, len, f) != (size_t)len) { fclose(f) ; free(buf) ; fprintf(stderr, "test_fuzz_regressions: unable to read %s\n", path) ; return 1 ; }
  fclose(f) ;
  r = sgcheck_input(buf, len, 1) ;
  if (!r) r = qmail_check_input(buf, len, 1) ;
  free(buf) ;
  (*count)++ ;
  if (r) fprintf(stderr, "test_fuzz_regressions: FAIL %s\n", path) ;
  return r != 0 ;
}

static int replay_dir (char const *dir, unsigned int *count)
{
  DIR *d = opendir(dir) ;
  struct dirent *e ;
  int bad = 0 ;
  if (!d) { fprintf(stderr, "test_fuzz_regressions: unable to open %s (run from the top of the tree)\n", dir) ; return 1 ; }
  while ((e = readdir(d)))
  {
    char path[4096] ;
    if (e->d_name[0] == '.') continue ;  /* ., .., .gitkeep */
    if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path)) continue ;
    bad |= replay(path, count) ;
  }
  closedir(d) ;
  return bad ;
}

int main (int argc, char const *const *argv)
{
  unsigned int count = 0 ;
  int bad = 0, i ;
  if (argc > 1)
  {
    for (i = 1 ; i < argc ; i++) bad |= replay(argv[i], &count) ;
    return bad ;
  }
  bad |= replay_dir("tests/fuzz/regressions", &count) ;
  bad |= replay_dir("tests/fuzz/corpus", &count) ;
  if (count < 10) { fprintf(stderr, "test_fuzz_regressions: only %u inputs: corpus missing?\n", count) ; bad = 1 ; }
  return bad ;
}
