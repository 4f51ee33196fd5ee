# bench/lib.sh: helpers for bench/run and its parts (bash). Sourced after
# tests/lib.sh, which gives T (private temp dir, removed at exit), at_exit,
# pick_port, sg_listening, stop_pid and wait_until.
#
#   srv_start NAME [tcpserver options] -- prog...
#       tcpserver -R -H -l 0 -c 1000 -b 1000 [options] 127.0.0.1 PORT prog...
#       (inside the network namespace SRV_NETNS if set; on SRV_PORT if set)
#       under bash's `time` (getrusage of the whole reaped process tree,
#       millisecond resolution); sets PORT, SRV_PID (tcpserver), SRV_WRAP.
#   srv_stop NAME
#       waits (bounded) until every session's processes are gone, stops
#       tcpserver by its pid (SIGTERM) and sets CPU: user+sys seconds of
#       tcpserver and everything it ran.
#   lc args...      runs sgtclient load (in the namespace LC_NETNS if set),
#                   output in LC; kv KEY gives a field.
#   stats v...      "median min max" of the numbers given.
#   row ...         appends one table row to $RESULTS.
#   cg_count        callgrind's instruction count for one session.

# the load generator: "${LC_BIN[@]}" args...; the fast smtpd, as a
# command: "${FAST[@]}" (bounded like every server the bench starts)
LC_BIN=("$SGTCLIENT" load)
FAST=("$SGSCRIPTD" -l 900 fast)

srv_start() {
  _name=$1; shift
  _opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do _opts+=("$1"); shift; done
  shift
  _pre=(); [ -n "$SRV_NETNS" ] && _pre=(ip netns exec "$SRV_NETNS")
  for _try in 1 2 3 4 5; do
    PORT=${SRV_PORT:-$(pick_port)}
    bash -c 'TIMEFORMAT="%3U %3S"; out=$1; log=$2; shift 2; { time "$@" 2>"$log" </dev/null; } 2>"$out"' \
      timed "$T/$_name.cpu" "$T/$_name.log" \
      "${_pre[@]}" tcpserver -R -H -l 0 -c 1000 -b 1000 "${_opts[@]}" 127.0.0.1 "$PORT" "$@" &
    SRV_WRAP=$!
    at_exit "stop_pid $SRV_WRAP"
    SRV_PID=
    for _i in $(seq 50); do
      [ -z "$SRV_PID" ] && SRV_PID=$(pgrep -P "$SRV_WRAP" | head -n 1)
      if [ -n "$SRV_PID" ] && srv_listening "$SRV_PID" "$PORT"; then
        at_exit "stop_pid $SRV_PID"
        return 0
      fi
      kill -0 "$SRV_WRAP" 2>/dev/null || break
      sleep 0.1
    done
    [ -n "$SRV_PID" ] && stop_pid "$SRV_PID"
    stop_pid "$SRV_WRAP"
  done
  cat "$T/$_name.log" >&2
  fail "tcpserver for $_name did not start"
}

# in a network namespace (SRV_NETNS), the process's own view of its sockets
srv_listening() {
  [ -z "$SRV_NETNS" ] && { sg_listening "$1" "$2"; return; }
  awk -v h=":$(printf '%04X' "$2")" 'substr($2, length($2)-4) == h && $4 == "0A" { f = 1 } END { exit !f }' "/proc/$1/net/tcp" 2>/dev/null
}

srv_children() { [ -z "$(pgrep -P "$SRV_PID")" ]; }

srv_stop() {
  wait_until 30 srv_children || note "$1: sessions still running after 30 s"
  stop_pid "$SRV_PID"
  for _i in $(seq 50); do kill -0 "$SRV_WRAP" 2>/dev/null || break; sleep 0.1; done
  wait "$SRV_WRAP" 2>/dev/null
  CPU=$(awk '{ printf "%.3f", $1 + $2 }' "$T/$1.cpu")
  [ -n "$CPU" ] || fail "$1: no CPU figure"
}

lc() {
  LC=$(${LC_NETNS:+ip netns exec "$LC_NETNS"} "${LC_BIN[@]}" -t "${LC_SECS:-300}" "$@") || { echo "$LC" >&2; fail "sgtclient load $* failed"; }
}
kv() { printf '%s\n' "$LC" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# stats v...: median (mean of the middle two for an even count), min, max
stats() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (!NR) { print "0 0 0"; exit }
          m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.6g %.6g %.6g\n", m, v[1], v[NR] }'
}
med() { stats "$@" | cut -d' ' -f1; }
# spread v...: "median (min-max)" with fmt digits
spread() { stats "$@" | awk -v f="%.${SPREAD_DIGITS:-2}f" '{ printf f " (" f "-" f ")", $1, $2, $3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "inf"; else printf "%.4f", a / b }'; }
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }

