# tests/tools/sgadv.sh: helpers for the adversarial, relay-behaviour and
# transparency tests. Source it after tests/lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$TOP/tests/tools/sgadv.sh"
#
# It gives: SGPEAK, SGSCRIPTD, SGABUSE (an alias of SGTCLIENT; built if make has not), the
# memory bound checks (check_peaks, check_live), the log
# check (check_log_clean) and sg_guard_pids. POSIX sh.

SGPEAK=$BUILD/tests/tools/sgpeak
SGSCRIPTD=$BUILD/tests/tools/sgscriptd
# the abusive clients are sgtclient's noread, rst and longline modes
SGABUSE=$SGTCLIENT

# need_tools name...: build the test tools NAME if make has not (yet).
need_tools() {
  for _t in "$@"; do
    case $_t in sgabuse) _t=sgtclient ;; esac
    sg_build_tool "$_t"
  done
}

# --- memory ------------------------------------------------------------
# The documented bound (doc/smtpguard.html, "Memory"): nothing allocated
# per session, a 64 KiB client buffer, a 16 KiB server buffer, fixed
# scanner state. What we assert, for every session:
# - smtpguard's own memory, RssAnon (its data, bss and stack: it never
#   frees, so the value at exit is its peak), is at most ANON_MAX KiB
#   (the 80 KiB of buffers plus the C library's data; about 100 KiB idle
#   and under 200 KiB busy here), and
# - its peak resident size VmHWM, which also counts the pages of the
#   shared C library it maps (about 1.3 MB), is under PEAK_MAX KiB.
# Any buffering that grows with the input (a 50 MB line, 10,000 pipelined
# commands, megabytes a client never reads) would break both. Under ASan
# the numbers are meaningless and only reported.
ANON_MAX=${ANON_MAX:-512}
PEAK_MAX=${PEAK_MAX:-2048}
sg_is_asan() { grep -q __asan_init "$SG_BIN/smtpguard" 2>/dev/null; }
# LeakSanitizer cannot work under ptrace: with ASan, sgpeak only reports
# exit codes (and the leak check of every session stays on).
if sg_is_asan; then SGPEAK_NOTRACE=1; export SGPEAK_NOTRACE; fi

# mem_ok hwm anon what: within the bound (always true under ASan)
mem_ok() {
  sg_is_asan && { note "$3: VmHWM $1 KiB, RssAnon $2 KiB (ASan build, not checked)"; return 0; }
  [ "$1" -le "$PEAK_MAX" ] || fail "$3: smtpguard's VmHWM is $1 KiB, over $PEAK_MAX KiB"
  [ "$2" -le "$ANON_MAX" ] || fail "$3: smtpguard's RssAnon is $2 KiB, over $ANON_MAX KiB"
}

# check_peaks report count what: the sgpeak report has exactly count
# sessions; in each, smtpguard stayed under the memory bound, was not
# killed by a signal, and at exit held no descriptor it did not inherit
# (its pipes and selfpipe closed, its child's pipes not leaked).
check_peaks() {
  [ -f "$1" ] || fail "$3: no sgpeak report"
  _n=$(wc -l <"$1")
  [ "$_n" -eq "$2" ] || { cat "$1" >&2; fail "$3: want $2 smtpguard sessions in the report, got $_n"; }
  while IFS= read -r _l; do
    case $_l in *" sig=0 "*) ;; *) fail "$3: smtpguard killed by a signal: $_l" ;; esac
    [ -n "${SGPEAK_NOTRACE:-}" ] && continue
    _h=$(printf '%s\n' "$_l" | sed -n 's/.* hwm=\([0-9-]*\) .*/\1/p')
    _a=$(printf '%s\n' "$_l" | sed -n 's/.* anon=\([0-9-]*\) .*/\1/p')
    [ -n "$_h" ] && [ "$_h" -gt 0 ] && [ -n "$_a" ] && [ "$_a" -gt 0 ] || fail "$3: no memory figures in: $_l"
    mem_ok "$_h" "$_a" "$3"
    case $_l in *" fds=0") ;; *) fail "$3: smtpguard exited holding descriptors: $_l" ;; esac
  done <"$1"
}

# report_status report: the status= of its last line
report_status() { tail -n 1 "$1" | sed -n 's/.* status=\([0-9]*\) .*/\1/p'; }

# sg_guard_pids: the live smtpguard processes under our tcpservers
sg_guard_pids() {
  for _g in $SG_SERVERS; do pgrep -g "$_g" -x smtpguard 2>/dev/null; done
}

