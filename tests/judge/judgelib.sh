# tests/judge/judgelib.sh: helpers for the judge-*.sh chain tests: the
# verdicts smtpguard reaches on whole sender patterns, through the real
# chain (tcpserver -R -H -l 0 -x rules.cdb, smtpguard -d with the default
# limits, exim4 -bs with tests/exim/exim.conf), with real sending MTAs
# (exim4 with tests/exim/client.conf, Postfix's smtp-source) and scripted
# clients (sgtclient, swaks). Source it after lib.sh; not a test itself.
#
# Scale: SG_JUDGE_SCALE=small runs every pattern at a smaller count (for
# the valgrind pass); the default is the size the behaviour is specified
# at. A prober must not get more refused RCPTs answered from its address
# than SG_JUDGE_BADRCPT (default 20: smtpguard's default -b), and the
# background story's bots (5 guesses, RSET, again) no more than
# SG_JUDGE_BOTLIMIT (default 5). SG_JUDGE_ONLY="a b" runs only the
# patterns named (for debugging one).
need_sgtclient
need_smtpguard
for _p in smtpguard-cdb smtpguard-list; do
  [ -x "$SG_BIN/$_p" ] || fail "no $SG_BIN/$_p (run make)"
done
command -v cdb >/dev/null 2>&1 || fail "cdb (Debian's tinycdb) not installed"

SG_JUDGE_SCALE=${SG_JUDGE_SCALE:-default}
case $SG_JUDGE_SCALE in default|small) ;; *) fail "SG_JUDGE_SCALE: default or small, not $SG_JUDGE_SCALE" ;; esac
BADRCPT_LIMIT=${SG_JUDGE_BADRCPT:-20}
BOT_LIMIT=${SG_JUDGE_BOTLIMIT:-5}
# want_pattern NAME: SG_JUDGE_ONLY (names, space-separated) is empty or has NAME
want_pattern() {
  [ -z "${SG_JUDGE_ONLY:-}" ] && return 0
  case " $SG_JUDGE_ONLY " in *" $1 "*) return 0 ;; esac
  return 1
}
# run_patterns NAME...: pattern_NAME for each (those SG_JUDGE_ONLY wants),
# each in a subshell so that one failing pattern does not hide the
# others; patterns_verdict then fails the test if any failed.
started=$(date +%s)
PATTERNS_FAILED=
run_patterns() {
  for _p in "$@"; do
    want_pattern "$_p" || continue
    _t=$(date +%s)
    # the subshell runs its own cleanups (a server a pattern started),
    # never the test's (its temp dir)
    if ( SG_CLEANUP=; trap 'rc=$?; sg_run_cleanup; exit $rc' EXIT; "pattern_$_p" ); then note "pattern $_p: ok ($(($(date +%s) - _t)) s)"
    else note "pattern $_p: FAILED ($(($(date +%s) - _t)) s)"; PATTERNS_FAILED="$PATTERNS_FAILED $_p"; fi
  done
}
patterns_verdict() {
  [ -z "$PATTERNS_FAILED" ] || fail "patterns failing:$PATTERNS_FAILED"
  exit 0
}
# scaled DEFAULT SMALL: the count for this scale
scaled() { if [ "$SG_JUDGE_SCALE" = small ]; then echo "$2"; else echo "$1"; fi; }

RULES=$T/rules.txt
CDB=$T/rules.cdb
EXIMLOG=$SG_EXIM_DIR/log/mainlog

# judge_server [rules lines...]: a fresh statedir S, an admin rules file
# with the lines given, its cdb, and `tcpserver -x CDB smtpguard -v -d S
# exim` with smtpguard's default limits (PORT, SERVER_PID, SERVER_LOG);
# SG_JUDGE_SGOPTS: more smtpguard options (e.g. -n).
judge_server() {
  S=$T/state.$$.$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
  mkdir "$S" || fail "mkdir statedir"
  printf '# admin rules\n10.9.9.9:deny\n' >"$RULES"
  for _r in "$@"; do printf '%s\n' "$_r" >>"$RULES"; done
  build_cdb
  # shellcheck disable=SC2086
  start_tcpserver -x "$CDB" -- "$SG_BIN/smtpguard" ${SG_JUDGE_SGOPTS:-} -v -d "$S" "$SMTPD"
}
# build_cdb: one run of smtpguard-cdb, as the admin's cron job would.
build_cdb() {
  "$SG_BIN/smtpguard-cdb" -d "$S" "$RULES" "$CDB" 2>>"$T/cdb.log" ||
    { cat "$T/cdb.log" >&2; fail "smtpguard-cdb failed"; }
}
# re IP: the IP as an extended regex
re() { printf '%s' "$1" | sed 's/\./\\./g'; }

