#!/bin/sh
# The door test (smtpguard -G) through the real chain: tcpserver -x with
# a cdb from Debian's tcprules, smtpguard -d -G, exim -bs behind a wrapper
# that records every smtpd start (so "no smtpd for it" is seen, not
# assumed):
#   - a client that talks before the greeting ends gets the teaser line,
#     then 521, then the close; no smtpd starts; it is struck (listed with
#     -k 1) and its next connection refused at once;
#   - an HTTP request line and a TLS ClientHello as first bytes: the same,
#     logged with their own verdicts, which smtpguard-stat counts apart;
#   - a client that hangs up during the wait costs nothing: no strike, no
#     pass, no smtpd;
#   - swaks and Postfix's smtp-source wait, read one valid multi-line
#     greeting (the teaser, then exim's own 220), deliver, and get a pass:
#     their next connection is greeted at once;
#   - clients the rules exempt (SMTPGUARD_PASS, RELAYCLIENT,
#     SMTPGUARD_EXEMPT) are greeted at once, without a pass record;
#   - -E log refuses without a strike, -E list lists at once whatever -k,
#     -E strike counts toward -k;
#   - pass records expire after -P seconds and smtpguard-cdb prunes them;
#   - without a usable pass directory the test is skipped (fail open);
#   - bad -G, -E, -P, -B values and -G without -d are usage errors.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) not installed"

S=$T/state
mkdir "$S" || fail mkdir
cat >"$T/rules" <<'EOF'
127.0.7.2:allow,SMTPGUARD_PASS=""
127.0.7.3:allow,RELAYCLIENT=""
127.0.7.4:allow,SMTPGUARD_EXEMPT=""
:allow
EOF
tcprules "$T/rules.cdb" "$T/rules.tmp" <"$T/rules" || fail "tcprules failed"

record_starts   # $T/smtpd: every start, with the client's address

TEASER='mx.example.test ESMTP teaser'


# session NAME IP SCRIPT: sgtclient from IP; it must end with the server closing
session() {
  "$SGTCLIENT" -t 30 -b "$2" -o "$T/$1.client" 127.0.0.1 "$PORT" "$3" >"$T/$1.replies" 2>"$T/$1.err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/$1.err" "$SERVER_LOG" >&2; fail "$1: sgtclient exit $rc, want 1"; }
}

printf '> EHLO bot.example.test\ndrain\n' >"$T/early"
printf '< 220\n> EHLO client.example.test\n< 250\n> QUIT\n< 221\neof\n' >"$T/polite"

# refused NAME IP VERDICT: the teaser, the 521, the close; no smtpd
refused() {
  tr -d '\r' <"$T/$1.client" >"$T/$1.lines"
  assert_eq "$(sed -n 1p "$T/$1.lines")" "220-$TEASER" "$1: first line is not the teaser"
  sed -n 2p "$T/$1.lines" | grep -q '^521 5\.5\.1 ' || fail "$1: second line is not the 521"
  assert_eq "$(wc -l <"$T/$1.lines")" 2 "$1: lines after the refusal"
  started "$2" && fail "$1: an smtpd was started for $2"
  assert_grep "$SERVER_LOG" "door ip=$2 verdict=$3 action=" "$1: no $3 verdict logged"
}

# usage errors: exit 100, one line
usage() { # want-regex args...
  _re=$1; shift
  "$SG_BIN/smtpguard" "$@" true </dev/null >/dev/null 2>"$T/usage.err"
  _rc=$?
  [ $_rc -eq 100 ] || fail "smtpguard $*: exit $_rc, want 100"
  [ "$(wc -l <"$T/usage.err")" -eq 1 ] || fail "smtpguard $*: want one line on stderr"
  assert_grep "$T/usage.err" "$_re" "smtpguard $*: message"
}
usage '-G needs -d' -G 500
usage 'usage' -d "$S" -G 0
usage 'usage' -d "$S" -G 500 -E never
usage 'usage' -d "$S" -G 500 -P 0
usage 'the -B text' -d "$S" -G 500 -B "$(printf 'a\r\n250 b')"

start_tcpserver -x "$T/rules.cdb" -- "$SG_BIN/smtpguard" -v -d "$S" -G 1000 -B "$TEASER" "$T/smtpd"

