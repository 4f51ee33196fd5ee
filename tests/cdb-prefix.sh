#!/bin/sh
# Listing by network (smtpguard-cdb -p N): when N listed addresses share
# a /24 (IPv4) or a /64 (IPv6, -L), the cdb refuses the whole network,
# and an address of it with delivered-mail history keeps a record that
# lets it in, with what the admin's rules say for it.
#   IPv4, Debian's tcpserver -x: 3 listed in 127.0.55.0/24 -> 127.0.55.
#     denied (an unlisted neighbour refused at the door), 127.0.55.9
#     (history) served with the admin's environment; 127.0.56.1 alone
#     stays an exact record; -p 4 lists no network; the datasets (-z)
#     carry the same network and the carve-out as an exclusion.
#   IPv6, ucspi-tcp-ipv6's tcpserver (downloaded, never installed) on
#     ::1 with extra addresses on lo: fd00:5347:1:2::/64 is a textual
#     prefix record; fd00:5347:0:2::/64 is not expressible (its zero
#     group is written "::" in some addresses), so smtpguard itself
#     refuses its addresses at connect (statedir/nets.cdb).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
need_smtpguard
command -v tcpclient >/dev/null 2>&1 || fail "tcpclient (ucspi-tcp) not installed"
S=$T/state
mkdir "$S" || fail mkdir
printf '127.0.:allow,SITE="lab"\n' >"$T/rules.txt"
for ip in 127.0.55.1 127.0.55.2 127.0.55.3 127.0.56.1; do
  "$SGSTATETOOL" kick "$S" "$ip" || fail "kick $ip"
done
# 127.0.55.9 delivered mail here: its history record
mkdir -p "$S/history" && "$SGSTATETOOL" history "$S" 127.0.55.9 || fail "history 127.0.55.9"
rule() { cdb -q -n 1 "$T/rules.cdb" "$1" 2>/dev/null | tr '\0' '|'; }

"$SG_BIN/smtpguard-cdb" -p 4 -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/cdb.log" || { cat "$T/cdb.log" >&2; fail build; }
assert_eq "$(rule 127.0.55.)" "" "-p 4: a network record for 3 listed"
assert_eq "$(rule 127.0.55.2)" "D|" "-p 4: the exact record"

"$SG_BIN/smtpguard-cdb" -p 3 -d "$S" -z "$T/zone4" "$T/rules.txt" "$T/rules.cdb" 2>"$T/cdb.log" || { cat "$T/cdb.log" >&2; fail build; }
assert_eq "$(rule 127.0.55.)" "D|" "-p 3: the network record"
assert_eq "$(rule 127.0.55.2)" "" "-p 3: exact records inside the network"
assert_eq "$(rule 127.0.55.9)" "+SITE=lab|" "-p 3: the carve-out must say what the admin's rule says"
assert_eq "$(rule 127.0.56.1)" "D|" "-p 3: a lone listing stays exact"
assert_grep "$T/zone4" "^127\.0\.55\.0/24 :127\.0\.0\.2:listed by smtpguard \(3 addresses\) until " "the dataset's network"
assert_grep "$T/zone4" "^!127\.0\.55\.9\$" "the dataset's carve-out"
assert_grep "$T/zone4" "^127\.0\.56\.1 :127\.0\.0\.2:" "the dataset's lone listing"
assert_no_grep "$T/zone4" "^127\.0\.55\.[123] " "listed members written beside their network"

start_tcpserver -x "$T/rules.cdb" -- sh -c 'echo "served SITE=$SITE"'
from() { tcpclient -R -H -l 0 -T 5 -i "$1" 127.0.0.1 "$PORT" sh -c 'timeout 5 cat <&6' 2>/dev/null; }
assert_eq "$(from 127.0.55.50)" "" "an unlisted neighbour in a listed network"
assert_eq "$(from 127.0.55.9)" "served SITE=lab" "the history address in a listed network"
assert_eq "$(from 127.0.56.2)" "served SITE=lab" "a neighbour of a lone listing"
stop_pid "$SERVER_PID"

# --- the same through the real chain: history made by a delivery ---------
# 127.0.57.9 delivers a message through smtpguard -d and exim; three bots
# of its /24 are kicked by smtpguard; smtpguard-cdb -p 3 then denies the
# /24 at the door, and lets the sender that delivered in.
S=$T/chain
mkdir "$S" || fail mkdir
CDB=$T/chain.cdb
printf '# nothing for these clients\n10.9.9.9:deny\n' >"$T/chain.txt"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/chain.txt" "$CDB" 2>/dev/null || fail "chain build"
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$S" "$SMTPD"
legit_script "$T/legit"
sgt legit1 127.0.57.9 "$T/legit"
[ "$(grep -c '^250 ' "$T/legit1.replies")" -eq 5 ] || fail "the sender's message was not delivered"
[ -e "$S/history/127.0.57.9" ] || fail "no history record after a delivered message"
{
  echo '< 220'; echo '> EHLO bot.example.test'; echo '< 250'
  echo '> MAIL FROM:<spam@bot.example.test>'; echo '< 250'
  echo 'pipeline'
  i=1; while [ $i -le 30 ]; do echo "> RCPT TO:<nobody$i@example.test>"; i=$((i + 1)); done
  echo '> QUIT'; echo 'flush'; echo 'drain'
} >"$T/bot"
for b in 1 2 3; do
  "$SGTCLIENT" -t 30 -b "127.0.57.$b" -o "$T/bot$b.client" 127.0.0.1 "$PORT" "$T/bot" >/dev/null 2>&1
  "$SGSTATETOOL" listed "$S" "127.0.57.$b" || fail "bot 127.0.57.$b not listed"
