#!/bin/sh
# Expiry, escalation and decay with the injected clock (SMTPGUARD_NOW,
# honoured only by the test builds in $SG_TESTBIN), seen through the
# tools: smtpguard-cdb writes only unexpired listings and prunes those
# whose strikes have decayed, smtpguard-list shows them, smtpguard-unlist
# removes them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
[ -x "$SG_TESTBIN/smtpguard-cdb" ] || fail "no $SG_TESTBIN/smtpguard-cdb (run make tests)"
S=$T/state
mkdir "$S" || fail mkdir
echo '127.0.0.1:allow,RELAYCLIENT=""' >"$T/rules.txt"
t0=1700000000
at() { SMTPGUARD_NOW=$1; export SMTPGUARD_NOW; }
build() { "$SG_TESTBIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>>"$T/log" || fail "smtpguard-cdb at $SMTPGUARD_NOW"; }

at $t0
"$SGSTATETOOL" kick "$S" 10.0.0.1 badrcpt || fail "first kick did not list"
"$SGSTATETOOL" kick "$S" 2001:DB8:0:0:0:0:0:7 authfail || fail "IPv6 kick did not list"
build
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "D|" "listed IP denied"
assert_eq "$(cdb_value "$T/rules.cdb" 2001:db8::7)" "D|" "IPv6 key in canonical form"
assert_eq "$(cdb_value "$T/rules.cdb" 127.0.0.1)" "+RELAYCLIENT=|" "admin rule kept"
"$SG_TESTBIN/smtpguard-list" -t -d "$S" >"$T/list" || fail "smtpguard-list"
assert_grep "$T/list" "^10\.0\.0\.1	badrcpt	$t0	$((t0 + 3600))	1\$" "tab listing"
assert_grep "$T/list" "^2001:db8::7	authfail	$t0	$((t0 + 3600))	1\$" "tab listing v6"
"$SG_TESTBIN/smtpguard-list" -d "$S" >"$T/human" || fail "smtpguard-list human"
assert_grep "$T/human" '^ip +reason +since \(UTC\) +until \(UTC\) +strikes +last mail here \(UTC\)$' "human header"
assert_grep "$T/human" '^10\.0\.0\.1 +badrcpt +2023-11-14 22:13:20 +2023-11-14 23:13:20 +1 +-$' "human row (no delivery: -)"

# with -r: an allow record that makes rblsmtpd speak
"$SG_TESTBIN/smtpguard-cdb" -r "listed by smtpguard" -d "$S" "$T/rules.txt" "$T/rbl.cdb" 2>>"$T/log" || fail "-r build"
assert_eq "$(cdb_value "$T/rbl.cdb" 10.0.0.1)" "+RBLSMTPD=listed by smtpguard|" "-r record"

# one second before expiry: still there; at expiry: gone from cdb and list
at $((t0 + 3599)); build
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "D|" "still listed before expiry"
at $((t0 + 3600)); build
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "" "expired listing still in cdb"
assert_grep "$T/log" "rebuilt $T/rules.cdb rules=1 listed=0\$" "log after expiry"
"$SG_TESTBIN/smtpguard-list" -t -d "$S" >"$T/list"
[ -s "$T/list" ] && fail "expired listing shown without -a"
"$SG_TESTBIN/smtpguard-list" -t -a -d "$S" >"$T/list"
assert_grep "$T/list" "^10\.0\.0\.1	badrcpt	$t0	$((t0 + 3600))	1\$" "-a shows expired"

# escalation: 1h, 2h, 4h, ... capped at 7 days, strikes remembered across expiry
t=$((t0 + 4000)); want=3600; k=1
while [ $k -lt 10 ]; do
  k=$((k + 1)); want=$((want * 2)); [ $want -gt 604800 ] && want=604800
  at $t
  "$SGSTATETOOL" kick "$S" 10.0.0.1 rset || fail "kick $k"
  "$SG_TESTBIN/smtpguard-list" -t -d "$S" | grep '^10\.0\.0\.1	' >"$T/row"
  assert_grep "$T/row" "^10\.0\.0\.1	rset	$t	$((t + want))	$k\$" "escalation at strike $k"
  # a kick while listed adds no strike
  at $((t + 1)); "$SGSTATETOOL" kick "$S" 10.0.0.1 rset || fail "kick while listed"
  "$SG_TESTBIN/smtpguard-list" -t -d "$S" | grep -q "	$k\$" || fail "strike added while listed"
  t=$((t + want + 1))
done

# decay: the IPv6 listing expired at t0 + 3600 with its one strike, more
# than 7 days ago: the gc of a rebuild removes it (-a shows none)
at $t; build
"$SG_BIN/smtpguard-list" -t -a -d "$S" >"$T/list"
assert_no_grep "$T/list" '^2001:db8::7	' "a listing with no strike left survived the gc"
assert_grep "$T/list" '^10\.0\.0\.1	rset	' "the escalated listing was pruned"

# unlist: forgiveness; exit codes
at $t
"$SGSTATETOOL" kick "$S" 10.0.0.1 rset || fail "kick before unlist"
"$SGSTATETOOL" kick "$S" 2001:db8::7 authfail || fail "v6 kick before unlist"
build
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "D|" "listed before unlist"
"$SG_BIN/smtpguard-unlist" -d "$S" 10.0.0.1 ::ffff:10.0.0.5 2>"$T/err"; rc=$?
assert_eq $rc 1 "unlist exit with one unknown"
assert_grep "$T/err" '^smtpguard-unlist: info: unlisted 10\.0\.0\.1$' "unlisted message"
assert_grep "$T/err" '^smtpguard-unlist: warning: not listed: 10\.0\.0\.5$' "not found message"
"$SG_BIN/smtpguard-unlist" -d "$S" 2001:db8::7 2>/dev/null; assert_eq $? 0 "unlist v6"
"$SG_BIN/smtpguard-unlist" -d "$S" 10.0.0.9 ../etc 2>"$T/err"; assert_eq $? 100 "bad IP exit"
assert_grep "$T/err" 'invalid IP address: \.\./etc' "bad IP message"
build
assert_eq "$(cdb_value "$T/rules.cdb" 10.0.0.1)" "" "unlisted IP still in cdb"
"$SGSTATETOOL" kick "$S" 10.0.0.1 badrcpt || fail "kick after unlist"
"$SG_TESTBIN/smtpguard-list" -t -d "$S" >"$T/list"
assert_grep "$T/list" "^10\.0\.0\.1	badrcpt	$t	$((t + 3600))	1\$" "strikes forgotten after unlist"

# the table shows a listed IP's last delivery (its history record), once
# expired no more
H=$T/hstate
mkdir "$H" || fail mkdir
at $t0
"$SGSTATETOOL" history "$H" 10.0.0.9 || fail "history"
at $((t0 + 600))
"$SGSTATETOOL" kick "$H" 10.0.0.9 badrcpt || fail "kick of a mailer"
"$SG_TESTBIN/smtpguard-list" -d "$H" >"$T/hhuman" || fail "smtpguard-list human"
assert_grep "$T/hhuman" '^10\.0\.0\.9 +badrcpt +2023-11-14 22:23:20 +2023-11-14 23:23:20 +1 +2023-11-14 22:13:20$' "human row: the last delivery"
"$SG_TESTBIN/smtpguard-list" -t -d "$H" >"$T/hlist" || fail "smtpguard-list -t"
assert_grep "$T/hlist" "^10\.0\.0\.9	badrcpt	$((t0 + 600))	$((t0 + 4200))	1\$" "-t keeps its five fields"
at $((t0 + 31 * 86400))
"$SG_TESTBIN/smtpguard-list" -a -d "$H" >"$T/hhuman" || fail "smtpguard-list -a human"
assert_grep "$T/hhuman" '^10\.0\.0\.9 +badrcpt .* 1 +- expired$' "human row: the history expired"
exit 0