# --- counting, from exim's side (its mainlog names the client [IP]) -----
# exim_delivered IP: messages exim accepted after the dot (or BDAT LAST)
exim_delivered() { grep -Ec " <= .* \[$(re "$1")\] " "$EXIMLOG" 2>/dev/null; }
# exim_rcpt_refused IP: RCPTs exim answered with 4xx or 5xx
exim_rcpt_refused() { grep -Ec "\[$(re "$1")\] .*(temporarily )?rejected RCPT " "$EXIMLOG" 2>/dev/null; }
# exim_content_refused IP: messages refused after the dot
exim_content_refused() { grep -Ec "\[$(re "$1")\] .*rejected after DATA" "$EXIMLOG" 2>/dev/null; }
# transcript_rcpt_refused FILE...: the RCPT refusals a client received
# (exim.conf's RCPT texts; other refusals say something else)
transcript_rcpt_refused() {
  cat "$@" 2>/dev/null | tr -d '\r' |
    grep -Ec '^(550 unknown user|550 5\.1\.1 mailbox no longer|451 4\.2\.2 mailbox full|451 4\.7\.1 greylisted)'
}
# transcript_delivered FILE...: 250 after the dot, as the client saw it
transcript_delivered() { cat "$@" 2>/dev/null | tr -d '\r' | grep -c '^250 OK discarded'; }

