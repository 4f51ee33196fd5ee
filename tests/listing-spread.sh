#!/bin/sh
# The per-IP ledger, through the real chain (tcpserver -x, smtpguard -d,
# exim -bs): a bot that spreads its bad RCPTs over many short connections
# is caught as surely as one that stays.
#   - 2 bad RCPTs per connection, each in a transaction ended by RSET,
#     QUIT after them: connections 1-2 are served; on the 3rd, the RSET
#     after the first bad RCPT ends the 5th undelivered refusal of the
#     window (a stranger's limit): its 250, then the 421; the IP is
#     listed and refused at connect;
#   - 30 such transactions in one connection: kicked at the 5th
#     likewise, and listed; 30 bad RCPTs in one transaction (swaks
#     pipelined): kicked at the 10th (half of -b), and listed;
#   - an IP with 3 bad RCPTs per connection in a delivered message to 10
#     good ones (a list server with stale addresses), over many
#     connections interleaved with the bot's: never kicked, never listed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listing/listinglib.sh"

SPREAD=127.0.6.21
STAY=127.0.6.22
SWAKS=127.0.6.24
HONEST=127.0.6.23
rcpt_script "$T/two" 2
rcpt_script "$T/two-kick" 2 1
rcpt_script "$T/thirty" 30 5
rcpt_script "$T/honest" 3 0 10
refused_script "$T/refused"

build_cdb
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$S" "$COUNTING_SMTPD"

# honest N: a connection of the honest IP; served to the end.
honest() {
  sgt "honest$1" "$HONEST" "$T/honest"
  [ "$(grep -c '^550 ' "$T/honest$1.replies")" -eq 3 ] || fail "honest$1: want 3 rejected RCPTs"
  [ "$(grep -c '^250 ' "$T/honest$1.replies")" -eq 13 ] || fail "honest$1: want MAIL, 10 good RCPTs and the message accepted"
}

# --- 2 bad RCPTs per connection ---------------------------------------
for n in 1 2; do
  sgt "spread$n" "$SPREAD" "$T/two"
  [ "$(grep -c '^550 ' "$T/spread$n.replies")" -eq 2 ] || fail "spread$n: want 2 rejected RCPTs, then QUIT"
  assert_no_grep "$T/spread$n.client" '^421' "spread$n: kicked before the window reached 5"
  honest "$n"
done
assert_no_grep "$SERVER_LOG" "kick ip=$SPREAD " "spread: kick before the 3rd connection"
[ -e "$S/listed/$SPREAD" ] && fail "spread: listed before the 3rd connection"
sgt spread3 "$SPREAD" "$T/two-kick"
tr -d '\r' <"$T/spread3.client" | tail -n 3 >"$T/spread3.tail"
head -n 1 "$T/spread3.tail" | grep -q '^550 ' || fail "spread3: the reply before the RSET's is not the 550"
sed -n 2p "$T/spread3.tail" | grep -q '^250 ' || fail "spread3: the reply before the 421 is not the RSET's 250"
tail -n 1 "$T/spread3.tail" | grep -q '^421 4\.7\.0 too many invalid recipients' || fail "spread3: no badrcpt 421"
[ "$(grep -c '^550 ' "$T/spread3.client")" -eq 1 ] || fail "spread3: want the kick after the 1st bad RCPT (5th of the window)"
assert_grep "$SERVER_LOG" "kick ip=$SPREAD reason=badrcpt bad=1 good=0 rset=1 authfail=0 errors=0 guesses=5 limit=5 delivered=0 history=no" "spread: kick line with the window's figures"
assert_grep "$SERVER_LOG" "listed ip=$SPREAD reason=badrcpt until=[0-9]+ strikes=1\$" "spread: not listed"
sgt spread4 "$SPREAD" "$T/refused"
check_refused spread4
assert_eq "$(starts "$SPREAD")" 3 "spread: smtpds started"
honest 3

# --- 30 in one connection ----------------------------------------------
honest 4
sgt stay "$STAY" "$T/thirty"
check_kicked stay "$STAY"
assert_grep "$SERVER_LOG" "listed ip=$STAY reason=badrcpt until=[0-9]+ strikes=1\$" "stay: not listed"
sgt stay2 "$STAY" "$T/refused"
check_refused stay2

to=bad1@example.test
i=2
while [ $i -le 30 ]; do to=$to,bad$i@example.test; i=$((i + 1)); done
swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface "$SWAKS" --helo bot.example.test \
  --from spam@bot.example.test --to "$to" --timeout 20 --pipeline >"$T/swaks.out" 2>&1
grep '^<' "$T/swaks.out" >"$T/swaks.replies"
[ "$(grep -Ec '^<[-~]?\*\* +550' "$T/swaks.replies")" -eq 10 ] ||
  { cat "$T/swaks.out" >&2; fail "swaks: want exactly 10 rejected RCPTs"; }
tail -n 1 "$T/swaks.replies" | grep -Eq '^<[-~]?\*\* +421 ' ||
  { cat "$T/swaks.out" >&2; fail "swaks: the last reply is not the 421"; }
assert_grep "$SERVER_LOG" "kick ip=$SWAKS reason=badrcpt bad=10 good=0 " "swaks: kick line"
assert_grep "$SERVER_LOG" "listed ip=$SWAKS reason=badrcpt " "swaks: not listed"

# --- the honest IP: many more connections, never kicked ----------------
for n in 5 6 7 8; do honest "$n"; done
assert_no_grep "$SERVER_LOG" "kick ip=$HONEST " "honest: kicked"
assert_eq "$(starts "$HONEST")" 8 "honest: smtpds started"
check_no_leftovers

# --- what the tools see ------------------------------------------------
"$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" || fail "smtpguard-list"
cut -f 1 "$T/list" | sort >"$T/listed"
printf '%s\n' "$SPREAD" "$STAY" "$SWAKS" | sort >"$T/want"
assert_same_file "$T/listed" "$T/want" "smtpguard-list: want exactly the three bots"
build_cdb
for ip in "$SPREAD" "$STAY" "$SWAKS"; do
  assert_eq "$(cdb_rule "$ip")" "D|" "cdb record for $ip"
done
assert_eq "$(cdb_rule "$HONEST")" "" "cdb record for the honest IP"
honest 9
stop_pid "$SERVER_PID"
exit 0
