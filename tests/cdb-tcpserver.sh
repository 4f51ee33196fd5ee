#!/bin/sh
# Debian's tcpserver -x reading what smtpguard-cdb writes: a listed IP is
# refused at the door, others are served; with -r the listed IP gets
# RBLSMTPD; unlisting takes effect at the next connection.
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

"$SG_BIN/smtpguard-cdb" -r "listed for abuse" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
assert_eq "$(from 127.0.0.9)" "served ADMIN= RBLSMTPD=-listed for abuse" "-r record"

"$SG_BIN/smtpguard-unlist" -d "$S" 127.0.0.9 2>/dev/null || fail unlist
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules.txt" "$T/rules.cdb" 2>/dev/null || fail build
assert_eq "$(from 127.0.0.9)" "served ADMIN= RBLSMTPD=" "unlisted IP still refused"
exit 0
