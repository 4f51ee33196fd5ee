#!/bin/sh
# IPv6 through Debian's ucspi-tcp-ipv6 tcpserver (fetched with apt-get
# download and unpacked under the build directory, never installed: it
# would replace /usr/bin/tcpserver), listening on ::1, with extra
# addresses on lo (fd00:5347::2, and fd00:5347:a:b:c:d:0:1 whose zero run
# is a single group) when the test may add them:
#  1. the canonical form: the address a listing is filed under, from
#     several textual forms of it, is exactly the TCPREMOTEIP that
#     tcpserver sets, and the cdb key smtpguard-cdb writes for it makes
#     that tcpserver deny the address at the door; unlisting, from yet
#     another form, lets it in again;
#  2. the real chain (tcpserver -x, smtpguard -d, exim -bs): an IPv6
#     dictionary attacker is kicked, listed, and refused at the door once
#     smtpguard-cdb has rebuilt the cdb; a legitimate sender on ::1 is
#     served throughout.
# SKIPs, saying so, only if the package cannot be downloaded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgtclient
need_smtpguard
need_sgstatetool

# ---- Debian's IPv6 tcpserver, cached under the build directory ---------
if ! V6=$(fetch_deb ucspi-tcp-ipv6); then
  echo "SKIP: $SG_TEST: $V6"
  exit 0
fi
[ -x "$V6/usr/bin/tcpserver" ] || fail "no tcpserver in the ucspi-tcp-ipv6 package"
[ "$(readlink -f "$(command -v tcpserver)")" != "$(readlink -f "$V6/usr/bin/tcpserver")" ] || fail "the IPv6 tcpserver is the system's"
grep -q '^::1' /proc/net/if_inet6 2>/dev/null || grep -q '00000000000000000000000000000001' /proc/net/if_inet6 || fail "no ::1 on this machine"

# extra addresses on lo, removed at exit
ADDRS="::1"
for a in fd00:5347::2 fd00:5347:a:b:c:d:0:1; do
  if ip -6 addr add "$a/128" dev lo nodad 2>/dev/null; then
    at_exit "ip -6 addr del '$a/128' dev lo 2>/dev/null"
    ADDRS="$ADDRS $a"
  else
    note "cannot add $a to lo (not permitted): tested with ::1 only"
  fi
done

# v6server [tcpserver options] -- prog...: Debian's IPv6 tcpserver on ::1
v6server() { PATH="$V6/usr/bin:$PATH" SG_HOST=::1 start_tcpserver "$@"; }

# ---- 0. IPv6 rules: smtpguard-cdb writes what that tcprules writes --------
# (the address ends at the colon before allow or deny; tcpserver tries TCPREMOTEIP, then
# its prefixes that end with a colon, then the empty key)
command -v cdb >/dev/null 2>&1 || fail "cdb (tinycdb) not installed"
printf '%s\n' 'fd00:5347::2:allow,X="exact"' 'fd00:5347:::allow,X="prefix"' 'fd00::allow,X="short"' \
  '::1:allow,RELAYCLIENT=""' ':allow' >"$T/rules6"
"$V6/usr/bin/tcprules" "$T/tcprules6.cdb" "$T/tcprules6.tmp" <"$T/rules6" || fail "the IPv6 tcprules"
"$SG_BIN/smtpguard-cdb" "$T/rules6" "$T/sg6.cdb" 2>/dev/null || fail "smtpguard-cdb on IPv6 rules"
cdb -d "$T/tcprules6.cdb" >"$T/tcprules6.dump" && cdb -d "$T/sg6.cdb" >"$T/sg6.dump" || fail "cdb -d"
assert_same_file "$T/tcprules6.dump" "$T/sg6.dump" "IPv6 rules: smtpguard-cdb and the IPv6 tcprules differ"

