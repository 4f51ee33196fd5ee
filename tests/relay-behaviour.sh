#!/bin/sh
# The relay's behaviour at its edges: usage errors, a prog that
# cannot be executed, exit codes, SIGPIPE, a child that dies, a client
# that half-closes (it still gets the replies, and is still counted), the
# dry run, -m, and the -v summary line.
#
# smtpguard only needs fds 0 and 1, so exit codes are checked by running
# it directly on pipes and files; the rest goes through the real chain
# (tcpserver -R -H -l 0, smtpguard, exim -bs or sgscriptd).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/sgadv.sh"
need_sgtclient
need_smtpguard
need_tools sgpeak sgscriptd
SG=$SG_BIN/smtpguard

# --- usage errors: exit 100, one line "smtpguard: usage: ..." ---------------
usage_case() { # what args...
  _w=$1; shift
  "$SG" "$@" </dev/null >"$T/u.out" 2>"$T/u.err"
  rc=$?
  [ $rc -eq 100 ] || fail "usage ($_w): exit $rc, want 100"
  [ "$(wc -l <"$T/u.err")" -eq 1 ] || { cat "$T/u.err" >&2; fail "usage ($_w): want one line on stderr"; }
  grep -q '^smtpguard: usage: smtpguard ' "$T/u.err" || { cat "$T/u.err" >&2; fail "usage ($_w): not a usage line"; }
  [ ! -s "$T/u.out" ] || fail "usage ($_w): something written to the client"
}
usage_case "unknown option" -Z true
usage_case "bad limit -b x" -b x true
usage_case "bad limit -b 5x" -b 5x true
usage_case "negative limit" -s -1 true
usage_case "limit overflow" -e 99999999999 true
usage_case "bad grace" -g 10ms true
usage_case "bad timeout" -t 1.5 true
usage_case "missing prog"
usage_case "missing prog after options" -v -b 3
"$SG" -m "$(printf 'two\nlines')" true </dev/null >/dev/null 2>"$T/u.err"
[ $? -eq 100 ] || fail "a two-line -m text is not a usage error"
# the state directory's memory without a state directory: said, and the
# session still relayed (an old run script must not stop the mail)
for o in "-W 60" "-k 2" "-l 600" "-x 6000" "-H 0"; do
  # shellcheck disable=SC2086
  printf 'QUIT\r\n' | "$SG" $o "$SMTPD" >"$T/u.out" 2>"$T/u.err"
  rc=$?
  [ $rc -eq 0 ] || fail "smtpguard $o without -d: exit $rc, want the smtpd's 0"
  assert_grep "$T/u.err" '^smtpguard: warning: -W, -k, -l, -x and -H do nothing without -d$' "smtpguard $o without -d"
  grep -q '^221 ' "$T/u.out" || fail "smtpguard $o without -d: the session was not relayed"
done

# --- a prog that cannot be executed: exit 111, the client gets 421 --------
: >"$T/noexec"; chmod 644 "$T/noexec"
for p in "$T/nonexistent" "$T/noexec"; do
  "$SG" "$p" </dev/null >"$T/x.out" 2>"$T/x.err"
  rc=$?
  [ $rc -eq 111 ] || fail "unexecutable $p: exit $rc, want 111"
  [ "$(cat "$T/x.out")" = "$(printf '421 4.3.0 service temporarily unavailable\r')" ] ||
    { od -c "$T/x.out" | head >&2; fail "unexecutable $p: the client did not get one 421 line"; }
  grep -q '^smtpguard: fatal: unable to spawn ' "$T/x.err" || { cat "$T/x.err" >&2; fail "unexecutable $p: no fatal line"; }
done
# and through tcpserver: a 4xx, then the connection closes
start_tcpserver -- "$SG" "$T/nonexistent"
printf '< 421\neof\n' >"$T/noexec.script"
"$SGTCLIENT" -t 10 127.0.0.1 "$PORT" "$T/noexec.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" >&2; fail "unexecutable prog via tcpserver: sgtclient exit $rc, want 1 (421, close)"; }
check_no_leftovers
stop_pid "$SERVER_PID"

# --- exit codes: the child's, 128 + signal, 99 after a kick ---------------
"$SG" sh -c 'exit 7' </dev/null >/dev/null 2>&1
[ $? -eq 7 ] || fail "exit code: want the child's 7"
"$SG" sh -c 'kill -USR1 $$' </dev/null >/dev/null 2>&1
[ $? -eq $((128 + 10)) ] || fail "exit code: want 128 + SIGUSR1 for a child killed by it"

