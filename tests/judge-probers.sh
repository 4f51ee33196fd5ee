#!/bin/sh
# Probers through the real chain (tcpserver -x, smtpguard -d with its
# default limits, exim -bs): each is kicked and listed, refused at the
# door once the cdb is rebuilt, and gets at most the bad-recipient limit
# of refused RCPTs answered from its address over the whole run (counted
# in the client's transcripts and in exim's log; the bots of the
# background story at most 5), whatever it does to look busy:
#
#   bot        the background story's bot: 5 guesses, RSET, again,
#              3 rounds a session, then it reconnects; lock-step
#   botpipe    the same bot, each round pipelined in one write
#   padone     each guess padded with one accepted address, repeated
#   padmany    guesses among many distinct accepted addresses, in
#              transactions that are never delivered (RSET)
#   padquit    the same, one transaction per connection, ended by QUIT
#   oneper     one guess per connection, over many connections
#   norset     guesses spread over new MAIL transactions, never RSET
#   swaks      swaks with a list of guesses, one transaction a session
#   paydeliv   each guess rides in a delivered message to one accepted
#              address, the same every time (deliveries as the currency)
#   paytwo     each guess rides in a delivered message to two accepted
#              addresses, the same two every time, down one connection
#   onetx      one transaction of 30 guesses, then QUIT (at most half the
#              limit answered: what the old rules gave a single shot)
#   burst      MAIL, 50 guesses and QUIT in one pipelined write (the same)
#   parallel   8 connections at once, each one transaction of 10 guesses
#              held open until all have guessed, then QUIT
#   refusedend one transaction of 30 guesses after a refused "RSET x",
#              "QUIT now" or "BDAT 1 LAST" (exim keeps the transaction)
#   unreadable guesses padded past the bytes smtpguard keeps, or hidden
#              behind a comment or a quoted phrase exim reads past
#   authbrute  wrong passwords, one a session: kicked at the 3rd (-a)
#   vrfy       guesses asked with VRFY and EXPN, pipelined, no transaction
#              (exim's VRFY tells known from unknown: 250 or 252)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
judge_server

# sessions IP NAME COUNT SCRIPT: COUNT sessions of SCRIPT from IP
sessions() {
  _k=1
  while [ $_k -le "$3" ]; do sgt_session "$1" "$2" "$4"; _k=$((_k + 1)); done
}
# prober_verdict IP NAME: kicked, listed, refused at the door, guesses bounded
prober_verdict() {
  guesses_bounded "$1" "$2" "$T/$2.client"
  listed_at_door "$1" "$2"
}

