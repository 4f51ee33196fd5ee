#!/bin/sh
# smtpguard-cdb -w: rebuilds within a second of a listing, an unlisting
# or a change of rules.txt; 1000 listings at once cause a handful of
# rebuilds, lose nothing, and a reader opening the cdb in a loop never
# sees it missing or invalid; SIGTERM ends it cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
S=$T/state
mkdir "$S" || fail mkdir
echo '127.0.0.1:allow,RELAYCLIENT=""' >"$T/rules.txt"
"$SG_BIN/smtpguard-cdb" -w -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q 'rebuilt .* listed=0' "$T/log" || fail "no first build"
rebuilds() { grep -c 'info: rebuilt' "$T/log"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# one listing: in the cdb within a second
t=$(ms)
"$SGSTATETOOL" kick "$S" 10.0.0.1 || fail "kick"
wait_until 3 sh -c "cdb -q '$T/rules.cdb' 10.0.0.1 >/dev/null" || fail "listing never reached the cdb"
d=$(( $(ms) - t ))
[ $d -le 1000 ] || fail "listing took ${d} ms to reach the cdb"

# 1000 listings at once, a reader in a loop
before=$(rebuilds)
( i=0; end=$(( $(date +%s) + 20 ))
  while [ $i -lt 100000 ] && [ "$(date +%s)" -lt $end ] && [ ! -e "$T/stop" ]; do
    cdb -s "$T/rules.cdb" >/dev/null 2>&1 || { echo "invalid or missing cdb" >>"$T/reader.err"; }
    i=$((i + 1))
  done; echo $i >"$T/reader.n" ) &
R=$!
at_exit "touch '$T/stop'; stop_pid $R"
"$SGSTATETOOL" burst "$S" 1000 10.50. || fail "burst: some kicks failed"
wait_until 5 grep -q 'listed=1001$' "$T/log" || { tail -n 5 "$T/log" >&2; fail "not all 1000 listings reached the cdb"; }
sleep 1
touch "$T/stop"; wait $R
[ -s "$T/reader.err" ] && fail "reader saw: $(sort -u "$T/reader.err")"
[ "$(cat "$T/reader.n")" -gt 10 ] || fail "reader did not run"
n=$(( $(rebuilds) - before ))
[ $n -le 15 ] || fail "1000 listings caused $n rebuilds"
note "1000 listings: $n rebuilds, reader opened the cdb $(cat "$T/reader.n") times"
i=0
while [ $i -lt 1000 ]; do
  ip=10.50.$((i / 250)).$((1 + i % 250))
  [ "$(cdb_value "$T/rules.cdb" $ip)" = "D|" ] || fail "$ip lost"
  i=$((i + 7))
done
[ "$(cdb -s "$T/rules.cdb" | sed -n 's/^number of records: //p')" = 1002 ] || fail "record count"

# rules.txt changes are picked up
echo '10.9.9.9:deny' >>"$T/rules.txt"
wait_until 3 sh -c "cdb -q '$T/rules.cdb' 10.9.9.9 >/dev/null" || fail "rules change not picked up"
# a syntax error keeps the previous rules, listings still flow
echo 'bad:permit' >>"$T/rules.txt"
wait_until 3 grep -q "rules.txt:3: .*keeping the previous rules" "$T/log" || fail "no syntax error report"
"$SGSTATETOOL" kick "$S" 10.0.0.2 || fail "kick"
wait_until 3 sh -c "cdb -q '$T/rules.cdb' 10.0.0.2 >/dev/null" || fail "listing lost while rules are broken"
[ "$(cdb_value "$T/rules.cdb" 10.9.9.9)" = "D|" ] || fail "previous rules lost"

# unlisting is picked up
"$SG_BIN/smtpguard-unlist" -d "$S" 10.0.0.1 2>/dev/null || fail unlist
wait_until 3 sh -c "! cdb -q '$T/rules.cdb' 10.0.0.1 >/dev/null" || fail "unlisting not picked up"

# an expiry is picked up: a listing made 3598 s ago expires in 2 s
SMTPGUARD_NOW=$(( $(date +%s) - 3598 )) "$SGSTATETOOL" kick "$S" 10.0.0.3 || fail "kick in the past"
wait_until 3 sh -c "cdb -q '$T/rules.cdb' 10.0.0.3 >/dev/null" || fail "short listing not in the cdb"
wait_until 5 sh -c "! cdb -q '$T/rules.cdb' 10.0.0.3 >/dev/null" || fail "expiry not picked up"

# SIGTERM: exits 0, promptly
kill -TERM $W
n=0; while kill -0 $W 2>/dev/null && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 $W 2>/dev/null && fail "still running 3 s after SIGTERM"
wait $W; assert_eq $? 0 "exit code after SIGTERM"
ls "$T" | grep -q 'rules\.cdb\.tmp' && fail "temporary left behind"
exit 0
