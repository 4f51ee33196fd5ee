#!/bin/sh
# Hostile clients through the real chain: tcpserver -R -H -l 0, smtpguard
# (under sgpeak, which reports its peak memory and open descriptors as it
# exits), exim -bs.
#
# Cases: slowloris (1 byte a second, then silence: -t ends it), a client
# that never reads replies (backpressure all the way, memory bounded, and
# the session ends once it goes away), 10,000 pipelined RCPTs in one write
# (every reply paired and counted), a 50 MB command line (kick with
# reason=longline; exim sees at most 12 KiB of it), NULs and bare CRs and
# a TLS ClientHello instead of SMTP (kicked at once: reason=nul, barecr),
# other control bytes and an HTTP request instead of SMTP (relayed
# unchanged: the client gets the same bytes as from exim alone), a RST in the middle
# of DATA, a half-close after QUIT (the 221 still comes).
#
# For every session: smtpguard's peak resident size within the bound (see
# tests/tools/sgadv.sh), no descriptor left at exit, not killed by a
# signal, no process left behind, no raw control byte in the log; for the
# sessions that last, the descriptors of the live process are checked too.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/sgadv.sh"
need_sgtclient
need_smtpguard
need_tools sgpeak

GUARD="$SG_BIN/smtpguard -v -g 500"

# D: exim alone (the reference), G: smtpguard + exim, S: the same with
# -t 2 (slowloris), L: with the smtpd's input recorded (50 MB line).
start_tcpserver -- "$SMTPD"; D_PORT=$PORT D_PID=$SERVER_PID
start_tcpserver -- "$SGPEAK" -o "$T/g.peak" $GUARD "$SMTPD"; G_PORT=$PORT G_PID=$SERVER_PID G_LOG=$SERVER_LOG
start_tcpserver -- "$SGPEAK" -o "$T/s.peak" $GUARD -t 2 "$SMTPD"; S_PORT=$PORT S_PID=$SERVER_PID S_LOG=$SERVER_LOG
SG_REC=$T/long; export SG_REC
start_tcpserver -- "$SGPEAK" -o "$T/l.peak" $GUARD "$SMTPD"; L_PORT=$PORT L_PID=$SERVER_PID L_LOG=$SERVER_LOG
unset SG_REC

# --- slowloris, in the background while the other cases run -----------
# "NOOP" one byte a second, its CRLF, the reply; then silence: with -t 2
# smtpguard ends the session about 2 s later.
{
  echo '< 220'
  for c in N O O; do echo ">> $c"; echo 'sleep 1000'; done
  echo '> P'
  echo '< 250'
  echo 'eof'
} >"$T/slow.script"
slow_start=$(date +%s)
"$SGTCLIENT" -t 20 -b 127.0.61.1 -o "$T/slow.client" 127.0.0.1 "$S_PORT" "$T/slow.script" >/dev/null 2>"$T/slow.err" &
slow_pid=$!
at_exit "kill $slow_pid 2>/dev/null"
# while it trickles: the live smtpguard holds only its own descriptors
slow_live() { pgrep -g "$S_PID" -x smtpguard >/dev/null; }
wait_until 5 slow_live || fail "slowloris: no smtpguard running"
sleep 1
check_live "$(pgrep -g "$S_PID" -x smtpguard | head -n 1)" "slowloris"

# --- a client that never reads ---------------------------------------------
# It pipelines NOOPs until its writes block for a second (the whole chain
# stopped: exim cannot write, smtpguard stops reading), then holds the
# connection without reading while we look at smtpguard, then goes away.
noread_hold 40 127.0.61.2 "$G_PORT" "$G_PID" 20
check_live "$gpid" "noread (blocked)"
exec 8>&-
wait "$noread_pid" || fail "noread: client exit $?"
# once the client is gone, the session must end (within the grace time)
check_clean "$G_PID" 10 "noread: after the client went away"
check_peaks "$T/g.peak" 1 "noread"

# --- 10,000 pipelined RCPTs in one write --------------------------------
# Every reply reaches the client, in order, and smtpguard counts exactly
# the 250s and the rejections the client saw (exim stops accepting at
# recipients_max: 452), so it stays paired over 10,000 pipelined commands.
{
  echo '< 220'
  echo '> EHLO many.example.test'
  echo '< 250'
  echo 'pipeline'
  echo '> MAIL FROM:<many@example.test>'
  i=1
  while [ $i -le 10000 ]; do echo "> RCPT TO:<good$i@example.test>"; i=$((i + 1)); done
  echo '> QUIT'
  echo 'flush'
  echo 'drain'
} >"$T/many.script"
"$SGTCLIENT" -t 60 -b 127.0.61.3 -o "$T/many.client" 127.0.0.1 "$G_PORT" "$T/many.script" >/dev/null 2>"$T/many.err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/many.err" >&2; fail "10000 RCPTs: sgtclient exit $rc, want 1 (all read, then closed)"; }
tr -d '\r' <"$T/many.client" | grep '^[0-9][0-9][0-9] ' >"$T/many.lines"
nrep=$(wc -l <"$T/many.lines")
[ "$nrep" -eq 10004 ] || fail "10000 RCPTs: want 10004 replies (greeting, EHLO, MAIL, 10000 RCPT, QUIT), got $nrep"
tail -n 1 "$T/many.lines" | grep -q '^221 ' || fail "10000 RCPTs: the last reply is not the 221"
good=$(sed -n '4,10003p' "$T/many.lines" | grep -c '^2')
bad=$(sed -n '4,10003p' "$T/many.lines" | grep -c '^[45]')
[ $((good + bad)) -eq 10000 ] || fail "10000 RCPTs: replies to RCPT: $good good + $bad bad"
line=$(session_line "$G_LOG" 127.0.61.3)
case $line in
  *" end=quit bad=$bad good=$good "*) ;;
  *) fail "10000 RCPTs: smtpguard's counters differ from what the client saw (bad=$bad good=$good): $line" ;;
