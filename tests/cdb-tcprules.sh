#!/bin/sh
# smtpguard-cdb is a drop-in for tcprules: for the same rules file (and an
# empty statedir) it writes a cdb byte-identical to Debian's tcprules';
# a syntax error leaves the old cdb in place, says file:line, exits 100.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"

mkdir "$T/state" || fail "mkdir"
q="'"
{
  echo '# comments, blank lines, and lines without a colon are skipped'
  echo ''
  echo '   '
  echo 'no colon here'
  echo '  # an indented comment'
  echo '127.0.0.1:allow,RELAYCLIENT="",SMTPGUARD_EXEMPT="1"'
  echo '10.1-3.:deny'
  echo '172.16.250-300.:allow,RANGE="capped at 255"'
  echo '10.-2.:deny'
  echo '192.168.:allow,SMTPGUARD_BADRCPT='"$q"'20'"$q"',RBLSMTPD="-go away"'
  echo '=mx.example.com:allow,X=/a b/'
  echo '=.example.org:deny'
  echo 'joe@10.0.0.1:allow,Y=xyx,Z=:colon:'
  echo 'info@=host.example.com:deny'
  echo '10.0.0.1:deny'
  echo '10.0.0.1:allow,DUP="the second one is never found"'
  printf '10.0.0.2:allow,TRAIL="spaces and tabs after"  \t \n'
  echo '1.2.3.4:allow,EMPTY="",Q=x""x'
  echo '5.6.7.8:allow,E==x='
  echo ':allow,DEFAULT=|all others|'
  printf 'last:deny'
} >"$T/rules.txt"

tcprules "$T/tcprules.cdb" "$T/tcprules.tmp" <"$T/rules.txt" || fail "tcprules rejected the test file"
"$SG_BIN/smtpguard-cdb" -d "$T/state" "$T/rules.txt" "$T/sg.cdb" 2>"$T/log" || { cat "$T/log" >&2; fail "smtpguard-cdb failed"; }
cdb -d "$T/tcprules.cdb" >"$T/tcprules.dump"
cdb -d "$T/sg.cdb" >"$T/sg.dump"
assert_same_file "$T/tcprules.dump" "$T/sg.dump" "records differ from tcprules'"
cmp -s "$T/tcprules.cdb" "$T/sg.cdb" || fail "cdb bytes differ from tcprules'"
n=$(cdb -s "$T/sg.cdb" | sed -n "s/^number of records: //p")
assert_grep "$T/log" "^smtpguard-cdb: info: rebuilt $T/sg.cdb rules=$n listed=0\$" "rebuild log line"
[ "$n" -gt 20 ] || fail "too few records ($n)"

# without -d it is plain tcprules too
"$SG_BIN/smtpguard-cdb" "$T/rules.txt" "$T/sg2.cdb" 2>/dev/null || fail "smtpguard-cdb without -d"
cmp -s "$T/tcprules.cdb" "$T/sg2.cdb" || fail "cdb without -d differs"

# syntax errors: old cdb untouched, file:line and what, exit 100, no temporaries
cp "$T/sg.cdb" "$T/sg.orig"
for bad in 'x:permit' '1.2.3.4:allow,A' '1.2.3.4:allow,A="x' 'a-b.c:deny' '1.2.3.4:deny,'; do
  printf '# ok\n1.2.3.4:allow\n%s\n' "$bad" >"$T/bad.txt"
  tcprules "$T/t.cdb" "$T/t.tmp" <"$T/bad.txt" 2>/dev/null && fail "tcprules accepted '$bad'?"
  "$SG_BIN/smtpguard-cdb" -d "$T/state" "$T/bad.txt" "$T/sg.cdb" 2>"$T/err"
  rc=$?
  assert_eq "$rc" 100 "exit code for '$bad'"
  assert_grep "$T/err" "^smtpguard-cdb: fatal: $T/bad.txt:3: ." "error message for '$bad'"
  cmp -s "$T/sg.cdb" "$T/sg.orig" || fail "cdb changed after a syntax error"
done
ls "$T" | grep -q 'sg\.cdb\.tmp' && fail "temporary left behind"

# usage
"$SG_BIN/smtpguard-cdb" "$T/rules.txt" 2>"$T/err"; assert_eq $? 100 "usage exit"
assert_grep "$T/err" '^smtpguard-cdb: usage: ' "usage message"
"$SG_BIN/smtpguard-cdb" "$T/nonexistent.txt" "$T/x.cdb" 2>"$T/err"; assert_eq $? 111 "missing rules file"
assert_grep "$T/err" "^smtpguard-cdb: fatal: unable to read $T/nonexistent.txt: No such file" "missing rules file message"
# a fatal exit says so, never a warning
"$SG_BIN/smtpguard-cdb" -d "$T/nostate/x" "$T/rules.txt" "$T/x.cdb" 2>"$T/err"; assert_eq $? 111 "missing statedir"
assert_grep "$T/err" "^smtpguard-cdb: fatal: unable to open statedir $T/nostate/x: " "missing statedir message"
assert_no_grep "$T/err" "warning" "missing statedir: a warning"
exit 0
