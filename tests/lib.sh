# tests/lib.sh: the helpers of the shell tests (and of bench/run and the
# demo). Source it:
#
#   . "$(dirname "$0")/lib.sh"
#
# It gives: TOP (repo root), BUILD (default build), SG_BIN ($BUILD/bin),
# SG_TESTBIN (the same programs with the SMTPGUARD_NOW test clock),
# SGTCLIENT and SGSCRIPTD (the test client and scripted smtpd; need_sgtclient,
# need_sgscriptd, sg_build_tool), a private temp dir T (removed on exit), a cleanup registry
# (at_exit), pick_port, start_tcpserver / stop_pid, check_no_leftovers,
# wait_until, and fail / assert_* helpers; sgtclient sessions and scripts
# (sgt, attack_script, legit_script, rcpt_script, check_kicked,
# check_refused, ...), readers of tcpserver -v logs (conn_pids,
# conn_outcome, wait_end), cdb_value, need_sgstatetool. POSIX sh.
# Suite setup lives beside it: listing/listinglib.sh, state/statelib.sh,
# tools/sgadv.sh; bench/lib.sh adds the benchmark's own.

# SG_LIB_HELPERS_ONLY=1 (examples/demo/run, from the top of the tree):
# only the helpers, no temp dir, no traps, no check for exim.
if [ "${SG_LIB_HELPERS_ONLY:-0}" = 1 ]; then TOP=$(pwd); else
TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 111
fi
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SG_BIN=$BUILD/bin
# the programs built with the test clock (SMTPGUARD_NOW): time-travel tests only
SG_TESTBIN=$BUILD/tests/bin
SGTCLIENT=$BUILD/tests/tools/sgtclient
SGSCRIPTD=$BUILD/tests/tools/sgscriptd
SG_TEST=$(basename "$0" .sh)
export BUILD

