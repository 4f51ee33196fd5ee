# bench part 5: listing scale (sourced by bench/run).
# smtpguard-cdb's rebuild time (hyperfine) for statedirs holding 10k,
# 100k and 1M listings, written by mklistings in the documented format;
# smtpguard-cdb -w's rebuild after one new listing with the largest;
# then, with 0 and with the largest number listed (tcpserver -x reading
# the matching cdb, smtpguard -d on the matching statedir, sgscriptd fast),
# the server CPU per clean session (unlisted addresses) and per kick
# (each session from a new address, kicked and listed at its 10th bad
# RCPT, listing fsync'd), pair by pair; and callgrind's count of
# smtpguard's instructions for one session, 0 vs the largest.
SIZES5=${BENCH_LIST_SIZES:-$([ $QUICK = 1 ] && echo "1000 10000" || echo "10000 100000 1000000")}
R5=${BENCH_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 3)}
N5=$([ $QUICK = 1 ] && echo 20 || echo 200)
K5=$([ $QUICK = 1 ] && echo 10 || echo 40)
until5=$(($(date +%s) + 30 * 86400))
printf ':allow\n' >"$T/rules5.txt"
big=
prev=; prevn=
fmtn() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else print n }'; }
for n in $SIZES5; do
  sd=$T/s5.$n
  mkdir -p "$sd" || fail "mkdir $sd"
  "$BENCH_BIN/mklistings" "$sd" "$n" "$until5" || fail "mklistings $n failed"
  # written back now: the kicks measured below would otherwise pay for
  # the journal of a million files made a second ago (their fsync)
  sync
  hyperfine -N -w 1 -r "$R5" --export-csv "$T/s5.$n.csv" \
    "$SG_BIN/smtpguard-cdb -d $sd $T/rules5.txt $T/s5.$n.cdb" >/dev/null 2>"$T/s5.$n.hf" || { cat "$T/s5.$n.hf" >&2; fail "hyperfine $n failed"; }
  # command,mean,stddev,median,user,system,min,max
  read -r t tmin tmax <<<"$(tail -n 1 "$T/s5.$n.csv" | awk -F, '{ print $4, $7, $8 }')"
  sane "5 rebuild $n" "$t"
  [ "$(cdb -s "$T/s5.$n.cdb" | sed -n 's/^number of records: *//p')" -ge "$n" ] || fail "5: the cdb for $n listings lacks records"
  growth="-"
  [ -n "$prev" ] && growth="$(ratio "$t" "$prev") for $(ratio "$n" "$prevn")x listings"
  if [ "$n" -ge 1000000 ]; then tg="< 2 s"; vd=$(verdict "$t" le 2); else tg="linear"; vd="info"; fi
  row 5 "smtpguard-cdb rebuild, $(fmtn "$n") listings: s (growth vs previous size)" "-" "$(printf '%.3f (%.3f-%.3f)' "$t" "$tmin" "$tmax")" "$growth" "$tg" "$vd"
  prev=$t; prevn=$n
  [ -n "$big" ] && rm -rf "$T/s5.$big" "$T/s5.$big.cdb"
  big=$n
done

# smtpguard-cdb -w on the largest statedir: after its first build, one
# new listing (file + wakeup line, as smtpguard writes them) at a time;
# the time from the wakeup line to the log line of the rebuild that has
# it (the listings stay in memory: only the new one is read)
s5w_log=$T/s5w.log
"$SG_BIN/smtpguard-cdb" -w -d "$T/s5.$big" "$T/rules5.txt" "$T/s5w.cdb" 2>"$s5w_log" &
s5w=$!
at_exit "stop_pid $s5w"
s5w_built() { [ "$(grep -c 'info: rebuilt' "$s5w_log")" -ge "$1" ]; }
wait_until 300 s5w_built 1 || fail "5: smtpguard-cdb -w never built"
ws=()
for r in $(seq "$R5"); do
  sleep 10.5  # past the gap -w keeps after a rebuild (at most 10 s, doc/smtpguard-cdb.html)
  ip=127.0.99.$r; now=$(date +%s)
  ln -s "badrcpt $now $((now + 3600)) 1" "$T/s5.$big/listed/.tmp.bench" && mv "$T/s5.$big/listed/.tmp.bench" "$T/s5.$big/listed/$ip" || fail "5: cannot list $ip"
  t0=$(date +%s%N)
  echo "$ip" >"$T/s5.$big/wakeup"
  for _i in $(seq 6000); do s5w_built $((r + 1)) && break; sleep 0.005; done
  t1=$(date +%s%N)
  s5w_built $((r + 1)) || fail "5: -w did not rebuild after one listing"
  cdb -q "$T/s5w.cdb" "$ip" >/dev/null || fail "5: -w rebuilt without $ip"
  ws+=("$(calc "($t1 - $t0) / 1e9")")
