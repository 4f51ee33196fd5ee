#!/bin/sh
# List hosts that VERP and the clients smtpguard trusts, through the real
# chain (tcpserver -x, smtpguard -d with its default limits, exim -bs),
# with scripted clients
# (sgtclient, swaks) for the exact patterns: never kicked, never listed,
# every message delivered (250 after the dot, in the client's transcript
# and in exim's log), and the next connection is still greeted.
#
#   verp       a list host sending one transaction per member (VERP):
#              2 x 500 members, 3% stale, 1% full, the same each time,
#              RSET after a member refused (nothing to send)
#   addrbook   a first-time sender's one message to an old address book:
#              20 contacts, 8 of them gone (550), delivered to the others
#   auth       authenticated (AUTH PLAIN alice/secret): many stale
#              recipients, many RSETs
#   authmech   a client whose AUTH tests no credentials (a mechanism the
#              server lacks: 504; cancelled: 501), 12 sessions
#   stalephone a phone after a password change: the same wrong password
#              (AUTH PLAIN, and AUTH LOGIN's two lines) on every fetch,
#              16 sessions, then the right one: its mail goes through
#   relayclient, exempt  the same abuse from clients the rules cdb gives
#              RELAYCLIENT or SMTPGUARD_EXEMPT
# SG_JUDGE_SCALE=small runs 1/5 of the VERP list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
judge_server '127.0.11.5:allow,RELAYCLIENT=""' '127.0.11.6:allow,SMTPGUARD_EXEMPT="1"'

# message SUBJECT: a message's content in one write, as MTAs send it,
# then the dot and its 250
message() {
  echo '< 354'; echo pipeline; echo "> Subject: $1"; echo '>'; echo '> Hello.'; echo '> .'; echo flush; echo '< 250'
}

# --- verp --------------------------------------------------------------------
# member N: 550 (stale: the number ends in 07, 37, 77), 451 (ends in 50)
# or 250, as tests/exim/exim.conf answers NNNlist@example.test
member() {
  case $(( $1 % 100 )) in 7|37|77) echo 550 ;; 50) echo 451 ;; *) echo 250 ;; esac
}
pattern_verp() {
  IP=127.0.11.4
  members=$(scaled 500 100)
  runs=$(scaled 2 1)
  want=0
  r=1
  while [ $r -le "$runs" ]; do
    {
      echo '< 220'; echo '> EHLO lists.client.example.test'; echo '< 250'
      k=1
      while [ $k -le "$members" ]; do
        echo "> MAIL FROM:<list-bounces+$k=example.test@client.example.test>"; echo '< 250'
        code=$(member $k)
        echo "> RCPT TO:<${k}list@example.test>"; echo "< $code"
        if [ "$code" = 250 ]; then echo '> DATA'; message "issue $r"; want=$((want + 1))
        else echo '> RSET'; echo '< 250'; fi
        k=$((k + 1))
      done
      echo '> QUIT'; echo '< 221'; echo 'eof'
    } >"$T/verp.script"
    sgt_ok $IP verp "$T/verp.script"
    r=$((r + 1))
  done
  assert_eq "$(exim_delivered $IP)" "$want" "verp: messages delivered, in exim's log"
  never_judged $IP verp
}

# --- addrbook ---------------------------------------------------------------------
pattern_addrbook() {
  IP=127.0.11.8
  to=
  k=1
  while [ $k -le 20 ]; do
    if [ $((k % 5)) -eq 1 ] || [ $((k % 5)) -eq 3 ]; then to="$to,gone-ab$k@example.test"
    else to="$to,good-ab$k@example.test"; fi
    k=$((k + 1))
  done
  swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface $IP --helo home.client.example.test \
    --from organiser@client.example.test --to "${to#,}" --timeout 20 >"$T/addrbook.swaks" 2>&1
  assert_eq "$(grep -c '^<[-~*]* *250 OK discarded' "$T/addrbook.swaks")" 1 "addrbook: the message delivered"
  assert_eq "$(exim_rcpt_refused $IP)" 8 "addrbook: gone contacts refused"
  never_judged $IP addrbook
}