# --- cleanup registry -------------------------------------------------
# at_exit 'command': run at exit (normal, fail, or signal), last first.
SG_CLEANUP=
at_exit() { SG_CLEANUP="$1
$SG_CLEANUP"; }
sg_run_cleanup() {
  trap '' INT TERM HUP
  printf '%s\n' "$SG_CLEANUP" | while IFS= read -r c; do
    [ -n "$c" ] && eval "$c"
  done
  SG_CLEANUP=
}
if [ "${SG_LIB_HELPERS_ONLY:-0}" != 1 ]; then
trap 'rc=$?; sg_run_cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

T=$(mktemp -d "${TMPDIR:-/tmp}/sgtest.$SG_TEST.XXXXXX") || exit 111
at_exit 'rm -rf "$T"'
# exim (run as root, or as its own user) must be able to reach its spool.
chmod 755 "$T"
fi

# --- failing and asserting --------------------------------------------
fail() { echo "FAIL: $SG_TEST: $*" >&2; exit 1; }
note() { echo "$SG_TEST: $*" >&2; }

assert_eq() { # got want msg
  [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}
assert_grep() { # file regex msg  (extended regex, must match)
  grep -Eq -- "$2" "$1" || { sed 's/^/  | /' "$1" | head -n 40 >&2; fail "$3: no /$2/ in $(basename "$1")"; }
}
assert_no_grep() { # file regex msg
  ! grep -Eq -- "$2" "$1" || { grep -En -- "$2" "$1" | head -n 10 | sed 's/^/  | /' >&2; fail "$3: /$2/ found in $(basename "$1")"; }
}
assert_same_file() { # a b msg
  cmp -s "$1" "$2" || { diff -u "$1" "$2" | head -n 40 >&2; fail "$3"; }
}

# wait_until secs command...: poll every 0.1 s, at most secs seconds.
wait_until() {
  _n=$(( $1 * 10 )); shift
  while [ "$_n" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    _n=$((_n - 1))
  done
  "$@"
}

# --- tools ------------------------------------------------------------
# sg_build_tool NAME: $BUILD/tests/tools/NAME from tests/tools/NAME.c, or
# from tests/tools/NAME/*.c (sgtclient, sgscriptd), if make has not (yet)
# built it or a source is newer. Plain libc, the project's compiler line.
sg_build_tool() {
  _bin=$BUILD/tests/tools/$1
  _dir=$TOP/tests/tools/$1
  if [ -d "$_dir" ]; then set -- "$_dir"/*.c; else set -- "$_dir.c"; fi
  _stale=0
  [ -x "$_bin" ] || _stale=1
  for _s in "$@" "$_dir"/*.h; do [ "$_s" -nt "$_bin" ] && _stale=1; done
  [ $_stale = 0 ] && return 0
  mkdir -p "${_bin%/*}" || fail "mkdir for ${_bin##*/}"
  # shellcheck disable=SC2046
  $(head -n 1 "$TOP/conf-compile/conf-cc") -o "$_bin.tmp.$$" "$@" &&
    mv -f "$_bin.tmp.$$" "$_bin" || fail "cannot build ${_bin##*/}"
}
# need_sgtclient: the test client (scripts, abusive modes, load), built if
# make has not (yet) done so.
need_sgtclient() { sg_build_tool sgtclient; }
# need_sgscriptd: the scripted smtpd, likewise.
need_sgscriptd() { sg_build_tool sgscriptd; }
# script_session NAME IP LINE...: one sgtclient session from source
# address IP to 127.0.0.1:$PORT, playing the script LINEs (sgtclient's
# "< code" / "> line" syntax). Transcript in $T/NAME.client, output and
# errors in $T/NAME.out and .err. Exit 1 (the server closed before the
# script's end) is allowed: the caller asserts on the transcript.
script_session() {
  _n=$1 _ip=$2; shift 2
  printf '%s\n' "$@" >"$T/$_n.script"
  "$SGTCLIENT" -t 20 -b "$_ip" -o "$T/$_n.client" 127.0.0.1 "$PORT" "$T/$_n.script" >"$T/$_n.out" 2>"$T/$_n.err"
  _rc=$?
  [ $_rc -le 1 ] || { cat "$T/$_n.err" "$T/$_n.client" >&2; fail "$_n: sgtclient exit $_rc"; }
}
# replies_valid FILE NAME: every reply in the transcript FILE is well
# formed and has one code on all its lines (RFC 5321 4.2.1), the last
# one ended; fails the test naming NAME otherwise.
replies_valid() {
  tr -d '\r' <"$1" | awk '
    !/^[0-9][0-9][0-9]([- ]|$)/ { print "bad line: " $0; bad = 1; exit }
    { c = substr($0, 1, 3) }
    open && c != code { print "code " c " inside a " code " reply: " $0; bad = 1; exit }
    { code = c; open = (substr($0, 4, 1) == "-") }
    END { if (open && !bad) { print "reply not ended"; bad = 1 } exit bad }' >"$T/valid.out" ||
    { cat "$T/valid.out" >&2; sed 's/^/  | /' "$1" >&2; fail "$2: invalid reply in $(basename "$1")"; }
}
# record_starts [USER]: $T/smtpd, an smtpd that appends the client's
# address (TCPREMOTEIP) to $T/starts each time it starts, then runs
# $SMTPD; $T/starts writable by USER if given. started IP / starts_of IP
# ask it.
record_starts() {
  printf '#!/bin/sh\necho "${TCPREMOTEIP:-?}" >>"%s"\nexec "%s"\n' "$T/starts" "$SMTPD" >"$T/smtpd" &&
    chmod 755 "$T/smtpd" && : >"$T/starts" || fail "record_starts"
  [ -z "${1:-}" ] || chown "$1" "$T/starts" || fail "chown $T/starts"
}
started() { grep -qx "$1" "$T/starts"; }
starts_of() { grep -cx "$1" "$T/starts"; }
# swaks_nodns args...: swaks that never looks a name up (see SgNoDNS.pm).
# Always give it --server with a numeric address and an explicit --helo.
swaks_nodns() {
  command -v swaks >/dev/null 2>&1 || fail "swaks not installed"
  perl -I"$TOP/tests/tools" -MSgNoDNS "$(command -v swaks)" "$@"
}
need_smtpguard() {
  [ -x "$SG_BIN/smtpguard" ] || fail "no $SG_BIN/smtpguard (run make)"
}

# fetch_deb PACKAGE: the root of a Debian package that must not be
# installed (it would replace part of the machine): `apt-get download`
# and `dpkg -x` once into $BUILD/debs/PACKAGE/x, kept for later runs.
# Prints the root, or why not (exit 1: the caller SKIPs, saying so).
fetch_deb() {
  _d=$BUILD/debs/$1
  if [ ! -f "$_d/x/.complete" ]; then
    rm -rf "$_d" && mkdir -p "$_d" || { echo "mkdir $_d"; return 1; }
    ( cd "$_d" && timeout 120 apt-get download "$1" >download.log 2>&1 &&
      dpkg -x ./*.deb x && : >x/.complete ) ||
      { echo "apt-get download $1 failed (no network or no package source): $(tail -n 1 "$_d/download.log" 2>/dev/null)"; return 1; }
  fi
  echo "$_d/x"
}
# fetch_deb_bin PACKAGE PROGRAM: the path of PROGRAM in that package.
fetch_deb_bin() {
  _r=$(fetch_deb "$1") || { echo "$_r"; return 1; }
  _p=$(find "$_r" -type f -name "$2" -perm -u+x | head -n 1)
  [ -n "$_p" ] || { echo "no $2 in $1"; return 1; }
  echo "$_p"
}

# --- ports and servers ------------------------------------------------
# pick_port: a random port in 20000-60999 that nothing listens on now.
pick_port() {
  _i=0
  while [ $_i -lt 50 ]; do
    _p=$(( 20000 + $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 41000 ))
    _h=$(printf '%04X' "$_p")
    if ! awk -v h=":$_h" 'substr($2, length($2)-4) == h { f=1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$_p"; return 0
    fi
    _i=$((_i + 1))
  done
  fail "pick_port: no free port after 50 tries"
}

# sg_listening pid port: pid holds the listening socket on port.
sg_listening() {
  _h=$(printf '%04X' "$2")
  for _ino in $(awk -v h=":$_h" 'substr($2, length($2)-4) == h && $4 == "0A" { print $10 }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    for _fd in /proc/"$1"/fd/*; do
      [ "$(readlink "$_fd" 2>/dev/null)" = "socket:[$_ino]" ] && return 0
    done
  done
  return 1
}

# start_tcpserver [tcpserver options] -- prog...
# Starts `tcpserver -R -H -l 0 [options] 127.0.0.1 PORT prog...` in its
# own session (setsid), so that every process it spawns, even one that
# gets orphaned, stays in process group SERVER_PID, which is what
# check_no_leftovers looks at. Sets PORT and SERVER_PID; tcpserver's
# stderr goes to $T/tcpserver.PORT.log (SERVER_LOG). Retries with another
# port if the bind fails; waits (bounded) until the port listens.
# SG_HOST overrides 127.0.0.1 (e.g. ::1 with an IPv6 tcpserver);
# SG_LAUNCHER another launcher with tcpserver's "host port prog" form
# (e.g. "tcpsvd -l 0").
SG_SERVERS=
start_tcpserver() {
  _opts=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    _opts="$_opts '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"; shift
  done
  [ "${1:-}" = -- ] || fail "start_tcpserver: missing --"
  shift
  _try=0
  while [ $_try -lt 10 ]; do
    PORT=$(pick_port)
    SERVER_LOG=$T/tcpserver.$PORT.log
    eval "exec setsid ${SG_LAUNCHER:-tcpserver -R -H -l 0} $_opts \"\${SG_HOST:-127.0.0.1}\" \"\$PORT\" \"\$@\"" \
      </dev/null 2>"$SERVER_LOG" &
    SERVER_PID=$!
    SG_SERVERS="$SG_SERVERS $SERVER_PID"
    at_exit "stop_pid $SERVER_PID"
    _n=50
    while [ $_n -gt 0 ]; do
      sg_listening "$SERVER_PID" "$PORT" && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1; _n=$((_n - 1))
    done
    stop_pid "$SERVER_PID"
    _try=$((_try + 1))
  done
  cat "$SERVER_LOG" >&2
  fail "start_tcpserver: tcpserver did not start"
}

# stop_pid pid: TERM, wait up to 5 s, then KILL. Quiet if already gone.
stop_pid() {
  kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
  kill -TERM "$1" 2>/dev/null
  _n=50
  while [ $_n -gt 0 ] && kill -0 "$1" 2>/dev/null; do
    # a zombie child of ours is gone for our purposes once reaped
    case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) break ;; esac
    sleep 0.1; _n=$((_n - 1))
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# sg_strays: processes in our tcpservers' process groups other than the
# tcpservers themselves (smtpguard, exim, shells, tee, ...).
sg_strays() {
  for _g in $SG_SERVERS; do
    pgrep -g "$_g" 2>/dev/null | grep -vx "$_g"
  done
}
sg_no_strays() { [ -z "$(sg_strays)" ]; }

# check_no_leftovers [secs]: once the sessions are over, no smtpguard,
# smtpd or helper started under our tcpservers may remain, zombie or
# orphan (default: wait up to 5 s for them to finish).
check_no_leftovers() {
  wait_until "${1:-5}" sg_no_strays && return 0
  for _p in $(sg_strays); do
    ps -o pid=,ppid=,pgid=,stat=,args= -p "$_p" 2>/dev/null | sed 's/^/  | /' >&2
  done
  fail "processes left behind by the sessions"
}

# sg_kill_strays: last resort at exit, so that a failing test does not
# leave processes behind for the next one.
sg_kill_strays() {
  for _g in $SG_SERVERS; do kill -KILL "-$_g" 2>/dev/null; done
  return 0
}
at_exit 'sg_kill_strays'

# --- scripts ---------------------------------------------------------
# attack_script FILE lockstep|pipelined want-kick(yes|no) [prelude]
# A dictionary attack for sgtclient: 3 rounds of MAIL + 5 bad RCPT + RSET,
# then QUIT. With want-kick=yes the expectations stop at the first RSET:
# its transaction ended undelivered with 5 refused recipients, a
# stranger's limit (a quarter of -b 20): the RSET's 250, then 421, then
# close. prelude: script lines to run after EHLO (e.g. an AUTH exchange).
attack_script() {
  {
    echo '< 220'
    echo '> EHLO attacker.example.test'
    echo '< 250'
    [ -n "${4:-}" ] && printf '%s\n' "$4"
    [ "$2" = pipelined ] && echo 'pipeline'
    for round in 1 2 3; do
      echo '> MAIL FROM:<spam@attacker.example.test>'
      [ "$2" = lockstep ] && echo '< 250'
      for i in 1 2 3 4 5; do
        echo "> RCPT TO:<user$round$i@example.test>"
        [ "$2" = lockstep ] && echo '< 550'
      done
      echo '> RSET'
      if [ "$3" = yes ]; then
        if [ "$2" = pipelined ]; then
          # the rest of the attack goes out in the same write
          echo '> MAIL FROM:<spam@attacker.example.test>'
          for j in 1 2 3 4 5; do echo "> RCPT TO:<more$j@example.test>"; done
          echo '> QUIT'
          echo 'flush'
          for r in 250 550 550 550 550 550; do echo "< $r"; done
        fi
        echo '< 250'
        echo '< 421'
        echo 'eof'
        return 0
      fi
      [ "$2" = lockstep ] && echo '< 250'
    done
    echo '> QUIT'
    if [ "$2" = pipelined ]; then
      echo 'flush'
      for r in 250 550 550 550 550 550 250 250 550 550 550 550 550 250 250 550 550 550 550 550 250; do echo "< $r"; done
    fi
    echo '< 221'
    echo 'eof'
  } >"$1"
}

# check_kicked NAME IP: the transcript $T/NAME.client has exactly 5 rejections, then
# the RSET's 250, the 421 right after it, nothing after it; the log has the kick.
check_kicked() {
  tr -d '\r' <"$T/$1.client" >"$T/$1.lines"
  [ "$(grep -c '^550' "$T/$1.lines")" -eq 5 ] || fail "$1: want exactly 5 rejected RCPTs before the kick"
  tail -n 3 "$T/$1.lines" | head -n 1 | grep -q '^550 ' || fail "$1: the reply before the RSET's is not the 5th 550"
  tail -n 2 "$T/$1.lines" | head -n 1 | grep -q '^250 ' || fail "$1: the reply before the 421 is not the RSET's 250"
  tail -n 1 "$T/$1.lines" | grep -q '^421 ' || fail "$1: the last reply is not a 421"
  [ "$(tail -c 2 "$T/$1.client" | od -An -c | tr -d ' ')" = '\r\n' ] || fail "$1: 421 line not CRLF-terminated"
  assert_grep "$SERVER_LOG" "kick ip=$2 reason=badrcpt bad=5 good=0" "$1: no kick log line"
}

# --- sessions and scripts for sgtclient -------------------------------
# sgt NAME IP SCRIPT [want-exit]: one sgtclient session from IP to PORT;
# transcript $T/NAME.client, replies $T/NAME.replies. Fails unless the
# exit status is want-exit (default 1: every expectation met, then the
# server closed).
sgt() {
  "$SGTCLIENT" -t 30 -b "$2" -o "$T/$1.client" 127.0.0.1 "$PORT" "$3" >"$T/$1.replies" 2>"$T/$1.err"
  _rc=$?
  [ "$_rc" -eq "${4:-1}" ] ||
    { cat "$T/$1.err" >&2; tail -n 20 "$SERVER_LOG" >&2; fail "$1 from $2: sgtclient exit $_rc, want ${4:-1}"; }
}

# legit_script FILE: a clean transaction to good recipients, then QUIT.
legit_script() {
  cat >"$1" <<'EOF'
< 220
> EHLO client.example.test
< 250
> MAIL FROM:<sender@client.example.test>
< 250
> RCPT TO:<good-alice@example.test>
< 250
> RCPT TO:<good-bob@example.test>
< 250
> DATA
< 354
> Subject: hello
>
> A legitimate message.
> .
< 250
> QUIT
< 221
eof
EOF
}

# rcpt_script FILE NBAD [KICKAT [NGOOD]]: EHLO, then lock-step
#   NGOOD = 0: NBAD transactions of MAIL + one bad RCPT + RSET, each
#     ending undelivered (a prober's guesses); with KICKAT > 0 the RSET
#     after the KICKAT-th bad RCPT gets its 250, then the 421 of a kick,
#     then the connection closes;
#   NGOOD > 0: one delivered message to NGOOD good recipients, the NBAD
#     bad ones interleaved (good, bad, good, bad, ...): a list server
#     with stale addresses;
# then QUIT.
rcpt_script() {
  {
    echo '< 220'
    echo '> EHLO bot.example.test'
    echo '< 250'
    _i=1
    _g=0
    if [ "${4:-0}" -gt 0 ]; then
      echo '> MAIL FROM:<list@bot.example.test>'
      echo '< 250'
      while [ $_i -le "$2" ] || [ $_g -lt "$4" ]; do
        if [ $_g -lt "$4" ]; then
          _g=$((_g + 1))
          echo "> RCPT TO:<good$_g@example.test>"
          echo '< 250'
        fi
        if [ $_i -le "$2" ]; then
          echo "> RCPT TO:<nobody$_i@example.test>"
          echo '< 550'
          _i=$((_i + 1))
        fi
      done
      printf '> DATA\n< 354\n> Subject: list\n>\n> A list message.\n> .\n< 250\n'
    else
      while [ $_i -le "$2" ]; do
        echo '> MAIL FROM:<spam@bot.example.test>'
        echo '< 250'
        echo "> RCPT TO:<nobody$_i@example.test>"
        echo '< 550'
        echo '> RSET'
        echo '< 250'
        if [ $_i -eq "${3:-0}" ]; then
          echo '< 421'
          echo 'eof'
          return 0
        fi
        _i=$((_i + 1))
      done
    fi
    echo '> QUIT'
    echo '< 221'
    echo 'eof'
  } >"$1"
}

# refused_script FILE: the server says 421 at once and closes.
refused_script() { printf '< 421\neof\n' >"$1"; }
# denied_script FILE: the server closes without a byte (tcpserver deny).
denied_script() { printf 'eof\n' >"$1"; }

LISTED_421='421 4.7.0 your address is temporarily blocked for abuse, try again later'

# check_refused NAME: the transcript is exactly smtpguard's 421 for a
# listed client, nothing else.
check_refused() {
  printf '%s\r\n' "$LISTED_421" >"$T/want.refused"
  assert_same_file "$T/$1.client" "$T/want.refused" "$1: want exactly smtpguard's listed 421"
}
# check_denied NAME: not a byte received (tcpserver deny).
check_denied() {
  [ -f "$T/$1.client" ] && [ ! -s "$T/$1.client" ] ||
    { od -c "$T/$1.client" | head -n 5 >&2; fail "$1: bytes received, want tcpserver's deny (none)"; }
}

# tcpserver -v: "pid N from IP", then "ok N ..." or "deny N ...", then
# "end N status S" (S is a wait status: exit code * 256).
# conn_pids IP: the pids of IP's connections, oldest first.
conn_pids() { awk -v ip="$1" '$2 == "pid" && $4 == "from" && $5 == ip { print $3 }' "$SERVER_LOG"; }
last_pid() { conn_pids "$1" | tail -n 1; }
# conn_outcome PID: "ok" or "deny", then the exit code, e.g. "ok 98".
conn_outcome() {
  awk -v p="$1" '($2 == "ok" || $2 == "deny") && $3 == p { o = $2 }
    $2 == "end" && $3 == p && $4 == "status" { s = int($5 / 256) }
    END { print o, s }' "$SERVER_LOG"
}
# wait_end PID: tcpserver has logged the end of connection PID.
wait_end() {
  wait_until 10 grep -q "^tcpserver: end $1 status " "$SERVER_LOG" ||
    fail "tcpserver did not log the end of connection $1"
}

# --- cdb and the state tool -------------------------------------------
# cdb_value file key: the first value for key, NULs as |; empty if absent
cdb_value() { cdb -q -n 1 "$1" "$2" | tr '\0' '|'; }

# need_sgstatetool: tests/state/sgstatetool (kicks and lookups through
# libsmtpguard, with the test clock), built if make has not (yet).
SGSTATETOOL=$BUILD/tests/state/sgstatetool
need_sgstatetool() {
  _src=$TOP/tests/state/sgstatetool.c
  [ -f "$BUILD/libsmtpguard.a" ] || fail "no $BUILD/libsmtpguard.a (run make)"
  if [ ! -x "$SGSTATETOOL" ] || [ "$_src" -nt "$SGSTATETOOL" ] || [ "$BUILD/libsmtpguard.a" -nt "$SGSTATETOOL" ]; then
    mkdir -p "$(dirname "$SGSTATETOOL")" || fail "mkdir for sgstatetool"
    _lib=$(head -n 1 "$TOP/conf-compile/path-library")
    # a sanitized library (make SANITIZE=1) needs the sanitizer runtime
    _san=
    nm "$BUILD/libsmtpguard.a" 2>/dev/null | grep -q __asan && _san="-fsanitize=address,undefined"
    # the test clock (SMTPGUARD_NOW) ahead of the library, as make links it
    $(head -n 1 "$TOP/conf-compile/conf-cc") $_san -I"$TOP/src/libsmtpguard" -o "$SGSTATETOOL.tmp.$$" "$_src" \
      -DSGCLOCK_TESTHOOK "$TOP/src/libsmtpguard/sgclock.c" "$BUILD/libsmtpguard.a" "$_lib/libcdb.a" "$_lib/libskarnet.a" &&
      mv -f "$SGSTATETOOL.tmp.$$" "$SGSTATETOOL" || fail "cannot build sgstatetool"
  fi
}

# --- exim -------------------------------------------------------------
SMTPD=$TOP/tests/exim/smtpd
[ "${SG_LIB_HELPERS_ONLY:-0}" = 1 ] && return 0
SG_EXIM_DIR=$T/exim
export SG_EXIM_DIR
command -v exim4 >/dev/null 2>&1 || fail "exim4 not installed"
command -v tcpserver >/dev/null 2>&1 || fail "tcpserver (ucspi-tcp) not installed"
