# bench part 2: DATA throughput (sourced by bench/run).
# One message of MB2 MB (78-byte lines) through tcpserver into
# sgscriptd fast, without and with smtpguard: MB/s seen by the client (from
# the body's first byte to the 250) and server CPU per MB. smtpguard's
# own CPU per MB is the difference of the pair, compared with `cat`
# copying the same number of bytes, in the same lines, pipe to pipe.
# smtpguard's share is the difference of two noisy tree totals, so the
# median needs more pairs than the other parts (a pair takes 0.2 s)
MB2=${BENCH_DATA_MB:-$([ $QUICK = 1 ] && echo 10 || echo 200)}
R2=${BENCH_DATA_RUNS:-${BENCH_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 11)}}
bytes2=$((MB2 * 1048576))
yes "$(printf '%076d\r' 0)" | head -c "$bytes2" >"$T/body" || fail "cannot write the body file"

s2_one() { # name prog...
  _nm=$1; shift
  srv_start "$_nm" -- "$@"
  lc -n 1 -s data -D "$bytes2" 127.0.0.1 "$PORT"
  [ "$(kv delivered)" = 1 ] || fail "$_nm: message not accepted: $LC"
  srv_stop "$_nm"
  S2_CPU=$(calc "$CPU * 1000 / $MB2")   # ms per MB
  S2_MBPS=$(kv data_mbps)
}
mb=(); mg=(); mr=(); cb=(); cg=(); sgc=(); catc=(); cr=()
for r in $(seq "$R2"); do
  for m in $( [ $((r % 2)) = 1 ] && echo "bare guard" || echo "guard bare"); do
    if [ $m = bare ]; then s2_one "s2.$r.$m" "${FAST[@]}"; else s2_one "s2.$r.$m" "$SG_BIN/smtpguard" "${FAST[@]}"; fi
    eval "c_$m=\$S2_CPU m_$m=\$S2_MBPS"
  done
  cat "$T/body" | bash -c 'TIMEFORMAT="%3U %3S"; time cat' 2>"$T/cat.cpu" | cat >/dev/null
  c_cat=$(awk -v mb="$MB2" '{ printf "%.4f", ($1 + $2) * 1000 / mb }' "$T/cat.cpu")
  sg=$(calc "$c_guard - $c_bare")
  for v in "$c_bare" "$c_guard" "$m_bare" "$m_guard" "$c_cat"; do sane "2 data" "$v"; done
  mb+=("$m_bare"); mg+=("$m_guard"); mr+=("$(ratio "$m_guard" "$m_bare")")
  cb+=("$c_bare"); cg+=("$c_guard")
  sgc+=("$sg"); catc+=("$c_cat"); cr+=("$(ratio "$sg" "$c_cat")")
done
row 2 "DATA ${MB2} MB, sgscriptd fast: throughput MB/s" "$(SPREAD_DIGITS=0 spread "${mb[@]}")" "$(SPREAD_DIGITS=0 spread "${mg[@]}")" "$(SPREAD_DIGITS=3 spread "${mr[@]}")" "-" "info"
row 2 "DATA: server CPU ms per MB (tree)" "$(SPREAD_DIGITS=3 spread "${cb[@]}")" "$(SPREAD_DIGITS=3 spread "${cg[@]}")" "-" "-" "info"
row 2 "DATA: smtpguard's CPU ms per MB (pair difference) vs cat pipe-to-pipe (without column = cat)" "$(SPREAD_DIGITS=3 spread "${catc[@]}")" "$(SPREAD_DIGITS=3 spread "${sgc[@]}")" "$(SPREAD_DIGITS=3 spread "${cr[@]}")" "<= 1.50" "$(verdict "$(med "${cr[@]}")" le 1.5)"
