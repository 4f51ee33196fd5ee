#!/bin/sh
# Exempt clients are never kicked, through the real chain (tcpserver -x
# with a cdb built by Debian's tcprules, smtpguard, exim -bs):
#   - RELAYCLIENT set by the rules: not counted (but counted with -c);
#   - SMTPGUARD_EXEMPT set by the rules: smtpguard execs the smtpd itself;
#   - a session after a successful AUTH (PLAIN and LOGIN as alice): not
#     counted, and the credentials never reach the log.
# Each exemption has a control that is kicked, so that the test can fail.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) not installed"

cat >"$T/rules" <<'EOF'
127.0.0.1:allow,RELAYCLIENT=""
127.0.6.3:allow,SMTPGUARD_EXEMPT="yes"
:allow
EOF
tcprules "$T/rules.cdb" "$T/rules.tmp" <"$T/rules" || fail "tcprules failed"

attack_script "$T/full" lockstep no
attack_script "$T/kick" lockstep yes

# session NAME IP SCRIPT: one sgtclient session from IP, must exit 1
# (every expectation met, then the server closed).
session() {
  "$SGTCLIENT" -t 30 -b "$2" -o "$T/$1.client" 127.0.0.1 "$PORT" "$3" >"$T/$1.replies" 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" "$SERVER_LOG" >&2; fail "$1: sgtclient exit $rc, want 1"; }
}

# --- RELAYCLIENT ----------------------------------------------------------
start_tcpserver -x "$T/rules.cdb" -- "$SG_BIN/smtpguard" -v "$SMTPD"
session relay 127.0.0.1 "$T/full"
[ "$(grep -c '^550' "$T/relay.client")" -eq 15 ] || fail "relay: want 15 rejected RCPTs answered"
assert_no_grep "$T/relay.client" '^421' "relay: RELAYCLIENT client kicked"
check_no_leftovers
# control: the same server, an address the rules do not exempt
session relay-control 127.0.6.9 "$T/kick"
check_kicked relay-control 127.0.6.9
check_no_leftovers
assert_no_grep "$SERVER_LOG" 'kick ip=127\.0\.0\.1 ' "relay: kick logged for the RELAYCLIENT client"
stop_pid "$SERVER_PID"

# -c: RELAYCLIENT clients are counted too
start_tcpserver -x "$T/rules.cdb" -- "$SG_BIN/smtpguard" -c "$SMTPD"
session relay-c 127.0.0.1 "$T/kick"
check_kicked relay-c 127.0.0.1
check_no_leftovers
stop_pid "$SERVER_PID"

# --- SMTPGUARD_EXEMPT -----------------------------------------------------
# The session holds still after the attack so that we can look at who
# serves it: with the exemption, tcpserver's child is the smtpd (exim4),
# smtpguard having exec'd it.
start_tcpserver -x "$T/rules.cdb" -- "$SG_BIN/smtpguard" -v "$SMTPD"
sed '/^> QUIT$/i\
sleep 1500' "$T/full" >"$T/full.hold"
"$SGTCLIENT" -t 30 -b 127.0.6.3 -o "$T/exempt.client" 127.0.0.1 "$PORT" "$T/full.hold" >/dev/null 2>"$T/exempt.err" &
cpid=$!
at_exit "stop_pid $cpid"
children() { ps -o comm= --ppid "$SERVER_PID" 2>/dev/null; }
has_exim_child() { children | grep -qx exim4; }
wait_until 10 has_exim_child || { children >&2; fail "exempt: no exim4 child of tcpserver"; }
children | grep -q smtpguard && fail "exempt: smtpguard still runs for an SMTPGUARD_EXEMPT client"
wait "$cpid"
rc=$?
[ $rc -eq 1 ] || { cat "$T/exempt.err" >&2; fail "exempt: sgtclient exit $rc, want 1"; }
[ "$(grep -c '^550' "$T/exempt.client")" -eq 15 ] || fail "exempt: want 15 rejected RCPTs answered"
assert_no_grep "$T/exempt.client" '^421' "exempt: SMTPGUARD_EXEMPT client kicked"
check_no_leftovers
assert_no_grep "$SERVER_LOG" 'ip=127\.0\.6\.3 ' "exempt: smtpguard logged about an exempt session"
stop_pid "$SERVER_PID"

# --- AUTH -----------------------------------------------------------------
# alice/secret: PLAIN "\0alice\0secret", LOGIN "alice", "secret" in base64.
plain_ok='> AUTH PLAIN AGFsaWNlAHNlY3JldA==
< 235'
login_ok='> AUTH LOGIN
< 334
> YWxpY2U=
< 334
> c2VjcmV0
< 235'
plain_bad='> AUTH PLAIN AGFsaWNlAHdyb25n
< 535'
attack_script "$T/auth-plain" lockstep no "$plain_ok"
attack_script "$T/auth-login" lockstep no "$login_ok"
attack_script "$T/auth-failed" lockstep yes "$plain_bad"
start_tcpserver -- "$SG_BIN/smtpguard" -v "$SMTPD"
for how in plain login; do
  session "auth-$how" 127.0.0.1 "$T/auth-$how"
  [ "$(grep -c '^550' "$T/auth-$how.client")" -eq 15 ] || fail "auth-$how: want 15 rejected RCPTs answered"
  assert_no_grep "$T/auth-$how.client" '^421' "auth-$how: authenticated client kicked"
  check_no_leftovers
done
assert_no_grep "$SERVER_LOG" 'kick' "auth: kick logged for an authenticated client"
# control: a failed AUTH (one, below the authfail limit) exempts nothing
session auth-failed 127.0.6.5 "$T/auth-failed"
check_kicked auth-failed 127.0.6.5
assert_grep "$SERVER_LOG" 'kick ip=127\.0\.6\.5 reason=badrcpt bad=5 good=0 .*authfail=1' "auth-failed: kick log counters"
check_no_leftovers
stop_pid "$SERVER_PID"
# credentials are never logged, whatever the outcome
assert_no_grep "$SERVER_LOG" 'AGFsaWNl|YWxpY2U|c2VjcmV0|secret' "credentials in the log"
exit 0