# --- a child that dies ends the session, once its output is relayed ---------
# The client stays connected (the pipe's writer sleeps): smtpguard must
# not wait for it.
# (the pipeline waits for the sleep: time smtpguard alone, inside it)
{ sleep 2; } | {
  t0=$(date +%s%N)
  "$SG" sh -c 'printf "220 hi\r\n250 last words\r\n"; exit 5' >"$T/die.out" 2>"$T/die.err"
  echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))" >"$T/die.rc"
}
read -r rc ms <"$T/die.rc"
[ "$rc" -eq 5 ] || fail "dying child: exit $rc, want its 5"
[ "$ms" -le 1500 ] || fail "dying child: smtpguard took $ms ms: it waited for the client"
[ "$(cat "$T/die.out")" = "$(printf '220 hi\r\n250 last words\r')" ] || fail "dying child: its last output was not relayed"

# --- exit code 99 after a kick, smtpguard on pipes with exim behind -----
# 22 bad RCPTs pipelined in one transaction; the writer stays (no EOF):
# kicked at the 10th (half of -b: the most a stranger's transaction may
# have answered).
{
  printf 'EHLO k.example.test\r\nMAIL FROM:<a@k.example.test>\r\n'
  for i in $(seq 1 22); do printf 'RCPT TO:<bad%s@example.test>\r\n' "$i"; done
  printf 'QUIT\r\n'
  sleep 2
} | TCPREMOTEIP=127.0.63.99 "$SG" -g 300 "$SMTPD" >"$T/k.out" 2>"$T/k.err"
rc=$?
[ $rc -eq 99 ] || { cat "$T/k.err" >&2; fail "kick on pipes: exit $rc, want 99"; }
tr -d '\r' <"$T/k.out" | tail -n 1 | grep -q '^421 4.7.0 too many invalid recipients' || fail "kick on pipes: no 421 last"
[ "$(tr -d '\r' <"$T/k.out" | grep -c '^550')" -eq 10 ] || fail "kick on pipes: want 10 rejections before the 421"
assert_grep "$T/k.err" '^smtpguard: info: kick ip=127\.0\.63\.99 reason=badrcpt bad=10 good=0 .* guesses=10 limit=10 delivered=0 history=no$' "kick on pipes: log line"

# --- SIGPIPE ignored: the client goes away while a 1 MB reply comes -------
# smtpguard must not die of SIGPIPE, and the session must end promptly
# (grace 300 ms) with the smtpd reaped, although the smtpd is still
# writing into a full pipe.
start_tcpserver -- "$SGPEAK" -o "$T/pipe.peak" "$SG" -v -g 300 "$SGSCRIPTD" -l 15 bigreply
printf '< 220\n> EHLO p.example.test\nclose\n' >"$T/pipe.script"
"$SGTCLIENT" -t 10 -b 127.0.63.2 127.0.0.1 "$PORT" "$T/pipe.script" >/dev/null 2>"$T/err"
wait_until 5 grep -qs "^ip=127.0.63.2 " "$T/pipe.peak" || {
  ps -o pid=,stat=,wchan=,args= -g "$SERVER_PID" | sed 's/^/  | /' >&2
  fail "SIGPIPE: the session did not end within 5 s of the client going away"
}
check_peaks "$T/pipe.peak" 1 "SIGPIPE"
check_no_leftovers
# the session line proves smtpguard outlived the broken pipe; whether it
# saw the client's EOF or the EPIPE first depends on which it met first
assert_grep "$SERVER_LOG" ' session ip=127\.0\.63\.2 .*end=client-(gone|eof) ' "SIGPIPE: want a session line ending client-gone or client-eof"
stop_pid "$SERVER_PID"

# --- through exim: half-close, dry run, -m, -v ---------------------------
SG_REC=$T/rec; export SG_REC
start_tcpserver -- "$SG" -v -g 300 "$SMTPD"
unset SG_REC
LOG=$SERVER_LOG

