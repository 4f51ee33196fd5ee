#!/bin/sh
# Misbehaving servers, and signals to smtpguard, through the real chain:
# tcpserver -R -H -l 0, smtpguard (under sgpeak), and sgscriptd, the
# project's scripted smtpd.
#
# Servers: one that crashes mid-session, exits before the greeting, never
# reads, writes garbage, writes a 1 MB reply line, says 421 unprompted.
# smtpguard itself: SIGTERM and SIGHUP mid-session (the smtpd gets
# SIGTERM, its last words reach the client, smtpguard exits with its
# status), a child that ignores SIGTERM (SIGKILL after the grace time),
# 500 concurrent sessions.
#
# For every session: the client sees a sensible end (the server's reply,
# a 421, or a close), smtpguard's peak resident size within the bound, no
# descriptor left at exit, its exit code, no process left behind, no raw
# control byte in the log.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/sgadv.sh"
need_sgtclient
need_smtpguard
need_tools sgpeak sgscriptd

# One server for the single cases; the smtpd's misbehaviour is chosen by
# the client's address (each client binds its own 127.0.62.N).
cat >"$T/smtpd" <<EOF
#!/bin/sh
case \$TCPREMOTEIP in
  127.0.62.1) exec "$SGSCRIPTD" crash 3 ;;
  127.0.62.2) exec "$SGSCRIPTD" nogreet ;;
  127.0.62.3) exec "$SGSCRIPTD" -l 3 noread ;;
  127.0.62.4) exec "$SGSCRIPTD" garbage 3 ;;
  127.0.62.5) exec "$SGSCRIPTD" bigreply ;;
  127.0.62.6) exec "$SGSCRIPTD" unsol421 ;;
  127.0.62.9) exec "$SGSCRIPTD" ignoreterm ;;
  *) exec "$SGSCRIPTD" normal ;;
esac
EOF
chmod 755 "$T/smtpd"
start_tcpserver -- "$SGPEAK" -o "$T/a.peak" "$SG_BIN/smtpguard" -v -g 300 "$T/smtpd"
A_PID=$SERVER_PID A_PORT=$PORT A_LOG=$SERVER_LOG
n=0   # sessions on A

# client NAME IP WANT-RC: run sgtclient with the script $T/NAME.script
client() {
  "$SGTCLIENT" -t 20 -b "$2" -o "$T/$1.client" 127.0.0.1 "$A_PORT" "$T/$1.script" >"$T/$1.replies" 2>"$T/$1.err"
  rc=$?
  [ $rc -eq "$3" ] || { cat "$T/$1.err" "$A_LOG" >&2; fail "$1: sgtclient exit $rc, want $3"; }
  n=$((n + 1))
  wait_until 5 grep -q "^ip=$2 " "$T/a.peak" || fail "$1: smtpguard did not exit"
  check_clean "$A_PID" 5 "$1"
}
# want_status NAME IP CODE END: smtpguard's exit code and its end= word
want_status() {
  s=$(peak_status "$T/a.peak" "$2")
  [ "$s" = "$3" ] || fail "$1: smtpguard exit code $s, want $3 ($(peak_line "$T/a.peak" "$2"))"
  l=$(session_line "$A_LOG" "$2")
  case $l in
    *" end=$4 "*" status=$3") ;;
    *) fail "$1: want end=$4 status=$3 in the summary: $l" ;;
  esac
}

# --- crashes mid-session: the reply before the crash arrives, then close --
printf '< 220\n> EHLO c.example.test\n< 250\n> MAIL FROM:<a@example.test>\n< 250\n> RCPT TO:<good@example.test>\n< 250\n> DATA\neof\n' >"$T/crash.script"
client crash 127.0.62.1 1
want_status crash 127.0.62.1 134 server-eof

# --- exits before the greeting: the client sees a close, no bytes ---------
printf 'eof\n' >"$T/nogreet.script"
client nogreet 127.0.62.2 1
[ ! -s "$T/nogreet.client" ] || fail "nogreet: the client got bytes"
want_status nogreet 127.0.62.2 1 server-eof