# --- auth, relayclient, exempt ---------------------------------------------------
# abuse_script FILE PRELUDE: after EHLO (and PRELUDE), 3 x (MAIL, 5 stale
# recipients, one good, DATA, RSET), then 30 RSETs, then QUIT
abuse_script() {
  {
    echo '< 220'; echo '> EHLO trusted.client.example.test'; echo '< 250'
    [ -n "$2" ] && printf '%s\n' "$2"
    for t in 1 2 3; do
      echo '> MAIL FROM:<user@client.example.test>'; echo '< 250'
      for g in 1 2 3 4 5; do echo "> RCPT TO:<stale-$t-$g@example.test>"; echo '< 550'; done
      echo "> RCPT TO:<good-t$t@example.test>"; echo '< 250'
      echo '> DATA'; message "trusted $t"
      for k in 1 2 3 4 5 6 7 8 9 10; do echo '> RSET'; echo '< 250'; done
    done
    echo '> MAIL FROM:<user@client.example.test>'; echo '< 250'
    for g in 1 2 3 4 5 6 7 8 9 10; do echo "> RCPT TO:<nobody-$g@example.test>"; echo '< 550'; done
    echo '> RSET'; echo '< 250'
    echo '> QUIT'; echo '< 221'; echo 'eof'
  } >"$1"
}
pattern_auth() {
  IP=127.0.11.7
  abuse_script "$T/auth.script" "$(printf '> AUTH PLAIN AGFsaWNlAHNlY3JldA==\n< 235')"
  for k in 1 2 3; do sgt_ok $IP auth "$T/auth.script"; done
  for k in 1 2; do
    swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface $IP --helo laptop.client.example.test \
      --auth PLAIN --auth-user alice --auth-password secret \
      --from alice@client.example.test --timeout 20 \
      --to good-a$k@example.test,gone1@example.test,gone2@example.test,gone3@example.test,gone4@example.test,gone5@example.test,gone6@example.test \
      >>"$T/auth.swaks" 2>&1
  done
  assert_eq "$(grep -c '^<[-~*]* *250 OK discarded' "$T/auth.swaks")" 2 "auth: swaks' messages delivered"
  assert_eq "$(exim_delivered $IP)" 11 "auth: messages delivered, in exim's log"
  never_judged $IP auth
}
# a mail client configured for a mechanism the server lacks (exim:
# 504) or that cancels its AUTH (501): no credentials were tested, 12
# sessions that then send their message unauthenticated
pattern_authmech() {
  IP=127.0.11.9
  for k in 1 2 3 4 5 6; do
    for how in cram cancel; do
      {
        echo '< 220'; echo '> EHLO laptop.client.example.test'; echo '< 250'
        if [ $how = cram ]; then echo '> AUTH CRAM-MD5'; echo '< 504'
        else echo '> AUTH LOGIN'; echo '< 334'; echo '> *'; echo '< 501'; fi
        echo '> MAIL FROM:<user@client.example.test>'; echo '< 250'
        echo "> RCPT TO:<good-m$k$how@example.test>"; echo '< 250'
        echo '> DATA'; message "mech $k $how"
        echo '> QUIT'; echo '< 221'; echo 'eof'
      } >"$T/authmech.script"
      sgt_ok $IP authmech "$T/authmech.script"
    done
  done
  assert_eq "$(exim_delivered $IP)" 12 "authmech: messages delivered, in exim's log"
  never_judged $IP authmech
}
pattern_stalephone() {
  IP=127.0.11.10
  plain=$(printf '\0alice\0oldsecret' | base64)
  user=$(printf alice | base64)
  pass=$(printf oldsecret | base64)
  for k in 1 2 3 4 5 6 7 8; do
    for how in plain login; do
      {
        echo '< 220'; echo '> EHLO phone.client.example.test'; echo '< 250'
        if [ $how = plain ]; then echo "> AUTH PLAIN $plain"; echo '< 535'
        else echo '> AUTH LOGIN'; echo '< 334'; echo "> $user"; echo '< 334'; echo "> $pass"; echo '< 535'; fi
        echo '> QUIT'; echo '< 221'; echo 'eof'
      } >"$T/stalephone.script"
      sgt_ok $IP stalephone "$T/stalephone.script"
    done
  done
  # smtpguard saw each refusal: they were counted, once for each way of
  # sending them (a session's line is written after its client has gone:
  # the last may still be on its way)
  stale_seen() { [ "$(grep -Ec "session ip=$(re $IP) .*authfail=1" "$SERVER_LOG")" -ge 16 ]; }
  wait_until 20 stale_seen
  assert_eq "$(grep -Ec "session ip=$(re $IP) .*authfail=1" "$SERVER_LOG")" 16 "stalephone: sessions whose refused AUTH smtpguard saw"
  assert_eq "$(tr -d '\r' <"$T/stalephone.client" | grep -c '^535 ')" 16 "stalephone: refused AUTHs answered"
  {
    echo '< 220'; echo '> EHLO phone.client.example.test'; echo '< 250'
    echo "> AUTH PLAIN $(printf '\0alice\0secret' | base64)"; echo '< 235'
    echo '> MAIL FROM:<alice@client.example.test>'; echo '< 250'
    echo '> RCPT TO:<good-phone@example.test>'; echo '< 250'
    echo '> DATA'; message "fixed"
    echo '> QUIT'; echo '< 221'; echo 'eof'
  } >"$T/stalephone.script"
  sgt_ok $IP stalephone "$T/stalephone.script"
  assert_eq "$(exim_delivered $IP)" 1 "stalephone: the message after the fix, in exim's log"
  never_judged $IP stalephone
}
pattern_relayclient() {
  abuse_script "$T/relayclient.script" ""
  for k in 1 2 3; do sgt_ok 127.0.11.5 relayclient "$T/relayclient.script"; done
  assert_eq "$(exim_delivered 127.0.11.5)" 9 "relayclient: messages delivered, in exim's log"
  NO_DELIVERED_CHECK=1 never_judged 127.0.11.5 relayclient
}
pattern_exempt() {
  abuse_script "$T/exempt.script" ""
  for k in 1 2 3; do sgt_ok 127.0.11.6 exempt "$T/exempt.script"; done
  assert_eq "$(exim_delivered 127.0.11.6)" 9 "exempt: messages delivered, in exim's log"
  never_judged 127.0.11.6 exempt
}

run_patterns verp addrbook auth authmech stalephone relayclient exempt
check_no_leftovers
stop_pid "$SERVER_PID"
note "scale $SG_JUDGE_SCALE: $(($(date +%s) - started)) s"
patterns_verdict
