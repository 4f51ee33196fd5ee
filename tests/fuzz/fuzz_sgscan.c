/* ISC license. */

/* libFuzzer harness for the SMTP stream scanner (src/libsmtpguard/sgscan.c).

   Build (what `make fuzz` does):
     clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/libsmtpguard \
       tests/fuzz/fuzz_sgscan.c tests/fuzz/sgdrive.c tests/fuzz/refmodel.c tests/fuzz/qmailmodel.c \
       src/libsmtpguard/sgscan.c src/libsmtpguard/sgscan_body.c src/libsmtpguard/sgscan_cred.c src/libsmtpguard/sgscan_reply.c src/libsmtpguard/sgcmdarg.c src/libsmtpguard/sgsiphash.c src/libsmtpguard/sgpolicy.c -o build-fuzz/fuzz_sgscan

   Input format (deterministic; also that of tests/fuzz/corpus and
   tests/fuzz/regressions, replayed by build/tests/test_fuzz_regressions):

     CLIENT "@@server@@\n" SERVER [ "@@reads@@\n" READS ]

   CLIENT is the whole client stream, SERVER the whole server stream
   (first occurrence of each separator wins). Without "@@server@@\n" the
   first half of the input is the client stream and the rest the server
   stream. READS says in what order bytes arrive: a sequence of tokens
   "c" or "s" (client or server) followed by a count (up to 9 decimal
   digits; none means 1; "*" means all the rest); other bytes are
   ignored. Then the rest of the client arrives, then the rest of the
   server. Client bytes are scanned as they arrive and after each
   sgscan_server() call (tests/fuzz/sgdrive.c), like the relay.

   Oracles: ASan/UBSan/LeakSanitizer; and the events (commands, replies
   with their codes, the blind event) and the counters must equal those
   of the reference model (tests/fuzz/refmodel.c); and the scanner's
   pairing of the client stream with what qmail-smtpd would answer to it
   (tests/fuzz/qmailmodel.c, rules from qmail's source) must be qmail's
   own, up to the scanner's first protocol violation. A disagreement
   aborts with both accounts on stderr. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sgdrive.h"
#include "qmailmodel.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  int r = sgcheck_input(data, size, 1) ;
  if (r > 0) abort() ;
  if (qmail_check_input(data, size, 1) > 0) abort() ;
  return 0 ;
}