# --- never reads: the client pipelines and does not read either; the
# chain stops (backpressure), smtpguard stays small and holds only its own
# descriptors; the smtpd dies of its time limit (SIGALRM) and that ends
# the session.
noread_hold 30 127.0.62.3 "$A_PORT" "$A_PID" 10
check_live "$gpid" "noread server"
wait_until 8 grep -q '^ip=127.0.62.3 ' "$T/a.peak" || { exec 8>&-; fail "noread: the session did not end with the smtpd"; }
exec 8>&-
wait "$noread_pid"
n=$((n + 1))
check_clean "$A_PID" 5 "noread"
want_status noread 127.0.62.3 142 server-eof

# --- garbage: relayed as it is, and the session ends with the smtpd -------
printf '< 220\npipeline\n> EHLO g.example.test\n> MAIL FROM:<a@example.test>\n> RCPT TO:<x@example.test>\nflush\ndrain\n' >"$T/garbage.script"
client garbage 127.0.62.4 1
printf '220 sgscriptd ESMTP\r\n' >"$T/garbage.want"
for i in 1 2 3; do printf '\000\001\033[2J\r\177\377\376 250 \r\r\000ok?\t\b' >>"$T/garbage.want"; done
assert_same_file "$T/garbage.want" "$T/garbage.client" "garbage: the client did not get the server's bytes unchanged"
want_status garbage 127.0.62.4 0 server-eof

# --- a 1 MB reply line: relayed whole, pairing intact, memory bounded ----
printf '< 220\n> EHLO b.example.test\n< 250\n> MAIL FROM:<a@example.test>\n< 250\n> RCPT TO:<bad@example.test>\n< 550\n> RCPT TO:<good@example.test>\n< 250\n> QUIT\n< 221\neof\n' >"$T/big.script"
client big 127.0.62.5 1
[ "$(wc -c <"$T/big.client")" -gt 1048576 ] || fail "big: the 1 MB reply line did not reach the client whole"
want_status big 127.0.62.5 0 quit
session_line "$A_LOG" 127.0.62.5 | grep -q ' bad=1 good=1 ' || fail "big: counts lost after the 1 MB line: $(session_line "$A_LOG" 127.0.62.5)"

# --- an unsolicited 421: relayed, not counted, then close -----------------
printf '< 220\n> EHLO u.example.test\n< 250\n< 421\neof\n' >"$T/unsol.script"
client unsol 127.0.62.6 1
grep -q '^421 4.3.2 sgscriptd: going away' "$T/unsol.replies" || fail "unsol: the server's own 421 did not reach the client"
want_status unsol 127.0.62.6 0 server-eof
assert_no_grep "$A_LOG" 'kick ip=127\.0\.62\.6 ' "unsol: smtpguard kicked"

