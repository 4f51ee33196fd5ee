#!/bin/sh
# Differential check against the real exim: smtpguard's pairing of
# replies with commands (its test-only trace, $BUILD/tests/diff/smtpguard-trace)
# must agree with exim's own account of what it read and answered
# (exim4 -bs -d+receive: "SMTP<<" and "SMTP>>"), up to the point where
# smtpguard kicks a protocol violation. See tests/diff/sgdiff.pl.
#
# 1. every saved input in tests/diff/regressions/ (one disagreement found
#    once each: BDAT sizes exim reads as 32 bits, verbs exim reads after
#    trimming VT/FF/CR, DATA ends with a bare LF, ...);
# 2. generated and mutated sessions (tests/diff/SgDiffGen.pm) from fixed
#    seeds for DIFF_SECONDS seconds (default 30; DIFF_SECONDS=3600 is the
#    long run). Disagreeing inputs are minimized into $BUILD/diff-findings/:
#    copy them into tests/diff/regressions/ once understood.
. "$(dirname "$0")/lib.sh"
command -v exim4 >/dev/null 2>&1 || fail "exim4 not installed (package/deps-test)"
command -v perl >/dev/null 2>&1 || fail "perl not installed"
[ -x "$BUILD/tests/diff/smtpguard-trace" ] || fail "$BUILD/tests/diff/smtpguard-trace not built (make tests)"

# the trace exists only in the test binary: the production relay, given
# the same fd 9 and the same session, writes nothing there
mkdir "$T/prod" || fail "mkdir"
printf 'EHLO c\r\nNOOP\r\nQUIT\r\n' >"$T/prod/client"
for b in "$SG_BIN/smtpguard" "$BUILD/tests/diff/smtpguard-trace"; do
  SG_EXIM_DIR=$T/prod/exim TCPREMOTEIP=127.0.0.9 timeout 20 "$b" "$TOP/tests/exim/smtpd" \
    <"$T/prod/client" >"$T/prod/out.${b##*/}" 2>/dev/null 9>"$T/prod/trace.${b##*/}"
done
assert_grep "$T/prod/out.smtpguard" '^221 ' "the production relay ran the session"
[ ! -s "$T/prod/trace.smtpguard" ] || fail "the production relay wrote a trace"
assert_grep "$T/prod/trace.smtpguard-trace" '^reply noop 250$' "the trace binary traced the session"
nm "$SG_BIN/smtpguard" 2>/dev/null | grep -q sgtrace && fail "sgtrace code in the production relay"

secs=${DIFF_SECONDS:-30}
seed=${DIFF_SEED:-1}
findings=$BUILD/diff-findings
rm -rf "$findings"

perl "$TOP/tests/diff/sgdiff.pl" --build "$BUILD" --work "$T" replay "$TOP"/tests/diff/regressions/* >"$T/replay.log" 2>&1
replayrc=$?
grep -v '^ok ' "$T/replay.log" >&2

perl "$TOP/tests/diff/sgdiff.pl" --build "$BUILD" --work "$T" --seconds "$secs" --seed "$seed" \
  --findings "$findings" fuzz >"$T/fuzz.log" 2>&1
rc=$?
cat "$T/fuzz.log" >&2
[ $replayrc -eq 0 ] || fail "smtpguard and exim disagree on saved inputs (above)"
[ $rc -eq 0 ] || fail "smtpguard and exim disagree on generated inputs: see $findings"
grep -q '^sgdiff: [1-9][0-9]* inputs' "$T/fuzz.log" || fail "no input was run"
grep -q " 0 left behind" "$T/fuzz.log" || fail "processes were left behind (killed by the harness)"
exit 0
