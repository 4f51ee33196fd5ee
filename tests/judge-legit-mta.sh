#!/bin/sh
# Busy legitimate senders, with exim4 itself as the sending MTA
# (tests/exim/client.conf: PIPELINING, CHUNKING, many messages per
# connection; exim sends the next MAIL right after a delivery, and RSET
# after a transaction whose recipients were all refused), through tcpserver -x, smtpguard -d
# with its default limits and exim -bs: never kicked, never listed, every
# message delivered (250 after the dot, counted by the sending MTA and by
# the receiving exim), and the next connection is still greeted.
#
#   reuse    500 messages over 2 connections (judge-legit-rset sends
#            1000 with RSET between them; exim sends none),
#            a mistyped recipient in every 100th message
#   list     50 messages, each to 500 members of which 3% are stale
#            (550) and 1% have a full mailbox (451), the same each time;
#            then the retry of the full ones (still full)
#   content  a relay whose messages a content filter refuses after the
#            dot, by BDAT LAST and by DATA: 2 out of 3 of them, and a
#            second relay whose every message is refused
#   grey     a first-time sender greylisted on all 20 recipients of a
#            message, delivered on its retry
#   greystale the same behind recipient validation: one stale recipient
#            refused (550) beside 16 greylisted (451), retried twice
#   authmta  an MTA that authenticates (AUTH PLAIN alice/secret) and
#            relays for users with stale address books: 20 messages to
#            3 good and 3 stale recipients each
#   nat      one address shared by an MTA, swaks users and a mail client
#            that says RSET first in every session, a few typos each (three
#            messages whose only recipient is mistyped)
# SG_JUDGE_SCALE=small runs 1/10 of the messages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
judge_server

# --- reuse -----------------------------------------------------------------
pattern_reuse() {
  IP=127.0.10.1
  N=$(scaled 500 50)
  mta_init reuse $IP
  typos=0
  i=1
  while [ $i -le "$N" ]; do
    if [ $((i % 100)) -eq 50 ]; then
      typos=$((typos + 1))
      mta_queue reuse relay@client.example.test "reuse $i" "good-r$i@example.test" "godo-r$i@example.test"
    else
      mta_queue reuse relay@client.example.test "reuse $i" "good-r$i@example.test"
    fi
    i=$((i + 1))
  done
  mta_flush reuse
  mta_kicked reuse && fail "reuse: the MTA got a 421"
  assert_eq "$(mta_delivered reuse)" "$N" "reuse: messages delivered, as the MTA saw it"
  assert_eq "$(exim_delivered $IP)" "$N" "reuse: messages delivered, as exim logged them"
  assert_eq "$(mta_rcpt_refused reuse)" "$typos" "reuse: mistyped recipients refused"
  # the pattern itself: few connections, many messages each
  conns=$(sessions_of $IP)
  [ "$conns" -ge 1 ] && [ "$conns" -le 4 ] || fail "reuse: $conns connections, want 2 (250 messages each)"
  never_judged $IP reuse
}

# --- list ------------------------------------------------------------------
pattern_list() {
  IP=127.0.10.2
  M=$(scaled 50 5)
  mta_init list $IP
  members=
  k=1
  while [ $k -le 500 ]; do members="$members ${k}list@example.test"; k=$((k + 1)); done
  i=1
  while [ $i -le "$M" ]; do
    # shellcheck disable=SC2086
    mta_queue list list-bounces@client.example.test "issue $i" $members
    i=$((i + 1))
  done
  mta_flush list
  mta_kicked list && fail "list: the MTA got a 421"
  assert_eq "$(mta_delivered list)" "$M" "list: messages delivered, as the MTA saw it"
  assert_eq "$(exim_delivered $IP)" "$M" "list: messages delivered, as exim logged them"
  # every stale member refused every time; the full ones at least once
  # (exim then waits for their retry time before it asks again)
  stale=$(grep -c ' \*\* .*after RCPT TO' "$T/mta.list/log/mainlog")
  assert_eq "$stale" $((M * 15)) "list: stale members refused"
  full=$(mta_rcpt_refused list)
  [ "$full" -ge $((M * 15 + 5)) ] || fail "list: $((full - M * 15)) full mailboxes refused, want 5 at least"
  assert_eq "$(exim_rcpt_refused $IP)" "$full" "list: refusals in exim's log and the MTA's"
  never_judged $IP list
  # later, the full mailboxes are retried (still full): one connection
  # per message, 5 deferred RCPTs each, nothing to deliver
  MTA_Q=-qqff mta_flush list
  mta_kicked list && fail "list, retry of the full mailboxes: the MTA got a 421"
  [ "$(mta_rcpt_refused list)" -ge $((full + M * 5)) ] || fail "list, retry of the full mailboxes: not every one retried"
  never_judged $IP "list, retry of the full mailboxes"
}

