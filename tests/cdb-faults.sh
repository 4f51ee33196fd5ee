#!/bin/sh
# Faults: SIGKILL of smtpguard-cdb mid-rebuild and of listing writers,
# a full file system, a read-only statedir, garbage in the statedir.
# Always: the old cdb intact, clear errors, no recorded listing lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
S=$T/state
mkdir "$S" || fail mkdir
echo '127.0.0.1:allow' >"$T/small.txt"
"$SGSTATETOOL" kick "$S" 10.0.0.1 || fail kick
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/small.txt" "$T/rules.cdb" 2>/dev/null || fail "first build"
cp "$T/rules.cdb" "$T/orig.cdb"

# --- SIGKILL during a rebuild: a big rules file makes it slow enough
awk 'BEGIN { for (i = 0; i < 400000; i++) printf "10.%d.%d.%d:allow,N=\"%d\"\n", i / 65536 % 256, i / 256 % 256, i % 256, i }' >"$T/big.txt"
killed=0; try=0
while [ $killed -eq 0 ] && [ $try -lt 5 ]; do
  try=$((try + 1))
  "$SG_BIN/smtpguard-cdb" -d "$S" "$T/big.txt" "$T/rules.cdb" 2>/dev/null &
  P=$!
  n=0
  while [ $n -lt 200 ] && ! ls "$T" | grep -q '^rules\.cdb\.tmp\.'; do sleep 0.01; n=$((n + 1)); done
  kill -KILL $P 2>/dev/null && killed=1
  wait $P 2>/dev/null
  cmp -s "$T/rules.cdb" "$T/orig.cdb" || { [ $killed -eq 1 ] && fail "cdb changed by a killed rebuild"; cp "$T/rules.cdb" "$T/orig.cdb"; }
done
[ $killed -eq 1 ] || fail "could not kill a rebuild in progress"
cdb -s "$T/rules.cdb" >/dev/null || fail "cdb invalid after SIGKILL"
ls "$T" | grep -q '^rules\.cdb\.tmp\.' || note "(the killed rebuild left no temporary this time)"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/small.txt" "$T/rules.cdb" 2>/dev/null || fail "rebuild after SIGKILL"
ls "$T" | grep -q '^rules\.cdb\.tmp\.' && fail "stale temporary not cleaned"
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "D|" "listing after SIGKILL"
cp "$T/rules.cdb" "$T/orig.cdb"

# --- SIGKILL of 1000 listing writers mid-flight: every listing on disk is whole
setsid "$SGSTATETOOL" burst "$S" 1000 10.60. &
B=$!
sleep 0.4
kill -KILL -$B 2>/dev/null  # dash: no -- for kill
wait $B 2>/dev/null
"$SG_BIN/smtpguard-list" -a -t -d "$S" >"$T/list" 2>"$T/err" || fail "smtpguard-list after SIGKILL"
[ -s "$T/err" ] && fail "torn listings after SIGKILL: $(cat "$T/err")"
grep -q '^10\.0\.0\.1	' "$T/list" || fail "earlier listing lost"
note "$(grep -c '^10\.60\.' "$T/list") of 1000 writers listed before SIGKILL"

# --- garbage in the statedir: ignored, counted, the rest still works
mkdir "$S/listed/1.2.3.5" "$S/listed/junkdir"
echo junk >"$S/listed/notanip"
echo junk >"$S/listed/1.2.3.6"
echo 'badrcpt 1 99999999999 1' >"$S/listed/01.2.3.4"
: >"$S/listed/1.2.3.7"
echo junk >"$S/listed/.tmp.1.2.3.8.1"
echo junk >"$S/ledger/notanip"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/small.txt" "$T/rules.cdb" 2>"$T/err" || fail "build with garbage"
assert_grep "$T/err" "warning: ignored 6 unreadable files in $S/listed" "garbage warning"
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "D|" "listing with garbage around"
assert_eq "$(cdb_value "$T/rules.cdb" 01.2.3.4)" "" "garbage name became a key"
"$SGSTATETOOL" kick "$S" 1.2.3.6 || fail "kick over a garbage listing"
"$SGSTATETOOL" listed "$S" 1.2.3.6 || fail "garbage listing not replaced"
cp "$T/rules.cdb" "$T/orig.cdb"

[ "$(id -u)" = 0 ] || { note "not root: tmpfs parts skipped"; exit 0; }
M=$T/mnt
mkdir "$M" || fail mkdir
mount -t tmpfs -o size=256k tmpfs "$M" 2>/dev/null || { note "cannot mount tmpfs: parts skipped"; exit 0; }
at_exit "umount '$M' 2>/dev/null || umount -l '$M'"

# --- a full file system under the cdb: old cdb intact, ENOSPC said, exit 111
cp "$T/orig.cdb" "$M/rules.cdb"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/big.txt" "$M/rules.cdb" 2>"$T/err"; rc=$?
assert_eq $rc 111 "exit on a full file system"
assert_grep "$T/err" "^smtpguard-cdb: fatal: unable to build $M/rules.cdb: .*(space|full)" "ENOSPC message"
cmp -s "$M/rules.cdb" "$T/orig.cdb" || fail "cdb damaged by a full file system"
ls "$M" | grep -q '\.tmp\.' && fail "temporary left on the full file system"

# --- a full statedir: the kick fails cleanly, recorded listings stay
rm -f "$M/rules.cdb" "$M/rules.cdb.lock"
mkdir "$M/state" || fail mkdir
"$SGSTATETOOL" kick "$M/state" 10.1.0.1 || fail "kick on tmpfs"
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
"$SGSTATETOOL" kick "$M/state" 10.1.0.2 2>"$T/err"; rc=$?
assert_eq $rc 111 "kick on a full statedir"
assert_grep "$T/err" "(space|full)" "full statedir message"
"$SGSTATETOOL" listed "$M/state" 10.1.0.1 || fail "listing lost on a full statedir"
"$SG_BIN/smtpguard-list" -t -d "$M/state" 2>"$T/err" >"$T/list" || fail "list on a full statedir"
[ -s "$T/err" ] && fail "torn listing on a full statedir: $(cat "$T/err")"
rm -f "$M/fill"

# --- a read-only statedir: readers work, writers fail with a clear error
mount -o remount,ro "$M" || fail "remount ro"
"$SGSTATETOOL" kick "$M/state" 10.1.0.3 2>"$T/err"; rc=$?
assert_eq $rc 111 "kick on a read-only statedir"
assert_grep "$T/err" "[Rr]ead-only" "read-only message"
"$SG_BIN/smtpguard-cdb" -d "$M/state" "$T/small.txt" "$T/ro.cdb" 2>"$T/err" || fail "build from a read-only statedir"
assert_eq "$(cdb_value "$T/ro.cdb" 10.1.0.1)" "D|" "listing from a read-only statedir"
"$SG_BIN/smtpguard-unlist" -d "$M/state" 10.1.0.1 2>"$T/err"; rc=$?
assert_eq $rc 111 "unlist on a read-only statedir"
"$SGSTATETOOL" listed "$M/state" 10.1.0.1 || fail "listing lost on a read-only statedir"
exit 0
