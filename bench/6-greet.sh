# bench part 6: the door test (sourced by bench/run).
# The dictionary attack of part 4 where a share of the attacking
# addresses are early talkers (sgtclient load -s bot: EHLO at connect, before
# the greeting, then the same unknown recipients): IPS6 addresses, of
# which BOTS6 talk early, CONNS6 connections each, 10 at a time; beside
# them a legitimate sender (127.0.0.1) sends LEGIT6 messages one after
# the other. Both columns run the full deployment of part 4 (tcpserver -x
# rules.cdb, smtpguard -v -d, smtpguard-cdb -w, exim -bs); "without" is
# without the door test, "with" adds -G G6. An smtpd was started for a
# connection when smtpguard logged its session line (a refusal at the
# door, or of a listed address, exits before any smtpd and logs none).
# Then, the server still up, a first-time legitimate sender from a fresh
# address sends one message, twice: the first session pays the wait,
# the second has a pass.
IPS6=${BENCH_GREET_IPS:-$([ $QUICK = 1 ] && echo 10 || echo 40)}
BOTS6=${BENCH_GREET_BOTS:-$((IPS6 / 2))}
CONNS6=${BENCH_GREET_CONNS:-$([ $QUICK = 1 ] && echo 4 || echo 10)}
LEGIT6=${BENCH_GREET_LEGIT:-$([ $QUICK = 1 ] && echo 5 || echo 20)}
G6=${BENCH_GREET_WAIT:-1000}
R6=${BENCH_GREET_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 3)}
POLITE6=$((IPS6 - BOTS6))
n6=$((IPS6 * CONNS6))
printf ':allow\n' >"$T/rules6.txt"

s6_one() { # name run greet(0|1)
  _nm=$1; _r=$2
  _sd=$T/$_nm.state; _cdb=$T/$_nm.cdb
  mkdir -p "$_sd" || fail "mkdir $_sd"
  "$SG_BIN/smtpguard-cdb" -d "$_sd" "$T/rules6.txt" "$_cdb" 2>"$T/$_nm.cdb1.log" || fail "$_nm: smtpguard-cdb failed"
  cdbw_start "$_nm" "$_sd" "$T/rules6.txt" "$_cdb"
  _g=
  [ "$3" = 1 ] && _g="-G $G6"
  # shellcheck disable=SC2086
  srv_start "$_nm" -x "$_cdb" -- "$SG_BIN/smtpguard" -v -d "$_sd" $_g "$SMTPD"
  # the third octets differ per run and mode: every run starts unknown
  _o=$((160 + 4 * _r + 2 * $3))
  "${LC_BIN[@]}" -t 600 -s legit -n "$LEGIT6" -c 1 127.0.0.1 "$PORT" >"$T/$_nm.legit" &
  _lp=$!
  at_exit "stop_pid $_lp"
  "${LC_BIN[@]}" -t 600 -s bot -n $((BOTS6 * CONNS6)) -c 5 -b "127.0.$_o.1" -B "$BOTS6" 127.0.0.1 "$PORT" >"$T/$_nm.bots" &
  _bp=$!
  at_exit "stop_pid $_bp"
  lc -s attack -n $((POLITE6 * CONNS6)) -c 5 -b "127.0.$((_o + 1)).1" -B "$POLITE6" 127.0.0.1 "$PORT"
  wait "$_bp" || fail "$_nm: the bots' load client failed"
  wait "$_lp" || fail "$_nm: the legitimate sender failed"
  LC=$(cat "$T/$_nm.legit")
  S6_LEGIT=$(kv delivered)
  # a first-time sender, then the same again
  LC_SECS=60 lc -s legit -n 1 -b "127.0.$((200 + 2 * _r + $3)).1" 127.0.0.1 "$PORT"
  S6_FIRST=$(kv max_ms)
  [ "$(kv delivered)" = 1 ] || fail "$_nm: the first-time sender did not deliver: $LC"
  LC_SECS=60 lc -s legit -n 1 -b "127.0.$((200 + 2 * _r + $3)).1" 127.0.0.1 "$PORT"
  S6_SECOND=$(kv max_ms)
  srv_stop "$_nm"
  stop_pid "$_cwp"; wait "$_cw" 2>/dev/null
  S6_CPU=$(calc "$CPU + $(awk '{ printf "%.3f", $1 + $2 }' "$T/$_nm.cdbw.cpu")")
  S6_SMTPDS=$(grep -c '^smtpguard: info: session ' "$T/$_nm.log")
  S6_BOTSMTPDS=$(awk -v p="ip=127.0.$_o." '/^smtpguard: info: session / && index($0, p) { n++ } END { print n + 0 }' "$T/$_nm.log")
  S6_EARLY=$(grep -c "^smtpguard: info: door ip=127\\.0\\.$_o\\.[0-9]* verdict=early" "$T/$_nm.log")
}
sb=(); sg=(); nb=(); ng=(); cb=(); cg=(); cr=(); lb=(); lg=(); fb=(); fg=(); fr=(); dw=(); sr=()
for r in $(seq "$R6"); do
  s6_one "s6.$r.nogreet" "$r" 0
  sb+=("$S6_SMTPDS"); nb+=($((BOTS6 * CONNS6 - S6_BOTSMTPDS))); cb+=("$S6_CPU"); lb+=("$S6_LEGIT"); fb+=("$S6_FIRST")
  s6_one "s6.$r.greet" "$r" 1
  sg+=("$S6_SMTPDS"); ng+=($((BOTS6 * CONNS6 - S6_BOTSMTPDS))); cg+=("$S6_CPU"); lg+=("$S6_LEGIT"); fg+=("$S6_FIRST")
  fr+=("$(ratio "$S6_FIRST" "${fb[-1]}")"); dw+=("$(calc "$S6_FIRST - $S6_SECOND")")
  [ "$S6_EARLY" -ge "$BOTS6" ] || fail "s6.$r.greet: $S6_EARLY early verdicts for $BOTS6 bot addresses"
  sane "6 cpu" "${cb[-1]}"; sane "6 cpu" "${cg[-1]}"; sane "6 first-time" "$S6_FIRST"
  cr+=("$(ratio "${cg[-1]}" "${cb[-1]}")"); sr+=("$(ratio "${sg[-1]}" "${sb[-1]}")")
