# bench part 1: cost per session (sourced by bench/run).
# N sessions (EHLO, 4 x (MAIL, 5 RCPT, RSET), QUIT, good recipients, so
# nobody is kicked), one at a time, through tcpserver in front of
# sgscriptd fast and exim -bs, without and with smtpguard, the two runs of a
# pair back to back (order alternating). Server CPU per session and
# client-side session latency (p50, p95). Then callgrind's instruction
# count for one session: smtpguard's own user-space work, noise-free.
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

s1_pair() { # label mode target-table(yes|no) prog...
  _lab=$1; _mode=$2; _tgt=$3; shift 3
  cb=(); cg=(); cr=(); pb=(); pg=(); pr=(); qb=(); qg=(); qr=()
  for r in $(seq "${S1_RUNS:-$R1}"); do
    for m in $( [ $((r % 2)) = 1 ] && echo "bare guard" || echo "guard bare"); do
      if [ $m = bare ]; then s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$@"
      else s1_one "s1.$_lab.$_mode.$r.$m" "$_mode" "$SG_BIN/smtpguard" "$@"; fi
      eval "c_$m=\$S1_CPU p_$m=\$S1_P50 q_$m=\$S1_P95"
    done
    for v in "$c_bare" "$c_guard" "$p_bare" "$p_guard" "$q_bare" "$q_guard"; do sane "1 $_lab" "$v"; done
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
}

s1_pair "sgscriptd fast" lockstep yes "${FAST[@]}"
s1_pair "sgscriptd fast" pipelined no "${FAST[@]}"
S1_CONC=5 S1_RUNS=$R1X s1_pair "exim -bs, 5 at a time" lockstep no "$SMTPD"

# callgrind: user-space instructions for one lock-step session
if have_callgrind; then
  cg_count s1.cg.fast "${FAST[@]}"; cgf=$CG
  cg_count s1.cg.guard "$SG_BIN/smtpguard" "${FAST[@]}"; cgg=$CG
  row 1 "session, lockstep: user-space instructions (callgrind): sgscriptd fast / smtpguard itself" "$cgf" "$cgg" "$(ratio "$cgg" "$cgf")" "-" "info"
fi
