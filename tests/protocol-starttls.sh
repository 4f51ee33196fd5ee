#!/bin/sh
# STARTTLS through the real chain (tcpserver -R -H -l 0, smtpguard -v -d,
# a scripted smtpd that answers 220 to STARTTLS and then reads opaque
# bytes, recorded): after 220 to STARTTLS, the client's next bytes must
# be a TLS handshake record (0x16 0x03 0x00..0x04).
#
#   - plaintext after the 220: kick reason=starttls, the smtpd never gets it
#   - plaintext pipelined behind STARTTLS (command injection): the same
#   - a TLS record header: the session goes blind (log "blind ... reason=
#     starttls", summary tls=blind), bytes relayed both ways, no kick
#   - a real TLS client (openssl s_client -starttls smtp): blind, no kick
#   - smtpguard-stat counts the blind sessions, per address too
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
need_sgscriptd

S=$T/state
mkdir "$S" || fail mkdir
start_tcpserver -- "$SG_BIN/smtpguard" -v -g 500 -d "$S" "$TOP/tests/exim/record-smtpd" "$T/t" "$SGSCRIPTD" starttls
LOG=$SERVER_LOG


# --- plaintext after 220 to STARTTLS ------------------------------------------
script_session plain 127.0.65.1 '< 220' '> EHLO plain.example.test' '< 250' '> STARTTLS' '< 220' \
  '> MAIL FROM:<x@plain.example.test>' '< 421' 'eof'
tr -d '\r' <"$T/plain.client" | tail -n 1 | grep -q '^421 4\.7\.0 no TLS handshake after STARTTLS' || fail "plain: no 421"
assert_grep "$LOG" 'kick ip=127\.0\.65\.1 reason=starttls ' "plain: kick log line"
assert_grep "$LOG" 'listed ip=127\.0\.65\.1 reason=starttls ' "plain: listing log line"
assert_no_grep "$T/t.in" 'plain\.example\.test>' "plain: the smtpd got the plaintext after the 220"

# --- plaintext pipelined behind STARTTLS ---------------------------------------
script_session inject 127.0.65.2 '< 220' '> EHLO inject.example.test' '< 250' 'pipeline' '> STARTTLS' \
  '> MAIL FROM:<x@inject.example.test>' '> RCPT TO:<guess@example.test>' 'flush' '< 220' '< 421' 'eof'
assert_grep "$LOG" 'kick ip=127\.0\.65\.2 reason=starttls ' "inject: kick log line"
assert_no_grep "$T/t.in" 'inject\.example\.test>|guess@' "inject: the smtpd got the injected commands"

# --- a TLS record after the 220: blind, relayed both ways ----------------------
printf '\026\003\001\000\005hello' >"$T/rec.bytes"
script_session record 127.0.65.3 '< 220' '> EHLO record.example.test' '< 250' '> STARTTLS' '< 220' \
  "raw-file $T/rec.bytes" 'sleep 300' 'shutdown' 'drain'
[ "$(tail -c 5 "$T/record.client" | od -An -tx1 | tr -d ' \n')" = 1503030002 ] ||
  { od -c "$T/record.client" | tail -n 3 >&2; fail "record: the smtpd's TLS bytes did not reach the client"; }
grep -q "$(printf '\026\003\001')" "$T/t.in" || fail "record: the TLS record did not reach the smtpd"
assert_grep "$LOG" 'blind ip=127\.0\.65\.3 reason=starttls' "record: no blind log line"
assert_grep "$LOG" 'session ip=127\.0\.65\.3 helo=record\.example\.test .*tls=blind ' "record: the summary does not say tls=blind"
assert_no_grep "$LOG" 'kick ip=127\.0\.65\.3 ' "record: kicked"

# --- a real TLS client -----------------------------------------------------------
nblind=1
if command -v openssl >/dev/null 2>&1; then
  nblind=2
  timeout 20 openssl s_client -starttls smtp -name client.example.test -connect "127.0.0.1:$PORT" \
    </dev/null >"$T/openssl.out" 2>&1
  assert_grep "$LOG" 'blind ip=127\.0\.0\.1 reason=starttls' "openssl s_client: its ClientHello was not taken for TLS"
  assert_no_grep "$LOG" 'kick ip=127\.0\.0\.1 ' "openssl s_client: kicked"
else
  note "openssl not installed: the real TLS client case is skipped"
fi

# --- smtpguard-stat ------------------------------------------------------------
stop_pid "$SERVER_PID"
"$SG_BIN/smtpguard-stat" -t <"$LOG" >"$T/stat" 2>"$T/stat.err" || { cat "$T/stat.err" >&2; fail "smtpguard-stat"; }
assert_grep "$T/stat" '^kick	starttls	2$' "smtpguard-stat: 2 starttls kicks"
assert_grep "$T/stat" "^other	blind	$nblind\$" "smtpguard-stat: $nblind blind sessions"
assert_grep "$T/stat" '^blind	127\.0\.65\.3	1$' "smtpguard-stat: blind sessions of 127.0.65.3"
check_no_leftovers
exit 0
