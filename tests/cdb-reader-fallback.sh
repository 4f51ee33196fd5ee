#!/bin/sh
# smtpguard-cdb reads a large listed/ with a second reader (a child, when
# there are two CPUs and 8192 listings or more). When that child cannot
# be started, the rebuild reads everything itself: the same cdb, no
# error. fork is made to fail the way a busy system makes it fail, by
# RLIMIT_NPROC for the rebuild's (unprivileged) user; strace shows the
# clone that failed, and the clone that worked without the limit.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/deploy/deploylib.sh"
need_root
command -v strace >/dev/null 2>&1 || fail "strace not installed"
[ "$(getconf _NPROCESSORS_ONLN)" -gt 1 ] || { echo "SKIP: $SG_TEST: one CPU: the rebuild never starts a second reader"; exit 0; }
deploy_adduser sgtest-rdr
U=sgtest-rdr

# 20000 listings in the documented format, by the bench's own writer
$(head -n 1 "$TOP/conf-compile/conf-cc") -o "$T/mklistings" "$TOP/bench/mklistings.c" || fail "cannot build mklistings"
S=$T/state
mkdir "$S" "$T/out" || fail mkdir
"$T/mklistings" "$S" 20000 $(($(date +%s) + 3600)) || fail mklistings
printf '10.0.0.7:allow,RELAYCLIENT=""\n:allow\n' >"$T/rules.txt"
chmod 755 "$T" && chown -R "$U:$U" "$S" "$T/out" || fail chown

asuser() { setpriv --reuid="$U" --regid="$U" --clear-groups "$@"; }
# in the sanitizer pass: LeakSanitizer cannot run under ptrace (strace)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
asuser strace -f -qq -e trace=clone,clone3,fork,vfork -o "$T/out/two.trace" \
  "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/out/two.cdb" 2>"$T/two.err" ||
  { cat "$T/two.err" >&2; fail "the rebuild with a second reader failed"; }
grep -Eq '^[0-9]+ +(clone|clone3|fork|vfork)\(.*= [0-9]+$' "$T/out/two.trace" ||
  { cat "$T/out/two.trace" >&2; fail "no second reader was started (the case below would prove nothing)"; }

# one process allowed to the user: the child cannot be made
asuser strace -f -qq -e trace=clone,clone3,fork,vfork -o "$T/out/one.trace" \
  prlimit --nproc=1 "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/out/one.cdb" 2>"$T/one.err" ||
  { cat "$T/one.err" >&2; fail "the rebuild failed when its second reader could not start"; }
grep -Eq '^[0-9]+ +(clone|clone3|fork|vfork)\(.*= -1 EAGAIN' "$T/out/one.trace" ||
  { cat "$T/out/one.trace" >&2; fail "fork did not fail under RLIMIT_NPROC=1"; }
# 20000 listed, one of them (10.0.0.7) under the admin's exact rule
assert_grep "$T/one.err" "rebuilt .* listed=19999$" "the rebuild without a second reader: its log line"
assert_grep "$T/two.err" "rebuilt .* listed=19999$" "the rebuild with a second reader: its log line"
assert_same_file "$T/out/one.cdb" "$T/out/two.cdb" "the cdb read by one reader differs from the one read by two"
[ "$(cdb_value "$T/out/one.cdb" 10.0.0.7)" = '+RELAYCLIENT=|' ] || fail "the admin's rule for 10.0.0.7: $(cdb_value "$T/out/one.cdb" 10.0.0.7)"
[ "$(cdb_value "$T/out/one.cdb" 10.0.78.32)" = 'D|' ] || fail "the last listing (10.0.78.32) not denied: $(cdb_value "$T/out/one.cdb" 10.0.78.32)"
exit 0