# --- bot -------------------------------------------------------------------
# bot_script FILE MODE TAG: EHLO, 3 x (MAIL, 5 guesses, RSET), QUIT
bot_script() {
  {
    echo '<'; echo '> EHLO bot.example.test'; echo '<'
    for r in 1 2 3; do
      [ "$2" = pipelined ] && echo pipeline
      echo '> MAIL FROM:<spam@bot.example.test>'
      for g in 1 2 3 4 5; do echo "> RCPT TO:<$3-$r-$g@example.test>"; done
      echo '> RSET'
      if [ "$2" = pipelined ]; then echo flush; fi
      for n in 1 2 3 4 5 6 7; do echo '<'; done
    done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$1"
}
pattern_bot() {
  bot_script "$T/bot.script" lockstep bot
  sessions 127.0.12.1 bot 6 "$T/bot.script"
  LIMIT=$BOT_LIMIT prober_verdict 127.0.12.1 bot
}
pattern_botpipe() {
  bot_script "$T/botpipe.script" pipelined botp
  sessions 127.0.12.2 botpipe 6 "$T/botpipe.script"
  LIMIT=$BOT_LIMIT prober_verdict 127.0.12.2 botpipe
}

# --- padding -----------------------------------------------------------------
pattern_padone() {
  {
    echo '<'; echo '> EHLO pad.example.test'; echo '<'
    for t in 1 2 3; do
      echo '> MAIL FROM:<spam@pad.example.test>'; echo '<'
      for g in 1 2 3 4 5 6 7 8 9 10; do
        echo '> RCPT TO:<good-postmaster@example.test>'; echo '<'
        echo "> RCPT TO:<padone-$t-$g@example.test>"; echo '<'
      done
      echo '> RSET'; echo '<'
    done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$T/padone.script"
  sessions 127.0.12.3 padone 3 "$T/padone.script"
  prober_verdict 127.0.12.3 padone
}
# padmany_script FILE END TAG TRANSACTIONS: transactions of 20 distinct
# accepted addresses with 2 guesses among them, each ended by END
padmany_script() {
  {
    echo '<'; echo '> EHLO pad.example.test'; echo '<'
    t=1
    while [ $t -le "$4" ]; do
      echo '> MAIL FROM:<spam@pad.example.test>'; echo '<'
      for a in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        echo "> RCPT TO:<good-$3-$t-$a@example.test>"; echo '<'
        case $a in 7|14) echo "> RCPT TO:<$3-$t-$a@example.test>"; echo '<' ;; esac
      done
      [ "$2" = RSET ] && { echo '> RSET'; echo '<'; }
      t=$((t + 1))
    done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$1"
}
pattern_padmany() {
  padmany_script "$T/padmany.script" RSET padmany 10
  sessions 127.0.12.4 padmany 3 "$T/padmany.script"
  prober_verdict 127.0.12.4 padmany
}
pattern_padquit() {
  k=1
  while [ $k -le 20 ]; do
    padmany_script "$T/padquit.script" QUIT "padquit$k" 1
    sgt_session 127.0.12.5 padquit "$T/padquit.script"
    k=$((k + 1))
  done
  prober_verdict 127.0.12.5 padquit
}

# --- oneper, norset ------------------------------------------------------------
pattern_oneper() {
  n=$(scaled 40 20)
  k=1
  while [ $k -le "$n" ]; do
    printf '<\n> EHLO one.example.test\n<\n> MAIL FROM:<x@one.example.test>\n<\n> RCPT TO:<oneper-%s@example.test>\n<\n> QUIT\n<\ndrain\n' $k >"$T/oneper.script"
    sgt_session 127.0.12.6 oneper "$T/oneper.script"
    k=$((k + 1))
  done
  prober_verdict 127.0.12.6 oneper
}
pattern_norset() {
  {
    echo '<'; echo '> EHLO nr.example.test'; echo '<'
    for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
      echo '> MAIL FROM:<spam@nr.example.test>'; echo '<'
      echo "> RCPT TO:<norset-$t-a@example.test>"; echo '<'
      echo "> RCPT TO:<norset-$t-b@example.test>"; echo '<'
    done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$T/norset.script"
  sessions 127.0.12.7 norset 2 "$T/norset.script"
  prober_verdict 127.0.12.7 norset
}

# --- swaks ---------------------------------------------------------------------
pattern_swaks() {
  for s in 1 2 3 4; do
    to=good-sw$s@example.test
    for g in 1 2 3 4 5 6 7 8; do to="$to,swaks-$s-$g@example.test"; done
    pipe=; [ $s -ge 3 ] && pipe=--pipeline
    # shellcheck disable=SC2086
    swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface 127.0.12.8 --helo sw.example.test \
      --from spam@sw.example.test --to "$to" --timeout 20 $pipe >>"$T/swaks.out" 2>&1
  done
  # swaks shows the server's replies as "<** 550 ..." lines
  sed -n 's/^<[-~]*\*\* *//p' "$T/swaks.out" >"$T/swaks.client"
  prober_verdict 127.0.12.8 swaks
}

# --- paydeliv, paytwo -----------------------------------------------------------
# pay_script NAME COUNT ADDR...: COUNT delivered messages down one
# connection, each to the accepted ADDRs and one new guess
pay_script() {
  _n=$1 _c=$2; shift 2
  {
    echo '<'; echo "> EHLO $_n.example.test"; echo '<'
    m=1
    while [ $m -le "$_c" ]; do
      echo "> MAIL FROM:<spam@$_n.example.test>"; echo '<'
      for a in "$@"; do echo "> RCPT TO:<$a@example.test>"; echo '<'; done
      echo "> RCPT TO:<$_n-$m@example.test>"; echo '<'
      echo '> DATA'; echo '<'
      echo pipeline; echo '> Subject: offer'; echo '>'; echo '> Buy.'; echo '> .'; echo flush; echo '<'
      m=$((m + 1))
    done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$T/$_n.script"
}
pattern_paydeliv() {
  pay_script paydeliv 20 good-postmaster
  sessions 127.0.12.11 paydeliv 3 "$T/paydeliv.script"
  prober_verdict 127.0.12.11 paydeliv
}
# the same two accepted addresses every time: they excuse one guess once
pattern_paytwo() {
  pay_script paytwo 40 good-postmaster good-abuse
  sessions 127.0.12.31 paytwo 1 "$T/paytwo.script"
  LIMIT=$((BADRCPT_LIMIT / 2)) prober_verdict 127.0.12.31 paytwo
}

# --- onetx, parallel ---------------------------------------------------------------
pattern_onetx() {
  {
    echo '<'; echo '> EHLO one.example.test'; echo '<'
    echo '> MAIL FROM:<spam@one.example.test>'; echo '<'
    g=1
    while [ $g -le 30 ]; do echo "> RCPT TO:<onetx-$g@example.test>"; echo '<'; g=$((g + 1)); done
    echo '> QUIT'; echo '<'; echo 'drain'
  } >"$T/onetx.script"
  sessions 127.0.12.9 onetx 2 "$T/onetx.script"
  # a stranger's single transaction gets no more answers than the old
  # rules gave (10, half the default -b)
  LIMIT=$((BADRCPT_LIMIT / 2)) prober_verdict 127.0.12.9 onetx
}
pattern_burst() {
  {
    echo '<'; echo '> EHLO burst.example.test'; echo '<'
    echo pipeline
    echo '> MAIL FROM:<spam@burst.example.test>'
    g=1
    while [ $g -le 50 ]; do echo "> RCPT TO:<burst-$g@example.test>"; g=$((g + 1)); done
    echo '> QUIT'; echo flush; echo 'drain'
  } >"$T/burst.script"
  sessions 127.0.12.12 burst 2 "$T/burst.script"
  LIMIT=$((BADRCPT_LIMIT / 2)) EXIM_MAY_EXCEED=1 prober_verdict 127.0.12.12 burst
}
pattern_parallel() {
  pids=
  k=1
  while [ $k -le 8 ]; do
    {
      echo '<'; echo '> EHLO par.example.test'; echo '<'
      echo '> MAIL FROM:<spam@par.example.test>'; echo '<'
      g=1
      while [ $g -le 10 ]; do echo "> RCPT TO:<par-$k-$g@example.test>"; echo '<'; g=$((g + 1)); done
      # every connection has guessed before any transaction ends
      echo 'sleep 4000'
      echo '> QUIT'; echo '<'; echo 'drain'
    } >"$T/parallel.script.$k"
    "$SGTCLIENT" -t 60 -b 127.0.12.10 -o "$T/parallel.one.$k" 127.0.0.1 "$PORT" "$T/parallel.script.$k" >/dev/null 2>&1 &
    pids="$pids $!"
    k=$((k + 1))
  done
  for p in $pids; do wait "$p"; done
  cat "$T"/parallel.one.* >"$T/parallel.client"
  EXIM_MAY_EXCEED=1 prober_verdict 127.0.12.10 parallel
}

# --- refusedend --------------------------------------------------------------
# a refused RSET, QUIT or BDAT does not end exim's transaction ("RSET x"
# and "QUIT now" get 501; a BDAT before any accepted recipient gets 503
# and its chunk is skipped), so the guesses after it are still guesses
pattern_refusedend() {
  n=0
  for trick in 'RSET x' 'QUIT now' 'BDAT 1 LAST'; do
    n=$((n + 1))
    {
      echo '<'; echo '> EHLO trick.example.test'; echo '<'
      echo '> MAIL FROM:<spam@trick.example.test>'; echo '<'
      echo "> $trick"
      [ "$trick" = 'BDAT 1 LAST' ] && echo '>> x'
      echo '<'
      g=1
      while [ $g -le 30 ]; do echo "> RCPT TO:<trick$n-$g@example.test>"; echo '<'; g=$((g + 1)); done
      echo '> QUIT'; echo '<'; echo 'drain'
    } >"$T/refusedend$n.script"
    sessions 127.0.12.2$n refusedend$n 2 "$T/refusedend$n.script"
    assert_grep "$T/refusedend$n.client" "^50[13] " "refusedend ($trick): exim did not refuse it"
    LIMIT=$((BADRCPT_LIMIT / 2)) prober_verdict 127.0.12.2$n refusedend$n
  done
}

# --- unreadable ---------------------------------------------------------------
# guesses exim reads whole and smtpguard must count one by one: padded
# with spaces past the 80 bytes the scanner keeps, behind a 75-byte
# source route, or with a comment or a quoted phrase holding another
# address (exim reads guess@..., qmail x@y); one transaction each
pattern_unreadable() {
  n=0
  route="@$(printf 'r%.0s' $(seq 1 75)).example.test:"
  for how in space route comment phrase; do
    n=$((n + 1))
    {
      echo '<'; echo '> EHLO pad.example.test'; echo '<'
      echo '> MAIL FROM:<spam@pad.example.test>'; echo '<'
      g=1
      while [ $g -le 30 ]; do
        case $how in
          space) printf '> RCPT TO:%80s<%s-%s@example.test>\n' '' $how $g ;;
          route) echo "> RCPT TO:<$route$how-$g@example.test>" ;;
          comment) echo "> RCPT TO:$how-$g(<x@y>)@example.test" ;;
          phrase) echo "> RCPT TO:\"<x@y>\" <$how-$g@example.test>" ;;
        esac
        echo '<'; g=$((g + 1))
      done
      echo '> QUIT'; echo '<'; echo 'drain'
    } >"$T/unreadable$n.script"
    sessions 127.0.12.4$n unreadable$n 2 "$T/unreadable$n.script"
    LIMIT=$((BADRCPT_LIMIT / 2)) prober_verdict 127.0.12.4$n unreadable$n
  done
}