# --- content ---------------------------------------------------------------
pattern_content() {
  IP=127.0.10.3
  R=$(scaled 60 12)
  mta_init content $IP
  refused=0
  i=1
  while [ $i -le "$R" ]; do
    if [ $((i % 3)) -eq 0 ]; then subj="forwarded $i"; else subj="forwarded $i REFUSE-CONTENT"; refused=$((refused + 1)); fi
    mta_queue content fwd@client.example.test "$subj" "good-c$i@example.test"
    # the first half by BDAT (CHUNKING), the second by DATA
    [ $i -eq $((R / 2)) ] && mta_flush content
    i=$((i + 1))
  done
  mta_flush content SG_CHUNKING=no
  mta_kicked content && fail "content: the MTA got a 421"
  assert_eq "$(exim_content_refused $IP)" "$refused" "content: messages refused after the dot, in exim's log"
  assert_eq "$(mta_content_refused content)" "$refused" "content: refusals after the dot, as the MTA saw them"
  assert_eq "$(exim_delivered $IP)" $((R - refused)) "content: messages delivered"
  grep -q 'BDAT' "$T/mta.content/log/mainlog" ||
    grep -Eq "\[$(re $IP)\] P=esmtp .*K " "$EXIMLOG" || fail "content: no message went by CHUNKING"
  never_judged $IP content
  IP=127.0.10.6
  mta_init refusedall $IP
  i=1
  while [ $i -le $((R / 2)) ]; do
    mta_queue refusedall spamfwd@client.example.test "forwarded $i REFUSE-CONTENT" "good-f$i@example.test"
    i=$((i + 1))
  done
  mta_flush refusedall
  mta_kicked refusedall && fail "content, all refused: the MTA got a 421"
  assert_eq "$(exim_content_refused $IP)" $((R / 2)) "content, all refused: refusals in exim's log"
  never_judged $IP "content, all refused"
}

# --- grey ------------------------------------------------------------------
pattern_grey() {
  IP=127.0.10.4
  mta_init grey $IP
  rm -f "$SG_EXIM_DIR/grey-open"
  rcpts=
  k=1
  while [ $k -le 20 ]; do rcpts="$rcpts good$k@grey.example.test"; k=$((k + 1)); done
  # shellcheck disable=SC2086
  mta_queue grey newcomer@client.example.test "hello" $rcpts
  mta_flush grey
  assert_eq "$(mta_rcpt_refused grey)" 20 "grey: first try, every recipient greylisted"
  assert_eq "$(exim_delivered $IP)" 0 "grey: first try delivered"
  : >"$SG_EXIM_DIR/grey-open"
  MTA_Q=-qqff mta_flush grey
  mta_kicked grey && fail "grey: the MTA got a 421"
  assert_eq "$(mta_delivered grey)" 1 "grey: the retry delivered"
  assert_eq "$(exim_delivered $IP)" 1 "grey: the retry, in exim's log"
  never_judged $IP grey
}

# greylisting after recipient validation: the stale recipient gets 550 at
# once (and is bounced, never retried), the 16 others 451 until the
# greylist opens; the 4xx next to a 5xx tell nothing either
pattern_greystale() {
  IP=127.0.10.8
  mta_init greystale $IP
  rm -f "$SG_EXIM_DIR/grey-open"
  rcpts=stale-gs1@example.test
  k=1
  while [ $k -le 16 ]; do rcpts="$rcpts good-gs$k@grey.example.test"; k=$((k + 1)); done
  # shellcheck disable=SC2086
  mta_queue greystale newcomer@client.example.test "hello" $rcpts
  mta_flush greystale
  assert_eq "$(mta_rcpt_refused greystale)" 17 "greystale: first try, the stale one and 16 greylisted refused"
  MTA_Q=-qqff mta_flush greystale
  assert_eq "$(exim_delivered $IP)" 0 "greystale: a retry while greylisted delivered"
  : >"$SG_EXIM_DIR/grey-open"
  MTA_Q=-qqff mta_flush greystale
  mta_kicked greystale && fail "greystale: the MTA got a 421"
  assert_eq "$(exim_delivered $IP)" 1 "greystale: the retry once the greylist opened, in exim's log"
  never_judged $IP greystale
}