done
stop_pid $s5w
row 5 "smtpguard-cdb -w, $(fmtn "$big") listings: rebuild after one new listing, s (wakeup line to rebuilt)" "-" "$(SPREAD_DIGITS=3 spread "${ws[@]}")" "-" "< 1 s" "$(verdict "$(med "${ws[@]}")" le 1)"

s5_one() { # name statedir cdb script n firstip -> S5_CPU (ms/session) S5_P50
  srv_start "$1" -x "$3" -- "$SG_BIN/smtpguard" -d "$2" "${FAST[@]}"
  lc -s "$4" -n "$5" -c 1 -b "$6" -B "$5" 127.0.0.1 "$PORT"
  if [ "$4" = attack ]; then [ "$(kv r421)" = "$5" ] || fail "$1: want $5 kicks: $LC"
  else [ "$(kv ok)" = "$5" ] || fail "$1: sessions failed: $LC"; fi
  srv_stop "$1"
  S5_CPU=$(calc "$CPU * 1000 / $5"); S5_P50=$(kv p50_ms)
}
sb=(); sg=(); sr=(); kb=(); kg=(); kr=(); lb=(); lg=(); lr=()
for r in $(seq "$R5"); do
  sd0=$T/s5.zero.$r; mkdir -p "$sd0" || fail "mkdir $sd0"
  "$SG_BIN/smtpguard-cdb" -d "$sd0" "$T/rules5.txt" "$sd0.cdb" 2>/dev/null || fail "smtpguard-cdb for 0 listings failed"
  s5_one "s5.$r.s0" "$sd0" "$sd0.cdb" session "$N5" 127.0.70.1; s0=$S5_CPU
  s5_one "s5.$r.sN" "$T/s5.$big" "$T/s5.$big.cdb" session "$N5" 127.0.70.1; sN=$S5_CPU
  s5_one "s5.$r.k0" "$sd0" "$sd0.cdb" attack "$K5" "127.0.$((70 + 2 * r)).1"; k0=$S5_CPU; l0=$S5_P50
  s5_one "s5.$r.kN" "$T/s5.$big" "$T/s5.$big.cdb" attack "$K5" "127.0.$((71 + 2 * r)).1"; kN=$S5_CPU; lN=$S5_P50
  for v in "$s0" "$sN" "$k0" "$kN" "$l0" "$lN"; do sane "5 per session" "$v"; done
  sb+=("$s0"); sg+=("$sN"); sr+=("$(ratio "$sN" "$s0")")
  kb+=("$k0"); kg+=("$kN"); kr+=("$(ratio "$kN" "$k0")")
  lb+=("$l0"); lg+=("$lN"); lr+=("$(ratio "$lN" "$l0")")
done
bn=$(fmtn "$big")
row 5 "smtpguard -d + tcpserver -x: server CPU ms per clean session, 0 vs $bn listed (without column = 0)" "$(spread "${sb[@]}")" "$(spread "${sg[@]}")" "$(SPREAD_DIGITS=3 spread "${sr[@]}")" "does not grow (<= 1.10)" "$(verdict "$(med "${sr[@]}")" le 1.10)"
row 5 "server CPU ms per kick (session kicked and listed), 0 vs $bn listed" "$(spread "${kb[@]}")" "$(spread "${kg[@]}")" "$(SPREAD_DIGITS=3 spread "${kr[@]}")" "does not grow (<= 1.10)" "$(verdict "$(med "${kr[@]}")" le 1.10)"
row 5 "kicked session p50 latency ms (fsync'd listing), 0 vs $bn listed" "$(spread "${lb[@]}")" "$(spread "${lg[@]}")" "$(SPREAD_DIGITS=3 spread "${lr[@]}")" "-" "info"
if have_callgrind; then
  cg_count s5.cg.0 "$SG_BIN/smtpguard" -d "$T/s5.zero.1" "${FAST[@]}"; c0=$CG
  cg_count s5.cg.N "$SG_BIN/smtpguard" -d "$T/s5.$big" "${FAST[@]}"; cN=$CG
  row 5 "smtpguard -d: user-space instructions per session (callgrind), 0 vs $bn listed" "$c0" "$cN" "$(ratio "$cN" "$c0")" "does not grow (<= 1.01)" "$(verdict "$(ratio "$cN" "$c0")" le 1.01)"
fi
