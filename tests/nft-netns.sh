#!/bin/sh
# smtpguard-cdb -n: the listings as an nftables file that the kernel
# enforces. Inside network namespaces this test creates (a veth pair,
# addresses private to them): after `nft -f FILE` in the server's
# namespace, a listed client address is refused by the kernel (connection
# reset, and tcpserver never forks for it: no line in its -v log), an
# unlisted one is served by tcpserver + smtpguard + exim; a listing's
# element times out with it; reloading the file replaces the table whole
# (an unlisted address is let in again); -w keeps the file current; the
# port is the -p option's. Skipped (with a note) without root, ip netns
# or nft.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
need_sgtclient
need_smtpguard
[ "$(id -u)" = 0 ] || { note "not root: skipped"; exit 0; }
command -v nft >/dev/null 2>&1 || { note "nft not installed (Debian package nftables): skipped"; exit 0; }
command -v ip >/dev/null 2>&1 || { note "ip not installed (iproute2): skipped"; exit 0; }

NS=sgnft$$
SRV=${NS}s; CLI=${NS}c
ip netns add "$SRV" 2>/dev/null || { note "cannot create a network namespace: skipped"; exit 0; }
at_exit "ip netns del $SRV"
ip netns add "$CLI" || fail "ip netns add $CLI"
at_exit "ip netns del $CLI"
# 10.231.0.0/24 exists only between these two namespaces
ip link add "${NS}a" netns "$SRV" type veth peer name "${NS}b" netns "$CLI" || fail "veth"
ip -n "$SRV" addr add 10.231.0.1/24 dev "${NS}a" || fail addr
ip -n "$CLI" addr add 10.231.0.2/24 dev "${NS}b" || fail addr   # will be listed
ip -n "$CLI" addr add 10.231.0.3/24 dev "${NS}b" || fail addr   # never listed
ip -n "$CLI" addr add 10.231.0.4/24 dev "${NS}b" || fail addr   # listed for a few seconds
ip -n "$CLI" addr add 10.231.0.5/24 dev "${NS}b" || fail addr   # listed later, through -w
for n in "$SRV" "$CLI"; do ip -n "$n" link set lo up; done
ip -n "$SRV" link set "${NS}a" up || fail "link up"
ip -n "$CLI" link set "${NS}b" up || fail "link up"

S=$T/state
mkdir "$S" || fail mkdir
printf ':allow\n' >"$T/rules.txt"
"$SGSTATETOOL" kick "$S" 10.231.0.2 || fail kick
# listed 3595 s ago for an hour: 5 s left
SMTPGUARD_NOW=$(( $(date +%s) - 3595 )) "$SGSTATETOOL" kick "$S" 10.231.0.4 || fail "kick in the past"
PORT=2525
"$SG_BIN/smtpguard-cdb" -n "$T/sg.nft" -P $PORT -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail "smtpguard-cdb -n"
assert_grep "$T/sg.nft" '^table inet smtpguard$' "the file declares its own table"
assert_grep "$T/sg.nft" 'tcp dport 2525 ip saddr @listed4' "the rule is on the -p port"
ip netns exec "$SRV" nft -f "$T/sg.nft" || fail "nft -f refused the file"

ip netns exec "$SRV" tcpserver -v -R -H -l 0 -x "$T/rules.cdb" 10.231.0.1 $PORT \
  "$SG_BIN/smtpguard" -d "$S" "$SMTPD" 2>"$T/tcpserver.log" &
TS=$!
at_exit "stop_pid $TS"
wait_until 5 grep -q 'status: 0/' "$T/tcpserver.log" || fail "tcpserver did not start"
forks() { grep -c " pid [0-9]* from $1\$" "$T/tcpserver.log"; }
printf '< 220\n> QUIT\n< 221\n' >"$T/quit"
from() { ip netns exec "$CLI" "$SGTCLIENT" -t 10 -b "$1" 10.231.0.1 $PORT "$T/quit" >"$T/out" 2>&1; }

from 10.231.0.3 || { cat "$T/out" >&2; fail "an unlisted address was not served"; }
from 10.231.0.2 && fail "a listed address was served"
grep -qi "refused" "$T/out" || { cat "$T/out" >&2; fail "a listed address was not refused by the kernel"; }
from 10.231.0.4 && fail "an address listed for 5 more seconds was served"
assert_eq "$(forks 10.231.0.2)" 0 "tcpserver forks for the listed address"
assert_eq "$(forks 10.231.0.4)" 0 "tcpserver forks for the briefly listed address"
assert_eq "$(forks 10.231.0.3)" 1 "tcpserver forks for the unlisted address"

# the element times out with the listing, without a reload: the kernel
# lets the address through to tcpserver (whose cdb, not rebuilt here,
# still denies it)
reaches() { from "$1"; [ "$(forks "$1")" -ge 1 ]; }
wait_until 10 reaches 10.231.0.4 || fail "an expired listing still refused by the kernel"

# -w keeps the file current; a reload replaces the table whole
"$SG_BIN/smtpguard-cdb" -w -n "$T/sg.nft" -P $PORT -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/w.log" &
W=$!
at_exit "stop_pid $W"
wait_until 5 grep -q rebuilt "$T/w.log" || fail "-w did not build"
"$SGSTATETOOL" kick "$S" 10.231.0.5 || fail kick
wait_until 5 grep -q '10\.231\.0\.5 timeout' "$T/sg.nft" || fail "-w did not add a new listing to the file"
"$SG_BIN/smtpguard-unlist" -d "$S" 10.231.0.2 2>/dev/null || fail unlist
wait_until 5 sh -c "! grep -q '10\.231\.0\.2 ' '$T/sg.nft'" || fail "-w did not drop an unlisting from the file"
ip netns exec "$SRV" nft -f "$T/sg.nft" || fail "nft -f refused the rewritten file"
from 10.231.0.5 && fail "a listing made under -w was served after the reload"
from 10.231.0.2 || { cat "$T/out" >&2; fail "an unlisted address still refused after the reload"; }
assert_eq "$(forks 10.231.0.5)" 0 "tcpserver forks for the address listed under -w"
assert_eq "$(ip netns exec "$SRV" nft list tables | grep -c 'inet smtpguard')" 1 "one smtpguard table after two loads"
exit 0
