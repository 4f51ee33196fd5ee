#!/bin/sh
# Time-boxed libFuzzer run of the SMTP scanner harness (tests/fuzz/fuzz_sgscan.c):
# builds it with clang-14 (ASan, UBSan, libFuzzer) into ${BUILD_FUZZ:-build-fuzz},
# runs it for ${FUZZ_SECONDS:-60} seconds over tests/fuzz/corpus and
# tests/fuzz/regressions, and fails if it finds a crash, a sanitizer report,
# a leak or a disagreement with the reference model. The input that did it
# is kept in ${BUILD_FUZZ}/artifacts/: once fixed, copy it into
# tests/fuzz/regressions/, where test_fuzz_regressions replays it forever.
# Without clang-14 this is skipped (exit 0) unless FUZZ_REQUIRED=1.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 111
cd "$top" || exit 111
out=${BUILD_FUZZ:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang-14}

if ! command -v "$cc" >/dev/null 2>&1; then
  if [ "${FUZZ_REQUIRED:-0}" = 1 ]; then echo "fuzz-short: $cc not found" >&2; exit 1; fi
  echo "fuzz-short: skipped: $cc not found (tests/fuzz/regressions are still replayed by test_fuzz_regressions)"
  exit 0
fi

mkdir -p "$out/artifacts" || exit 111
work=$(mktemp -d "${TMPDIR:-/tmp}/sgfuzz.XXXXXX") || exit 111
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# build into the work dir, then rename: concurrent runs never see half a binary
if ! "$cc" -g -O1 -Wall -Wextra -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Isrc/libsmtpguard -o "$work/fuzz_sgscan" \
    tests/fuzz/fuzz_sgscan.c tests/fuzz/sgdrive.c tests/fuzz/refmodel.c tests/fuzz/qmailmodel.c \
    src/libsmtpguard/sgscan.c src/libsmtpguard/sgscan_body.c src/libsmtpguard/sgscan_cred.c src/libsmtpguard/sgscan_reply.c src/libsmtpguard/sgcmdarg.c src/libsmtpguard/sgsiphash.c src/libsmtpguard/sgpolicy.c >"$work/build.log" 2>&1; then
  echo "fuzz-short: build failed:" >&2; tail -n 20 "$work/build.log" >&2
  exit 1
fi
mv -f "$work/fuzz_sgscan" "$out/fuzz_sgscan" || exit 111

# new inputs go to the work dir; the corpus in the tree is only read
mkdir "$work/corpus" || exit 111
"$out/fuzz_sgscan" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -dict=tests/fuzz/sgscan.dict -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
  "$work/corpus" tests/fuzz/corpus tests/fuzz/regressions >"$work/fuzz.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "fuzz-short: the fuzzer failed (exit $rc):" >&2
  grep -A 12 -m 1 -e 'sgcheck:' -e 'ERROR:' -e 'runtime error' "$work/fuzz.log" >&2 || tail -n 30 "$work/fuzz.log" >&2
  grep -e 'Test unit written to' "$work/fuzz.log" >&2
  exit 1
fi
grep -e '^stat::number_of_executed_units' "$work/fuzz.log" | sed 's/^/fuzz-short: /'
exit 0