esac
check_clean "$G_PID" 5 "10000 RCPTs"
check_peaks "$T/g.peak" 2 "10000 RCPTs"

# --- a 50 MB command line --------------------------------------------------
"$SGTCLIENT" -t 30 -b 127.0.61.4 -o "$T/long.client" longline 127.0.0.1 "$L_PORT" 50 >"$T/long.out" 2>"$T/long.err" ||
  { cat "$T/long.err" >&2; fail "50 MB line: sgtclient longline failed"; }
tr -d '\r' <"$T/long.client" | tail -n 1 | grep -q '^421 4.7.0 command line too long' ||
  { tail -c 300 "$T/long.client" >&2; fail "50 MB line: the client did not get the 421"; }
assert_grep "$L_LOG" "kick ip=127\.0\.61\.4 reason=longline " "50 MB line: kick log line"
# what exim got of the line: at most smtpguard's 12288-byte limit
[ -f "$T/long.in" ] || fail "50 MB line: nothing recorded on the smtpd side"
ehlo=$(printf 'EHLO long.example.test\r\n' | wc -c)
got=$(( $(wc -c <"$T/long.in") - ehlo ))
[ "$got" -le 12288 ] || fail "50 MB line: exim received $got bytes of the long line, more than 12288"
check_clean "$L_PID" 5 "50 MB line"
check_peaks "$T/l.peak" 1 "50 MB line"
[ "$(report_status "$T/l.peak")" = 99 ] || fail "50 MB line: smtpguard's exit code is not 99 (kick): $(cat "$T/l.peak")"

# --- non-SMTP input: relayed unchanged -----------------------------------
# same_as_direct NAME SCRIPT IP: the client gets byte for byte what exim
# alone sends it, and the session ends cleanly.
same_as_direct() {
  "$SGTCLIENT" -t 20 -o "$T/$1.direct" 127.0.0.1 "$D_PORT" "$2" >/dev/null 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" >&2; fail "$1: exim alone: sgtclient exit $rc"; }
  "$SGTCLIENT" -t 20 -b "$3" -o "$T/$1.guard" 127.0.0.1 "$G_PORT" "$2" >/dev/null 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" >&2; fail "$1: through smtpguard: sgtclient exit $rc"; }
  [ -s "$T/$1.guard" ] || fail "$1: the client got nothing"
  # exim names the client by address: mask it
  sed "s/$3/IP/g; s/127\.0\.0\.1/IP/g" "$T/$1.direct" >"$T/$1.direct.m"
  sed "s/$3/IP/g; s/127\.0\.0\.1/IP/g" "$T/$1.guard" >"$T/$1.guard.m"
  assert_same_file "$T/$1.direct.m" "$T/$1.guard.m" "$1: the client got different bytes through smtpguard"
  assert_no_grep "$T/$1.guard" '^421 4\.7\.0' "$1: smtpguard kicked"
  check_clean "$G_PID" 5 "$1"
  check_clean "$D_PID" 5 "$1 (exim alone)"
}
sessions=2

# kicked_first NAME SCRIPT IP REASON TEXT: the first line is a protocol
# violation: the client gets the 421 and at most the greeting, nothing
# exim said about the line
kicked_first() {
  "$SGTCLIENT" -t 20 -b "$3" -o "$T/$1.guard" 127.0.0.1 "$G_PORT" "$2" >/dev/null 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" >&2; fail "$1: through smtpguard: sgtclient exit $rc"; }
  # the greeting may not have come yet when the violation did
  tr -d '\r' <"$T/$1.guard" | grep -v '^220 ' >"$T/$1.rest"
  [ "$(wc -l <"$T/$1.rest")" -eq 1 ] && grep -q "^421 4\.7\.0 $5" "$T/$1.rest" ||
    { cat "$T/$1.guard" >&2; fail "$1: the client got more than the greeting and the 421"; }
  assert_grep "$G_LOG" "kick ip=$3 reason=$4 " "$1: kick log line"
  check_clean "$G_PID" 5 "$1"
}

