# bench part 4: attack relief (sourced by bench/run).
# A distributed dictionary attack: IPS4 loopback addresses x CONNS4
# connections, each EHLO, 4 x (MAIL, 5 unknown RCPT, RSET), QUIT, lock-step,
# 10 at a time, addresses in turn; alongside, a legitimate sender
# (127.0.0.1) sends LEGIT4 small messages one after the other. The
# smtpd is exim -bs. Without: tcpserver -x rules.cdb exim. With:
# tcpserver -x rules.cdb smtpguard -d statedir exim, and smtpguard-cdb -w
# rebuilding rules.cdb from the listings (its CPU counts as server CPU).
# A connection "started an smtpd" when it got exim's 220 greeting (a
# listed client gets nothing from tcpserver, or 421 from smtpguard); a
# bad-RCPT probe reached the smtpd when exim answered it 550 (smtpguard
# never writes 550). A third mode adds the nftables set: see below.
IPS4=${BENCH_ATTACK_IPS:-$([ $QUICK = 1 ] && echo 10 || echo 50)}
CONNS4=${BENCH_ATTACK_CONNS:-$([ $QUICK = 1 ] && echo 4 || echo 20)}
LEGIT4=${BENCH_LEGIT:-$([ $QUICK = 1 ] && echo 5 || echo 25)}
R4=${BENCH_ATTACK_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 3)}
n4=$((IPS4 * CONNS4))
printf ':allow\n' >"$T/rules4.txt"

# nft (mode 2): the whole run inside a network namespace of its own
# (loopback only), where smtpguard-cdb -w also writes the nftables file
# (-n) and a loop reloads it with nft -f whenever it changes, as an
# admin's path unit or cron would (its CPU counts as server CPU too)
S4_NFT=0
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && ip netns add "sgbench$$" 2>/dev/null; then
  ip netns del "sgbench$$"; S4_NFT=1
else echo "Attack with the nftables set: not measured (needs root, ip netns and nft)." >>"$NOTES"; fi

s4_one() { # name run mode(0 bare|1 guard|2 guard + nftables)
  _nm=$1; _r=$2
  _sd=$T/$_nm.state; _cdb=$T/$_nm.cdb
  mkdir -p "$_sd" || fail "mkdir $_sd"
  "$SG_BIN/smtpguard-cdb" -d "$_sd" "$T/rules4.txt" "$_cdb" 2>"$T/$_nm.cdb1.log" || fail "$_nm: smtpguard-cdb failed"
  _ccpu=0; _ncpu=0; _nftopt=(); SRV_NETNS=; SRV_PORT=; LC_NETNS=
  if [ "$3" = 2 ]; then
    SRV_NETNS=sgbench$$.$_r; LC_NETNS=$SRV_NETNS; SRV_PORT=2525
    ip netns add "$SRV_NETNS" || fail "$_nm: ip netns add"
    at_exit "ip netns del $SRV_NETNS 2>/dev/null"
    ip -n "$SRV_NETNS" link set lo up || fail "$_nm: lo up"
    _nftopt=(-n "$T/$_nm.nft" -P "$SRV_PORT")
    "$SG_BIN/smtpguard-cdb" "${_nftopt[@]}" -d "$_sd" "$T/rules4.txt" "$_cdb" 2>/dev/null || fail "$_nm: smtpguard-cdb -n failed"
    ip netns exec "$SRV_NETNS" nft -f "$T/$_nm.nft" || fail "$_nm: nft -f failed"
    touch "$T/$_nm.nft.loaded"
    bash -c 'TIMEFORMAT="%3U %3S"; out=$1 ns=$2 f=$3 stop=$4; { time { n=0; while [ ! -e "$stop" ] && [ $n -lt 6000 ]; do
        if [ "$f" -nt "$f.loaded" ]; then touch "$f.loaded"; ip netns exec "$ns" nft -f "$f"; fi; sleep 0.2; n=$((n + 1)); done; }; } 2>"$out"' \
      reload "$T/$_nm.nftload.cpu" "$SRV_NETNS" "$T/$_nm.nft" "$T/$_nm.nftstop" &
    _nl=$!
    at_exit "touch $T/$_nm.nftstop; stop_pid $_nl"
  fi
  if [ "$3" != 0 ]; then
    cdbw_start "$_nm" "$_sd" "$T/rules4.txt" "$_cdb" "${_nftopt[@]}"
    srv_start "$_nm" -x "$_cdb" -- "$SG_BIN/smtpguard" -d "$_sd" "$SMTPD"
  else
    srv_start "$_nm" -x "$_cdb" -- "$SMTPD"
  fi
  # the third octet differs per run and mode: every run starts unknown
  ${LC_NETNS:+ip netns exec "$LC_NETNS"} "${LC_BIN[@]}" -t 600 -s legit -n "$LEGIT4" -c 1 127.0.0.1 "$PORT" >"$T/$_nm.legit" &
  _lp=$!
  at_exit "stop_pid $_lp"
  lc -s attack -n "$n4" -c 10 -b "127.0.$((100 + 3 * _r + $3)).1" -B "$IPS4" 127.0.0.1 "$PORT"
  wait "$_lp" || fail "$_nm: the legitimate sender failed"
  S4_ATT=$LC
  srv_stop "$_nm"
  if [ "$3" != 0 ]; then
    stop_pid "$_cwp"; wait "$_cw" 2>/dev/null
    _ccpu=$(awk '{ printf "%.3f", $1 + $2 }' "$T/$_nm.cdbw.cpu")
  fi
  if [ "$3" = 2 ]; then
    touch "$T/$_nm.nftstop"; wait "$_nl" 2>/dev/null
    _ncpu=$(awk '{ printf "%.3f", $1 + $2 }' "$T/$_nm.nftload.cpu")
    ip netns del "$SRV_NETNS"
  fi
  SRV_NETNS=; SRV_PORT=; LC_NETNS=
  S4_CPU=$(calc "$CPU + $_ccpu + $_ncpu")
  LC=$S4_ATT
  S4_GREET=$(kv greeted); S4_CFAIL=$(kv cfail); S4_MAXP=$(kv maxperip550); S4_MEANP=$(calc "$(kv r550) / $IPS4")
  LC=$(cat "$T/$_nm.legit")
  S4_LEGIT=$(kv delivered)
}
gb=(); gg=(); pb=(); pg=(); xb=(); xg=(); cb=(); cg=(); cr=(); lb=(); lg=(); nr=()
gn=(); cn=(); crn=(); ln=(); xn=(); fn=()
for r in $(seq "$R4"); do
  s4_one "s4.$r.bare" "$r" 0
  gb+=("$S4_GREET"); pb+=("$S4_MEANP"); xb+=("$S4_MAXP"); c_bare=$S4_CPU; lb+=("$S4_LEGIT")
  s4_one "s4.$r.guard" "$r" 1
  gg+=("$S4_GREET"); pg+=("$S4_MEANP"); xg+=("$S4_MAXP"); c_guard=$S4_CPU; lg+=("$S4_LEGIT")
  sane "4 attack cpu" "$c_bare"; sane "4 attack cpu" "$c_guard"; sane "4 greeted" "$S4_MEANP"
  cb+=("$c_bare"); cg+=("$c_guard"); cr+=("$(ratio "$c_guard" "$c_bare")")
  nr+=("$(calc "100 * ($n4 - $S4_GREET) / $n4")")
  if [ $S4_NFT = 1 ]; then
    s4_one "s4.$r.nft" "$r" 2
    sane "4 attack cpu" "$S4_CPU"
    gn+=("$S4_GREET"); cn+=("$S4_CPU"); crn+=("$(ratio "$S4_CPU" "$c_bare")"); ln+=("$S4_LEGIT")
    xn+=("$S4_MAXP"); fn+=("$S4_CFAIL")
  fi
