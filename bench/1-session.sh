# bench part 1: cost per session (sourced by bench/run).
# N sessions (EHLO, 4 x (MAIL, 5 RCPT, RSET), QUIT, good recipients, so
# nobody is kicked), one at a time, through tcpserver in front of
# sgscriptd fast and exim -bs, without and with smtpguard, the two runs of a
# pair back to back (order alternating). Server CPU per session and
# client-side session latency (p50, p95). Then callgrind's instruction
# count for one session: smtpguard's own user-space work, noise-free.
# The floor: the same sessions behind a static program that only spawns
# the smtpd and waits (bench/floor.c): what one more process in the chain
# costs at least on this machine, in this run. The relay floor: behind
# the cheapest relay (bench/relayfloor.c: ppoll, read, write, nothing
# else): what any process that sees both directions costs at least.
# smtpguard's extra CPU per session is compared with both. Then
# smtpguard's system calls.
# exim -bs idles about 0.2 s in every session here (whatever the
# pipelining), so its sessions run 5 at a time and 3 times: the wall time
# stays bounded, and both sides of each pair run the same way.
N1=${BENCH_SESSIONS:-$([ $QUICK = 1 ] && echo 20 || echo 250)}
R1=${BENCH_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 5)}
R1X=${BENCH_RUNS:-$([ $QUICK = 1 ] && echo 1 || echo 3)}
S1_CONC=1

s1_one() { # name mode(lockstep|pipelined) prog...
  _nm=$1; _pm=$2; shift 2
  srv_start "$_nm" -- "$@"
  if [ "$_pm" = pipelined ]; then lc -n "$N1" -c "$S1_CONC" -p 127.0.0.1 "$PORT"; else lc -n "$N1" -c "$S1_CONC" 127.0.0.1 "$PORT"; fi
  [ "$(kv ok)" = "$N1" ] || fail "$_nm: not every session ended with 221: $LC"
  srv_stop "$_nm"
  S1_CPU=$(calc "$CPU * 1000 / $N1")
  S1_P50=$(kv p50_ms); S1_P95=$(kv p95_ms)
}