# --- authmta -----------------------------------------------------------------
pattern_authmta() {
  IP=127.0.10.7
  mta_init authmta $IP
  i=1
  while [ $i -le 20 ]; do
    mta_queue authmta user$i@client.example.test "from a user $i" \
      good-u$i@example.test good-v$i@example.test good-w$i@example.test \
      gone-u$i@example.test gone-v$i@example.test gone-w$i@example.test
    i=$((i + 1))
  done
  mta_flush authmta SG_AUTH=yes
  mta_kicked authmta && fail "authmta: the MTA got a 421"
  assert_eq "$(grep -Ec " <= .* \[$(re $IP)\] P=esmtpa " "$EXIMLOG")" 20 "authmta: messages delivered authenticated, in exim's log"
  assert_eq "$(mta_rcpt_refused authmta)" 60 "authmta: stale recipients refused"
  never_judged $IP authmta
}

# --- nat -------------------------------------------------------------------
pattern_nat() {
  IP=127.0.10.5
  mta_init nat $IP
  i=1
  while [ $i -le 30 ]; do
    if [ $((i % 15)) -eq 7 ]; then
      mta_queue nat office@client.example.test "nat $i" "good-n$i@example.test" "goood-n$i@example.test"
    else
      mta_queue nat office@client.example.test "nat $i" "good-n$i@example.test"
    fi
    i=$((i + 1))
  done
  mta_flush nat
  want=30
  i=1
  while [ $i -le 10 ]; do
    to=good-s$i@example.test
    [ $((i % 5)) -eq 3 ] && to=$to,gooood-s$i@example.test
    pipe=; [ $((i % 2)) -eq 0 ] && pipe=--pipeline
    # shellcheck disable=SC2086
    swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface $IP --helo pc$i.client.example.test \
      --from user$i@client.example.test --to "$to" --timeout 20 $pipe >>"$T/nat.swaks" 2>&1
    want=$((want + 1))
    i=$((i + 1))
  done
  # users whose only recipient is mistyped: nothing delivered
  for u in 1 2 3; do
    swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface $IP --helo pc-t$u.client.example.test \
      --from typo$u@client.example.test --to "gdoo-t$u@example.test" --timeout 20 >>"$T/nat.typos" 2>&1
  done
  assert_eq "$(grep -c '^<[-~]*\*\* *550' "$T/nat.typos")" 3 "nat: the mistyped-only messages refused at RCPT"
  # a mail client that says RSET at the start of every session
  i=1
  while [ $i -le 20 ]; do
    rcpt=good-m$i@example.test
    [ $i -eq 11 ] && rcpt=godo-m$i@example.test
    {
      printf '< 220\n> EHLO pc.client.example.test\n< 250\n> RSET\n< 250\n'
      printf '> MAIL FROM:<eudora@client.example.test>\n< 250\n'
      if [ $i -eq 11 ]; then printf '> RCPT TO:<%s>\n< 550\n> RCPT TO:<good-m%s@example.test>\n< 250\n' "$rcpt" $i
      else printf '> RCPT TO:<%s>\n< 250\n' "$rcpt"; fi
      printf '> DATA\n< 354\n> Subject: from the office\n>\n> hello\n> .\n< 250\n> QUIT\n< 221\neof\n'
    } >"$T/eudora.script"
    sgt_ok $IP nat-eudora "$T/eudora.script"
    want=$((want + 1))
    i=$((i + 1))
  done
  mta_kicked nat && fail "nat: the MTA got a 421"
  assert_no_grep "$T/nat.swaks" '^<.* 421' "nat: swaks got a 421"
  assert_eq "$(mta_delivered nat)" 30 "nat: the MTA's messages delivered"
  assert_eq "$(grep -c '^<[-~*]* *250 OK discarded' "$T/nat.swaks")" 10 "nat: swaks' messages delivered"
  assert_eq "$(exim_delivered $IP)" "$want" "nat: every message delivered, in exim's log"
  never_judged $IP nat
}

run_patterns reuse list content grey greystale authmta nat

check_no_leftovers
stop_pid "$SERVER_PID"
note "scale $SG_JUDGE_SCALE: $(($(date +%s) - started)) s"
patterns_verdict
