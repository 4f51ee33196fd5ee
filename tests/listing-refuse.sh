#!/bin/sh
# The door, through the real chain (tcpserver -v -R -H -l 0 -x rules.cdb,
# smtpguard -d, exim -bs): an attacker kicked once (badrcpt) is
#   1. before any rebuild, refused by smtpguard itself on its next
#      connection: exactly the listed 421, exit 98, and no smtpd started;
#   2. after one `smtpguard-cdb`, refused by tcpserver (deny, no byte);
#   3. after `smtpguard-unlist` and a rebuild, served again from zero
#      (its ledger is forgiven too); with `smtpguard-cdb -w` running, the
#      listing and the unlisting reach tcpserver on their own.
# A legitimate client from another IP is served with 250s throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listing/listinglib.sh"

BOT=127.0.6.7
GOOD=127.0.6.200
legit_script "$T/legit"
rcpt_script "$T/kick" 12 5
rcpt_script "$T/four" 4
refused_script "$T/refused"
denied_script "$T/denied"

# legit NAME: the legitimate client is served: 250s, 354, 221.
legit() {
  sgt "$1" "$GOOD" "$T/legit"
  [ "$(grep -c "^250 " "$T/$1.replies")" -eq 5 ] || fail "$1: legitimate client not served"
}

build_cdb
assert_eq "$(cdb_rule "$BOT")" "" "cdb before any listing"
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$S" "$COUNTING_SMTPD"
legit legit1

# --- the kick lists the attacker ---------------------------------------
sgt kick "$BOT" "$T/kick"
check_kicked kick "$BOT"
assert_grep "$SERVER_LOG" "listed ip=$BOT reason=badrcpt until=[0-9]+ strikes=1\$" "no listing log line"
assert_eq "$(starts "$BOT")" 1 "smtpds started for the attacker's first connection"
p=$(last_pid "$BOT"); wait_end "$p"
assert_eq "$(conn_outcome "$p")" "ok 99" "tcpserver outcome of the kicked connection"
"$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" || fail "smtpguard-list"
assert_grep "$T/list" "^$BOT	badrcpt	[0-9]+	[0-9]+	1\$" "smtpguard-list after the kick"
check_no_leftovers

# --- before the rebuild: smtpguard's own 421, no smtpd ----------------
legit legit2
sgt refused1 "$BOT" "$T/refused"
check_refused refused1
p=$(last_pid "$BOT"); wait_end "$p"
assert_eq "$(conn_outcome "$p")" "ok 98" "tcpserver outcome of the refused connection"
assert_eq "$(grep -c "refused ip=$BOT reason=badrcpt until=" "$SERVER_LOG")" 1 "refused log lines"
# and again: every connection until the rebuild
sgt refused2 "$BOT" "$T/refused"
check_refused refused2
assert_eq "$(starts "$BOT")" 1 "an smtpd was started for a listed client before the rebuild"
check_no_leftovers
legit legit3

# --- after one rebuild: tcpserver's deny ---------------------------------
build_cdb
assert_eq "$(cdb_rule "$BOT")" "D|" "cdb record for the listed attacker"
assert_eq "$(cdb_rule "$GOOD")" "" "cdb record for the legitimate client"
nref=$(grep -c "refused ip=$BOT" "$SERVER_LOG")
sgt denied1 "$BOT" "$T/denied"
check_denied denied1
p=$(last_pid "$BOT"); wait_end "$p"
assert_eq "$(conn_outcome "$p")" "deny 100" "tcpserver outcome after the rebuild"
assert_eq "$(grep -c "refused ip=$BOT" "$SERVER_LOG")" "$nref" "smtpguard ran for a denied connection"
assert_eq "$(starts "$BOT")" 1 "an smtpd was started for a denied client"
legit legit4

# --- unlisting: at the next connection after the rebuild --------------
"$SG_BIN/smtpguard-unlist" -d "$S" "$BOT" 2>"$T/unlist.err" || { cat "$T/unlist.err" >&2; fail "smtpguard-unlist"; }
assert_grep "$T/unlist.err" "unlisted $BOT\$" "smtpguard-unlist message"
# the cdb is not rebuilt yet (no smtpguard-cdb -w): tcpserver still denies
sgt denied2 "$BOT" "$T/denied"
check_denied denied2
build_cdb
assert_eq "$(cdb_rule "$BOT")" "" "cdb record after unlisting"
# served from zero: 4 bad RCPTs are not a kick (the ledger went too)
sgt served1 "$BOT" "$T/four"
[ "$(grep -c '^550' "$T/served1.replies")" -eq 4 ] || fail "served1: want the 4 550s of exim"
assert_eq "$(starts "$BOT")" 2 "smtpds started for the unlisted attacker"
legit legit5
check_no_leftovers

# --- with smtpguard-cdb -w: listing and unlisting reach tcpserver alone
setsid "$SG_BIN/smtpguard-cdb" -w -d "$S" "$RULES" "$CDB" </dev/null 2>"$T/watch.log" &
WPID=$!
at_exit "stop_pid $WPID"
rcpt_script "$T/kick-first" 3 1
sgt kick2 "$BOT" "$T/kick-first"
# 4 earlier bad RCPTs are still in the window: the 1st one here is the 5th
assert_eq "$(grep -c "kick ip=$BOT reason=badrcpt bad=1 good=0 rset=1 authfail=0 errors=0 guesses=5 limit=5 " "$SERVER_LOG")" 1 "kick2: the window's figures"
wait_until 5 sh -c "cdb -q '$CDB' '$BOT' >/dev/null" || { cat "$T/watch.log" >&2; fail "smtpguard-cdb -w did not write the new listing within 5 s"; }
sgt denied3 "$BOT" "$T/denied"
check_denied denied3
legit legit6
"$SG_BIN/smtpguard-unlist" -d "$S" "$BOT" 2>/dev/null || fail "smtpguard-unlist (2)"
wait_until 5 sh -c "! cdb -q '$CDB' '$BOT' >/dev/null" || { cat "$T/watch.log" >&2; fail "smtpguard-cdb -w did not drop the listing within 5 s"; }
sgt served2 "$BOT" "$T/four"
[ "$(grep -c '^550' "$T/served2.replies")" -eq 4 ] || fail "served2: want the 4 550s of exim"
stop_pid "$WPID"
kill -0 "$WPID" 2>/dev/null && fail "smtpguard-cdb -w still running"
assert_no_grep "$T/watch.log" 'fatal|warning' "smtpguard-cdb -w complained"
assert_no_grep "$SERVER_LOG" 'warning' "smtpguard warned"
check_no_leftovers
stop_pid "$SERVER_PID"
exit 0
