#!/bin/sh
# Protocol violations through the real chain (tcpserver -R -H -l 0,
# smtpguard -v -d, exim -bs; a qmail-like scripted smtpd for qmail's
# reading of NUL): lines that smtpds read differently are never
# relayed; smtpguard kicks with the violation's own reason, the kick is
# a strike (listed with the default -k 1), smtpguard-list and
# smtpguard-stat show the reason, and the smtpd never sees the line nor
# what was pipelined behind it.
#
#   - "BDAT 4294967296 LAST" after EHLO (exim reads a 32-bit size, 0, and
#     answers 503; a 64-bit reader takes the rest of the session for chunk
#     data), then 40 guessed recipients: reason=bdat, none reaches exim
#   - other BDAT lines exim and a strict reader disagree on: "+5", two
#     spaces, "5x", trailing junk, a size of 2^31, 0 without LAST: reason=bdat
#   - a bare CR inside a command (reason=barecr), a NUL (reason=nul); the
#     same pipelined behind EHLO: no reply past the EHLO's reaches the client
#   - "DATA\v" (exim trims VT/FF as spaces): reason=vtff; a CRLF body
#     ended with LF "." CRLF (exim 4.96 reads on): reason=dataend; a command
#     between a non-LAST BDAT and the LAST one: reason=bdat
#   - SP or TAB before a verb (Postfix skips them, exim and qmail do not):
#     " MAIL", "\tBDAT 40 LAST", 100 SP then RCPT: reason=leadspace; " XYZZY"
#     before them is an unknown command exim answers 500, no kick
#   - "DATA\0" to a qmail-like smtpd (qmail-smtpd's commands.c ends the
#     verb at the NUL: 354, and a body of NOOP/RSET/RCPT lines would be
#     read as commands by anything that saw an unknown verb): reason=nul,
#     the smtpd sees neither the DATA nor the body
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
need_sgscriptd

S=$T/state
mkdir "$S" || fail mkdir
SG_REC=$T/exim; export SG_REC
start_tcpserver -- "$SG_BIN/smtpguard" -v -g 500 -d "$S" "$SMTPD"
E_PORT=$PORT E_LOG=$SERVER_LOG E_PID=$SERVER_PID
unset SG_REC

# session NAME IP SCRIPT-LINES...: run sgtclient from IP, transcript in
# $T/NAME.client; every expectation must hold (exit 0, or 1: closed)
session() {
  _name=$1 _ip=$2; shift 2
  printf '%s\n' "$@" >"$T/$_name.script"
  run_script "$_name" "$_ip"
}
run_script() {
  "$SGTCLIENT" -t 20 -b "$2" -o "$T/$1.client" 127.0.0.1 "${PORT_OF:-$E_PORT}" "$T/$1.script" >"$T/$1.out" 2>"$T/$1.err"
  _rc=$?
  [ $_rc -le 1 ] || { cat "$T/$1.err" "$T/$1.client" >&2; fail "$1: sgtclient exit $_rc"; }
}
# kicked NAME IP REASON TEXT LOG: the last reply is our 421 with TEXT, and the log has the kick and the listing
kicked() {
  tr -d '\r' <"$T/$1.client" | tail -n 1 | grep -q "^421 4\.7\.0 $4" ||
    { cat "$T/$1.client" "$T/$1.err" >&2; fail "$1: the client did not end with our 421 ($4)"; }
  assert_grep "$5" "kick ip=$2 reason=$3 " "$1: kick log line"
  assert_grep "$5" "listed ip=$2 reason=$3 " "$1: listing log line"
}

# --- BDAT with a size exim reads as 32 bits, then 40 guesses ---------------
{
  echo '< 220'; echo '> EHLO bdat.example.test'; echo '< 250'
  echo '> MAIL FROM:<x@bdat.example.test>'; echo '< 250'
  echo 'pipeline'
  echo '> BDAT 4294967296 LAST'
  i=0; while [ $i -lt 40 ]; do echo "> RCPT TO:<guess$i@example.test>"; i=$((i + 1)); done
  echo 'flush'; echo '< 421'; echo 'eof'
} >"$T/bdat4g.script"
run_script bdat4g 127.0.63.1
kicked bdat4g 127.0.63.1 bdat 'malformed BDAT command' "$E_LOG"
assert_no_grep "$T/exim.in" 'BDAT|guess' "bdat4g: exim got the BDAT line or a guessed recipient"
assert_grep "$T/exim.in" 'MAIL FROM:<x@bdat\.example\.test>' "bdat4g: exim did not get what came before"

