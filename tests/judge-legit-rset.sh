#!/bin/sh
# Legitimate senders that say RSET a lot, through the real chain
# (tcpserver -x, smtpguard -d with its default limits, exim -bs), scripted
# exactly with sgtclient: never kicked, never listed, every message
# delivered (250 after the dot, in the client's transcript and in exim's
# log), and the next connection is still greeted. RSET never resets
# smtpguard's counters, and an RSET after a delivery or at the start of a
# session is no abuse.
#
#   rsetreuse  a relay caching its connections the way Postfix does: RSET
#              before every reuse, then MAIL, RCPT, DATA pipelined;
#              1000 messages over 4 connections, a typo in every 100th
#   rsetstart  a mail client that says RSET at the start of each session,
#              one message a session, 500 sessions (two at a time)
#   rsetmail   a mail client that says RSET before every MAIL, 25
#              sessions of 20 messages, a typo in every 5th session
# SG_JUDGE_SCALE=small runs 1/10 of the messages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
judge_server

# message SUBJECT: a message's content in one write, as MTAs send it,
# then the dot and its 250
message() {
  echo '< 354'; echo pipeline; echo "> Subject: $1"; echo '>'; echo '> Hello.'; echo '> .'; echo flush; echo '< 250'
}

# --- rsetreuse -------------------------------------------------------------
pattern_rsetreuse() {
  IP=127.0.11.1
  per=$(scaled 250 25)
  n=0
  for c in 1 2 3 4; do
    {
      echo '< 220'; echo '> EHLO relay.client.example.test'; echo '< 250'
      m=1
      while [ $m -le "$per" ]; do
        n=$((n + 1))
        if [ $m -gt 1 ]; then echo '> RSET'; echo '< 250'; fi
        echo pipeline
        echo "> MAIL FROM:<bounce-$n@client.example.test>"
        echo "> RCPT TO:<good-rr$n@example.test>"
        [ $((n % 100)) -eq 50 ] && echo "> RCPT TO:<godo-rr$n@example.test>"
        echo '> DATA'
        echo flush
        echo '< 250'; echo '< 250'
        [ $((n % 100)) -eq 50 ] && echo '< 550'
        message "relayed $n"
        m=$((m + 1))
      done
      echo '> QUIT'; echo '< 221'; echo 'eof'
    } >"$T/rsetreuse.script"
    sgt_ok $IP rsetreuse "$T/rsetreuse.script"
  done
  assert_eq "$(transcript_delivered "$T/rsetreuse.client")" "$n" "rsetreuse: messages delivered, as the client saw it"
  assert_eq "$(exim_delivered $IP)" "$n" "rsetreuse: messages delivered, in exim's log"
  never_judged $IP rsetreuse
}

# --- rsetstart, rsetmail -----------------------------------------------------
pattern_rsetstart() {
  IP=127.0.11.2
  n=$(scaled 500 50)
  {
    echo '< 220'; echo '> EHLO pc.client.example.test'; echo '< 250'
    echo '> RSET'; echo '< 250'
    echo '> MAIL FROM:<eudora@client.example.test>'; echo '< 250'
    echo '> RCPT TO:<good-friend@example.test>'; echo '< 250'
    echo '> DATA'; message "from eudora"
    echo '> QUIT'; echo '< 221'; echo 'eof'
  } >"$T/rsetstart.script"
  # two streams of sessions at once (two desks behind the address)
  stream() {
    k=1
    while [ $k -le $((n / 2)) ]; do sgt_ok $IP "rsetstart-$1" "$T/rsetstart.script"; k=$((k + 1)); done
  }
  stream a & apid=$!
  stream b; brc=$?
  wait $apid; arc=$?
  [ $arc -eq 0 ] && [ $brc -eq 0 ] || fail "rsetstart: a session did not go as expected"
  assert_eq "$(transcript_delivered "$T/rsetstart-a.client" "$T/rsetstart-b.client")" "$n" "rsetstart: messages delivered, as the client saw it"
  assert_eq "$(exim_delivered $IP)" "$n" "rsetstart: messages delivered, in exim's log"
  never_judged $IP rsetstart
}
pattern_rsetmail() {
  IP=127.0.11.3
  nses=$(scaled 25 5)
  per=$(scaled 20 10)
  s=1
  while [ $s -le "$nses" ]; do
    {
      echo '< 220'; echo '> EHLO pc.client.example.test'; echo '< 250'
      m=1
      while [ $m -le "$per" ]; do
        echo '> RSET'; echo '< 250'
        echo '> MAIL FROM:<clerk@client.example.test>'; echo '< 250'
        if [ $m -eq 3 ] && [ $((s % 5)) -eq 1 ]; then
          echo "> RCPT TO:<gdoo-$s@example.test>"; echo '< 550'
        fi
        echo "> RCPT TO:<good-$s-$m@example.test>"; echo '< 250'
        echo '> DATA'; message "note $s.$m"
        m=$((m + 1))
      done
      echo '> QUIT'; echo '< 221'; echo 'eof'
    } >"$T/rsetmail.script"
    sgt_ok $IP rsetmail "$T/rsetmail.script"
    s=$((s + 1))
  done
  assert_eq "$(exim_delivered $IP)" $((nses * per)) "rsetmail: messages delivered, in exim's log"
  never_judged $IP rsetmail
}

run_patterns rsetreuse rsetstart rsetmail
check_no_leftovers
stop_pid "$SERVER_PID"
note "scale $SG_JUDGE_SCALE: $(($(date +%s) - started)) s"
patterns_verdict
