#!/bin/sh
# Hosts that ask about recipients they cannot know, through the real
# chain (tcpserver -x, smtpguard -d with its default limits, exim -bs):
#
#   verifier   an MTA that verifies the senders of the mail it receives
#              by callout (exim4's `verify = sender/callout`, for real:
#              tests/exim/verifier.conf): MAIL FROM:<>, RCPT TO:<sender>,
#              QUIT, one connection each. Checking 50 genuine senders and
#              4 forged ones in the hour (SG_JUDGE_SCALE=small: 25 and 2): never kicked, never listed.
#   joejob     the same MTA while spam forging random senders at this
#              domain reaches it: each callout is one refused RCPT on a
#              connection of its own, exactly what a prober guessing one
#              address per connection sends, and smtpguard cannot tell
#              them apart: listed at the 5th, as any stranger guessing
#              (doc/smtpguard.html says so). Its callouts are then
#              refused at the door and it defers the spam (a 4xx, not a
#              rejection of genuine mail).
#   exempt     the remedy the docs give, an allow rule with
#              SMTPGUARD_EXEMPT for a host the admin knows: the same
#              joe-job, never kicked, every forged sender refused by
#              the callout's 550.
#   backupmx   a backup MX relays what it accepted during a dictionary
#              attack on it, guesses included, and delivers the good
#              recipients' mail: with its allow rule, never kicked and
#              everything deliverable delivered; the same relay without
#              the rule is listed (the rule is what makes the difference).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"
judge_server '127.0.12.3:allow,SMTPGUARD_EXEMPT=""' '127.0.12.4:allow,SMTPGUARD_EXEMPT=""'

VERIFIER_CONF=$TOP/tests/exim/verifier.conf
# callouts NAME IP SENDER...: one test session into the verifying exim
# (-bhc), one message per sender, each sender verified by a callout from
# IP; exim's replies in $T/NAME.bhc
callouts() {
  _n=$1 _ip=$2; shift 2
  mkdir -p "$T/ver.$_n/spool" "$T/ver.$_n/log" || fail "mkdir verifier"
  {
    printf 'HELO spam-source.example.org\r\n'
    for _s in "$@"; do
      printf 'MAIL FROM:<%s>\r\nRCPT TO:<user@verifier.example.test>\r\nRSET\r\n' "$_s"
    done
    printf 'QUIT\r\n'
  } >"$T/ver.$_n/session"
  SG_VERIFIER_DIR=$T/ver.$_n SG_PORT=$PORT SG_CLIENT_IP=$_ip \
    timeout 300 exim4 -C "$VERIFIER_CONF" -bhc 192.0.2.9 <"$T/ver.$_n/session" >"$T/$_n.bhc" 2>&1
  [ $? -ne 124 ] || fail "$_n: the verifying exim did not finish in 300 s"
}
# forged PREFIX N: N senders at this domain that do not exist
forged() {
  _i=1
  while [ $_i -le "$2" ]; do printf ' %s%s-%s@example.test' "$1" $_i $$; _i=$((_i + 1)); done
}
# verdicts NAME: accepted rcpts, rejected (callout 5xx), deferred (callout
# could not complete), as the verifying exim answered its client
accepted() { grep -c '^250 Accepted' "$T/$1.bhc"; }
rejected() { grep -c '^550 Sender verify failed' "$T/$1.bhc"; }
deferred() { grep -Ec '^4[0-9][0-9] ' "$T/$1.bhc"; }