done
legit_min=$(stats "${lg[@]}" | cut -d' ' -f2)
SPREAD_DIGITS=0
row 4 "attack ($IPS4 IPs x $CONNS4 conns): connections that started an smtpd" "$(spread "${gb[@]}") of $n4" "$(spread "${gg[@]}") of $n4" "-" "-" "info"
row 4 "attack: % of attack connections that never started an smtpd" "0" "$(SPREAD_DIGITS=1 spread "${nr[@]}")" "-" ">= 90" "$(verdict "$(med "${nr[@]}")" ge 90)"
row 4 "attack: bad-RCPT probes per IP reaching the smtpd, mean; max" "$(SPREAD_DIGITS=1 spread "${pb[@]}"); $(med "${xb[@]}")" "$(SPREAD_DIGITS=1 spread "${pg[@]}"); $(med "${xg[@]}")" "-" "max <= 5 (the bots' limit)" "$(verdict "$(stats "${xg[@]}" | cut -d' ' -f3)" le 5)"
row 4 "attack: total server CPU s (with: + smtpguard-cdb -w)" "$(SPREAD_DIGITS=2 spread "${cb[@]}")" "$(SPREAD_DIGITS=2 spread "${cg[@]}")" "$(SPREAD_DIGITS=3 spread "${cr[@]}")" "<= 0.25" "$(verdict "$(med "${cr[@]}")" le 0.25)"
if [ $S4_NFT = 1 ]; then
  row 4 "attack, nftables set (smtpguard-cdb -w -n, reloaded on change; in a network namespace): total server CPU s (with: + smtpguard-cdb -w + nft -f); ratio vs without" "$(SPREAD_DIGITS=2 spread "${cb[@]}")" "$(SPREAD_DIGITS=2 spread "${cn[@]}")" "$(SPREAD_DIGITS=3 spread "${crn[@]}")" "<= 0.10" "$(verdict "$(med "${crn[@]}")" le 0.10)"
  row 4 "attack, nftables set: connections that started an smtpd; refused by the kernel; max bad-RCPT probes per IP" "-" "$(spread "${gn[@]}") of $n4; $(spread "${fn[@]}"); $(med "${xn[@]}")" "-" "-" "info"
  row 4 "attack, nftables set: legit messages delivered" "-" "$(spread "${ln[@]}") of $LEGIT4" "-" "all $LEGIT4" "$(verdict "$(stats "${ln[@]}" | cut -d' ' -f2)" ge "$LEGIT4")"
fi
row 4 "attack: legit messages delivered (250 to end-of-data)" "$(spread "${lb[@]}") of $LEGIT4" "$(spread "${lg[@]}") of $LEGIT4" "-" "all $LEGIT4" "$(verdict "$legit_min" ge "$LEGIT4")"
unset SPREAD_DIGITS
