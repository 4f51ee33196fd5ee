#!/bin/sh
# Debian's tcpserver -x reading what smtpguard-cdb writes: a listed IP is
# refused at the door, others are served; with -r the listed IP gets
# RBLSMTPD="text" (rblsmtpd's 451), with -R "-text" (553); unlisting
# takes effect at the next connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
command -v tcpclient >/dev/null 2>&1 || fail "tcpclient (ucspi-tcp) not installed"
S=$T/state
mkdir "$S" || fail mkdir
printf '127.0.0.11:allow,ADMIN="yes"\n' >"$T/rules.txt"
"$SGSTATETOOL" kick "$S" 127.0.0.9 || fail kick
"$SGSTATETOOL" kick "$S" 127.0.0.11 || fail kick
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
start_tcpserver -x "$T/rules.cdb" -- sh -c 'echo "served ADMIN=$ADMIN RBLSMTPD=$RBLSMTPD"'
from() { tcpclient -R -H -l 0 -T 5 -i "$1" 127.0.0.1 "$PORT" sh -c 'timeout 5 cat <&6' 2>/dev/null; }

assert_eq "$(from 127.0.0.9)" "" "listed IP served"
assert_eq "$(from 127.0.0.10)" "served ADMIN= RBLSMTPD=" "other IP not served"
assert_eq "$(from 127.0.0.11)" "served ADMIN=yes RBLSMTPD=" "admin's exact rule should beat the listing"

# -r: the temporary form (rblsmtpd answers 451), -R: the permanent one (553)
"$SG_BIN/smtpguard-cdb" -r "listed for abuse" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
assert_eq "$(from 127.0.0.9)" "served ADMIN= RBLSMTPD=listed for abuse" "-r record"
"$SG_BIN/smtpguard-cdb" -r "-listed" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>"$T/err"
assert_eq "$?" 100 "-r text starting with -"
assert_grep "$T/err" '^smtpguard-cdb: fatal: the -r text must not start with -: for a permanent refusal use -R$' "-r -text refused"
"$SG_BIN/smtpguard-cdb" -R "listed for abuse" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
assert_eq "$(from 127.0.0.9)" "served ADMIN= RBLSMTPD=-listed for abuse" "-R record"

# what the sender sees through the real rblsmtpd: 451 with -r, 553 with -R
rbl() { # option: rblsmtpd's answer to the listed IP's RCPT
  "$SG_BIN/smtpguard-cdb" "$1" "listed for abuse" -d "$S" "$T/rules.txt" "$T/rbl.cdb" 2>/dev/null || fail "build $1"
  printf 'HELO x\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nQUIT\r\n' >"$T/rbl.in"
  tcpclient -R -H -l 0 -T 5 -i 127.0.0.9 127.0.0.1 "$RPORT" sh -c 'cat "$0" >&7; timeout 5 cat <&6' "$T/rbl.in" 2>/dev/null |
    tr -d '\r' | sed -n 's/^\([0-9][0-9][0-9]\) listed for abuse$/\1/p' | head -n 1
}
SPORT=$PORT
start_tcpserver -x "$T/rbl.cdb" -- rblsmtpd -t 0 sh -c 'echo not refused'
RPORT=$PORT
PORT=$SPORT
"$SG_BIN/smtpguard-cdb" -r x -d "$S" "$T/rules.txt" "$T/rbl.cdb" 2>/dev/null || fail build
assert_eq "$(rbl -r)" 451 "-r: rblsmtpd's temporary refusal"
assert_eq "$(rbl -R)" 553 "-R: rblsmtpd's permanent refusal"

"$SG_BIN/smtpguard-unlist" -d "$S" 127.0.0.9 2>/dev/null || fail unlist
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
assert_eq "$(from 127.0.0.9)" "served ADMIN= RBLSMTPD=" "unlisted IP still refused"
exit 0
