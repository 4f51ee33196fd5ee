#!/bin/sh
# The test client checks what it is told to check: its exit status bits
# (1 closed, 2 expectation failed, 4 timeout), multi-line replies read as
# one, the exact transcript (-o), the source address (-b). Against exim
# alone, so that the other tests can trust it. Then its other forms, as
# the bench and the adversarial tests call them: `sgtclient load` against
# `sgscriptd fast` counts every session and reply, an abusive mode reaches
# the server, and a bad command line is a usage error.
. "$(dirname "$0")/lib.sh"
need_sgtclient
start_tcpserver -- "$SMTPD"

# expect_rc WANT NAME: run the script on stdin, check the exit status.
expect_rc() {
  "$SGTCLIENT" -t 3 -b 127.0.5.9 -o "$T/$2.client" 127.0.0.1 "$PORT" >"$T/$2.out" 2>"$T/$2.err"
  got=$?
  [ "$got" -eq "$1" ] || { cat "$T/$2.err" >&2; fail "$2: exit $got, want $1"; }
}

printf '< 220\n> EHLO me\n< 250\n> RCPT TO:<x@example.test>\n< 503\n> QUIT\n< 221\neof\n' | expect_rc 1 ok
assert_grep "$T/ok.out" '^250-sgtest\.example\.test Hello me \[127\.0\.5\.9\]$' "ok: -b source address or reply printing"
# the transcript is the exact bytes: 220, the 9-line EHLO reply, 503, 221
[ "$(grep -c "$(printf '\r$')" "$T/ok.client")" -eq 12 ] || fail "ok: transcript is not the 12 CRLF lines received"
tr -d '\r' <"$T/ok.client" >"$T/ok.client.lf"
assert_same_file "$T/ok.out" "$T/ok.client.lf" "ok: printed replies differ from the transcript"

printf '< 250\n> QUIT\n< 221\neof\n' | expect_rc 3 wrong-code
assert_grep "$T/wrong-code.err" 'expected 250, got 220' "wrong-code: no diagnostic"

printf '< 220\n> NOOP\n< 250\nclose\n' | expect_rc 0 still-open

printf '< 220\n> NOOP\n< 250\n<\n' | expect_rc 4 timeout

printf '< 220\n> QUIT\n< 221\n<\n' | expect_rc 3 reply-after-close

printf '< 220\npipeline\n> NOOP\n> NOOP\n> QUIT\nflush\n< 250\n< 250\n< 221\n> NOOP\neof\n' | expect_rc 1 pipelined

check_no_leftovers
stop_pid "$SERVER_PID"

# load mode against the fast scripted smtpd: 6 sessions, 2 at a time, 3
# source addresses; the attack script's 20 RCPTs each all get 550
need_sgscriptd
start_tcpserver -- "$SGSCRIPTD" -l 30 fast
out=$("$SGTCLIENT" load -t 30 -n 6 -c 2 -s attack -b 127.0.5.20 -B 3 -o "$T/perip" 127.0.0.1 "$PORT") ||
  fail "load: exit $?: $out"
for kv in sessions=6 ok=6 greeted=6 early=0 r550=120 maxperip550=40 cut=0; do
  case " $out " in *" $kv "*) ;; *) fail "load: no $kv in: $out" ;; esac
done
assert_grep "$T/perip" '^127\.0\.5\.22 2 2 40$' "load: per-address line"
out=$("$SGTCLIENT" load -t 30 -n 2 -p -s legit 127.0.0.1 "$PORT") || fail "load pipelined: exit $?: $out"
case " $out " in *" ok=2 "*" delivered=2 "*) ;; *) fail "load pipelined: want 2 sessions delivered: $out" ;; esac
check_no_leftovers
stop_pid "$SERVER_PID"

# an abusive mode: rst cuts the session mid-DATA after the 354
start_tcpserver -- "$SGSCRIPTD" -l 30 normal
"$SGTCLIENT" -t 10 -o "$T/rst.client" rst 127.0.0.1 "$PORT" 4 2>"$T/rst.err" || { cat "$T/rst.err" >&2; fail "rst: exit $?"; }
assert_grep "$T/rst.client" '^354 ' "rst: the session did not reach DATA"
check_no_leftovers
stop_pid "$SERVER_PID"

# usage errors: exit 100, one line
for args in "" "load" "load -n x 127.0.0.1 25" "longline 127.0.0.1 25" "noread 127.0.0.1"; do
  # shellcheck disable=SC2086
  "$SGTCLIENT" $args </dev/null >/dev/null 2>"$T/usage.err"
  rc=$?
  [ $rc -eq 100 ] || fail "usage '$args': exit $rc, want 100"
  [ "$(wc -l <"$T/usage.err")" -eq 1 ] && grep -q '^sgtclient: usage: ' "$T/usage.err" || fail "usage '$args': not one usage line"
done
exit 0
