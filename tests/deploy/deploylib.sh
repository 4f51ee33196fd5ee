# tests/deploy/deploylib.sh: the shipped service directories, deployed as
# an administrator would, under a real supervisor (daemontools' svscan,
# s6's s6-svscan or runit's runsvdir). Source after tests/lib.sh.
#
#   need_root; deploy_users TAG   users sgtest-TAG-smtpd and sgtest-TAG-log
#                                  (standing for qmaild and qmaill)
#   deploy_services KIND SRC      $S/smtpd and $S/smtpguard-cdb from the
#                                  service directories in SRC (the shipped
#                                  ones), changed only through env/ files
#   supervise_start KIND          the supervisor on $S, in its own session
#   supervise_stop                everything it started, by pid
#   up_pid DIR                    pid of the service in DIR, if up
#   deploy_attack                 legitimate sender, attack, kick, listing,
#                                  refusal at the door, checks of users/logs

need_root() {
  [ "$(id -u)" = 0 ] || { echo "SKIP: $SG_TEST: needs root (it creates users and runs a supervisor as root)"; exit 0; }
  for _c in useradd userdel; do command -v $_c >/dev/null 2>&1 || fail "$_c not found (passwd)"; done
}

# deploy_adduser NAME: a system user and group, removed at exit (after
# the supervisor: at_exit runs last-registered first)
deploy_adduser() {
  if id -u "$1" >/dev/null 2>&1; then
    # left by a run that was killed: nothing of it may run any more
    pgrep -u "$1" >/dev/null 2>&1 && fail "user $1 exists and runs processes"
    userdel "$1" 2>/dev/null
  fi
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$1" || fail "useradd $1"
  at_exit "userdel '$1' 2>/dev/null"
}
deploy_users() {
  SMTPDUSER=sgtest-$1-smtpd
  LOGUSER=sgtest-$1-log
  deploy_adduser "$SMTPDUSER"
  deploy_adduser "$LOGUSER"
  SMTPDUID=$(id -u "$SMTPDUSER") && SMTPDGID=$(id -g "$SMTPDUSER") && LOGUID=$(id -u "$LOGUSER") || fail "id"
}

# deploy_services KIND SRC: $S/smtpd and $S/smtpguard-cdb copied from SRC
# (cp -R, as root, as the README says); only env/ files are changed: the
# defaults name /etc/tcp.smtp, qmaild, port 25 and qmail-smtpd, which the
# test replaces by its own paths, users, a free port and exim -bs.
deploy_services() {
  DKIND=$1
  S=$T/service
  mkdir -p "$S" "$T/etc" || fail "mkdir"
  cp -R "$2/smtpd" "$2/smtpguard-cdb" "$S/" || fail "copy the service directories from $2"
  # the state directory, as the README says: made by root, given to the smtpd user
  mkdir -p "$T/state" && chown "$SMTPDUSER" "$T/state" || fail "statedir"
  # exim, as the smtpd user, needs a spool of its own
  mkdir -p "$SG_EXIM_DIR" && chown "$SMTPDUSER" "$SG_EXIM_DIR" || fail "exim dir"
  printf '127.0.0.1:allow\n:allow\n' >"$T/etc/tcp.smtp"
  PORT=$(pick_port)
  _env() { printf '%s\n' "$3" >"$S/$1/env/$2" || fail "env $1/$2"; }
  for _s in smtpd smtpguard-cdb; do
    _env $_s PATH "$SG_BIN:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    _env $_s CDB "$T/etc/tcp.smtp.cdb"
    _env $_s STATEDIR "$T/state"
    _env $_s LOGUSER "$LOGUSER"
  done
  _env smtpd IP 127.0.0.1
  _env smtpd PORT "$PORT"
  _env smtpd RUNAS "$SMTPDUSER"
  _env smtpd LOCALNAME mx.sgtest.example
  _env smtpd SMTPD "$SMTPD"
  _env smtpd SG_EXIM_DIR "$SG_EXIM_DIR"
  _env smtpguard-cdb RULES "$T/etc/tcp.smtp"
  # more smtpguard-cdb options through env/CDB_OPTS: the rbldnsd dataset
  _env smtpguard-cdb CDB_OPTS "-z $T/etc/zone4"
}

# ---- the supervisors ----------------------------------------------------
supervise_start() {
  case $DKIND in
    daemontools) _sv=svscan ;;
    s6) _sv=s6-svscan ;;
    runit) _sv=runsvdir ;;
    *) fail "supervise_start: unknown kind $DKIND" ;;
  esac
  command -v $_sv >/dev/null 2>&1 || fail "$_sv ($DKIND) not installed"
  setsid $_sv "$S" </dev/null >"$T/supervisor.log" 2>&1 &
  SVPID=$!
  at_exit '[ -n "${SV_STOPPED:-}" ] || supervise_stop'
}

