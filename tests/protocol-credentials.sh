#!/bin/sh
# Credentials never reach smtpguard's log, through the real chain
# (tcpserver -R -H -l 0, smtpguard -v -d, exim -bs with AUTH PLAIN/LOGIN):
# a failed AUTH PLAIN with the credentials on the AUTH line, then a bare
# EHLO (the session summary's helo= once logged 64 stale bytes of the
# AUTH line there); the same with the credentials on a continuation line,
# with AUTH LOGIN, and a successful AUTH then a bare EHLO. The log must
# hold neither the base64 nor the decoded user and password, and the
# summary has no helo= for a bare EHLO.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard

S=$T/state
mkdir "$S" || fail mkdir
start_tcpserver -- "$SG_BIN/smtpguard" -v -g 500 -d "$S" -a 10 "$SMTPD"

b64() { printf "$1" | base64 | tr -d '\n'; }

# \0mallory\0wrongsecret1 ... : user and password unique per case
P1=$(b64 '\000mallory\000wrongsecret1')
script_session plain-line 127.0.64.1 '< 220' '> EHLO client.example.test' '< 250' \
  "> AUTH PLAIN $P1" '< 535' '> EHLO' '<' '> QUIT' '< 221'
P2=$(b64 '\000mallory\000wrongsecret2')
script_session plain-cont 127.0.64.2 '< 220' '> EHLO client.example.test' '< 250' '> AUTH PLAIN' '< 334' "> $P2" '< 535' '> EHLO' '<' '> QUIT' '< 221'
U3=$(b64 'mallory3') W3=$(b64 'wrongsecret3')
script_session login 127.0.64.3 '< 220' '> EHLO client.example.test' '< 250' '> AUTH LOGIN' '< 334' "> $U3" '< 334' "> $W3" '< 535' \
  '> HELO' '<' '> QUIT' '< 221'
# an over-long AUTH line (past the 80 bytes the scanner keeps), then a bare EHLO
P4=$(b64 '\000mallory4\000wrongsecret4wrongsecret4wrongsecret4wrongsecret4wrongsecret4wrongsecret4')
script_session plain-long 127.0.64.4 '< 220' '> EHLO client.example.test' '< 250' "> AUTH PLAIN $P4" '< 535' '> EHLO' '<' '> QUIT' '< 221'
# a good one: alice / secret
P5=$(b64 '\000alice\000secret')
script_session good 127.0.64.5 '< 220' '> EHLO client.example.test' '< 250' "> AUTH PLAIN $P5" '< 235' '> EHLO' '<' '> QUIT' '< 221'

LOG=$SERVER_LOG
stop_pid "$SERVER_PID"
for pat in "$P1" "$P2" "$U3" "$W3" "$P5" "$(printf '%s' "$P4" | cut -c 1-40)" \
    mallory wrongsecret 'AUTH' 'PLAIN' 'LOGIN' 'alice' 'c2VjcmV0' 'YWxpY2U'; do
  assert_no_grep "$LOG" "$pat" "credential bytes ($pat) in smtpguard's log"
done
# (the decoded forms, with NULs escaped as smtpguard escapes them)
assert_no_grep "$LOG" 'x00mallory|x00alice' "decoded credentials in smtpguard's log"
for ip in 127.0.64.1 127.0.64.2 127.0.64.4; do
  assert_grep "$LOG" "session ip=$ip end=quit " "$ip: no session summary, or a helo= for a bare EHLO"
done
assert_grep "$LOG" "session ip=127\.0\.64\.3 end=quit " "login: no session summary, or a helo= for a bare HELO"
assert_grep "$LOG" "session ip=127\.0\.64\.1 .*authfail=1 " "plain-line: the failed AUTH is not counted"
# authenticated: not scanned any more, the HELO name is the first EHLO's
assert_grep "$LOG" "session ip=127\.0\.64\.5 helo=client\.example\.test .*auth=yes " "good: not authenticated, or not its HELO name"
check_no_leftovers
exit 0