# the listing holds: the next connection from that address is refused at once
session bdat4g-again 127.0.63.1 '< 421' 'eof'
assert_grep "$E_LOG" "refused ip=127\.0\.63\.1 reason=bdat " "bdat4g-again: refused log line"

# --- the BDAT lines a strict reader and exim's sscanf("%u") disagree on -----
n=2
for line in 'BDAT +5' 'BDAT  5' 'BDAT 5x' 'BDAT 5 LAST junk' 'BDAT 2147483648 LAST' 'BDAT -1' 'BDAT 0'; do
  ip=127.0.63.$n
  session "bdat$n" "$ip" '< 220' '> EHLO bdat.example.test' '< 250' '> MAIL FROM:<x@bdat.example.test>' '< 250' \
    "> $line" '< 421' 'eof'
  kicked "bdat$n" "$ip" bdat 'malformed BDAT command' "$E_LOG"
  n=$((n + 1))
done
assert_no_grep "$T/exim.in" 'BDAT' "exim got a malformed BDAT line"

# --- a bare CR, a NUL ----------------------------------------------------------
printf 'MAIL FROM:<x@cr.example.test>\r\nRCPT TO:<postmaster@example.test>\rRCPT TO:<guess@example.test>\r\nQUIT\r\n' >"$T/cr.bytes"
session barecr 127.0.63.20 '< 220' '> EHLO cr.example.test' '< 250' "raw-file $T/cr.bytes" 'drain'
kicked barecr 127.0.63.20 barecr 'bare CR in command line' "$E_LOG"
assert_no_grep "$T/exim.in" 'cr\.example\.test>|guess@' "barecr: exim got the line with the bare CR"

printf 'MAIL FROM:<x\000y@nul.example.test>\r\nRCPT TO:<guess@example.test>\r\n' >"$T/nul.bytes"
session nul 127.0.63.21 '< 220' '> EHLO nul.example.test' '< 250' "raw-file $T/nul.bytes" 'drain'
kicked nul 127.0.63.21 nul 'NUL in command line' "$E_LOG"
assert_no_grep "$T/exim.in" 'nul\.example\.test>|guess@' "nul: exim got the line with the NUL"

# behind EHLO, in the same write: the smtpd may read the line before the
# EHLO reply lets us scan it, but the client gets no reply past the EHLO's
printf 'EHLO behind.example.test\r\nMAIL FROM:<x@behind.example.test>\r\nRCPT TO:<a@example.test>\rRCPT TO:<guess@example.test>\r\nQUIT\r\n' >"$T/behind.bytes"
session behind 127.0.63.22 '< 220' "raw-file $T/behind.bytes" 'drain'
kicked behind 127.0.63.22 barecr 'bare CR in command line' "$E_LOG"
tr -d '\r' <"$T/behind.client" | grep -v '^220 ' | grep -v '^250[- ]' >"$T/behind.rest"
[ "$(cat "$T/behind.rest")" = "421 4.7.0 bare CR in command line, closing connection" ] ||
  { cat "$T/behind.client" >&2; fail "behind: the client got a reply past the EHLO's"; }
[ "$(tr -d '\r' <"$T/behind.client" | grep -c '^250 ')" -eq 1 ] || fail "behind: a 250 other than the EHLO reply's"

# --- VT/FF after a verb, mixed line ends at the end of DATA, a command inside BDAT
# exim trims a trailing VT as a space: "DATA\v" would be DATA to it
printf 'DATA\013\r\nRCPT TO:<guess@example.test>\r\n.\r\n' >"$T/vt.bytes"
session vtff 127.0.63.23 '< 220' '> EHLO vt.example.test' '< 250' '> MAIL FROM:<x@vt.example.test>' '< 250' \
  '> RCPT TO:<good1@example.test>' '< 250' "raw-file $T/vt.bytes" 'drain'
