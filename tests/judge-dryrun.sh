#!/bin/sh
# The dry run (smtpguard -n -d) through the real chain: it reaches the
# verdicts the real run would (a wouldkick line, with list=yes, for the
# background story's bot; nothing for a busy relay with typos or a mail
# client saying RSET at the start of every session) and acts on none of
# them: no 421, nothing listed, the bot's next connection is greeted, and
# smtpguard-stat counts the would-be verdicts by reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
[ -x "$SG_BIN/smtpguard-stat" ] || fail "no $SG_BIN/smtpguard-stat (run make)"
SG_JUDGE_SGOPTS=-n judge_server

# not_acted_on IP WHAT: nothing happened to IP but log lines
not_acted_on() {
  _re=$(re "$1")
  assert_no_grep "$SERVER_LOG" "(^|: )info: kick ip=$_re " "$2 ($1): kicked in a dry run"
  assert_no_grep "$SERVER_LOG" "listed ip=$_re " "$2 ($1): listed in a dry run"
  [ -e "$S/listed/$1" ] || [ -L "$S/listed/$1" ] && fail "$2 ($1): in $S/listed/ in a dry run"
  build_cdb
  case $(cdb -q -n 1 "$CDB" "$1" 2>/dev/null | tr '\0' '|') in D*) fail "$2 ($1): denied in the cdb" ;; esac
  assert_eq "$(door "$1" "$2")" open "$2 ($1): next connection"
}

pattern_bot() {
  IP=127.0.14.1
  {
    echo '< 220'; echo '> EHLO bot.example.test'; echo '< 250'
    for r in 1 2 3; do
      echo '> MAIL FROM:<spam@bot.example.test>'; echo '< 250'
      for g in 1 2 3 4 5; do echo "> RCPT TO:<dry-$r-$g@example.test>"; echo '< 550'; done
      echo '> RSET'; echo '< 250'
    done
    echo '> QUIT'; echo '< 221'; echo 'eof'
  } >"$T/bot.script"
  # every session runs to its end: a dry run never cuts one
  for k in 1 2 3; do sgt_ok $IP bot "$T/bot.script"; done
  assert_eq "$(transcript_rcpt_refused "$T/bot.client")" 45 "bot: every guess answered in a dry run"
  assert_grep "$SERVER_LOG" "wouldkick ip=$(re $IP) reason=badrcpt .*list=yes" "bot: no wouldkick with list=yes"
  [ "$(grep -c "wouldkick ip=$(re $IP) " "$SERVER_LOG")" -le 3 ] || fail "bot: more than one wouldkick per session"
  not_acted_on $IP bot
}
pattern_relay() {
  IP=127.0.14.2
  mta_init relay $IP
  i=1
  while [ $i -le 100 ]; do
    if [ $((i % 25)) -eq 0 ]; then
      mta_queue relay relay@client.example.test "dry $i" "good-d$i@example.test" "godo-d$i@example.test"
    else
      mta_queue relay relay@client.example.test "dry $i" "good-d$i@example.test"
    fi
    i=$((i + 1))
  done
  mta_flush relay
  assert_eq "$(mta_delivered relay)" 100 "relay: messages delivered"
  assert_no_grep "$SERVER_LOG" "wouldkick ip=$(re $IP) " "relay: a wouldkick for a busy relay"
  not_acted_on $IP relay
}
pattern_eudora() {
  IP=127.0.14.3
  {
    echo '< 220'; echo '> EHLO pc.client.example.test'; echo '< 250'
    echo '> RSET'; echo '< 250'
    echo '> MAIL FROM:<eudora@client.example.test>'; echo '< 250'
    echo '> RCPT TO:<good-friend@example.test>'; echo '< 250'
    echo '> DATA'; echo '< 354'
    echo pipeline; echo '> Subject: hi'; echo '>'; echo '> Hello.'; echo '> .'; echo flush; echo '< 250'
    echo '> QUIT'; echo '< 221'; echo 'eof'
  } >"$T/eudora.script"
  k=1
  while [ $k -le 60 ]; do sgt_ok $IP eudora "$T/eudora.script"; k=$((k + 1)); done
  assert_no_grep "$SERVER_LOG" "wouldkick ip=$(re $IP) " "eudora: a wouldkick for RSET at session start"
  not_acted_on $IP eudora
}

run_patterns bot relay eudora
# smtpguard-stat counts the dry run's verdicts by reason
"$SG_BIN/smtpguard-stat" -t "$SERVER_LOG" >"$T/stat.out" 2>&1 || { cat "$T/stat.out" >&2; fail "smtpguard-stat failed"; }
if want_pattern bot; then
  assert_grep "$T/stat.out" '^wouldkick[[:space:]]+badrcpt[[:space:]]+[1-9]' "smtpguard-stat: no wouldkick badrcpt"
fi
assert_no_grep "$T/stat.out" '^kick[[:space:]]+[a-z]+[[:space:]]+[1-9]' "smtpguard-stat: a kick in a dry run"
check_no_leftovers
stop_pid "$SERVER_PID"
note "$(($(date +%s) - started)) s"
patterns_verdict