# --- verifier --------------------------------------------------------------
pattern_verifier() {
  IP=127.0.12.1
  N=$(scaled 54 27)
  senders= forged=0
  i=1
  while [ $i -le "$N" ]; do
    # a forged sender among the genuine ones now and then
    if [ $((i % 13)) -eq 0 ]; then senders="$senders forged$i@example.test"; forged=$((forged + 1))
    else senders="$senders good-sender$i@example.test"; fi
    i=$((i + 1))
  done
  # shellcheck disable=SC2086
  callouts verifier $IP $senders
  assert_eq "$(accepted verifier)" $((N - forged)) "verifier: genuine senders verified"
  assert_eq "$(rejected verifier)" "$forged" "verifier: forged senders refused by the callout's 550"
  # the last smtpguard may still be writing its session line (valgrind)
  i=0
  while [ "$(sessions_of $IP)" -lt "$N" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  assert_eq "$(sessions_of $IP)" "$N" "verifier: callouts, one connection each"
  NO_DELIVERED_CHECK=1 never_judged $IP verifier
}

# --- joejob ----------------------------------------------------------------
pattern_joejob() {
  IP=127.0.12.2
  N=$(scaled 30 12)
  # shellcheck disable=SC2046
  callouts joejob $IP $(forged x "$N")
  # as for any stranger: 5 refusals answered, then the 421
  assert_eq "$(rejected joejob)" 5 "joejob: forged senders the callout could refuse"
  assert_eq "$(exim_rcpt_refused $IP)" 5 "joejob: callouts refused, in exim's log"
  # the rest: the callout was refused (smtpguard's 421, then the door)
  assert_eq "$(deferred joejob)" $((N - 5)) "joejob: forged senders deferred by the verifier"
  listed_at_door $IP joejob
}

# --- exempt ----------------------------------------------------------------
pattern_exempt() {
  IP=127.0.12.4
  N=$(scaled 30 10)
  # shellcheck disable=SC2046
  callouts exempt $IP $(forged y "$N")
  assert_eq "$(rejected exempt)" "$N" "exempt: forged senders refused by the callout's 550"
  assert_eq "$(exim_rcpt_refused $IP)" "$N" "exempt: callouts refused, in exim's log"
  NO_DELIVERED_CHECK=1 never_judged $IP exempt
}

# --- backupmx --------------------------------------------------------------
# backup NAME IP: 10 messages, each to 1 good and 6 guessed recipients
backup() {
  mta_init "$1" "$2"
  i=1
  while [ $i -le 10 ]; do
    mta_queue "$1" "spammer$i@bulk.example.org" "offer $i" "good-$1$i@example.test" \
      "info$i@example.test" "sales$i@example.test" "admin$i@example.test" \
      "john$i@example.test" "mary$i@example.test" "office$i@example.test"
    i=$((i + 1))
  done
  mta_flush "$1"
}
pattern_backupmx() {
  backup backupmx 127.0.12.3
  mta_kicked backupmx && fail "backupmx: the backup MX got a 421"
  assert_eq "$(mta_delivered backupmx)" 10 "backupmx: messages delivered"
  assert_eq "$(exim_rcpt_refused 127.0.12.3)" 60 "backupmx: guesses refused, in exim's log"
  NO_DELIVERED_CHECK=1 never_judged 127.0.12.3 backupmx
  backup norule 127.0.12.5
  listed_at_door 127.0.12.5 "backupmx without its rule"
  [ "$(mta_delivered norule)" -lt 10 ] || fail "backupmx without its rule: every message delivered, so the rule proved nothing"
}

run_patterns verifier joejob exempt backupmx

# what the admin reads: the relay without its rule had delivered mail
# here before it was kicked, the verifier had not. smtpguard-list shows
# the relay's last delivery, smtpguard-stat counts its kick apart.
if want_pattern joejob && want_pattern backupmx && [ -z "$PATTERNS_FAILED" ]; then
  "$SG_BIN/smtpguard-list" -d "$S" >"$T/list.human" 2>&1 || fail "smtpguard-list failed"
  assert_grep "$T/list.human" '^ip +reason +since \(UTC\) +until \(UTC\) +strikes +last mail here \(UTC\)$' "smtpguard-list: header"
  assert_grep "$T/list.human" "^127\.0\.12\.5 +badrcpt .* 1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\$" "smtpguard-list: the relay's last delivery"
  assert_grep "$T/list.human" '^127\.0\.12\.2 +badrcpt .* 1 +-$' "smtpguard-list: the verifier, no delivery"
  "$SG_BIN/smtpguard-stat" -t "$SERVER_LOG" >"$T/stat" 2>&1 || fail "smtpguard-stat failed"
  assert_grep "$T/stat" '^mailer	127\.0\.12\.5	1$' "smtpguard-stat: the relay's kick, after delivering"
  assert_no_grep "$T/stat" '^mailer	127\.0\.12\.2	' "smtpguard-stat: the verifier counted as a mailer"
  assert_grep "$T/stat" '^mailer	kicks	1$' "smtpguard-stat: kicks of mailers"
fi

check_no_leftovers
stop_pid "$SERVER_PID"
note "$(($(date +%s) - started)) s"
patterns_verdict