# half-close: everything pipelined, then shutdown; every reply still
# comes, and every command is still counted (a pipelining attacker that
# half-closes is kicked like any other).
{
  echo '< 220'; echo 'pipeline'
  echo '> EHLO half.example.test'; echo '> MAIL FROM:<a@half.example.test>'
  echo '> RCPT TO:<good1@example.test>'; echo '> RCPT TO:<nobody@example.test>'
  echo '> QUIT'; echo 'flush'; echo 'shutdown'
  echo '< 250'; echo '< 250'; echo '< 250'; echo '< 550'; echo '< 221'; echo 'eof'
} >"$T/half.script"
"$SGTCLIENT" -t 20 -b 127.0.63.3 127.0.0.1 "$PORT" "$T/half.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" >&2; fail "half-close: sgtclient exit $rc, want 1 (all replies, then close)"; }
wait_until 5 grep -q ' session ip=127\.0\.63\.3 ' "$LOG"
assert_grep "$LOG" ' session ip=127\.0\.63\.3 helo=half\.example\.test end=quit bad=1 good=1 ' "half-close: the commands sent before the half-close were not counted"
{
  echo '< 220'; echo 'pipeline'
  echo '> EHLO half2.example.test'; echo '> MAIL FROM:<a@half.example.test>'
  for i in $(seq 1 22); do echo "> RCPT TO:<bad$i@example.test>"; done
  echo '> QUIT'; echo 'flush'; echo 'shutdown'
  echo '< 250'; echo '< 250'
  for i in $(seq 1 10); do echo '< 550'; done
  echo '< 421'; echo 'eof'
} >"$T/halfkick.script"
"$SGTCLIENT" -t 20 -b 127.0.63.4 127.0.0.1 "$PORT" "$T/halfkick.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" "$LOG" >&2; fail "half-close attack: sgtclient exit $rc, want 1 (10 x 550, 421, close)"; }
assert_grep "$LOG" 'kick ip=127\.0\.63\.4 reason=badrcpt bad=10 good=0 ' "half-close attack: no kick"
check_no_leftovers

# -v: the summary line, field by field, with in/out the real byte counts
: >"$T/rec.in"
{
  echo '< 220'
  echo '> EHLO v.example.test'; echo '< 250'
  echo '> MAIL FROM:<a@v.example.test>'; echo '< 250'
  echo '> RCPT TO:<good1@example.test>'; echo '< 250'
  echo '> RCPT TO:<bogus@example.test>'; echo '< 550'
  echo '> RCPT TO:<good2@example.test>'; echo '< 250'
  echo '> RSET'; echo '< 250'
  echo '> BOGUS'; echo '< 500'
  echo '> QUIT'; echo '< 221'; echo 'eof'
} >"$T/v.script"
"$SGTCLIENT" -t 20 -b 127.0.63.5 -o "$T/v.client" 127.0.0.1 "$PORT" "$T/v.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" >&2; fail "-v: sgtclient exit $rc"; }
wait_until 5 grep -q ' session ip=127\.0\.63\.5 ' "$LOG"
in=$(wc -c <"$T/rec.in")
out=$(wc -c <"$T/v.client")
assert_grep "$LOG" "^smtpguard: info: session ip=127\\.0\\.63\\.5 helo=v\\.example\\.test end=quit bad=1 good=2 rset=1 authfail=0 errors=1 in=$in out=$out ms=[0-9]+ status=0\$" "-v: summary line"
check_no_leftovers
check_log_clean "$LOG" "half-close and -v sessions"

# dry run: the attack goes on to QUIT; one wouldkick line, no 421, no kick
stop_pid "$SERVER_PID"
start_tcpserver -- "$SG" -v -n -g 300 "$SMTPD"
attack_script "$T/dry.script" lockstep no
"$SGTCLIENT" -t 30 -b 127.0.63.6 -o "$T/dry.client" 127.0.0.1 "$PORT" "$T/dry.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" >&2; fail "dry run: sgtclient exit $rc, want 1 (all 15 bad RCPTs answered, 221)"; }
assert_no_grep "$T/dry.client" '^421' "dry run: the client got a 421"
[ "$(tr -d '\r' <"$T/dry.client" | grep -c '^550')" -eq 15 ] || fail "dry run: want 15 rejections"
[ "$(grep -c 'wouldkick ip=127\.0\.63\.6 reason=badrcpt bad=5 good=0 rset=1 .* guesses=5 limit=5 delivered=0 history=no list=no$' "$SERVER_LOG")" -eq 1 ] || { cat "$SERVER_LOG" >&2; fail "dry run: want exactly one wouldkick line, at the first RSET"; }
assert_no_grep "$SERVER_LOG" ' kick ip=' "dry run: a kick was logged"
assert_grep "$SERVER_LOG" ' session ip=127\.0\.63\.6 .*end=quit bad=15 .* status=0$' "dry run: the session did not go on to QUIT"
check_no_leftovers
stop_pid "$SERVER_PID"

# -m: the text of the 421
start_tcpserver -- "$SG" -m '4.7.1 go away, said the test' -g 300 "$SMTPD"
attack_script "$T/m.script" lockstep yes
"$SGTCLIENT" -t 30 -b 127.0.63.7 -o "$T/m.client" 127.0.0.1 "$PORT" "$T/m.script" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/err" >&2; fail "-m: sgtclient exit $rc"; }
[ "$(tr -d '\r' <"$T/m.client" | tail -n 1)" = "421 4.7.1 go away, said the test" ] ||
  { tail -n 2 "$T/m.client" >&2; fail "-m: the 421 does not carry the text"; }
check_no_leftovers
stop_pid "$SERVER_PID"
exit 0
