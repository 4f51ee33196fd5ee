#!/bin/sh
# smtpguard behind a UCSPI-TLS layer (the layout of ucspi-ssl's
# sslserver -n or s6-networking's s6-ucspitlsd in front of it): after
# STARTTLS it keeps relaying and scanning, in the clear, the decrypted
# stream. Debian ships neither layer, so the layer is a stand-in that
# speaks its fd protocol exactly with a fake handshake and a null cipher
# (tests/tools/sgucspitls.c), under the real tcpserver -R -H -l 0; the
# smtpd is scripted (sgscriptd ucspitls: 'Y' on SSLCTLFD, then SMTP on
# SSLREADFD/SSLWRITEFD, as UCSPI-TLS smtpds do).
#
#   - the stand-in chain works without smtpguard (the reference)
#   - through smtpguard: a message after STARTTLS is delivered, the 'Y'
#     answer reaches the smtpd, the session is not blind (log "tls ...
#     layer=ucspi", no "blind", no tls=blind)
#   - a dictionary attack after STARTTLS is counted and kicked at the
#     10th bad RCPT (the 421 goes out through the layer)
#   - plaintext pipelined behind STARTTLS (command injection): kicked,
#     reason=starttls; the smtpd never reads it
#   - an uncounted (RELAYCLIENT) session is handed over too
#   - a smtpd that does TLS itself behind the layer (no 'y' within the
#     grace time after its 220): the socket is read as without a layer
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
SGSCRIPTD=$BUILD/tests/tools/sgscriptd
LAYER=$BUILD/tests/tools/sgucspitls
[ -x "$SGSCRIPTD" ] && [ -x "$LAYER" ] || fail "no $SGSCRIPTD or $LAYER (make tests)"

printf '\026\003\003\000\000' >"$T/hello"
run() { # name port ip script-lines...
  _n=$1 _p=$2 _ip=$3; shift 3
  printf '%s\n' "$@" >"$T/$_n.script"
  "$SGTCLIENT" -t 20 -b "$_ip" -o "$T/$_n.client" 127.0.0.1 "$_p" "$T/$_n.script" >"$T/$_n.out" 2>"$T/$_n.err"
  _rc=$?
  [ $_rc -le 1 ] || { cat "$T/$_n.err" "$T/$_n.client" >&2; fail "$_n: sgtclient exit $_rc"; }
}
legit() { # name port ip
  run "$1" "$2" "$3" '< 220' '> EHLO tls.example.test' '< 250' '> STARTTLS' '< 220' "raw-file $T/hello" '<' \
    '> EHLO tls.example.test' '< 250' '> MAIL FROM:<s@example.test>' '< 250' '> RCPT TO:<good1@example.test>' '< 250' \
    '> DATA' '< 354' '> Subject: over TLS' '> hello' '> .' '< 250' '> QUIT' '< 221'
  grep -q '^250-X-TLS SSL_PROTOCOL=TLSv1.3' "$T/$1.client" || { cat "$T/$1.client" >&2; fail "$1: the layer's answer to 'Y' did not reach the smtpd"; }
}

# --- the stand-in chain alone ----------------------------------------------------
start_tcpserver -- "$LAYER" "$SGSCRIPTD" ucspitls
legit direct "$PORT" 127.0.67.1

# --- through smtpguard -------------------------------------------------------------
S=$T/state
mkdir "$S" || fail mkdir
start_tcpserver -- "$LAYER" "$SG_BIN/smtpguard" -v -g 500 -d "$S" "$TOP/tests/exim/record-smtpd" "$T/u" "$SGSCRIPTD" ucspitls
G_PORT=$PORT LOG=$SERVER_LOG
legit legit "$G_PORT" 127.0.67.2
assert_grep "$LOG" 'tls ip=127\.0\.67\.2 layer=ucspi' "legit: no handoff log line"
wait_until 5 grep -q 'session ip=127\.0\.67\.2 ' "$LOG"
assert_grep "$LOG" 'session ip=127\.0\.67\.2 helo=tls\.example\.test end=quit bad=0 good=1 ' "legit: the summary does not show the message after STARTTLS"
assert_no_grep "$LOG" 'blind|tls=blind|kick' "legit: blind or kicked"

# a dictionary attack after STARTTLS: counted, kicked at the 10th bad RCPT
{
  echo '< 220'; echo '> EHLO attacker.example.test'; echo '< 250'; echo '> STARTTLS'; echo '< 220'
  echo "raw-file $T/hello"; echo '<'; echo '> EHLO attacker.example.test'; echo '< 250'
  echo '> MAIL FROM:<spam@attacker.example.test>'; echo '< 250'
  i=1; while [ $i -le 10 ]; do echo "> RCPT TO:<user$i@example.test>"; echo '< 550'; i=$((i + 1)); done
  echo '< 421'; echo 'eof'
} >"$T/attack.script"
"$SGTCLIENT" -t 20 -b 127.0.67.3 -o "$T/attack.client" 127.0.0.1 "$G_PORT" "$T/attack.script" >"$T/attack.out" 2>"$T/attack.err"
[ $? -le 1 ] || { cat "$T/attack.err" "$T/attack.client" >&2; fail "attack: sgtclient"; }
assert_grep "$LOG" 'kick ip=127\.0\.67\.3 reason=badrcpt bad=10 ' "attack after STARTTLS: not kicked at the 10th bad RCPT"

# plaintext injected behind STARTTLS
run inject "$G_PORT" 127.0.67.4 '< 220' '> EHLO inject.example.test' '< 250' 'pipeline' '> STARTTLS' \
  '> MAIL FROM:<injected@example.test>' 'flush' '< 220' 'drain'
assert_grep "$LOG" 'kick ip=127\.0\.67\.4 reason=starttls ' "inject: not kicked"
assert_no_grep "$T/u.in" 'injected@' "inject: the smtpd got the injected command"

# a RELAYCLIENT session (not counted) is still handed over at its STARTTLS
start_tcpserver -- "$LAYER" env RELAYCLIENT= "$SG_BIN/smtpguard" -v -g 500 "$SGSCRIPTD" ucspitls
R_LOG=$SERVER_LOG
legit relay "$PORT" 127.0.67.5
assert_grep "$R_LOG" 'tls ip=127\.0\.67\.5 layer=ucspi' "relay: no handoff log line"

# a layer in front of a smtpd that does TLS itself (never writes 'y'): a
# grace time after the 220, the socket is read as without a layer
start_tcpserver -- "$LAYER" "$SG_BIN/smtpguard" -v -g 300 "$SGSCRIPTD" starttls
F_LOG=$SERVER_LOG
printf '\026\003\001\000\005hello' >"$T/rec.bytes"
run fallback "$PORT" 127.0.67.6 '< 220' '> EHLO own.example.test' '< 250' '> STARTTLS' '< 220' \
  "raw-file $T/rec.bytes" 'sleep 1000' 'shutdown' 'drain'
[ "$(tail -c 5 "$T/fallback.client" | od -An -tx1 | tr -d ' \n')" = 1503030002 ] ||
  { od -c "$T/fallback.client" | tail -n 3 >&2; fail "fallback: the smtpd's TLS bytes did not reach the client"; }
assert_grep "$F_LOG" 'warning: tls ip=127\.0\.67\.6 layer=unused' "fallback: no log line"
assert_grep "$F_LOG" 'blind ip=127\.0\.67\.6 reason=starttls' "fallback: not blind"
check_no_leftovers
exit 0
