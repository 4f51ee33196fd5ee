#!/bin/sh
# The shipped daemontools service directories (examples/service/smtpd and
# examples/service/smtpguard-cdb, with their log/run) under a real svscan
# in a temporary directory, configured only through their env/ files:
# a dictionary attacker is kicked, listed, and from then on refused by
# tcpserver (the cdb smtpguard-cdb -w rebuilt); a legitimate client is
# served throughout; the multilog files hold the kick, the listing, the
# rebuild and the deny. Everything is stopped by pid.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
for p in svscan supervise svc svstat multilog envdir; do
  command -v $p >/dev/null 2>&1 || fail "$p (daemontools) not installed"
done

S=$T/service
mkdir -p "$S" "$T/state" || fail "mkdir"
cp -R "$TOP/examples/service/smtpd" "$TOP/examples/service/smtpguard-cdb" "$S/" || fail "copy"
PORT=$(pick_port)
printf '127.0.0.1:allow\n:allow\n' >"$T/rules.txt"
setenv() { printf '%s\n' "$3" >"$S/$1/env/$2" || fail "env $1/$2"; }
for s in smtpd smtpguard-cdb; do
  rm -f "$S/$s/env/"*
  setenv $s PATH "$SG_BIN:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
  setenv $s CDB "$T/rules.cdb"
  setenv $s STATEDIR "$T/state"
done
setenv smtpd IP 127.0.0.1
setenv smtpd PORT "$PORT"
setenv smtpd SMTPGUARD_OPTS -v
setenv smtpd SMTPD "$SMTPD"
setenv smtpd SG_EXIM_DIR "$SG_EXIM_DIR"
# as root, exercise the -u/-g path (as root again: exim needs no chown)
[ "$(id -u)" = 0 ] && setenv smtpd RUNAS root
setenv smtpguard-cdb RULES "$T/rules.txt"

setsid svscan "$S" </dev/null >"$T/svscan.log" 2>&1 &
SVSCAN=$!
# stop: svscan first (so it restarts nothing), then every supervise and
# its service with svc -dx, then whatever is left of svscan's session,
# each by its pid
stop_services() {
  pids=$(pgrep -s "$SVSCAN" 2>/dev/null | grep -vx "$SVSCAN")
  stop_pid "$SVSCAN"
  for d in "$S"/*; do svc -dx "$d" "$d/log" 2>/dev/null; done
  _n=50
  while [ $_n -gt 0 ] && [ -n "$(pgrep -s "$SVSCAN" 2>/dev/null)" ]; do sleep 0.1; _n=$((_n - 1)); done
  for p in $pids $(pgrep -s "$SVSCAN" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  SVSCAN_STOPPED=1
}
at_exit '[ -n "${SVSCAN_STOPPED:-}" ] || stop_services'

up_pid() { svstat "$1" 2>/dev/null | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'; }
ready() { p=$(up_pid "$S/smtpd"); [ -n "$p" ] && sg_listening "$p" "$PORT" && [ -f "$T/rules.cdb" ]; }
wait_until 10 ready || { cat "$S"/*/log/main/current "$T/svscan.log" >&2 2>/dev/null; fail "services did not come up on port $PORT"; }
SLOG=$S/smtpd/log/main/current
CLOG=$S/smtpguard-cdb/log/main/current
SERVER_LOG=$SLOG   # for check_kicked
tr '\0' ' ' </proc/"$(up_pid "$S/smtpd")"/cmdline >"$T/cmdline"
assert_grep "$T/cmdline" "^tcpserver -v -R -H -l 0 .*-x $T/rules.cdb -c 40 127.0.0.1 $PORT smtpguard -v -d $T/state $SMTPD" "tcpserver command line"
if [ "$(id -u)" = 0 ]; then assert_grep "$T/cmdline" " -u 0 -g 0 " "RUNAS: tcpserver -u -g"; fi