kicked vtff 127.0.63.23 vtff 'VT or FF in command line' "$E_LOG"
# exim (4.96 as Debian ships it) ends a CRLF body only at CRLF "." CRLF
printf 'Subject: x\r\n\r\nbody\n.\r\nRCPT TO:<guess@example.test>\r\n' >"$T/dot.bytes"
session dataend 127.0.63.24 '< 220' '> EHLO dot.example.test' '< 250' '> MAIL FROM:<x@dot.example.test>' '< 250' \
  '> RCPT TO:<good1@example.test>' '< 250' '> DATA' '< 354' "raw-file $T/dot.bytes" 'drain'
kicked dataend 127.0.63.24 dataend 'mixed line ends at the end of data' "$E_LOG"
assert_no_grep "$T/dataend.client" 'discarded' "dataend: exim took the message"
# after a non-LAST BDAT, exim answers other commands 503 and then reads the next chunk as commands
printf 'BDAT 5\r\n12345RCPT TO:<guess@example.test>\r\nBDAT 40 LAST\r\nRCPT TO:<guess2@example.test>\r\n' >"$T/chunks.bytes"
session inchunks 127.0.63.25 '< 220' '> EHLO chunks.example.test' '< 250' '> MAIL FROM:<x@chunks.example.test>' '< 250' \
  '> RCPT TO:<good1@example.test>' '< 250' "raw-file $T/chunks.bytes" 'drain'
kicked inchunks 127.0.63.25 bdat 'malformed BDAT command' "$E_LOG"
assert_no_grep "$T/exim.in" 'guess2' "inchunks: exim got what was behind the violation"

# --- blanks before a verb: Postfix skips them, exim (500) and qmail (502) do not
# an unknown command behind a blank is only that: exim answers 500, no kick
printf ' MAIL FROM:<x@lead.example.test>\r\nRCPT TO:<guess1@example.test>\r\n' >"$T/lead.bytes"
session leadmail 127.0.63.26 '< 220' '> EHLO lead.example.test' '< 250' '>  XYZZY' '< 500' "raw-file $T/lead.bytes" 'drain'
kicked leadmail 127.0.63.26 leadspace 'space before command verb' "$E_LOG"
assert_grep "$T/exim.in" '^ XYZZY' "leadmail: exim did not get the unknown command"
assert_no_grep "$T/exim.in" 'lead\.example\.test>|guess1' "leadmail: exim got the line with the blank or what followed"
# " BDAT": Postfix would read a chunk that we would read as commands
printf '\tBDAT 40 LAST\r\nRCPT TO:<guess2@example.test>\r\nRCPT TO:<guess3@example.test>\r\n' >"$T/leadbdat.bytes"
session leadbdat 127.0.63.27 '< 220' '> EHLO leadbdat.example.test' '< 250' '> MAIL FROM:<x@leadbdat.example.test>' '< 250' \
  "raw-file $T/leadbdat.bytes" 'drain'
kicked leadbdat 127.0.63.27 leadspace 'space before command verb' "$E_LOG"
assert_no_grep "$T/exim.in" 'BDAT|guess2' "leadbdat: exim got the BDAT line or what followed"
# more blanks than the 80 bytes the scanner keeps of a line
printf '%100sRCPT TO:<guess4@example.test>\r\n' '' >"$T/lead100.bytes"
session lead100 127.0.63.28 '< 220' '> EHLO lead100.example.test' '< 250' '> MAIL FROM:<x@lead100.example.test>' '< 250' \
  "raw-file $T/lead100.bytes" 'drain'
kicked lead100 127.0.63.28 leadspace 'space before command verb' "$E_LOG"
assert_no_grep "$T/exim.in" 'guess4' "lead100: exim got the line"

