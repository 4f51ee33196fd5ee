#!/bin/sh
# A stray SMTPGUARD_NOW (the test builds' clock hook) does not freeze time
# in the installed programs: set by tcprules for the relay, or in the
# environment of smtpguard-cdb and smtpguard-list, it is ignored and the
# real clock decides kicks and expiry. The test builds ($SG_TESTBIN),
# which honour it, run beside them so that every check can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
need_sgtclient
need_smtpguard
[ -x "$SG_TESTBIN/smtpguard" ] || fail "no $SG_TESTBIN/smtpguard (run make tests)"
S=$T/state
mkdir "$S" || fail mkdir
past=1700000000
t0=$(date +%s)

# a listing made at $past: expired since 2023 by the real clock
SMTPGUARD_NOW=$past "$SGSTATETOOL" kick "$S" 10.0.0.1 badrcpt || fail "kick in the past"
echo '127.0.0.1:allow' >"$T/rules.txt"
SMTPGUARD_NOW=$past
export SMTPGUARD_NOW
"$SG_TESTBIN/smtpguard-list" -t -d "$S" >"$T/test.list" || fail "test smtpguard-list"
assert_grep "$T/test.list" '^10\.0\.0\.1	' "control: the test build lists at SMTPGUARD_NOW"
"$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" || fail "smtpguard-list"
[ -s "$T/list" ] && fail "smtpguard-list followed SMTPGUARD_NOW: shows a listing expired by the real clock"
"$SG_TESTBIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/test.cdb" 2>>"$T/log" || fail "test smtpguard-cdb"
assert_eq "$(cdb_value "$T/test.cdb" 10.0.0.1)" "D|" "control: the test build denies at SMTPGUARD_NOW"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>>"$T/log" || fail "smtpguard-cdb"
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "" "smtpguard-cdb followed SMTPGUARD_NOW: denies a listing expired by the real clock"
unset SMTPGUARD_NOW

# the relay, SMTPGUARD_NOW set by tcprules as a stray per-client variable:
# the listing a kick records starts now, not at $past
printf '127.:allow,SMTPGUARD_NOW="%s"\n' "$past" >"$T/relay.txt"
tcprules "$T/relay.cdb" "$T/relay.tmp" <"$T/relay.txt" || fail tcprules
attack_script "$T/attack" lockstep yes
for v in test prod; do
  case $v in test) bin=$SG_TESTBIN ip=127.0.5.41 ;; prod) bin=$SG_BIN ip=127.0.5.42 ;; esac
  start_tcpserver -x "$T/relay.cdb" -- "$bin/smtpguard" -d "$S" "$SMTPD"
  "$SGTCLIENT" -t 30 -b "$ip" -o "$T/$v.client" 127.0.0.1 "$PORT" "$T/attack" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "$v: want a kick (sgtclient exit $rc)"; }
  check_kicked "$v" "$ip"
  check_no_leftovers
  stop_pid "$SERVER_PID"
done
"$SG_BIN/smtpguard-list" -t -a -d "$S" >"$T/all" || fail "smtpguard-list -a"
assert_grep "$T/all" "^127\.0\.5\.41	badrcpt	$past	" "control: the test build's kick is dated SMTPGUARD_NOW"
since=$(awk -F'	' '$1 == "127.0.5.42" { print $3 }' "$T/all")
[ -n "$since" ] || fail "no listing for the production relay's kick"
[ "$since" -ge "$t0" ] || fail "the relay followed SMTPGUARD_NOW: listing dated $since, before the test began ($t0)"
exit 0
