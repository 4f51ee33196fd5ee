#!/bin/sh
# Postfix's smtp-source as the sending MTA, through the real chain
# (tcpserver -x, smtpguard -d with its default limits, exim -bs). It
# speaks lock-step SMTP (HELO, MAIL, numbered RCPTs, DATA), keeps its
# connection for the next message with -d, RSETs after a transaction whose
# recipients were all refused, and runs sessions in parallel with -s.
# Each pattern gets a fresh state directory (smtp-source cannot choose its
# source address: all of them come from 127.0.0.1).
#
#   relay    3 parallel sessions, 300 messages of 3 recipients, each
#            connection reused for the next message (no RSET)
#   list     20 messages to 500 numbered members (3% stale, 1% full, the
#            same each time), one connection
#   content  60 messages a content filter refuses after the dot
#   prober   messages to 50 numbered guesses each: kicked and listed with
#            at most the bad-recipient limit of guesses answered
#
# smtp-source comes from Debian's postfix package, fetched with `apt-get
# download` and unpacked with dpkg -x (never installed: it conflicts with
# exim4), cached under the build directory. Without a network and
# without the cache, the test says SKIP and passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/judge/judgelib.sh"

skip() {
  echo "SKIP: judge-smtp-source: $1; smtp-source patterns not run"
  exit 0
}
if command -v fetch_deb_bin >/dev/null 2>&1; then
  # tests/lib.sh's own fetcher (cache: $BUILD/debs)
  SMTP_SOURCE=$(fetch_deb_bin postfix smtp-source) || skip "$SMTP_SOURCE"
else
  PFX=$BUILD/cache/postfix
  SMTP_SOURCE=$PFX/root/usr/sbin/smtp-source
  if [ ! -x "$SMTP_SOURCE" ]; then
    rm -rf "$PFX.tmp.$$"
    mkdir -p "$PFX.tmp.$$" || fail "mkdir $PFX.tmp.$$"
    at_exit "rm -rf '$PFX.tmp.$$'"
    (cd "$PFX.tmp.$$" && timeout 120 apt-get download postfix) >"$T/apt.log" 2>&1 ||
      skip "cannot download Debian's postfix package ($(tail -n 1 "$T/apt.log"))"
    dpkg -x "$PFX.tmp.$$"/postfix_*.deb "$PFX.tmp.$$/root" || fail "dpkg -x postfix"
    rm -rf "$PFX" && mv "$PFX.tmp.$$" "$PFX" || fail "cannot cache smtp-source in $PFX"
  fi
fi
PFXLIB=${SMTP_SOURCE%/usr/sbin/smtp-source}/usr/lib/postfix
# its private libraries live beside it, not in ld.so's path
smtp_source() {
  LD_LIBRARY_PATH=$PFXLIB timeout 110 "$SMTP_SOURCE" -M sender.example.test \
    -f sender@client.example.test "$@" "127.0.0.1:$PORT"
}

IP=127.0.0.1
# fresh: a fresh statedir, server and exim log for this pattern (run in
# its own subshell by run_patterns: its server is stopped when it ends)
fresh() {
  rm -f "$EXIMLOG"
  judge_server
}

pattern_relay() {
  fresh
  smtp_source -s 3 -d -m "$(scaled 300 30)" -r 3 -t good@example.test >"$T/relay.out" 2>&1 ||
    { tail -n 5 "$T/relay.out" >&2; fail "relay: smtp-source failed"; }
  assert_eq "$(exim_delivered $IP)" "$(scaled 300 30)" "relay: messages delivered, in exim's log"
  never_judged $IP relay
  check_no_leftovers
}
pattern_list() {
  fresh
  m=$(scaled 20 4)
  smtp_source -A -d -m "$m" -r 500 -t list@example.test >"$T/list.out" 2>&1
  assert_no_grep "$T/list.out" '421' "list: smtp-source got a 421"
  assert_eq "$(grep -c 'recipient rejected' "$T/list.out")" $((m * 20)) "list: members refused, as smtp-source saw it"
  assert_eq "$(exim_rcpt_refused $IP)" $((m * 20)) "list: members refused, in exim's log"
  assert_eq "$(exim_delivered $IP)" "$m" "list: messages delivered, in exim's log"
  never_judged $IP list
  check_no_leftovers
}
pattern_content() {
  fresh
  n=$(scaled 60 12)
  smtp_source -A -d -m "$n" -S "REFUSE-CONTENT offer" -t good@example.test >"$T/content.out" 2>&1
  assert_no_grep "$T/content.out" '421' "content: smtp-source got a 421"
  assert_eq "$(exim_content_refused $IP)" "$n" "content: refused after the dot, in exim's log"
  never_judged $IP content
  check_no_leftovers
}
pattern_prober() {
  fresh
  smtp_source -A -N -m 20 -r 50 -t guess@example.test >"$T/prober.out" 2>&1
  # smtp-source shows the replies it did not like as "recipient rejected: CODE TEXT"
  sed -n 's/.*recipient rejected: //p' "$T/prober.out" >"$T/prober.client"
  guesses_bounded $IP prober "$T/prober.client"
  listed_at_door $IP prober
  check_no_leftovers
}

# it runs (its private libraries found): without arguments it prints its usage
LD_LIBRARY_PATH=$PFXLIB "$SMTP_SOURCE" >"$T/sanity.out" 2>&1
grep -q 'usage:' "$T/sanity.out" || { cat "$T/sanity.out" >&2; fail "$SMTP_SOURCE does not run"; }
run_patterns relay list content prober
note "scale $SG_JUDGE_SCALE: $(($(date +%s) - started)) s"
patterns_verdict