legit() { # name: one message from 127.0.6.2, accepted
  printf '%s\n' '< 220' '> EHLO legit.example.test' '< 250' '> MAIL FROM:<a@legit.example.test>' '< 250' \
    '> RCPT TO:<good1@example.test>' '< 250' '> RCPT TO:<typo@example.test>' '< 550' \
    '> DATA' '< 354' '> hello' '> .' '< 250' '> QUIT' '< 221' 'eof' >"$T/legit.script"
  "$SGTCLIENT" -t 20 -b 127.0.6.2 -o "$T/$1.client" 127.0.0.1 "$PORT" "$T/legit.script" >/dev/null 2>"$T/$1.err"
  [ $? -le 1 ] || { cat "$T/$1.err" >&2; fail "$1: the legitimate client was not served"; }
}
legit legit1

# the attacker: kicked at the RSET after its 5th bad RCPT, listed, cdb rebuilt
attack_script "$T/kick" lockstep yes
"$SGTCLIENT" -t 20 -b 127.0.6.7 -o "$T/attack.client" 127.0.0.1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
[ $? -eq 1 ] || { cat "$T/err" >&2; fail "attack: want the 421 after the first RSET"; }
check_kicked attack 127.0.6.7
wait_until 5 grep -q 'listed ip=127\.0\.6\.7 reason=badrcpt until=[0-9]* strikes=1' "$SLOG" ||
  fail "no listing line in the smtpd log"
wait_until 5 grep -q 'smtpguard-cdb: info: rebuilt .* listed=1' "$CLOG" ||
  { cat "$CLOG" >&2; fail "no rebuild with the listing in the smtpguard-cdb log"; }

# from now on tcpserver itself refuses it: no banner, no smtpguard, no smtpd
printf '%s\n' '< 220' '> QUIT' '< 221' >"$T/hello"
for i in 1 2 3; do
  "$SGTCLIENT" -t 10 -b 127.0.6.7 -o "$T/again$i.client" 127.0.0.1 "$PORT" "$T/hello" >/dev/null 2>&1
  [ ! -s "$T/again$i.client" ] || { cat "$T/again$i.client" >&2; fail "listed attacker got bytes from the server (try $i)"; }
done
wait_until 5 grep -q 'tcpserver: deny [0-9]* [^ ]* :127\.0\.6\.7::' "$SLOG" || fail "no tcpserver deny line in the log"
[ "$(grep -c 'tcpserver: deny [0-9]* [^ ]* :127\.0\.6\.7::' "$SLOG")" -eq 3 ] || fail "want 3 deny lines for the attacker"
assert_no_grep "$SLOG" 'refused ip=127\.0\.6\.7' "the cdb, not smtpguard, must refuse once rebuilt"

# the legitimate client is still served; the logs are TAI64N stamped
legit legit2
assert_grep "$SLOG" '^@4000[0-9a-f]{20} smtpguard: info: kick ip=127\.0\.6\.7 reason=badrcpt ' "multilog t stamps"
assert_no_grep "$SLOG" 'kick ip=127\.0\.6\.2 ' "legitimate client kicked"
# smtpguard-stat reads the multilog files as they are
"$SG_BIN/smtpguard-stat" -t "$SLOG" "$CLOG" >"$T/stat" || fail "smtpguard-stat failed"
assert_grep "$T/stat" "^ip	127\.0\.6\.7	1	0	3	1	5	1$" "smtpguard-stat: the attacker's row"
assert_grep "$T/stat" "^session	legit	2$" "smtpguard-stat: two legit sessions"

# stop everything by pid; nothing of the session may survive
stop_services
[ -z "$(pgrep -s "$SVSCAN" 2>/dev/null)" ] || { pgrep -as "$SVSCAN" >&2; fail "processes left behind"; }
pgrep -f "$S/" >/dev/null && { pgrep -af "$S/" >&2; fail "processes running from the service directory"; }
exit 0
