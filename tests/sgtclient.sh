#!/bin/sh
# The test client checks what it is told to check: its exit status bits
# (1 closed, 2 expectation failed, 4 timeout), multi-line replies read as
# one, the exact transcript (-o), the source address (-b). Against exim
# alone, so that the other tests can trust it.
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
# the transcript is the exact bytes: 220, the 8-line EHLO reply, 503, 221
[ "$(grep -c "$(printf '\r$')" "$T/ok.client")" -eq 11 ] || fail "ok: transcript is not the 11 CRLF lines received"
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
exit 0
