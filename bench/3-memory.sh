# bench part 3: memory (sourced by bench/run).
# N3 sessions held open at once (after EHLO) through tcpserver, without
# and with smtpguard in front of sgscriptd fast; while they are live, /proc of
# every session process: VmRSS and VmHWM (resident, shared libc pages
# included) and Pss (shared pages divided among their users: what the
# sessions really add up to) and USS (Private_Clean + Private_Dirty:
# the pages that are the process's own, what one more session costs).
N3=${BENCH_CONCURRENT:-$([ $QUICK = 1 ] && echo 50 || echo 500)}

s3_count() { [ "$(pgrep -c -P "$SRV_PID")" -ge "$N3" ]; }
# the children of tcpserver's children, from one ps (a pgrep per session
# takes tens of seconds with a thousand processes, longer than the hold)
s3_grandpids() {
  ps -e -o pid=,ppid= | awk -v s="$SRV_PID" '{ par[$1] = $2 } END { for (p in par) if (par[par[p]] == s) print p }'
}
s3_grandchildren() { # every session has its smtpd running
  [ "$(s3_grandpids | wc -l)" -ge "$N3" ]
}
# s3_sample name pids...: S3_RSS S3_HWM (median kB), S3_HWMMAX, S3_PSS (total kB)
s3_sample() {
  _nm=$1; shift
  for _p in "$@"; do
    _st=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$_p/status" 2>/dev/null)
    _ps=$(awk '/^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 } END { print p, u }' "/proc/$_p/smaps_rollup" 2>/dev/null)
    [ -n "$_st" ] && [ -n "$_ps" ] && echo "$_st $_ps"
  done >"$T/$_nm.mem"
  [ "$(wc -l <"$T/$_nm.mem")" -ge "$N3" ] || fail "$_nm: could not read the memory of $N3 processes"
  S3_RSS=$(med $(cut -d' ' -f1 "$T/$_nm.mem"))
  S3_HWM=$(med $(cut -d' ' -f2 "$T/$_nm.mem"))
  S3_HWMMAX=$(cut -d' ' -f2 "$T/$_nm.mem" | sort -n | tail -n 1)
  S3_PSS=$(awk '{ s += $3 } END { print s }' "$T/$_nm.mem")
  S3_USS=$(med $(cut -d' ' -f4 "$T/$_nm.mem"))
}
s3_run() { # name prog...
  _nm=$1; shift
  srv_start "$_nm" -- "$@"
  rm -f "$T/$_nm.hold"
  "${LC_BIN[@]}" -t 120 -s hold -H "$T/$_nm.hold" -n "$N3" -c "$N3" 127.0.0.1 "$PORT" >"$T/$_nm.lc" &
  _lcp=$!
  at_exit "stop_pid $_lcp"
  wait_until 60 s3_count || fail "$_nm: $N3 sessions did not start"
  if [ "$_nm" = s3.guard ]; then wait_until 60 s3_grandchildren || fail "$_nm: smtpds did not start"; fi
  sleep 1
}
s3_end() {
  touch "$T/$1.hold"
  wait "$_lcp"
  LC=$(cat "$T/$1.lc")
  [ "$(kv ok)" = "$N3" ] || fail "$1: not every held session ended with 221: $LC"
  srv_stop "$1"
}

s3_run s3.bare "${FAST[@]}"
s3_sample s3.bare.fast $(pgrep -P "$SRV_PID")
fb_rss=$S3_RSS; fb_pss=$S3_PSS; fb_uss=$S3_USS
s3_end s3.bare
s3_run s3.guard "$SG_BIN/smtpguard" "${FAST[@]}"
guards=$(pgrep -P "$SRV_PID")
smtpds=$(s3_grandpids)
s3_sample s3.guard.sg $guards
sg_rss=$S3_RSS; sg_hwm=$S3_HWM; sg_hwmmax=$S3_HWMMAX; sg_pss=$S3_PSS; sg_uss=$S3_USS
s3_sample s3.guard.fast $smtpds
fg_pss=$S3_PSS
s3_end s3.guard
for v in "$fb_uss" "$sg_uss" "$fb_rss" "$fb_pss" "$sg_rss" "$sg_hwm" "$sg_pss" "$fg_pss"; do sane "3 memory" "$v"; done
row 3 "memory: one process's VmRSS kB (median of $N3; without = sgscriptd fast, with = smtpguard)" "$fb_rss" "$sg_rss" "$(ratio "$sg_rss" "$fb_rss")" "smtpguard < 1024" "$(verdict "$sg_rss" le 1023)"
row 3 "memory: one process's private kB (USS, median; without = sgscriptd fast, with = smtpguard)" "$fb_uss" "$sg_uss" "$(ratio "$sg_uss" "$fb_uss")" "-" "info"
row 3 "memory: smtpguard's VmHWM kB, median (max)" "-" "$sg_hwm ($sg_hwmmax)" "-" "< 1024" "$(verdict "$sg_hwmmax" le 1023)"
row 3 "memory: $N3 live sessions, total Pss MB (without: sgscriptd fast; with: smtpguard + sgscriptd fast)" \
  "$(calc "$fb_pss / 1024")" "$(calc "($sg_pss + $fg_pss) / 1024") (smtpguard $(calc "$sg_pss / 1024"))" "$(ratio "$((sg_pss + fg_pss))" "$fb_pss")" "-" "info"
