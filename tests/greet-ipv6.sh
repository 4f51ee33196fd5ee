#!/bin/sh
# The door test over IPv6, through Debian's ucspi-tcp-ipv6 tcpserver
# (fetched with apt-get download and unpacked under the build directory,
# never installed) on ::1, with smtpguard -d -G and exim -bs:
#   - the default teaser is the local address as an IPv6 address literal
#     ("220-[IPv6:::1]", RFC 5321 4.1.3), followed by exim's 220;
#   - the pass is filed under the canonical address, and the next
#     connection is greeted at once;
#   - an early talker from another IPv6 address (when one can be added to
#     lo) is refused and listed under its canonical name.
# SKIPs, saying so, only if the package cannot be downloaded.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard

if ! V6=$(fetch_deb ucspi-tcp-ipv6); then
  echo "SKIP: $SG_TEST: $V6"
  exit 0
fi
[ -x "$V6/usr/bin/tcpserver" ] || fail "no tcpserver in the ucspi-tcp-ipv6 package"
grep -q '00000000000000000000000000000001' /proc/net/if_inet6 || fail "no ::1 on this machine"

S=$T/state
mkdir "$S" || fail mkdir
PATH="$V6/usr/bin:$PATH" SG_HOST=::1 start_tcpserver -- "$SG_BIN/smtpguard" -v -d "$S" -G 500 "$SMTPD"

printf '< 220\n> EHLO client.example.test\n< 250\n> QUIT\n< 221\neof\n' >"$T/polite"
session() { # NAME FROM SCRIPT
  "$SGTCLIENT" -t 20 -b "$2" -o "$T/$1.client" ::1 "$PORT" "$3" >/dev/null 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" "$SERVER_LOG" >&2; fail "$1: sgtclient exit $rc, want 1"; }
}

session first ::1 "$T/polite"
tr -d '\r' <"$T/first.client" | head -n 2 >"$T/first.greeting"
assert_eq "$(sed -n 1p "$T/first.greeting")" "220-[IPv6:::1]" "first: the default teaser"
sed -n 2p "$T/first.greeting" | grep -q '^220 ' || fail "first: exim's 220 does not end the greeting"
[ -L "$S/pass/::1" ] || fail "first: no pass record under ::1"
assert_grep "$SERVER_LOG" 'door ip=::1 verdict=pass' "first: no pass logged"
session second ::1 "$T/polite"
head -n 1 "$T/second.client" | grep -q '^220 ' || fail "second: a passed client got the teaser again"

# an early talker from an address written long on lo, filed short
BOT=fd00:5347:0:0:0:0:0:9
if ip -6 addr add "$BOT/128" dev lo nodad 2>/dev/null; then
  at_exit "ip -6 addr del '$BOT/128' dev lo 2>/dev/null"
  printf '> EHLO bot.example.test\ndrain\n' >"$T/early"
  session early "$BOT" "$T/early"
  tr -d '\r' <"$T/early.client" | sed -n 2p | grep -q '^521 ' || fail "early: not refused with 521"
  [ "$(readlink "$S/listed/fd00:5347::9" | cut -d' ' -f1)" = early ] || fail "early: not listed under fd00:5347::9"
  assert_grep "$SERVER_LOG" 'door ip=fd00:5347::9 verdict=early' "early: verdict not logged"
  assert_no_grep "$SERVER_LOG" 'session ip=fd00:5347::9 ' "early: an smtpd ran for the early talker"
else
  note "cannot add $BOT to lo (not permitted): the early talker is tested over IPv4 only (greet-door)"
fi
check_no_leftovers
exit 0