# ---- 1. TCPREMOTEIP, the listing's name, the cdb key --------------------
S=$T/state1
mkdir "$S" || fail mkdir
printf '' >"$T/rules"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>/dev/null || fail build
v6server -v -x "$T/rules.cdb" -- sh -c 'echo "ip=$TCPREMOTEIP"'
printf 'eof\n' >"$T/eof"
from() { # address: what the server says to a client from it
  rm -f "$T/from.out"
  "$SGTCLIENT" -t 10 -b "$1" -o "$T/from.out" ::1 "$PORT" "$T/eof" >/dev/null 2>&1
  cat "$T/from.out" 2>/dev/null
}
forms() { # address: textual forms a kick or an admin may give
  case $1 in
    ::1) echo "::1 0:0:0:0:0:0:0:1 0000:0000:0000:0000:0000:0000:0000:0001 ::0:1" ;;
    fd00:5347::2) echo "FD00:5347::2 fd00:5347:0:0:0:0:0:2 fd00:5347:0000::0002 fd00:5347::0:2" ;;
    fd00:5347:a:b:c:d:0:1) echo "fd00:5347:a:b:c:d:0:1 FD00:5347:A:B:C:D::1 fd00:5347:000a:000b:000c:000d:0000:0001" ;;
  esac
}
for a in $ADDRS; do
  got=$(from "$a")
  case $got in ip=*) ;; *) fail "$a: not served before any listing: '$got'" ;; esac
  tcpremoteip=${got#ip=}
  for f in $(forms "$a"); do
    "$SGSTATETOOL" kick "$S" "$f" >/dev/null || fail "kick $f"
    "$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" || fail "smtpguard-list"
    assert_eq "$(cut -f 1 "$T/list")" "$tcpremoteip" "$f: the listing is filed under tcpserver's TCPREMOTEIP"
    "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>/dev/null || fail build
    assert_eq "$(from "$a")" "" "$f: listed, yet served by the IPv6 tcpserver"
    # unlisted through another form, it is served again
    set -- $(forms "$a")
    "$SG_BIN/smtpguard-unlist" -d "$S" "$1" 2>/dev/null || fail "unlist $1"
    "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>/dev/null || fail build
    assert_eq "$(from "$a")" "ip=$tcpremoteip" "$f: unlisted, yet refused"
  done
  assert_grep "$SERVER_LOG" "deny [0-9]+ .*$tcpremoteip" "$a: the tcpserver's deny line"
done
# the single-group zero run: this tcpserver compresses it, unlike RFC 5952
case " $ADDRS " in *" fd00:5347:a:b:c:d:0:1 "*)
  assert_grep "$SERVER_LOG" "^tcpserver: ok [0-9]+ .*fd00:5347:a:b:c:d::1" "the IPv6 tcpserver's form of fd00:5347:a:b:c:d:0:1" ;;
esac
# the admin's prefix rule reaches the extra address as that tcprules meant
case " $ADDRS " in *" fd00:5347::2 "*)
  stop_pid "$SERVER_PID"
  v6server -x "$T/sg6.cdb" -- sh -c 'echo "X=$X"'
  assert_eq "$(from fd00:5347::2)" "X=exact" "the exact IPv6 rule"
  [ -z "$(echo " $ADDRS " | grep ' fd00:5347:a:b:c:d:0:1 ')" ] ||
    assert_eq "$(from fd00:5347:a:b:c:d:0:1)" "X=short" "the prefix IPv6 rule"
esac
stop_pid "$SERVER_PID"

# ---- 2. the real chain over IPv6 -----------------------------------------
S=$T/state2
mkdir "$S" || fail mkdir
BOT=::1 GOOD=
case " $ADDRS " in *" fd00:5347::2 "*) BOT=fd00:5347::2 GOOD=::1 ;; esac
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>/dev/null || fail build
v6server -v -x "$T/rules.cdb" -- "$SG_BIN/smtpguard" -v -d "$S" "$SMTPD"
legit() {
  [ -n "$GOOD" ] || return 0
  printf '%s\n' '< 220' '> EHLO legit.example.test' '< 250' '> MAIL FROM:<a@legit.example.test>' '< 250' \
    '> RCPT TO:<good1@example.test>' '< 250' '> RCPT TO:<typo@example.test>' '< 550' \
    '> DATA' '< 354' '> hello' '> .' '< 250' '> QUIT' '< 221' 'eof' >"$T/legit"
  "$SGTCLIENT" -t 20 -b "$GOOD" -o "$T/$1.client" ::1 "$PORT" "$T/legit" >/dev/null 2>"$T/err"
  [ $? -le 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "$1: the legitimate sender on $GOOD was not served"; }
  tr -d '\r' <"$T/$1.client" | grep -q '^354 ' || fail "$1: the legitimate message was not taken"
}
legit legit1
attack_script "$T/kick" lockstep yes
"$SGTCLIENT" -t 20 -b "$BOT" -o "$T/attack.client" ::1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
[ $? -eq 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "attack from $BOT: want the 421 after the first RSET (5 bad RCPTs)"; }
wait_until 5 grep -q "kick ip=$BOT " "$SERVER_LOG"
check_kicked attack "$BOT"
assert_grep "$SERVER_LOG" "listed ip=$BOT reason=badrcpt until=[0-9]+ strikes=1\$" "the IPv6 attacker listed"
[ -L "$S/listed/$BOT" ] || fail "no listing file $BOT"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>"$T/cdb.err" || fail build
assert_grep "$T/cdb.err" 'listed=1$' "the listing in the cdb"
printf '%s\n' '< 220' '> QUIT' '< 221' >"$T/hello"
for i in 1 2; do
  "$SGTCLIENT" -t 10 -b "$BOT" -o "$T/again$i.client" ::1 "$PORT" "$T/hello" >/dev/null 2>&1
  [ ! -s "$T/again$i.client" ] || { cat "$T/again$i.client" >&2; fail "the listed IPv6 attacker got bytes (try $i)"; }
done
assert_eq "$(grep -c "deny [0-9]* .*$BOT" "$SERVER_LOG")" 2 "deny lines for the IPv6 attacker"
assert_no_grep "$SERVER_LOG" "refused ip=$BOT" "the cdb, not smtpguard, must refuse once rebuilt"
legit legit2
assert_no_grep "$SERVER_LOG" "kick ip=::1 " "the legitimate sender kicked"
stop_pid "$SERVER_PID"
check_no_leftovers
exit 0