done
SPREAD_DIGITS=0
row 6 "door test, attack ($IPS6 IPs, $BOTS6 of them early talkers, x $CONNS6 conns; without = smtpguard -d, with = -d -G $G6): smtpds started" "$(spread "${sb[@]}") of $((n6 + LEGIT6 + 2))" "$(spread "${sg[@]}") of $((n6 + LEGIT6 + 2))" "$(SPREAD_DIGITS=3 spread "${sr[@]}")" "-" "info"
row 6 "door test: early talkers' connections that never started an smtpd" "$(spread "${nb[@]}") of $((BOTS6 * CONNS6))" "$(spread "${ng[@]}") of $((BOTS6 * CONNS6))" "-" "with: all" "$(verdict "$(stats "${ng[@]}" | cut -d' ' -f2)" ge $((BOTS6 * CONNS6)))"
row 6 "door test: total server CPU s (+ smtpguard-cdb -w)" "$(SPREAD_DIGITS=2 spread "${cb[@]}")" "$(SPREAD_DIGITS=2 spread "${cg[@]}")" "$(SPREAD_DIGITS=3 spread "${cr[@]}")" "<= 1" "$(verdict "$(med "${cr[@]}")" le 1)"
row 6 "door test: legit messages delivered (250 to end-of-data)" "$(spread "${lb[@]}") of $LEGIT6" "$(spread "${lg[@]}") of $LEGIT6" "-" "all $LEGIT6" "$(verdict "$(stats "${lg[@]}" | cut -d' ' -f2)" ge "$LEGIT6")"
row 6 "door test: a first-time legit sender's session, ms" "$(SPREAD_DIGITS=1 spread "${fb[@]}")" "$(SPREAD_DIGITS=1 spread "${fg[@]}")" "$(SPREAD_DIGITS=2 spread "${fr[@]}")" "-" "info"
row 6 "door test: the wait it pays, ms (its first session minus its next, which has a pass)" "-" "$(SPREAD_DIGITS=1 spread "${dw[@]}")" "-" "$G6 .. $((G6 + 200))" "$(verdict "$(awk -v d="$(med "${dw[@]}")" -v g="$G6" 'BEGIN { print (d >= g - 20 && d <= g + 200) ? 1 : 0 }')" ge 1)"
unset SPREAD_DIGITS
