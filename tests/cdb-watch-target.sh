#!/bin/sh
# smtpguard-cdb -w checks its cdb at every poll: deleted (tcpserver would
# drop every connection) or replaced by another writer (a plain tcprules
# on the same target, without the listings), it is rebuilt at once, not
# at the next full rescan; left alone, it is not rebuilt for nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) not installed"
S=$T/state
mkdir "$S" || fail mkdir
echo '127.0.0.1:allow' >"$T/rules.txt"
"$SG_BIN/smtpguard-cdb" -w -t 1 -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q 'rebuilt .* listed=0' "$T/log" || fail "no first build"
listed() { [ "$(cdb_value "$T/rules.cdb" "$1" 2>/dev/null)" = "D|" ]; }
rebuilds() { grep -c 'info: rebuilt' "$T/log"; }
"$SGSTATETOOL" kick "$S" 10.0.0.1 || fail "kick"
wait_until 10 listed 10.0.0.1 || fail "the listing did not reach the cdb"

# nothing changes: no rebuild
sleep 0.5
n=$(rebuilds); sleep 2.5
assert_eq "$(rebuilds)" "$n" "rebuilds with nothing changed"

# deleted: back within a poll or two, with the listing
rm -f "$T/rules.cdb"
wait_until 10 listed 10.0.0.1 || fail "a deleted cdb was not rebuilt promptly"

# replaced by tcprules (another inode, no listings): listed again promptly
tcprules "$T/rules.cdb" "$T/rules.tcprules.tmp" <"$T/rules.txt" || fail tcprules
listed 10.0.0.1 && fail "tcprules' cdb has the listing?"
wait_until 10 listed 10.0.0.1 || fail "a cdb replaced by tcprules was not rebuilt promptly"
cdb -q "$T/rules.cdb" 127.0.0.1 >/dev/null || fail "the rules were lost"

# and again quiet afterwards
sleep 0.5
n=$(rebuilds); sleep 2.5
assert_eq "$(rebuilds)" "$n" "rebuilds after the repair with nothing changed"
kill -TERM $W; wait $W; assert_eq $? 0 "exit code after SIGTERM"
exit 0