# --- "DATA\0" to a smtpd that reads it as qmail-smtpd does --------------------
# first the stand-in alone: it must answer 354 and read a body, as qmail does
start_tcpserver -- "$SGSCRIPTD" qmail
Q_DIRECT=$PORT
printf 'EHLO q.example.test\r\nMAIL FROM:<x@q.example.test>\r\nRCPT TO:<good1@example.test>\r\nDATA\000\r\nNOOP\r\nRSET\r\nRCPT TO:<guess1@example.test>\r\n.\r\nQUIT\r\n' >"$T/q.bytes"
PORT_OF=$Q_DIRECT session qdirect 127.0.63.30 '< 220' "raw-file $T/q.bytes" 'drain'
tr -d '\r' <"$T/qdirect.client" >"$T/qdirect.lines"
assert_grep "$T/qdirect.lines" '^354 ' "the qmail stand-in did not take DATA\\0 for DATA"
assert_no_grep "$T/qdirect.lines" '^550 ' "the qmail stand-in read the body's RCPT as a command"

# then through smtpguard: kicked at the DATA\0 line, nothing of it or after it relayed
start_tcpserver -- "$SG_BIN/smtpguard" -v -g 500 -d "$S" "$TOP/tests/exim/record-smtpd" "$T/q" "$SGSCRIPTD" qmail
Q_PORT=$PORT Q_LOG=$SERVER_LOG
printf 'DATA\000\r\nNOOP\r\nRSET\r\nRCPT TO:<guess1@example.test>\r\n.\r\nQUIT\r\n' >"$T/qdata.bytes"
PORT_OF=$Q_PORT session qnul 127.0.63.31 '< 220' '> EHLO q.example.test' '< 250' '> MAIL FROM:<x@q.example.test>' '< 250' \
  '> RCPT TO:<good1@example.test>' '< 250' "raw-file $T/qdata.bytes" 'drain'
kicked qnul 127.0.63.31 nul 'NUL in command line' "$Q_LOG"
assert_grep "$T/q.in" 'RCPT TO:<good1@' "qnul: the smtpd did not get what came before"
assert_no_grep "$T/q.in" 'DATA|NOOP|RSET|guess' "qnul: the smtpd got the DATA\\0 line or the body"
assert_no_grep "$T/qnul.client" '^354' "qnul: the client got a 354"

# --- smtpguard-list and smtpguard-stat show the reasons ---------------------
"$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" 2>"$T/list.err" || { cat "$T/list.err" >&2; fail "smtpguard-list"; }
assert_grep "$T/list" '^127\.0\.63\.1	bdat	' "smtpguard-list: bdat"
assert_grep "$T/list" '^127\.0\.63\.20	barecr	' "smtpguard-list: barecr"
assert_grep "$T/list" '^127\.0\.63\.21	nul	' "smtpguard-list: nul"
assert_grep "$T/list" '^127\.0\.63\.22	barecr	' "smtpguard-list: barecr behind EHLO"
assert_grep "$T/list" '^127\.0\.63\.31	nul	' "smtpguard-list: nul (qmail)"
assert_grep "$T/list" '^127\.0\.63\.26	leadspace	' "smtpguard-list: leadspace"
cat "$E_LOG" "$Q_LOG" | "$SG_BIN/smtpguard-stat" -t >"$T/stat" 2>"$T/stat.err" || { cat "$T/stat.err" >&2; fail "smtpguard-stat"; }
assert_grep "$T/stat" '^kick	bdat	9$' "smtpguard-stat: 9 bdat kicks"
assert_grep "$T/stat" '^kick	vtff	1$' "smtpguard-stat: 1 vtff kick"
assert_grep "$T/stat" '^kick	dataend	1$' "smtpguard-stat: 1 dataend kick"
assert_grep "$T/stat" '^kick	barecr	2$' "smtpguard-stat: 2 barecr kicks"
assert_grep "$T/stat" '^kick	nul	2$' "smtpguard-stat: 2 nul kicks"
assert_grep "$T/stat" '^kick	leadspace	3$' "smtpguard-stat: 3 leadspace kicks"

# no raw control byte from the client reached the log
assert_no_grep "$E_LOG" "$(printf '[\001-\010\016-\037]')" "a raw control byte in the log"
check_no_leftovers
exit 0