# NULs and bare CRs, in the HELO name, inside commands, alone: smtpds
# read them differently (exim answers 501, qmail ends the verb at a NUL),
# so the first one is a protocol violation
printf 'EHLO nul\000host.example.test\r\nNOOP\rRSET\r\nMAIL FROM:<a\000b@example.test>\r\nRCPT TO:<good\rx@example.test>\r\n\000\000\000\r\nHELP\r\r\r\n\r\r\nQUIT\r\n' >"$T/nul.bytes"
printf '< 220\nraw-file %s\ndrain\n' "$T/nul.bytes" >"$T/nul.script"
kicked_first nul "$T/nul.script" 127.0.61.5 nul 'NUL in command line'
sessions=$((sessions + 1))
printf 'EHLO cr.example.test\rRSET\r\nQUIT\r\n' >"$T/cr.bytes"
printf '< 220\nraw-file %s\ndrain\n' "$T/cr.bytes" >"$T/cr.script"
kicked_first barecr "$T/cr.script" 127.0.61.10 barecr 'bare CR in command line'
sessions=$((sessions + 1))

# other control bytes in the HELO name and in commands: relayed, escaped in the log
printf 'EHLO ctl\001host\033[0m.example.test\r\nNOOP \177\001\r\nHELP\r\n\r\nQUIT\r\n' >"$T/ctl.bytes"
printf '< 220\nraw-file %s\ndrain\n' "$T/ctl.bytes" >"$T/ctl.script"
same_as_direct ctl "$T/ctl.script" 127.0.61.11
sessions=$((sessions + 1))
assert_grep "$G_LOG" ' session ip=127\.0\.61\.11 helo=ctl\\x01host\\x1b\[0m\.example\.test ' "ctl: the HELO name is not escaped in the log"

# a TLS 1.2/1.3 ClientHello (record header, handshake header, random with
# CR and LF in it, one cipher suite list, no extensions), sent at once
# instead of SMTP: its NULs make it a violation (reason=nul)
printf '\026\003\001\000\061\001\000\000\055\003\003' >"$T/hello.bytes"
printf '\r\n\000\377\033[0m\015\012ABCDEFGHIJKLMNOPQRSTUVW' >>"$T/hello.bytes"
printf '\000\000\004\023\001\023\002\001\000\000\000' >>"$T/hello.bytes"
printf 'raw-file %s\nsleep 300\nshutdown\ndrain\n' "$T/hello.bytes" >"$T/hello.script"
kicked_first tlshello "$T/hello.script" 127.0.61.6 nul 'NUL in command line'
sessions=$((sessions + 1))

# an HTTP request, sent at once without waiting for the greeting
printf 'pipeline\n> GET / HTTP/1.0\n> Host: 127.0.0.1\n> User-Agent: sgtest\n>\nflush\nsleep 300\nshutdown\ndrain\n' >"$T/http.script"
same_as_direct http "$T/http.script" 127.0.61.7
sessions=$((sessions + 1))

# --- RST in the middle of DATA ------------------------------------------------
"$SGTCLIENT" -t 20 -b 127.0.61.8 rst 127.0.0.1 "$G_PORT" 256 >/dev/null 2>"$T/rst.err" ||
  { cat "$T/rst.err" >&2; fail "rst: sgtclient rst failed"; }
wait_until 10 grep -q ' session ip=127\.0\.61\.8 ' "$G_LOG" || fail "rst: the session did not end"
line=$(session_line "$G_LOG" 127.0.61.8)
case $line in
  *" end=client-gone "*|*" end=client-eof "*) ;;
  *) fail "rst: unexpected end of session: $line" ;;
esac
check_clean "$G_PID" 5 "rst"
sessions=$((sessions + 1))

# --- half-close after QUIT ------------------------------------------------------
printf '< 220\npipeline\n> EHLO half.example.test\n> QUIT\nflush\nshutdown\n< 250\n< 221\neof\n' >"$T/half.script"
"$SGTCLIENT" -t 20 -b 127.0.61.9 -o "$T/half.client" 127.0.0.1 "$G_PORT" "$T/half.script" >/dev/null 2>"$T/half.err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/half.err" >&2; fail "half-close: sgtclient exit $rc, want 1 (EHLO reply, 221, close)"; }
check_clean "$G_PID" 5 "half-close"
sessions=$((sessions + 1))

# --- the slowloris, last ----------------------------------------------------------
wait "$slow_pid"
rc=$?
slow_secs=$(( $(date +%s) - slow_start ))
[ $rc -eq 1 ] || { cat "$T/slow.err" >&2; fail "slowloris: sgtclient exit $rc, want 1 (NOOP answered, then closed)"; }
[ "$slow_secs" -le 12 ] || fail "slowloris: the session took $slow_secs s, -t 2 should end it in about 6"
assert_grep "$S_LOG" ' session ip=127\.0\.61\.1 .*end=timeout ' "slowloris: not ended by the timeout"
check_peaks "$T/s.peak" 1 "slowloris"

check_peaks "$T/g.peak" "$sessions" "all sessions"
for l in "$G_LOG" "$S_LOG" "$L_LOG"; do check_log_clean "$l" "log"; done
check_no_leftovers
exit 0