s1_pair() { # label mode target-table(yes|no) floor(yes|no) prog...
  _lab=$1; _mode=$2; _tgt=$3; _fl=$4; shift 4
  cb=(); cg=(); cr=(); pb=(); pg=(); pr=(); qb=(); qg=(); qr=(); fx=(); gx=(); fr=(); rx=(); rr=()
  for r in $(seq "${S1_RUNS:-$R1}"); do
    _ms="bare guard"; [ "$_fl" = yes ] && _ms="bare floor relay guard"
    [ $((r % 2)) = 0 ] && _ms=$(echo "$_ms" | tr ' ' '\n' | tac | tr '\n' ' ')
    for m in $_ms; do
      case $m in
        bare) s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$@" ;;
        floor) s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$FLOOR" "$@" ;;
        relay) s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$RELAYFLOOR" "$@" ;;
        *) s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$SG_BIN/smtpguard" "$@" ;;
      esac
      eval "c_$m=\$S1_CPU p_$m=\$S1_P50 q_$m=\$S1_P95"
    done
    for v in "$c_bare" "$c_guard" "$p_bare" "$p_guard" "$q_bare" "$q_guard"; do sane "1 $_lab" "$v"; done
    if [ "$_fl" = yes ]; then
      # what one more process costs (floor) and what smtpguard costs, per session
      fx+=("$(calc "$c_floor - $c_bare")"); gx+=("$(calc "$c_guard - $c_bare")")
      # a run too short for the noise can leave no floor to divide by
      if awk -v f="$(calc "$c_floor - $c_bare")" 'BEGIN { exit !(f > 0) }'; then
        fr+=("$(ratio "$(calc "$c_guard - $c_bare")" "$(calc "$c_floor - $c_bare")")")
      fi
      rx+=("$(calc "$c_relay - $c_bare")")
      if awk -v f="$(calc "$c_relay - $c_bare")" 'BEGIN { exit !(f > 0) }'; then
        rr+=("$(ratio "$(calc "$c_guard - $c_bare")" "$(calc "$c_relay - $c_bare")")")
      fi
    fi
    cb+=("$c_bare"); cg+=("$c_guard"); cr+=("$(ratio "$c_guard" "$c_bare")")
    pb+=("$p_bare"); pg+=("$p_guard"); pr+=("$(ratio "$p_guard" "$p_bare")")
    qb+=("$q_bare"); qg+=("$q_guard"); qr+=("$(ratio "$q_guard" "$q_bare")")
  done
  if [ "$_tgt" = yes ]; then
    tc="<= 1.20"; vc=$(verdict "$(med "${cr[@]}")" le 1.20)
    tp="<= 1.10"; vp=$(verdict "$(med "${pr[@]}")" le 1.10)
  else tc="-"; vc="info"; tp="-"; vp="info"; fi
  row 1 "session, $_lab, $_mode: server CPU ms/session" "$(spread "${cb[@]}")" "$(spread "${cg[@]}")" "$(SPREAD_DIGITS=3 spread "${cr[@]}")" "$tc" "$vc"
  row 1 "session, $_lab, $_mode: p50 latency ms" "$(spread "${pb[@]}")" "$(spread "${pg[@]}")" "$(SPREAD_DIGITS=3 spread "${pr[@]}")" "$tp" "$vp"
  row 1 "session, $_lab, $_mode: p95 latency ms" "$(spread "${qb[@]}")" "$(spread "${qg[@]}")" "$(SPREAD_DIGITS=3 spread "${qr[@]}")" "-" "info"
  if [ "$_fl" = yes ] && [ ${#fr[@]} = 0 ]; then
    row 1 "session, $_lab, $_mode: extra server CPU ms/session over the bare smtpd: the floor (one static spawn-and-wait process) vs smtpguard; no positive floor measured (too few sessions)" \
      "$(SPREAD_DIGITS=3 spread "${fx[@]}")" "$(SPREAD_DIGITS=3 spread "${gx[@]}")" "-" "<= 1.15" "info"
  elif [ "$_fl" = yes ]; then
    row 1 "session, $_lab, $_mode: extra server CPU ms/session over the bare smtpd: the floor (one static spawn-and-wait process) vs smtpguard; ratio = smtpguard / floor" \
      "$(SPREAD_DIGITS=3 spread "${fx[@]}")" "$(SPREAD_DIGITS=3 spread "${gx[@]}")" "$(SPREAD_DIGITS=3 spread "${fr[@]}")" "<= 1.15" "$(verdict "$(med "${fr[@]}")" le 1.15)"
  fi
  if [ "$_fl" = yes ] && [ ${#rr[@]} = 0 ]; then
    row 1 "session, $_lab, $_mode: extra server CPU ms/session over the bare smtpd: the relay floor (the cheapest relay: ppoll, read, write) vs smtpguard; no positive relay floor measured (too few sessions)" \
      "$(SPREAD_DIGITS=3 spread "${rx[@]}")" "$(SPREAD_DIGITS=3 spread "${gx[@]}")" "-" "<= 1.15" "info"
  elif [ "$_fl" = yes ]; then
    row 1 "session, $_lab, $_mode: extra server CPU ms/session over the bare smtpd: the relay floor (the cheapest relay: ppoll, read, write) vs smtpguard; ratio = smtpguard / relay floor" \
      "$(SPREAD_DIGITS=3 spread "${rx[@]}")" "$(SPREAD_DIGITS=3 spread "${gx[@]}")" "$(SPREAD_DIGITS=3 spread "${rr[@]}")" "<= 1.15" "$(verdict "$(med "${rr[@]}")" le 1.15)"
  fi
}

FLOOR=$BENCH_BIN/floor
RELAYFLOOR=$BENCH_BIN/relayfloor
s1_pair "sgscriptd fast" lockstep yes yes "${FAST[@]}"
s1_pair "sgscriptd fast" pipelined no no "${FAST[@]}"
S1_CONC=5 S1_RUNS=$R1X s1_pair "exim -bs, 5 at a time" lockstep no yes "$SMTPD"

# system calls of smtpguard (strace -f: the relay and its child up to the
# smtpd's execve) for a lock-step session of 1 and of 31 round trips
# (EHLO, NOOPs, QUIT) into fastsmtpd: the difference / 30 is the cost
# of one relayed round trip; the first is the start-up and the end
if command -v strace >/dev/null 2>&1 && ! grep -q __asan_init "$SG_BIN/smtpguard"; then
  sc_count 1; sc1=$SC_TOTAL; scs=$SC_START
  sc_count 31; sc31=$SC_TOTAL
  rt=$(calc "($sc31 - $sc1) / 30")
  row 1 "system calls per relayed round trip (strace; 31 vs 1 round trips)" "-" "$rt" "-" "<= 6" "$(verdict "$rt" le 6)"
  row 1 "system calls of a 1-round-trip session: start-up (to the first wait, with the child's before its execve) / whole session" "-" "$scs / $sc1" "-" "-" "info"
  echo "System calls of smtpguard's start-up (and its child's, to the smtpd's execve), by name: $SC_NAMES." >>"$NOTES"
fi

# callgrind: user-space instructions for one lock-step session
if have_callgrind; then
  cg_count s1.cg.fast "${FAST[@]}"; cgf=$CG
  cg_count s1.cg.guard "$SG_BIN/smtpguard" "${FAST[@]}"; cgg=$CG
  row 1 "session, lockstep: user-space instructions (callgrind): sgscriptd fast / smtpguard itself" "$cgf" "$cgg" "$(ratio "$cgg" "$cgf")" "-" "info"
fi
