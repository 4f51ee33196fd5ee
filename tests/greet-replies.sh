#!/bin/sh
# What a client sees after the door test's teaser, whatever the smtpd
# greets with (the scripted smtpd, for exact greetings): the teaser and
# the smtpd's greeting always make valid replies, every line of a reply
# with one code (RFC 5321 4.2.1):
#   - a multi-line 220 greeting continues the teaser as one reply, and the
#     scanner still pairs every later reply (a dictionary attack is kicked
#     exactly at the RSET after its 5th bad recipient);
#   - a 421 or 554 greeting, or an smtpd that dies before greeting: our
#     "220 " line ends the reply, then a 421 and the close;
#   - a kick while the greeting is still awaited ends the reply first.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
need_sgscriptd
SCRIPTD=$SGSCRIPTD
S=$T/state
mkdir "$S" || fail mkdir
TEASER='mx.example.test teaser'

session() { # NAME IP SCRIPT
  "$SGTCLIENT" -t 30 -b "$2" -o "$T/$1.client" 127.0.0.1 "$PORT" "$3" >"$T/$1.replies" 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" "$T/$1.client" "$SERVER_LOG" >&2; fail "$1: sgtclient exit $rc, want 1"; }
}
server() { # MODE
  start_tcpserver -- "$SG_BIN/smtpguard" -v -d "$S" -G 300 -B "$TEASER" "$SCRIPTD" "$@"
}

# --- a multi-line greeting, then an attack: pairing holds -------------------
server multigreet
printf '< 220\n> EHLO client.example.test\n< 250\n> QUIT\n< 221\neof\n' >"$T/polite"
session multi 127.0.9.1 "$T/polite"
replies_valid "$T/multi.client" multi
tr -d '\r' <"$T/multi.client" | head -n 4 >"$T/multi.greeting"
printf '220-%s\n220-sgscriptd first line\n220-sgscriptd second line\n220 sgscriptd ESMTP\n' "$TEASER" >"$T/multi.want"
assert_same_file "$T/multi.want" "$T/multi.greeting" "multi: the greeting is not the teaser then the smtpd's lines"
attack_script "$T/kick" pipelined yes
session attack 127.0.9.2 "$T/kick"
replies_valid "$T/attack.client" attack
# the greeting's 4 lines are one reply: the 5th 550 is the 5th bad RCPT
check_kicked attack 127.0.9.2
check_no_leftovers
stop_pid "$SERVER_PID"

# --- greetings that refuse, or none ---------------------------------------
printf '< 220\n> EHLO client.example.test\n< 421\neof\n' >"$T/refused"
n=3
for mode in greet421 greet554 nogreet; do
  n=$((n + 1))
  server "$mode"
  session "$mode" "127.0.9.$n" "$T/refused"
  replies_valid "$T/$mode.client" "$mode"
  tr -d '\r' <"$T/$mode.client" | head -n 2 >"$T/$mode.head"
  printf '220-%s\n220 %s\n' "$TEASER" "$TEASER" >"$T/$mode.want"
  assert_same_file "$T/$mode.want" "$T/$mode.head" "$mode: the teaser is not ended by our 220"
  assert_grep "$SERVER_LOG" "badgreeting ip=127\.0\.9\.$n code=" "$mode: not logged"
  assert_no_grep "$T/$mode.client" '^(554|503)' "$mode: the smtpd's refusal leaked into the teaser's reply"
  check_no_leftovers
  stop_pid "$SERVER_PID"
done

# --- kicked before the greeting is whole ------------------------------------
# An over-long line right after the wait, before the slow smtpd greets:
# the kick's 421 must not continue the teaser's 220 reply.
# The client must be past the wait (300 ms) when it sends: it waits 1 s
# (3 s under valgrind, where smtpguard itself takes a second to start),
# and the smtpd greets 2 s after that.
cwait=1000; sdelay=3
[ -n "${SG_VALGRIND:-}" ] && cwait=3000 && sdelay=5
printf '#!/bin/sh\nsleep %s\nexec "%s" normal\n' "$sdelay" "$SCRIPTD" >"$T/slow"
chmod 755 "$T/slow"
start_tcpserver -- "$SG_BIN/smtpguard" -v -d "$S" -G 300 -B "$TEASER" "$T/slow"
head -c 13000 /dev/zero | tr '\0' 'x' >"$T/long.bytes"
printf '\r\n' >>"$T/long.bytes"
printf 'sleep %s\nraw-file %s\n< 220\n< 421\neof\n' "$cwait" "$T/long.bytes" >"$T/long"
session long 127.0.9.9 "$T/long"
replies_valid "$T/long.client" long
assert_grep "$SERVER_LOG" 'kick ip=127\.0\.9\.9 reason=longline' "long: no kick"
check_no_leftovers
stop_pid "$SERVER_PID"
exit 0