# check_live pid what: a live smtpguard holds fds 0 and 1 (the client)
# and 2, plus exactly its own: a signalfd (or a selfpipe) and the two
# pipes to its child, nothing else that its parent did not hand it; and
# its VmHWM is within the bound.
check_live() {
  [ -d "/proc/$1" ] || fail "$2: smtpguard $1 is not running"
  _pp=$(awk '/^PPid:/ { print $2 }' "/proc/$1/status")
  _own=0 _sfd=0 _pipes=0
  for _f in /proc/"$1"/fd/*; do
    _fd=${_f##*/}
    _tg=$(readlink "$_f" 2>/dev/null) || continue
    case $_fd in 0|1|2) continue ;; esac
    [ "$(readlink "/proc/$_pp/fd/$_fd" 2>/dev/null)" = "$_tg" ] && continue
    _own=$((_own + 1))
    case $_tg in
      *signalfd*) _sfd=$((_sfd + 1)) ;;
      pipe:*) _pipes=$((_pipes + 1)) ;;
    esac
  done
  for _fd in 0 1; do
    case $(readlink "/proc/$1/fd/$_fd" 2>/dev/null) in
      socket:*) ;;
      *) fail "$2: smtpguard's fd $_fd is not the client socket" ;;
    esac
  done
  if [ "$_sfd" -eq 1 ]; then _want=3; else _want=4; fi
  [ "$_own" -eq "$_want" ] && [ $((_sfd + _pipes)) -eq "$_want" ] || {
    ls -l "/proc/$1/fd" >&2
    fail "$2: smtpguard holds $_own descriptors of its own ($_sfd signalfd, $_pipes pipes), want signalfd/selfpipe + 2 pipes"
  }
  mem_ok "$(awk '/^VmHWM:/ { print $2 }' "/proc/$1/status")" \
    "$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status")" "$2 (live)"
}

# --- logs ----------------------------------------------------------------
# check_log_clean file what: no byte outside printable ASCII but newline
# (client-supplied text must be escaped in logs).
check_log_clean() {
  _bad=$(LC_ALL=C tr -d '\n\040-\176' <"$1" | wc -c)
  [ "$_bad" -eq 0 ] || {
    LC_ALL=C grep -n '[^ -~]' "$1" | head -n 5 | od -c | head -n 20 >&2
    fail "$2: $_bad raw control or 8-bit bytes in the log"
  }
}

# session_line log ip: smtpguard's -v summary line for the client ip
session_line() { grep " session ip=$2 " "$1" | tail -n 1; }

# --- processes -------------------------------------------------------------
# check_clean pgid [secs] [what]: like check_no_leftovers, for the one
# tcpserver whose process group is pgid (others may have live sessions).
no_strays_in() { [ -z "$(pgrep -g "$1" 2>/dev/null | grep -vx "$1")" ]; }
check_clean() {
  wait_until "${2:-5}" no_strays_in "$1" && return 0
  ps -o pid=,ppid=,stat=,wchan=,args= -g "$1" 2>/dev/null | grep -v "^ *$1 " | sed 's/^/  | /' >&2
  fail "${3:-session}: processes left behind (smtpguard, smtpd) in server $1"
}

# peak_line report ip: the sgpeak line of the session from ip
peak_line() { grep "^ip=$2 " "$1" | tail -n 1; }
# peak_status report ip: smtpguard's exit code in that session
peak_status() { peak_line "$1" "$2" | sed -n 's/.* status=\([0-9]*\) .*/\1/p'; }

# noread_hold SECS IP PORT GROUP WAIT: an sgtclient noread client from IP that
# pipelines without ever reading and then holds the connection on fd 8 (a
# FIFO) until the caller runs `exec 8>&-`. Waits up to WAIT s for its
# writes to block, then sets gpid to the session's smtpguard, found in
# the tcpserver process group GROUP.
noread_hold() {
  mkfifo "$T/hold" || fail "mkfifo"
  "$SGTCLIENT" -t "$1" -b "$2" noread 127.0.0.1 "$3" <"$T/hold" >"$T/noread.out" 2>"$T/noread.err" &
  noread_pid=$!
  at_exit "kill $noread_pid 2>/dev/null"
  exec 8>"$T/hold"
  wait_until "$5" grep -q written= "$T/noread.out" || { exec 8>&-; fail "noread: the client never blocked"; }
  grep -q 'blocked=1' "$T/noread.out" || { exec 8>&-; fail "noread: the writes never blocked: $(cat "$T/noread.out")"; }
  gpid=$(pgrep -g "$4" -x smtpguard | head -n 1)
  [ -n "$gpid" ] || { exec 8>&-; fail "noread: no smtpguard running while the client holds the connection"; }
}