# --- verdicts -------------------------------------------------------------
# door IP NAME: one connection from IP that says QUIT; prints "open"
# (greeted by exim), "421" (smtpguard's listed refusal) or "closed"
# (tcpserver's deny: not a byte).
door() {
  printf '<\n> QUIT\n<\ndrain\n' >"$T/door.script"
  "$SGTCLIENT" -t 20 -b "$1" -o "$T/door.$2" 127.0.0.1 "$PORT" "$T/door.script" >/dev/null 2>&1
  if [ ! -s "$T/door.$2" ]; then echo closed
  elif head -n 1 "$T/door.$2" | grep -q '^220'; then echo open
  elif head -n 1 "$T/door.$2" | grep -q '^421'; then echo 421
  else echo other; fi
}
# never_judged IP WHAT: IP was never kicked nor listed (no kick, wouldkick
# or listed line, nothing in listed/, nothing in smtpguard-list -a, no
# deny in the rebuilt cdb) and its next connection is greeted.
never_judged() {
  _re=$(re "$1")
  assert_no_grep "$SERVER_LOG" "(kick|wouldkick) ip=$_re " "$2 ($1): kicked"
  assert_no_grep "$SERVER_LOG" "listed ip=$_re " "$2 ($1): listed"
  [ -e "$S/listed/$1" ] || [ -L "$S/listed/$1" ] && fail "$2 ($1): in $S/listed/"
  "$SG_BIN/smtpguard-list" -t -a -d "$S" >"$T/list.out" 2>&1 || fail "smtpguard-list failed"
  cut -f1 "$T/list.out" | grep -qx "$_re" && fail "$2 ($1): smtpguard-list shows it"
  build_cdb
  case $(cdb -q -n 1 "$CDB" "$1" 2>/dev/null | tr '\0' '|') in D*) fail "$2 ($1): denied in the cdb" ;; esac
  assert_eq "$(door "$1" "$2")" open "$2 ($1): next connection"
  check_delivered "$1" "$2"
}
# listed_at_door IP WHAT: IP was kicked and listed (log lines, listed/,
# smtpguard-list), and once the cdb is rebuilt tcpserver refuses it at
# connect without starting smtpguard.
listed_at_door() {
  _re=$(re "$1")
  assert_grep "$SERVER_LOG" "kick ip=$_re " "$2 ($1): never kicked"
  assert_grep "$SERVER_LOG" "listed ip=$_re " "$2 ($1): never listed"
  [ -L "$S/listed/$1" ] || [ -f "$S/listed/$1" ] || fail "$2 ($1): not in $S/listed/"
  "$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list.out" 2>&1 || fail "smtpguard-list failed"
  cut -f1 "$T/list.out" | grep -qx "$_re" || fail "$2 ($1): smtpguard-list does not show it"
  build_cdb
  case $(cdb -q -n 1 "$CDB" "$1" 2>/dev/null | tr '\0' '|') in D*) ;; *) fail "$2 ($1): not denied in the cdb" ;; esac
  assert_eq "$(door "$1" "$2")" closed "$2 ($1): next connection, at the door"
}
# guesses_bounded IP WHAT TRANSCRIPTS...: at most LIMIT (default
# BADRCPT_LIMIT) refused RCPTs were answered to IP, counted by the client
# and by exim (not by exim with EXIM_MAY_EXCEED set).
guesses_bounded() {
  _ip=$1 _what=$2; shift 2
  _lim=${LIMIT:-$BADRCPT_LIMIT}
  _c=$(transcript_rcpt_refused "$@")
  _e=$(exim_rcpt_refused "$_ip")
  note "$_what ($_ip): refused RCPTs answered: client $_c, exim $_e (limit $_lim)"
  [ "$_c" -le "$_lim" ] || fail "$_what ($_ip): the client got $_c refused RCPTs answered, limit $_lim"
  # a pipelined burst reaches exim before smtpguard has seen a reply, and
  # a parallel connection's RCPT may be answered by exim after another
  # connection reached the limit: smtpguard holds back (or replaces with
  # its 421) the replies past the limit, so only the client's count binds
  [ -n "${EXIM_MAY_EXCEED:-}" ] || [ "$_e" -le "$_lim" ] || fail "$_what ($_ip): exim answered $_e refused RCPTs, limit $_lim"
  [ "$_c" -ge 1 ] || fail "$_what ($_ip): not a single guess answered: the pattern never ran"
}

# --- sgtclient sessions -------------------------------------------------
# sgt_session IP NAME SCRIPT: one session, transcript appended to
# $T/NAME.client; the exit status is not judged (a kicked or refused
# session fails its expectations; the counts and verdicts say the rest).
sgt_session() {
  "$SGTCLIENT" -t 60 -b "$1" -o "$T/$2.one" 127.0.0.1 "$PORT" "$3" >/dev/null 2>>"$T/$2.err"
  cat "$T/$2.one" >>"$T/$2.client" 2>/dev/null
  rm -f "$T/$2.one"
}
# sgt_ok IP NAME SCRIPT: one session that must meet every expectation.
sgt_ok() {
  "$SGTCLIENT" -t 60 -b "$1" -o "$T/$2.one" 127.0.0.1 "$PORT" "$3" >/dev/null 2>"$T/$2.err1"
  _rc=$?
  cat "$T/$2.one" >>"$T/$2.client" 2>/dev/null
  [ $_rc -eq 1 ] || { head -n 3 "$T/$2.err1" >&2; tr -d '\r' <"$T/$2.one" | tail -n 5 >&2; fail "$2 from $1: sgtclient exit $_rc, want 1 (every reply as expected)"; }
  rm -f "$T/$2.one"
}