# --- early talkers ----------------------------------------------------------
session early 127.0.7.10 "$T/early"
refused early 127.0.7.10 early
assert_grep "$SERVER_LOG" 'door ip=127\.0\.7\.10 verdict=early action=strike ms=[0-9]+ first=EHLO\\x20bot\.example\.test\\x0d\\x0a$' "early: log line"
[ "$(readlink "$S/listed/127.0.7.10" | cut -d' ' -f1)" = early ] || fail "early: not listed with reason early (default -k 1)"
# listed: the next connection is refused at once, still without an smtpd
printf '< 421\neof\n' >"$T/again"
session again 127.0.7.10 "$T/again"
started 127.0.7.10 && fail "again: an smtpd was started for a listed early talker"
assert_grep "$SERVER_LOG" 'refused ip=127\.0\.7\.10 reason=early' "again: no refusal logged"

printf 'GET / HTTP/1.1\r\nHost: mx.example.test\r\n\r\n' >"$T/http.bytes"
printf 'raw-file %s\ndrain\n' "$T/http.bytes" >"$T/http"
session http 127.0.7.11 "$T/http"
refused http 127.0.7.11 http

# a TLS 1.2 ClientHello's record and handshake headers, then some of its body
printf '\026\003\001\000\132\001\000\000\126\003\003' >"$T/tls.bytes"
head -c 64 /dev/urandom >>"$T/tls.bytes"
printf 'raw-file %s\ndrain\n' "$T/tls.bytes" >"$T/tls"
session tls 127.0.7.12 "$T/tls"
refused tls 127.0.7.12 tls

# --- a hang-up during the wait costs nothing -------------------------------
printf 'close\n' >"$T/hangup"
"$SGTCLIENT" -t 30 -b 127.0.7.13 127.0.0.1 "$PORT" "$T/hangup" >/dev/null 2>&1
wait_until 5 grep -q 'door ip=127\.0\.7\.13 verdict=gone' "$SERVER_LOG" || fail "hangup: no gone verdict logged"
started 127.0.7.13 && fail "hangup: an smtpd was started"
for d in listed ledger pass; do
  [ -e "$S/$d/127.0.7.13" ] && fail "hangup: a $d record for a client that hung up"
done

# --- swaks: waits, one valid greeting, delivers; then greeted at once -------
swaks_run() { # NAME
  swaks_nodns --server 127.0.0.1 --port "$PORT" -li 127.0.7.20 --helo client.example.test \
    --from sender@client.example.test --to good1@example.test --timeout 20 >"$T/$1.out" 2>&1
  assert_grep "$T/$1.out" '^<[-~*]* +250 OK discarded' "$1: message not accepted"
  assert_grep "$T/$1.out" '^<[-~*]* +221' "$1: no reply to QUIT"
  # the greeting: the "<-" lines before the first thing swaks sends
  awk '/^ *->/ { exit } /^ *<-/ { sub(/^ *<- +/, ""); print }' "$T/$1.out" >"$T/$1.greeting"
  replies_valid "$T/$1.greeting" "$1"
  grep -q '^220 ' "$T/$1.greeting" || fail "$1: greeting does not end with a 220 line"
}
swaks_run swaks1
assert_eq "$(sed -n 1p "$T/swaks1.greeting")" "220-$TEASER" "swaks1: greeting does not start with the teaser"
[ "$(wc -l <"$T/swaks1.greeting")" -ge 2 ] || fail "swaks1: exim's greeting missing"
assert_grep "$SERVER_LOG" 'door ip=127\.0\.7\.20 verdict=pass ms=(1[0-9][0-9][0-9]|[2-9][0-9][0-9][0-9])$' "swaks1: no pass after the whole wait"
[ -L "$S/pass/127.0.7.20" ] || fail "swaks1: no pass record"
swaks_run swaks2
grep -q 'teaser' "$T/swaks2.greeting" && fail "swaks2: a passed client got the teaser again"
assert_eq "$(grep -c 'door ip=127\.0\.7\.20 ' "$SERVER_LOG")" 1 "swaks2: the door test ran again"
assert_eq "$(starts_of 127.0.7.20)" 2 "swaks: smtpd starts"

