#!/bin/sh
# Two MX hosts share what they learn, with the real parts:
#   host A: tcpserver -x A.cdb, smtpguard -d A, exim -bs; a bot is kicked
#     there, and smtpguard-cdb -z writes A's listings as an rbldnsd
#     ip4trie dataset;
#   rbldnsd (Debian's) serves that dataset on 127.0.53.N port 53;
#   host B: tcpserver running rblsmtpd -r <zone> before exim, with
#     DNSCACHEIP pointing at rbldnsd: the bot gets rblsmtpd's 451 with
#     A's text (reason and expiry), another address is served by exim;
#   host C: imports A's dataset (smtpguard-cdb -i): its cdb denies the
#     bot at the door, the admin's exact allow rule for an address still
#     wins, an expired entry is ignored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listing/listinglib.sh"

command -v rbldnsd >/dev/null 2>&1 || fail "rbldnsd not installed (package/deps-test)"
command -v rblsmtpd >/dev/null 2>&1 || fail "rblsmtpd not installed (ucspi-tcp)"
[ "$(id -u)" -eq 0 ] || { note "SKIP: rbldnsd must bind port 53 (run as root)"; exit 0; }

BOT=127.0.52.7
OTHER=127.0.52.8
ZONE=bl.smtpguard.test

# --- host A: the bot is kicked and listed --------------------------------
build_cdb
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$S" "$COUNTING_SMTPD"
A_PORT=$PORT A_LOG=$SERVER_LOG
{
  echo '< 220'; echo '> EHLO bot.example.test'; echo '< 250'
  echo '> MAIL FROM:<spam@bot.example.test>'; echo '< 250'
  echo 'pipeline'
  i=1; while [ $i -le 40 ]; do echo "> RCPT TO:<nobody$i@example.test>"; i=$((i + 1)); done
  echo '> QUIT'; echo 'flush'; echo 'drain'
} >"$T/bot"
"$SGTCLIENT" -t 30 -b "$BOT" -o "$T/bot.client" 127.0.0.1 "$A_PORT" "$T/bot" >/dev/null 2>&1
tail -n 1 "$T/bot.client" | tr -d '\r' | grep -q '^421 ' || fail "host A did not kick the bot"
"$SG_BIN/smtpguard-list" -d "$S" >"$T/list" || fail "smtpguard-list"
assert_grep "$T/list" "^$BOT[[:space:]]" "host A did not list the bot"

mkdir -p "$T/zone" && chmod 755 "$T/zone"
"$SG_BIN/smtpguard-cdb" -d "$S" -z "$T/zone/a4" -Z "$T/zone/a6" "$RULES" "$CDB" 2>>"$T/cdb.log" ||
  { cat "$T/cdb.log" >&2; fail "smtpguard-cdb -z"; }
assert_grep "$T/zone/a4" "^$BOT :127\.0\.0\.2:listed by smtpguard \(badrcpt\) until 20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]{8}Z\$" "the dataset line for the bot"
assert_grep "$T/zone/a6" "^# ip6trie" "the IPv6 dataset"
assert_no_grep "$T/zone/a6" "^$BOT" "an IPv4 address in the IPv6 dataset"
ls "$T/zone" | grep -q tmp && fail "a temporary dataset was left behind"

# -w rewrites the dataset at every rebuild: a second bot appears in it
BOT2=127.0.52.17
"$SG_BIN/smtpguard-cdb" -w -d "$S" -z "$T/zone/w4" "$RULES" "$T/w.cdb" 2>"$T/w.log" &
W_PID=$!
at_exit "stop_pid $W_PID"
wait_until 10 grep -q "^$BOT " "$T/zone/w4" || { cat "$T/w.log" >&2; fail "-w: no dataset"; }
assert_no_grep "$T/zone/w4" "^$BOT2 " "-w: the second bot listed before its attack"
"$SGTCLIENT" -t 30 -b "$BOT2" -o "$T/bot2.client" 127.0.0.1 "$A_PORT" "$T/bot" >/dev/null 2>&1
wait_until 10 grep -q "^$BOT2 " "$T/zone/w4" || { cat "$T/w.log" >&2; fail "-w did not rewrite the dataset after a listing"; }
stop_pid "$W_PID"

