#!/bin/sh
# smtpguard-cdb -w coalesces the rewrites of a big cdb: the gap after a
# rebuild grows with its cost (its length and the size written), so a
# listing every 250 ms into a cdb of 150000 listings (5 MB) does not
# rewrite it 4 times a second but about once, yet every listing reaches it in the end;
# a small cdb still takes each listing within a second.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
$(head -n 1 "$TOP/conf-compile/conf-cc") -o "$T/mklistings" "$TOP/bench/mklistings.c" || fail "cannot build mklistings"
echo '127.0.0.1:allow' >"$T/rules.txt"
rebuilds() { grep -c 'info: rebuilt' "$1"; }
listed() { [ "$(cdb_value "$2" "$1" 2>/dev/null)" = "D|" ]; }

# big: 150000 listings, 12 more 250 ms apart
S=$T/big
mkdir "$S" || fail mkdir
"$T/mklistings" "$S" 150000 $(($(date +%s) + 3600)) || fail mklistings
"$SG_BIN/smtpguard-cdb" -w -d "$S" "$T/rules.txt" "$T/big.cdb" 2>"$T/big.log" &
W=$!
at_exit "stop_pid $W"
wait_until 60 grep -q 'rebuilt .* listed=150000$' "$T/big.log" || fail "no first build"
n0=$(rebuilds "$T/big.log")
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)
i=1
while [ $i -le 12 ]; do
  "$SGSTATETOOL" kick "$S" 10.200.0.$i || fail kick
  sleep 0.25
  i=$((i + 1))
done
span=$(( $(ms) - t0 ))
wait_until 15 grep -q 'listed=150012$' "$T/big.log" || { tail -n 3 "$T/big.log" >&2; fail "the 12 listings never all reached the big cdb"; }
n=$(( $(rebuilds "$T/big.log") - n0 ))
note "12 listings in $span ms into 150000: $n rebuilds"
# a 5 MB cdb is rewritten at most about once a second (its size at
# 4 MB/s), however slowly the kicks came
[ $n -lt 12 ] && [ $n -le $(( span / 1000 + 2 )) ] || fail "12 listings in $span ms rewrote a 150000-listing cdb $n times"
i=1
while [ $i -le 12 ]; do listed 10.200.0.$i "$T/big.cdb" || fail "10.200.0.$i lost"; i=$((i + 1)); done
listed 10.0.0.1 "$T/big.cdb" && listed 10.2.73.240 "$T/big.cdb" || fail "the old listings lost"
kill -TERM $W; wait $W; assert_eq $? 0 "exit code after SIGTERM"

# small: each listing on its own, within a second
S=$T/small
mkdir "$S" || fail mkdir
"$SG_BIN/smtpguard-cdb" -w -d "$S" "$T/rules.txt" "$T/small.cdb" 2>"$T/small.log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q 'rebuilt .* listed=0$' "$T/small.log" || fail "no first build (small)"
i=1
while [ $i -le 5 ]; do
  "$SGSTATETOOL" kick "$S" 10.100.0.$i || fail kick
  wait_until 5 listed 10.100.0.$i "$T/small.cdb" || fail "10.100.0.$i took more than 5 s into a small cdb"
  i=$((i + 1))
done
kill -TERM $W; wait $W; assert_eq $? 0 "exit code after SIGTERM (small)"
exit 0