# --- exempt clients skip the wait -------------------------------------------
for ip in 127.0.7.2 127.0.7.3 127.0.7.4; do
  session "exempt-$ip" "$ip" "$T/polite"
  head -n 1 "$T/exempt-$ip.client" | grep -q '^220 ' || fail "exempt $ip: first line is not exim's 220"
  grep -q teaser "$T/exempt-$ip.client" && fail "exempt $ip: teaser sent"
  [ -e "$S/pass/$ip" ] && fail "exempt $ip: a pass record for an exempt client"
  assert_no_grep "$SERVER_LOG" "door ip=$ip " "exempt $ip: door verdict logged"
done

# --- Postfix's smtp-source --------------------------------------------------
# Not installed (it conflicts with exim): the package is unpacked into the
# build directory, once.
PFX=$BUILD/cache/postfix
if [ ! -x "$PFX/root/usr/sbin/smtp-source" ]; then
  mkdir -p "$PFX" && rm -rf "$PFX/dl" && mkdir "$PFX/dl" &&
  (cd "$PFX/dl" && timeout 120 apt-get download postfix >/dev/null 2>&1) &&
  dpkg -x "$PFX"/dl/postfix_*.deb "$PFX/root" 2>/dev/null
fi
if [ -x "$PFX/root/usr/sbin/smtp-source" ]; then
  smtp_source() { # NAME: one message, one recipient, from 127.0.0.1
    LD_LIBRARY_PATH=$PFX/root/usr/lib/postfix timeout 30 "$PFX/root/usr/sbin/smtp-source" -v \
      -s 1 -m 1 -M client.example.test -f sender@client.example.test -t good2@example.test \
      "127.0.0.1:$PORT" >"$T/$1.out" 2>&1 || { cat "$T/$1.out" >&2; fail "$1: smtp-source failed"; }
  }
  smtp_source pfx1
  # -v shows every reply line it read: the teaser, then exim's 220
  grep '<<< ' "$T/pfx1.out" | sed 's/.*<<< //' | head -n 2 >"$T/pfx1.greeting"
  assert_eq "$(sed -n 1p "$T/pfx1.greeting")" "220-$TEASER" "pfx1: greeting does not start with the teaser"
  sed -n 2p "$T/pfx1.greeting" | grep -q '^220 ' || fail "pfx1: exim's 220 does not end the greeting"
  assert_grep "$SERVER_LOG" 'door ip=127\.0\.0\.1 verdict=pass' "pfx1: smtp-source did not pass the door"
  assert_eq "$(starts_of 127.0.0.1)" 1 "pfx1: smtpd starts"
  smtp_source pfx2
  assert_no_grep "$T/pfx2.out" "teaser" "pfx2: a passed client got the teaser again"
  assert_eq "$(grep -c 'door ip=127\.0\.0\.1 ' "$SERVER_LOG")" 1 "pfx2: the door test ran again"
  assert_eq "$(starts_of 127.0.0.1)" 2 "pfx2: smtpd starts"
  # both messages accepted: exim logged them
  [ "$(grep -c '<= sender@client.example.test .*127\.0\.0\.1' "$SG_EXIM_DIR/log/mainlog" 2>/dev/null)" -ge 2 ] ||
    { grep -h . "$SG_EXIM_DIR"/log/* | tail -n 20 >&2; fail "smtp-source: messages not accepted by exim"; }
else
  note "SKIP smtp-source: apt-get download postfix failed (no network or no package source)"
fi
check_no_leftovers
stop_pid "$SERVER_PID"

# smtpguard-stat tells the verdicts apart
"$SG_BIN/smtpguard-stat" -t "$SERVER_LOG" >"$T/stat" || fail "smtpguard-stat"
for v in early http tls gone; do
  assert_grep "$T/stat" "^door	$v	1\$" "stat: $v count"
done
assert_grep "$T/stat" "^door	pass	$(grep -c 'door ip=[^ ]* verdict=pass' "$SERVER_LOG")\$" "stat: pass count"
assert_grep "$T/stat" '^list	refused	1$' "stat: the listed early talker's refusal"

# --- actions: log, list, strike ---------------------------------------------
start_tcpserver -- "$SG_BIN/smtpguard" -d "$S" -G 500 -E log -B "$TEASER" "$T/smtpd"
session log1 127.0.7.40 "$T/early"
session log2 127.0.7.40 "$T/early"
refused log2 127.0.7.40 early
assert_grep "$SERVER_LOG" 'door ip=127\.0\.7\.40 verdict=early action=log' "log: action"
[ -e "$S/listed/127.0.7.40" ] && fail "log: an early talker listed with -E log"
[ -e "$S/ledger/127.0.7.40" ] && fail "log: a strike recorded with -E log"
stop_pid "$SERVER_PID"

start_tcpserver -- "$SG_BIN/smtpguard" -d "$S" -k 3 -G 500 -E list -B "$TEASER" "$T/smtpd"
session list1 127.0.7.41 "$T/early"
refused list1 127.0.7.41 early
[ -L "$S/listed/127.0.7.41" ] || fail "list: not listed at once with -k 3"
stop_pid "$SERVER_PID"

start_tcpserver -- "$SG_BIN/smtpguard" -d "$S" -k 2 -G 500 -E strike -B "$TEASER" "$T/smtpd"
session strike1 127.0.7.42 "$T/early"
[ -e "$S/listed/127.0.7.42" ] && fail "strike: listed after one strike with -k 2"
session strike2 127.0.7.42 "$T/early"
refused strike2 127.0.7.42 early
[ -L "$S/listed/127.0.7.42" ] || fail "strike: not listed after two strikes with -k 2"
check_no_leftovers
stop_pid "$SERVER_PID"

# --- fail open: no usable pass directory, no door test ----------------------
S2=$T/state2
mkdir "$S2" && : >"$S2/pass" || fail "state2"
start_tcpserver -- "$SG_BIN/smtpguard" -d "$S2" -G 500 -B "$TEASER" "$T/smtpd"
session failopen 127.0.7.50 "$T/polite"
head -n 1 "$T/failopen.client" | grep -q '^220 ' || fail "failopen: not greeted by exim at once"
assert_grep "$SERVER_LOG" 'warning: unable to open the pass directory in .* for 127\.0\.7\.50' "failopen: no warning"
stop_pid "$SERVER_PID"

# --- pass records expire (-P) and are pruned --------------------------------
# The test builds (SG_TESTBIN) read their clock from SMTPGUARD_NOW.
[ -x "$SG_TESTBIN/smtpguard" ] || fail "no $SG_TESTBIN/smtpguard (run make tests)"
t0=1700000000
at_time() { # SECS: a server whose clock says t0 + SECS
  SMTPGUARD_NOW=$((t0 + $1)); export SMTPGUARD_NOW
  start_tcpserver -- "$SG_TESTBIN/smtpguard" -d "$S" -G 300 -P 60 -B "$TEASER" "$T/smtpd"
}
teased() { head -n 1 "$T/$1.client" | grep -q "^220-$TEASER"; }
at_time 0
session p0 127.0.7.30 "$T/polite"
teased p0 || fail "pass: first connection not teased"
assert_eq "$(readlink "$S/pass/127.0.7.30")" "$t0 $((t0 + 60))" "pass: record"
stop_pid "$SERVER_PID"
at_time 59
session p59 127.0.7.30 "$T/polite"
teased p59 && fail "pass: teased again before the pass expired"
stop_pid "$SERVER_PID"
at_time 60
session p60 127.0.7.30 "$T/polite"
teased p60 || fail "pass: not teased after the pass expired"
assert_eq "$(readlink "$S/pass/127.0.7.30")" "$((t0 + 60)) $((t0 + 120))" "pass: renewed record"
session p60b 127.0.7.31 "$T/polite"
stop_pid "$SERVER_PID"
# at +120 the first record has expired, the second (60 .. 120) too; one
# made at +100 has not
at_time 100
session p100 127.0.7.32 "$T/polite"
stop_pid "$SERVER_PID"
ln -s garbage "$S/pass/127.0.7.33" || fail "ln"
SMTPGUARD_NOW=$((t0 + 120)); export SMTPGUARD_NOW
"$SG_TESTBIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/gc.cdb" 2>"$T/gc.log" || { cat "$T/gc.log" >&2; fail "smtpguard-cdb"; }
unset SMTPGUARD_NOW
for ip in 127.0.7.30 127.0.7.31 127.0.7.33; do
  [ -e "$S/pass/$ip" ] || [ -L "$S/pass/$ip" ] && fail "gc: pass record $ip not pruned"
done
[ -L "$S/pass/127.0.7.32" ] || fail "gc: an unexpired pass record pruned"
check_no_leftovers
exit 0
