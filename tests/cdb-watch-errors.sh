#!/bin/sh
# smtpguard-cdb -w logs a persistent error once, not at every retry: a
# missing rules file, a rules syntax error repeated at every listing's
# rebuild, a peer's file that cannot be read. It logs again when the
# error changes or the rules file is edited, and says when it is over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
S=$T/state
mkdir "$S" || fail mkdir
echo '127.0.0.1:allow' >"$T/rules.txt"
"$SG_BIN/smtpguard-cdb" -w -t 1 -d "$S" -i "$T/peer.ip4" "$T/rules.txt" "$T/rules.cdb" 2>"$T/log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q 'rebuilt .* listed=0' "$T/log" || fail "no first build"
count() { grep -c "$1" "$T/log"; }
listed() { cdb -q "$T/rules.cdb" "$1" >/dev/null; }

# a peer's file missing at every rebuild: one warning; there: recovered
for ip in 10.0.0.1 10.0.0.2 10.0.0.3; do
  "$SGSTATETOOL" kick "$S" $ip || fail kick
  wait_until 3 listed $ip || fail "$ip not listed"
done
assert_eq "$(count "warning: unable to read $T/peer.ip4 - leaving it out: No such file")" 1 "warnings about the missing peer's file"
echo '10.7.7.7' >"$T/peer.ip4"
wait_until 3 grep -q "info: recovered: unable to read $T/peer.ip4 - leaving it out" "$T/log" || fail "no word that the peer's file is back"

# the rules file missing: retried every second, said once
rm -f "$T/rules.txt"
wait_until 3 grep -q "warning: unable to read $T/rules.txt: No such file" "$T/log" || fail "no warning about the missing rules file"
sleep 4
assert_eq "$(count "unable to read $T/rules.txt")" 1 "warnings about the missing rules file in 4 s"
grep -q 'fatal' "$T/log" && fail "-w said fatal"
# another error: said again
mkdir "$T/rules.txt" || fail mkdir
wait_until 3 grep -q "warning: unable to read $T/rules.txt: Is a directory" "$T/log" || fail "a new error was not logged"
sleep 3
assert_eq "$(count "unable to read $T/rules.txt")" 2 "warnings after the error changed"
# over: said, and the cdb rebuilt
rmdir "$T/rules.txt"; echo '127.0.0.1:allow' >"$T/rules.txt"
wait_until 3 grep -q "info: recovered: unable to read $T/rules.txt: Is a directory" "$T/log" || fail "no word of the recovery"
n=$(count 'info: rebuilt')
"$SGSTATETOOL" kick "$S" 10.0.0.4 || fail kick
wait_until 3 listed 10.0.0.4 || fail "no rebuild after the recovery"

# a syntax error kept while listings come: said once, and its end
echo 'bad:permit' >>"$T/rules.txt"
wait_until 3 grep -q "rules.txt:2: .* - keeping the previous rules" "$T/log" || fail "no syntax error report"
for ip in 10.0.0.5 10.0.0.6 10.0.0.7; do
  "$SGSTATETOOL" kick "$S" $ip || fail kick
  wait_until 3 listed $ip || fail "$ip not listed while the rules are broken"
done
assert_eq "$(count 'keeping the previous rules')" 1 "syntax warnings over 4 rebuilds"
# edited and still broken the same way: the admin hears it again
echo '# still broken' >>"$T/rules.txt"
wait_until 3 sh -c "[ \$(grep -c 'keeping the previous rules' '$T/log') = 2 ]" || fail "an edit with the same error was not answered"
echo '127.0.0.1:allow' >"$T/rules.txt"
wait_until 3 grep -q "info: recovered: .*rules.txt:2: " "$T/log" || fail "no word that the rules parse again"
grep -q 'fatal' "$T/log" && fail "-w said fatal"
kill -TERM $W; wait $W; assert_eq $? 0 "exit code after SIGTERM"
exit 0