# --- SIGTERM and SIGHUP mid-session ------------------------------------------
# The client waits for a reply it has not asked for; smtpguard gets the
# signal, passes SIGTERM to the smtpd, whose last words (421) reach the
# client; smtpguard exits with the smtpd's status (0).
printf '< 220\n> EHLO s.example.test\n< 250\n< 421\neof\n' >"$T/sig.script"
for sig in TERM HUP; do
  case $sig in TERM) ip=127.0.62.7 ;; HUP) ip=127.0.62.8 ;; esac
  "$SGTCLIENT" -t 20 -b "$ip" -o "$T/sig$sig.client" 127.0.0.1 "$A_PORT" "$T/sig.script" >"$T/sig$sig.replies" 2>"$T/sig$sig.err" &
  cpid=$!
  at_exit "kill $cpid 2>/dev/null"
  wait_until 10 grep -q '^250 PIPELINING' "$T/sig$sig.replies" || fail "SIG$sig: the session did not start"
  gpid=$(pgrep -g "$A_PID" -x smtpguard | head -n 1)
  [ -n "$gpid" ] || fail "SIG$sig: no smtpguard"
  check_live "$gpid" "SIG$sig"
  kill -"$sig" "$gpid"
  wait "$cpid"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/sig$sig.err" >&2; fail "SIG$sig: sgtclient exit $rc, want 1 (the smtpd's 421, then close)"; }
  grep -q '^421 4.3.2 sgscriptd: terminated' "$T/sig$sig.replies" || fail "SIG$sig: the smtpd's last words did not reach the client"
  n=$((n + 1))
  wait_until 5 grep -q "^ip=$ip " "$T/a.peak" || fail "SIG$sig: smtpguard did not exit"
  check_clean "$A_PID" 5 "SIG$sig"
  want_status "SIG$sig" "$ip" 0 signal
done

# --- a child that ignores SIGTERM: SIGKILL after the grace time -----------
# -g 300: TERM at once, 300 ms, then EOF, 300 ms, TERM, 300 ms, KILL.
printf '< 220\n> EHLO i.example.test\n< 250\neof\n' >"$T/ign.script"
"$SGTCLIENT" -t 20 -b 127.0.62.9 -o "$T/ign.client" 127.0.0.1 "$A_PORT" "$T/ign.script" >"$T/ign.replies" 2>"$T/ign.err" &
cpid=$!
at_exit "kill $cpid 2>/dev/null"
wait_until 10 grep -q '^250 PIPELINING' "$T/ign.replies" || fail "ignoreterm: the session did not start"
gpid=$(pgrep -g "$A_PID" -x smtpguard | head -n 1)
t0=$(date +%s%N)
kill -TERM "$gpid"
wait "$cpid"
rc=$?
[ $rc -eq 1 ] || { cat "$T/ign.err" >&2; fail "ignoreterm: sgtclient exit $rc, want 1 (close)"; }
n=$((n + 1))
wait_until 10 grep -q '^ip=127.0.62.9 ' "$T/a.peak" || fail "ignoreterm: smtpguard did not exit"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 600 ] && [ "$ms" -le 5000 ] || fail "ignoreterm: the session ended after $ms ms, want about 900 (3 grace times of 300 ms)"
check_clean "$A_PID" 5 "ignoreterm"
want_status ignoreterm 127.0.62.9 137 signal

check_peaks "$T/a.peak" "$n" "single sessions"
check_log_clean "$A_LOG" "single sessions"
stop_pid "$A_PID"

# --- 500 concurrent sessions ----------------------------------------------------
# Each client holds its session 8 s after EHLO, so that all are live at
# once even where starting 500 clients takes seconds (the sanitizer
# build on a busy machine); every one must complete (MAIL, RCPT, QUIT,
# 221, close).
N=500
start_tcpserver -c 600 -b 600 -- "$SGPEAK" -o "$T/c.peak" "$SG_BIN/smtpguard" -v -g 300 "$SGSCRIPTD" normal
C_PID=$SERVER_PID
printf '< 220\n> EHLO many.example.test\n< 250\nsleep 8000\n> MAIL FROM:<a@example.test>\n< 250\n> RCPT TO:<good@example.test>\n< 250\n> QUIT\n< 221\neof\n' >"$T/conc.script"
mkdir "$T/conc"
i=0
cpids=
while [ $i -lt $N ]; do
  ( "$SGTCLIENT" -t 60 127.0.0.1 "$PORT" "$T/conc.script" >/dev/null 2>"$T/conc/$i.err"; echo $? >"$T/conc/$i.rc" ) &
  cpids="$cpids $!"
  i=$((i + 1))
done
# the most sessions seen live at once
most=0
k=0
while [ $k -lt 60 ]; do
  c=$(pgrep -c -g "$C_PID" -x smtpguard)
  [ "$c" -gt "$most" ] && most=$c
  [ "$(ls "$T/conc" | grep -c '\.rc$')" -ge $N ] && break
  sleep 0.5
  k=$((k + 1))
done
# shellcheck disable=SC2086
wait $cpids
okc=$(cat "$T/conc"/*.rc | grep -cx 1)
[ "$okc" -eq $N ] || { cat "$T/conc"/*.err | sort | uniq -c | head >&2; fail "500 sessions: only $okc of $N clients completed"; }
[ "$most" -ge 350 ] || fail "500 sessions: at most $most were live at once, want at least 350"
[ "$(grep -c ' session .* end=quit .* status=0$' "$SERVER_LOG")" -eq $N ] || fail "500 sessions: want $N summary lines with end=quit status=0"
check_clean "$C_PID" 10 "500 sessions"
check_peaks "$T/c.peak" $N "500 sessions"
check_log_clean "$SERVER_LOG" "500 sessions"
note "500 sessions: $most live at once"
exit 0