up_pid() {
  case $DKIND in
    daemontools) svstat "$1" 2>/dev/null | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p' ;;
    s6) s6-svstat "$1" 2>/dev/null | sed -n 's/^up (pid \([0-9]*\)).*/\1/p' ;;
    runit) sv status "$1" 2>/dev/null | sed -n 's/^run: [^:]*: (pid \([0-9]*\)).*/\1/p' ;;
  esac
}

# every process below pid (children, grandchildren, ...)
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { kid[$2] = kid[$2] " " $1 }
    END { n = split(kid[root], q, " "); while (n) { p = q[n--]; print p; m = split(kid[p], k, " "); for (i = 1; i <= m; i++) q[++n] = k[i] } }'
}

# supervise_stop: the supervisor's own way down, then whatever is left,
# by pid: s6-supervise runs each service in a session of its own, so the
# process tree is walked first, before anything is reparented.
supervise_stop() {
  SV_STOPPED=1
  _pids=$(descendants "$SVPID")
  case $DKIND in
    daemontools)
      kill -TERM "$SVPID" 2>/dev/null
      for _d in "$S"/*; do svc -dx "$_d" "$_d/log" 2>/dev/null; done ;;
    s6) s6-svscanctl -t "$S" 2>/dev/null || kill -TERM "$SVPID" 2>/dev/null ;;
    runit)
      # runsv takes a TERM as "exit once the service is down": bring the
      # services (and their loggers) down first
      for _d in "$S"/*; do sv -w 10 force-stop "$_d" "$_d/log" >/dev/null 2>&1; done
      kill -HUP "$SVPID" 2>/dev/null ;;
  esac
  _n=300
  while [ $_n -gt 0 ]; do
    _left=
    for _p in $SVPID $_pids; do kill -0 "$_p" 2>/dev/null && _left="$_left $_p"; done
    [ -z "$_left" ] && break
    sleep 0.1; _n=$((_n - 1))
  done
  for _p in $_left; do kill -KILL "$_p" 2>/dev/null; done
  wait "$SVPID" 2>/dev/null
  SV_LEFT=$_left
}

# ---- the attack ---------------------------------------------------------
deploy_ready() {
  _p=$(up_pid "$S/smtpd")
  [ -n "$_p" ] && sg_listening "$_p" "$PORT" && [ -f "$T/etc/tcp.smtp.cdb" ] && [ -s "$S/smtpd/log/main/current" ]
}

deploy_legit() { # name: one message from 127.0.6.2, accepted, a typo among the recipients
  printf '%s\n' '< 220' '> EHLO legit.example.test' '< 250' '> MAIL FROM:<a@legit.example.test>' '< 250' \
    '> RCPT TO:<good1@example.test>' '< 250' '> RCPT TO:<typo@example.test>' '< 550' \
    '> DATA' '< 354' '> hello' '> .' '< 250' '> QUIT' '< 221' 'eof' >"$T/legit.script"
  "$SGTCLIENT" -t 20 -b 127.0.6.2 -o "$T/$1.client" 127.0.0.1 "$PORT" "$T/legit.script" >/dev/null 2>"$T/$1.err"
  [ $? -le 1 ] || { cat "$T/$1.err" >&2; fail "$1: the legitimate client was not served"; }
  tr -d '\r' <"$T/$1.client" | grep -q '^250 ' || fail "$1: no 250 for the legitimate sender"
  [ "$(tr -d '\r' <"$T/$1.client" | grep -c '^354 ')" -eq 1 ] || fail "$1: the message was not taken"
}

deploy_attack() {
  wait_until 15 deploy_ready || { cat "$S"/*/log/main/current "$T/supervisor.log" >&2 2>/dev/null; fail "$DKIND: services did not come up on port $PORT"; }
  SLOG=$S/smtpd/log/main/current
  CLOG=$S/smtpguard-cdb/log/main/current
  SERVER_LOG=$SLOG   # for check_kicked
  tr '\0' ' ' </proc/"$(up_pid "$S/smtpd")"/cmdline >"$T/cmdline"
  assert_grep "$T/cmdline" "^tcpserver -v -R -H -l mx\\.sgtest\\.example -u $SMTPDUID -g $SMTPDGID -x $T/etc/tcp.smtp.cdb -c 40 127.0.0.1 $PORT smtpguard -v -d $T/state $SMTPD" "$DKIND: tcpserver command line"

  deploy_legit legit1
  # the smtpd ran as the smtpd user: exim made its configuration for that uid
  [ -f "$SG_EXIM_DIR/exim.conf.$SMTPDUID" ] || fail "$DKIND: the smtpd did not run as $SMTPDUSER"

  # the attacker: kicked at the RSET after its 5th bad RCPT, listed, cdb rebuilt by the service
  attack_script "$T/kick" lockstep yes
  "$SGTCLIENT" -t 20 -b 127.0.6.7 -o "$T/attack.client" 127.0.0.1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
  [ $? -eq 1 ] || { cat "$T/err" >&2; fail "$DKIND: attack: want the 421 after the first RSET (5 bad RCPTs)"; }
  wait_until 5 grep -q 'kick ip=127\.0\.6\.7 ' "$SLOG"
  check_kicked attack 127.0.6.7
  wait_until 5 grep -q 'listed ip=127\.0\.6\.7 reason=badrcpt until=[0-9]* strikes=1' "$SLOG" ||
    { cat "$SLOG" >&2; fail "$DKIND: no listing line in the smtpd log"; }
  assert_no_grep "$SLOG" 'unable to' "$DKIND: smtpguard could not use the state directory"
  # smtpguard wrote the listing as the smtpd user; root's smtpguard-cdb
  # made listed/ and ledger/ for him, whichever came first
  assert_eq "$(stat -c %U "$T/state/listed/127.0.6.7")" "$SMTPDUSER" "$DKIND: owner of the listing"
  for _f in listed ledger wakeup ledger/127.0.6.7; do
    assert_eq "$(stat -c %U "$T/state/$_f")" "$SMTPDUSER" "$DKIND: owner of state/$_f"
  done
  wait_until 5 grep -q 'smtpguard-cdb: info: rebuilt .* listed=1' "$CLOG" ||
    { cat "$CLOG" >&2; fail "$DKIND: no rebuild with the listing in the smtpguard-cdb log"; }
  assert_grep "$T/etc/zone4" '^127\.0\.6\.7 :127\.0\.0\.2:listed by smtpguard \(badrcpt\) until ' "$DKIND: env/CDB_OPTS -z: the dataset"

  # from now on tcpserver itself refuses it: no banner, no smtpguard, no smtpd
  printf '%s\n' '< 220' '> QUIT' '< 221' >"$T/hello"
  for _i in 1 2 3; do
    "$SGTCLIENT" -t 10 -b 127.0.6.7 -o "$T/again$_i.client" 127.0.0.1 "$PORT" "$T/hello" >/dev/null 2>&1
    [ ! -s "$T/again$_i.client" ] || { cat "$T/again$_i.client" >&2; fail "$DKIND: listed attacker got bytes from the server (try $_i)"; }
  done
  # (the logger may write the last lines a little later)
  _denies() { [ "$(grep -c 'tcpserver: deny [0-9]* [^ ]* :127\.0\.6\.7::' "$SLOG")" -eq 3 ]; }
  wait_until 5 _denies || fail "$DKIND: want 3 tcpserver deny lines for the attacker"
  assert_no_grep "$SLOG" 'refused ip=127\.0\.6\.7' "$DKIND: the cdb, not smtpguard, must refuse once rebuilt"

  # the legitimate sender is still served; the logs are TAI64N stamped
  # and written by the log user
  deploy_legit legit2
  assert_no_grep "$SLOG" 'kick ip=127\.0\.6\.2 ' "$DKIND: legitimate client kicked"
  assert_grep "$SLOG" '^@4000[0-9a-f]{20} smtpguard: info: kick ip=127\.0\.6\.7 reason=badrcpt ' "$DKIND: TAI64N stamps"
  for _l in "$SLOG" "$CLOG"; do
    assert_eq "$(stat -c %U "$_l")" "$LOGUSER" "$DKIND: owner of ${_l#$S/}"
  done
  _lp=$(up_pid "$S/smtpd/log")
  if [ -n "$_lp" ]; then assert_eq "$(ps -o user= -p "$_lp")" "$LOGUSER" "$DKIND: user of the smtpd's logger"; fi
  _legits() { [ "$(grep -c 'smtpguard: info: session ip=127\.0\.6\.2 ' "$SLOG")" -eq 2 ]; }
  wait_until 5 _legits || fail "$DKIND: want 2 session lines for the legitimate sender"
  "$SG_BIN/smtpguard-stat" -t "$SLOG" "$CLOG" >"$T/stat" || fail "$DKIND: smtpguard-stat failed"
  assert_grep "$T/stat" "^ip	127\.0\.6\.7	1	0	3	1	5	1$" "$DKIND: smtpguard-stat: the attacker's row"
  assert_grep "$T/stat" "^session	legit	2$" "$DKIND: smtpguard-stat: two legit sessions"
}

# deploy_end: stop everything by pid; nothing may survive, nothing may
# run as the test users
deploy_end() {
  supervise_stop
  [ -z "$SV_LEFT" ] || note "$DKIND: KILLed what did not stop in 30 s:$SV_LEFT"
  pgrep -f "$S/" >/dev/null && { pgrep -af "$S/" >&2; fail "$DKIND: processes running from the service directory"; }
  # a zombie is no process left running: where a killed runsv's logger
  # was re-parented to a PID 1 that does not reap (a container), it stays
  for _u in "$SMTPDUSER" "$LOGUSER"; do
    _alive=$(ps -u "$_u" -o pid=,stat=,args= 2>/dev/null | awk '$2 !~ /^Z/')
    [ -z "$_alive" ] || { echo "$_alive" >&2; fail "$DKIND: processes left running as $_u"; }
  done
  return 0
}