done
"$SG_BIN/smtpguard-cdb" -p 3 -d "$S" "$T/chain.txt" "$CDB" 2>"$T/chain.log" || { cat "$T/chain.log" >&2; fail "chain build -p 3"; }
assert_eq "$(cdb_value "$CDB" 127.0.57.)" "D|" "the bots' /24"
cdb -q -n 1 "$CDB" 127.0.57.9 >/dev/null 2>&1 || fail "no carve-out record for the sender that delivered"
assert_eq "$(cdb_value "$CDB" 127.0.57.9)" "" "the carve-out (a plain allow: no admin rule for it)"
denied_script "$T/denied"
sgt neighbour 127.0.57.50 "$T/denied"
check_denied neighbour
sgt legit2 127.0.57.9 "$T/legit"
[ "$(grep -c '^250 ' "$T/legit2.replies")" -eq 5 ] || fail "the sender that delivered was not let in"
stop_pid "$SERVER_PID"

# --- IPv6 ------------------------------------------------------------------
if ! U6=$(fetch_deb_bin ucspi-tcp-ipv6 tcpserver); then
  note "SKIP IPv6 part: cannot download ucspi-tcp-ipv6 ($U6)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { note "SKIP IPv6 part: adding addresses to lo needs root"; exit 0; }
U6DIR=$(dirname "$U6")
A1=fd00:5347:1:2::5 A2=fd00:5347:1:2::6 A9=fd00:5347:1:2::9 A7=fd00:5347:1:2::7
B1=fd00:5347:0:2::5 B2=fd00:5347:0:2::6 B7=fd00:5347:0:2::7
for a in $A1 $A2 $A9 $A7 $B1 $B2 $B7; do
  ip -6 addr add "$a/128" dev lo nodad 2>/dev/null || fail "ip -6 addr add $a"
  at_exit "ip -6 addr del $a/128 dev lo 2>/dev/null"
done
S6=$T/state6
mkdir "$S6" || fail mkdir
for a in $A1 $A2 $B1 $B2; do "$SGSTATETOOL" kick "$S6" "$a" || fail "kick $a"; done
"$SGSTATETOOL" history "$S6" "$A9" || fail "history $A9"
printf ':allow\n' >"$T/rules6.txt"
"$SG_BIN/smtpguard-cdb" -p 2 -L 64 -d "$S6" -Z "$T/zone6" "$T/rules6.txt" "$T/rules6.cdb" 2>"$T/cdb6.log" || { cat "$T/cdb6.log" >&2; fail build6; }
rule6() { cdb -q -n 1 "$T/rules6.cdb" "$1" 2>/dev/null | tr '\0' '|'; }
assert_eq "$(rule6 fd00:5347:1:2:)" "D|" "the IPv6 /64 prefix record"
cdb -q -n 1 "$T/rules6.cdb" "$A9" >/dev/null 2>&1 || fail "no IPv6 carve-out record"
assert_eq "$(rule6 $A9)" "" "the IPv6 carve-out (the admin's catch-all allow: empty)"
[ -f "$S6/nets.cdb" ] || fail "no nets.cdb for the inexpressible network"
assert_grep "$T/zone6" "^fd00:5347:1:2::/64 :127\.0\.0\.2:listed by smtpguard \(2 addresses\)" "the ip6trie network"
assert_grep "$T/zone6" "^fd00:5347:0:2::/64 :127\.0\.0\.2:" "the ip6trie network that tcpserver cannot express"
assert_grep "$T/zone6" "^!$A9\$" "the ip6trie carve-out"

SERVER_LOG=$T/tcpserver6.log
PORT=$(pick_port)
setsid "$U6" -R -H -l 0 -v -x "$T/rules6.cdb" ::1 "$PORT" \
  "$SG_BIN/smtpguard" -d "$S6" sh -c 'echo "220 served $TCPREMOTEIP"; read x; echo "221 bye"' \
  </dev/null 2>"$SERVER_LOG" &
P6=$!
at_exit "stop_pid $P6"
wait_until 5 sg_listening "$P6" "$PORT" || { cat "$SERVER_LOG" >&2; fail "the IPv6 tcpserver did not start"; }
from6() { "$U6DIR/tcpclient" -R -H -l 0 -T 5 -i "$1" ::1 "$PORT" sh -c 'echo QUIT >&7; timeout 5 cat <&6' 2>/dev/null | tr -d '\r' | head -n 1; }
assert_eq "$(from6 $A7)" "" "an unlisted neighbour in the listed /64 (tcpserver's prefix)"
assert_eq "$(from6 $A9)" "220 served $A9" "the IPv6 history address"
assert_eq "$(from6 $B7)" "421 4.7.0 your address is temporarily blocked for abuse, try again later" "an unlisted neighbour in the inexpressible /64 (smtpguard's refusal)"
assert_grep "$SERVER_LOG" "refused ip=$B7 reason=network" "the network refusal's log line"
assert_eq "$(from6 ::1)" "220 served ::1" "an address of no listed network"
exit 0