# cg_count name prog...: CG = user-space instructions (callgrind) of the
# first process valgrind runs (not the smtpd it execs) for one lock-step
# session through tcpserver; repeatable where CPU time is noisy.
# callgrind needs valgrind and a binary without ASan (they cannot share
# a process: a `make check-sanitize` run skips these rows)
have_callgrind() {
  command -v valgrind >/dev/null 2>&1 && ! grep -q __asan_init "$SG_BIN/smtpguard"
}
cg_count() { # name prog... -> CG (instructions of the first process valgrind ran)
  _nm=$1; shift
  srv_start "$_nm" -- valgrind --tool=callgrind --callgrind-out-file="$T/$_nm.cg.%p" "$@"
  LC_SECS=60 lc -n 1 127.0.0.1 "$PORT"
  [ "$(kv ok)" = 1 ] || fail "$_nm: the session did not end with 221: $LC"
  srv_stop "$_nm"
  CG=$(cat "$T/$_nm".cg.* | sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' | head -n 1)
  sane "$_nm" "$CG"
}

# row section figure without with ratio target verdict
row() {
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@" >>"$RESULTS"
}
# verdict value op limit: met / MISSED (op: le or ge)
verdict() {
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = op == "le" ? v + 0 <= l + 0 : v + 0 >= l + 0; print ok ? "met" : "MISSED" }'
}
# sane name value: a figure must be a positive number
sane() {
  awk -v v="$2" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v + 0 > 0) }' || fail "$1: figure '$2' is not a positive number"
}

# sc_count n: one lock-step session of n round trips (EHLO, n-2 NOOP,
# QUIT, after the greeting) through tcpserver into `strace -f
# smtpguard fastsmtpd`. SC_TOTAL: system calls of smtpguard and of its
# child up to the smtpd's execve; SC_START: those made before
# smtpguard's first poll; SC_NAMES: those by name.
sc_count() {
  _n=$1; _tr=$T/sc.$_n.trace
  { echo "<"; echo "> EHLO bench"; echo "<"; for _i in $(seq $((_n - 2))); do echo "> NOOP"; echo "<"; done
    echo "> QUIT"; echo "<"; } >"$T/sc.$_n.script"
  srv_start "sc.$_n" -- strace -f -qq -o "$_tr" "$SG_BIN/smtpguard" "${FAST[@]}"
  "$BUILD/tests/tools/sgtclient" -t 30 127.0.0.1 "$PORT" "$T/sc.$_n.script" >/dev/null || fail "sc_count $_n: the session failed"
  srv_stop "sc.$_n"
  # strace splits calls that interleave ("<... resumed>"): count starts only
  read -r SC_TOTAL SC_START <<<"$(awk '
    NR == 1 { p = $1 }
    /resumed>/ || /^[0-9]+ +\+\+\+/ || /^[0-9]+ +---/ { next }
    $1 == p { n++; if (!polled) s++; if ($2 ~ /^(ppoll|poll|epoll_wait)\(/) polled = 1; next }
    !(($1) in execd) { n++; s++; if ($2 ~ /^execve\(/) execd[$1] = 1 }
    END { print n, s }' "$_tr")"
  SC_NAMES=$(awk 'NR == 1 { p = $1 } /resumed>/ || $2 ~ /^(\+\+\+|---)/ { next }
    $1 == p && $2 ~ /^(ppoll|poll|epoll_wait)\(/ { exit }
    $1 != p && ($1 in execd) { next }
    { if ($1 != p && $2 ~ /^execve\(/) execd[$1] = 1; sub(/\(.*/, "", $2); c[$2]++ }
    END { for (k in c) printf "%s%s %d", (i++ ? ", " : ""), k, c[k] }' "$_tr")
  sane "sc_count $_n" "$SC_TOTAL"
}

# cdbw_start NAME STATEDIR RULES CDB [option...]: smtpguard-cdb -w in the
# background under bash's time (its CPU to $T/NAME.cdbw.cpu when it
# stops), stopped at exit; waits until it runs and has had 0.3 s to
# build.
cdbw_start() {
  _cn=$1 _csd=$2 _cru=$3 _ccdb=$4; shift 4
  bash -c 'TIMEFORMAT="%3U %3S"; out=$1; shift; { time "$@" 2>/dev/null </dev/null; } 2>"$out"' \
    timed "$T/$_cn.cdbw.cpu" "$SG_BIN/smtpguard-cdb" -w "$@" -d "$_csd" "$_cru" "$_ccdb" &
  _cw=$!
  at_exit "stop_pid $_cw"
  wait_until 5 pgrep -P "$_cw" >/dev/null || fail "$_cn: smtpguard-cdb -w did not start"
  _cwp=$(pgrep -P "$_cw")
  at_exit "stop_pid $_cwp"
  sleep 0.3
}