# --- authbrute ----------------------------------------------------------------
# password guessing: wrong passwords for alice (exim: 535), one a session
pattern_authbrute() {
  IP=127.0.12.30
  k=1
  while [ $k -le 6 ]; do
    pw=$(printf '\0alice\0wrong%s' $k | base64)
    printf '<\n> EHLO brute.example.test\n<\n> AUTH PLAIN %s\n<\n> QUIT\n<\ndrain\n' "$pw" >"$T/authbrute.script"
    sgt_session $IP authbrute "$T/authbrute.script"
    k=$((k + 1))
  done
  assert_eq "$(tr -d '\r' <"$T/authbrute.client" | grep -c '^535 ')" 3 "authbrute: wrong passwords answered"
  assert_grep "$SERVER_LOG" "kick ip=$(re $IP) reason=authfail " "authbrute: never kicked for authfail"
  listed_at_door $IP authbrute
}

# --- vrfy ---------------------------------------------------------------------
pattern_vrfy() {
  IP=127.0.12.50
  {
    echo '<'; echo '> EHLO vrfy.example.test'; echo '<'
    echo pipeline
    k=1
    while [ $k -le 40 ]; do
      if [ $((k % 2)) = 0 ]; then echo "> VRFY guess-v$k@example.test"; else echo "> EXPN guess-v$k@example.test"; fi
      k=$((k + 1))
    done
    echo '> VRFY good-v@example.test'
    echo flush; echo '<'; echo '> QUIT'; echo '<'; echo 'drain'
  } >"$T/vrfy.script"
  sessions $IP vrfy 3 "$T/vrfy.script"
  _n=$(tr -d '\r' <"$T/vrfy.client" | grep -Ec '^(252 .*unknown user|550 Administrative prohibition)')
  note "vrfy ($IP): VRFY and EXPN guesses answered: $_n (limit $BOT_LIMIT)"
  [ "$_n" -ge 1 ] && [ "$_n" -le "$BOT_LIMIT" ] || fail "vrfy: $_n VRFY or EXPN guesses answered, limit $BOT_LIMIT"
  listed_at_door $IP vrfy
}

run_patterns bot botpipe padone padmany padquit oneper norset swaks paydeliv paytwo onetx burst parallel refusedend unreadable authbrute vrfy
check_no_leftovers
stop_pid "$SERVER_PID"
note "scale $SG_JUDGE_SCALE: $(($(date +%s) - started)) s"
patterns_verdict
