#!/bin/sh
# smtpguard-cdb -w keeps the listings in memory and re-reads only the IPs
# named on the wakeup FIFO; what reaches listed/ without a wakeup line (a
# listing file copied or removed by hand, a line that is not an IP, an
# old writer's bare byte) makes it rescan listed/ whole, so nothing is
# missed. Without -d it rebuilds only when the rules file changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
echo '127.0.0.1:allow' >"$T/rules.txt"

# without -d: one build, then nothing until rules.txt changes
"$SG_BIN/smtpguard-cdb" -w -t 1 "$T/rules.txt" "$T/r0.cdb" 2>"$T/log0" &
W0=$!
at_exit "stop_pid $W0"
wait_until 5 grep -q 'rebuilt' "$T/log0" || fail "no first build without -d"
sleep 3.5
n=$(grep -c 'rebuilt' "$T/log0")
[ "$n" = 1 ] || fail "without -d and no change: $n rebuilds in 3.5 s, want 1"
echo '10.9.9.9:deny' >>"$T/rules.txt"
wait_until 3 sh -c "cdb -q '$T/r0.cdb' 10.9.9.9 >/dev/null" || fail "without -d: rules change not picked up"
sleep 2
n=$(grep -c 'rebuilt' "$T/log0")
[ "$n" = 2 ] || fail "without -d: $n rebuilds after one change, want 2"
kill -TERM $W0; wait $W0; assert_eq $? 0 "exit code after SIGTERM (no -d)"

# with -d
S=$T/state
mkdir "$S" || fail mkdir
"$SG_BIN/smtpguard-cdb" -w -t 1 -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q 'rebuilt .* listed=0' "$T/log" || fail "no first build"
listed() { cdb -q "$T/rules.cdb" "$1" >/dev/null; }

# a listing through the FIFO (its line carries the IP)
"$SGSTATETOOL" kick "$S" 10.0.0.1 || fail "kick"
wait_until 3 listed 10.0.0.1 || fail "a listing did not reach the cdb"

# a listing file copied in by hand: no wakeup line, found by the rescan
S2=$T/other
mkdir "$S2" || fail mkdir
"$SGSTATETOOL" kick "$S2" 10.0.0.2 || fail "kick in the other statedir"
cp -P "$S2/listed/10.0.0.2" "$S/listed/.tmp.hand" && mv "$S/listed/.tmp.hand" "$S/listed/10.0.0.2" || fail "copy"
wait_until 4 listed 10.0.0.2 || fail "a listing copied by hand was never read"
listed 10.0.0.1 || fail "the first listing went missing"

# removed by hand: gone from the cdb too
rm -f "$S/listed/10.0.0.1"
wait_until 4 sh -c "! cdb -q '$T/rules.cdb' 10.0.0.1 >/dev/null" || fail "a listing removed by hand stayed in the cdb"

# a wakeup line that is not an IP (or an old writer's NUL byte): rescan
"$SGSTATETOOL" kick "$S2" 10.0.0.3 || fail "kick in the other statedir"
cp -P "$S2/listed/10.0.0.3" "$S/listed/10.0.0.3" || fail copy
printf 'garbage\n' >"$S/wakeup"
wait_until 3 listed 10.0.0.3 || fail "a garbage wakeup line did not cause a rescan"
"$SGSTATETOOL" kick "$S2" 10.0.0.4 || fail "kick in the other statedir"
cp -P "$S2/listed/10.0.0.4" "$S/listed/10.0.0.4" || fail copy
printf '\0' >"$S/wakeup"
wait_until 3 listed 10.0.0.4 || fail "a NUL wakeup byte did not cause a rescan"

# an unlisting through the FIFO
"$SG_BIN/smtpguard-unlist" -d "$S" 10.0.0.2 2>/dev/null || fail unlist
wait_until 3 sh -c "! cdb -q '$T/rules.cdb' 10.0.0.2 >/dev/null" || fail "unlisting not picked up"
for ip in 10.0.0.3 10.0.0.4; do listed $ip || fail "$ip lost"; done
kill -TERM $W; wait $W; assert_eq $? 0 "exit code after SIGTERM"
exit 0
