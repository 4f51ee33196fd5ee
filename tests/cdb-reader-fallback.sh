#!/bin/sh
# smtpguard-cdb reads a large listed/ with a second reader (a child, when
# there are two CPUs and 8192 listings or more). When that child cannot
# be started, the rebuild reads everything itself: the same cdb, no
# error. fork is made to fail the way a busy system makes it fail, by
# RLIMIT_NPROC for the rebuild's (unprivileged) user; strace shows the
# clone that failed, and the clone that worked without the limit. And
# when the child dies in the middle of its half (SIGKILL, as the OOM
# killer would), the rebuild reads that half itself: strace slows every
# readlinkat down so that the kill lands mid-read, and shows the child
# killed before it said it was done, and the parent reading every
# listing; the cdb is the same again.
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

# the second reader killed in the middle of its half: 200 us per
# readlinkat makes each half last 2 s
asuser strace -f -qq -e trace=readlinkat,write -e inject=readlinkat:delay_exit=200 -o "$T/out/kill.trace" \
  "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/out/kill.cdb" 2>"$T/kill.err" &
STRACE_PID=$!
at_exit "kill $STRACE_PID 2>/dev/null"
# the reader: the smtpguard-cdb whose parent is the smtpguard-cdb that
# strace started (not another test's, running meanwhile)
reader() {
  ps -eo pid=,ppid=,comm= | awk -v s="$STRACE_PID" '{ pp[$1] = $2 } $3 == "smtpguard-cdb" { p[$1] = $2 }
    END { for (k in p) if (p[k] in p) {
      a = pp[p[k]] ; n = 0
      while (a && a != s && n < 4) { a = pp[a] ; n++ }
      if (a == s) print k, p[k] } }'
}
child= cdbpid=
i=0
while [ $i -lt 200 ] && [ -z "$child" ]; do
  set -- $(reader)
  child=${1:-} cdbpid=${2:-}
  [ -n "$child" ] || sleep 0.05
  i=$((i + 1))
done
[ -n "$child" ] || fail "the second reader never appeared"
sleep 0.5
kill -KILL "$child" || fail "could not kill the second reader ($child)"
wait "$STRACE_PID" || { cat "$T/kill.err" >&2; fail "the rebuild failed when its second reader was killed"; }
# strace pads a short pid with spaces: "634   +++ killed ..."
grep -Eq "^$child +[+]{3} killed by SIGKILL [+]{3}" "$T/out/kill.trace" ||
  { tail -n 5 "$T/out/kill.trace" >&2; fail "the second reader ($child) was not killed by the test"; }
nchild=$(grep -Ec "^$child +readlinkat\(" "$T/out/kill.trace")
nparent=$(grep -Ec "^$cdbpid +readlinkat\(" "$T/out/kill.trace")
note "killed reader: $nchild listings read of 10000; the rebuild read $nparent"
[ "$nchild" -ge 1 ] && [ "$nchild" -lt 10000 ] || fail "the second reader was not killed mid-read ($nchild of 10000 read)"
grep -Eq "^$child +write\([0-9]+, \"\", 1\)" "$T/out/kill.trace" && fail "the killed reader had said it was done"
assert_eq "$nparent" 20000 "listings the rebuild read itself once its second reader was killed"
assert_grep "$T/kill.err" "rebuilt .* listed=19999$" "the rebuild with its second reader killed: its log line"
assert_same_file "$T/out/kill.cdb" "$T/out/two.cdb" "the cdb with the second reader killed differs"
exit 0