# --- rbldnsd serves it -----------------------------------------------------
DNSIP=
for n in 1 2 3 4 5 6 7 8 9; do
  c=127.0.53.$(( $(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % 200 + 20 ))
  if ! awk -v h=":0035" '$2 ~ h "$"' /proc/net/udp | grep -qi "$(printf '%02X' "${c##*.}")0035"; then DNSIP=$c; break; fi
done
[ -n "$DNSIP" ] || fail "no free 127.0.53.x for rbldnsd"
rbldnsd -n -q -u rbldns -b "$DNSIP/53" -w "$T/zone" -p "$T/rbldnsd.pid" -c 1 \
  "$ZONE:ip4trie:a4" "$ZONE:ip6trie:a6" >"$T/rbldnsd.log" 2>&1 &
RBL_PID=$!
at_exit "stop_pid $RBL_PID"
wait_until 10 grep -q . "$T/rbldnsd.pid" 2>/dev/null || { cat "$T/rbldnsd.log" >&2; fail "rbldnsd did not start"; }
sleep 0.5
kill -0 "$RBL_PID" 2>/dev/null || { cat "$T/rbldnsd.log" >&2; fail "rbldnsd died"; }

# --- host B: rblsmtpd -r asks rbldnsd ------------------------------------------
DNSCACHEIP=$DNSIP
export DNSCACHEIP
start_tcpserver -v -- rblsmtpd -t 5 -r "$ZONE" "$SMTPD"
B_PORT=$PORT
swaks_nodns --server 127.0.0.1 --port "$B_PORT" --local-interface "$BOT" --helo bot.example.test \
  --from spam@bot.example.test --to good-a@example.test --timeout 20 >"$T/b-bot.out" 2>&1
assert_grep "$T/b-bot.out" "<\*\* 451 listed by smtpguard \(badrcpt\) until " "host B: the bot must get rblsmtpd's 451 with host A's text"
assert_no_grep "$T/b-bot.out" "sgtest-exim" "host B: exim greeted the bot"
swaks_nodns --server 127.0.0.1 --port "$B_PORT" --local-interface "$OTHER" --helo other.example.test \
  --from a@other.example.test --to good-a@example.test --timeout 20 >"$T/b-other.out" 2>&1 ||
  { cat "$T/b-other.out" >&2; fail "host B: the unlisted address was not served"; }
assert_grep "$T/b-other.out" "<- +250 .*accepted|<- +250 " "host B: the unlisted address must deliver"
unset DNSCACHEIP

# --- host C: imports A's dataset -----------------------------------------
C=$T/c
mkdir "$C" "$C/state" || fail "mkdir host C"
# the admin of C allows one address by name: it stays allowed
printf '127.0.52.9:allow,NAMED="yes"\n' >"$C/rules"
cp "$T/zone/a4" "$C/peer-a4"
printf '127.0.52.9 :127.0.0.2:listed by smtpguard (badrcpt) until 2099-01-01T00:00:00Z\n' >>"$C/peer-a4"
printf '127.0.52.10 :127.0.0.2:listed by smtpguard (badrcpt) until 2001-01-01T00:00:00Z\n' >>"$C/peer-a4"
printf '127.0.54.0/24 :127.0.0.2:a network until 2099-01-01T00:00:00Z\n' >>"$C/peer-a4"
"$SG_BIN/smtpguard-cdb" -d "$C/state" -i "$C/peer-a4" "$C/rules" "$C/rules.cdb" 2>"$C/cdb.log" ||
  { cat "$C/cdb.log" >&2; fail "smtpguard-cdb -i"; }
assert_grep "$C/cdb.log" "rebuilt .* imported=3 ignored=0" "host C's rebuild line"
crule() { cdb -q -n 1 "$C/rules.cdb" "$1" 2>/dev/null | tr '\0' '|'; }
assert_eq "$(crule "$BOT")" "D|" "host C: the bot's record"
assert_eq "$(crule 127.0.52.9)" "+NAMED=yes|" "host C: the admin's exact rule must win"
assert_eq "$(crule 127.0.52.10)" "" "host C: an expired entry must be ignored"
assert_eq "$(crule 127.0.54.)" "D|" "host C: the imported network's prefix record"
S_SAVE=$S; CDB_SAVE=$CDB
CDB=$C/rules.cdb
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$C/state" "$COUNTING_SMTPD"
denied_script "$T/denied"
n0=$(starts "$BOT")
sgt c-bot "$BOT" "$T/denied"
check_denied c-bot
sgt c-net 127.0.54.77 "$T/denied"
check_denied c-net
assert_eq "$(starts "$BOT")" "$n0" "host C started an smtpd for the bot"
legit_script "$T/legit"
sgt c-other "$OTHER" "$T/legit"
[ "$(grep -c '^250 ' "$T/c-other.replies")" -eq 5 ] || fail "host C: the unlisted address was not served"

# an unreadable peer file is left out, the rebuild goes on
"$SG_BIN/smtpguard-cdb" -d "$C/state" -i "$C/missing" "$C/rules" "$C/rules.cdb" 2>"$C/cdb2.log" ||
  { cat "$C/cdb2.log" >&2; fail "a missing import stopped the rebuild"; }
assert_grep "$C/cdb2.log" "warning: unable to read $C/missing" "the missing import's warning"
assert_eq "$(crule "$BOT")" "" "host C: the bot is no longer denied once the peer's file is gone"
check_no_leftovers
exit 0