# --- exim as the sending MTA ---------------------------------------------
CLIENT_CONF=$TOP/tests/exim/client.conf
# mta_init NAME IP: an exim MTA of its own (spool, logs) sending from IP
mta_init() {
  mkdir -p "$T/mta.$1/spool" "$T/mta.$1/log" || fail "mkdir mta"
  chown -R Debian-exim:Debian-exim "$T/mta.$1" || fail "chown mta spool"
  echo "$2" >"$T/mta.$1/ip"
}
# mta_queue NAME SENDER SUBJECT RCPT...: add one message to the batch
# that mta_flush queues first (exim -bS -odq: one exim process for the
# whole batch, where one per message would cost most of the test's time)
mta_queue() {
  _n=$1 _f=$2 _s=$3; shift 3
  {
    printf 'MAIL FROM:<%s>\r\n' "$_f"
    for _r in "$@"; do printf 'RCPT TO:<%s>\r\n' "$_r"; done
    printf 'DATA\r\nFrom: <%s>\r\nSubject: %s\r\n\r\nA message to %s recipients.\r\n.\r\n' "$_f" "$_s" "$#"
  } >>"$T/mta.$_n/batch"
}
# mta_submit NAME: queue the batch
mta_submit() {
  [ -s "$T/mta.$1/batch" ] || return 0
  printf 'QUIT\r\n' >>"$T/mta.$1/batch"
  SG_CLIENT_DIR=$T/mta.$1 exim4 -C "$CLIENT_CONF" -odq -bS <"$T/mta.$1/batch" >>"$T/mta.$1/stderr" 2>&1 ||
    { tail -n 5 "$T/mta.$1/stderr" >&2; fail "mta $1: exim would not queue the batch"; }
  : >"$T/mta.$1/batch"
}
# mta_flush NAME [exim-env...]: one queue run, bounded in time: -qq
# (route everything first, then deliver down shared connections; what
# was deferred waits for its retry time), or MTA_Q=-qqff: retry now.
mta_flush() {
  _n=$1; shift
  mta_submit "$_n"
  env SG_CLIENT_DIR="$T/mta.$_n" SG_PORT="$PORT" SG_CLIENT_IP="$(cat "$T/mta.$_n/ip")" "$@" \
    timeout 110 exim4 -C "$CLIENT_CONF" "${MTA_Q:--qq}" 2>>"$T/mta.$_n/stderr"
  [ $? -ne 124 ] || fail "mta $_n: queue run did not end in 110 s"
}
# mta_delivered NAME: 250 after the dot, as the MTA logged it
mta_delivered() { grep -c ' => .*T=to_test_server.* C="250' "$T/mta.$1/log/mainlog" 2>/dev/null; }
# mta_rcpt_refused NAME: 4xx/5xx answers to RCPT the MTA logged
mta_rcpt_refused() { grep -E ' (\*\*|==) .*T=to_test_server.*after RCPT TO' "$T/mta.$1/log/mainlog" 2>/dev/null | grep -vc ': 421 '; }
# mta_content_refused NAME: refusals after the end of data
mta_content_refused() { grep -Ec ' \*\* .*T=to_test_server.*after (end of data|pipelined end of data|BDAT)' "$T/mta.$1/log/mainlog" 2>/dev/null; }
# mta_kicked NAME: did the MTA ever get a 421? (shows smtpguard's verdict)
mta_kicked() {
  grep -q ' 421 ' "$T/mta.$1/log/mainlog" 2>/dev/null || return 1
  grep ' 421 ' "$T/mta.$1/log/mainlog" | head -n 2 | sed 's/^/  mta | /' >&2
  why "$(cat "$T/mta.$1/ip")"
}
# why IP: smtpguard's verdict lines about IP, on stderr
why() { grep -E "(kick|listed|refused) ip=$(re "$1") " "$SERVER_LOG" | head -n 3 | sed 's/^/  smtpguard | /' >&2; return 0; }
# check_delivered IP WHAT: smtpguard's own count of delivered transactions
# (delivered= in its -v session lines) matches exim's, when it logs one.
check_delivered() {
  [ -z "${NO_DELIVERED_CHECK:-}" ] || return 0
  grep -E "session ip=$(re "$1") .* delivered=" "$SERVER_LOG" >"$T/sess.$1" || return 0
  _d=$(sed -E 's/.* delivered=([0-9]+).*/\1/' "$T/sess.$1" | awk '{ s += $1 } END { print s + 0 }')
  assert_eq "$_d" "$(exim_delivered "$1")" "$2 ($1): smtpguard's delivered count against exim's"
}
# sessions_of IP: how many smtpguard sessions IP had (-v summary lines)
sessions_of() { grep -Ec "session ip=$(re "$1") " "$SERVER_LOG"; }
