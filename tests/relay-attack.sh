#!/bin/sh
# A dictionary attacker through the real chain (tcpserver, smtpguard,
# exim -bs) is kicked with 421 and disconnected exactly at the limit,
# lock-step and pipelined: with sgtclient (5 bad RCPT, RSET, repeat) the
# 421 comes right after the RSET that ends the first transaction (5
# refused recipients, nothing delivered: a stranger's limit, a quarter of
# -b 20); with swaks (one transaction of 25: swaks cannot RSET) right
# after the 10th refusal (half of -b, the most a stranger's transaction
# may have answered). Nothing comes after the 421. No process is left behind.
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard

# --- control: exim alone never disconnects the attacker --------------------
attack_script "$T/full.lockstep" lockstep no
attack_script "$T/full.pipelined" pipelined no
start_tcpserver -- "$SMTPD"
for mode in lockstep pipelined; do
  "$SGTCLIENT" -t 30 -o "$T/direct.$mode.client" 127.0.0.1 "$PORT" "$T/full.$mode" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/err" >&2; fail "control $mode: exim alone must answer all 15 RCPTs and QUIT (sgtclient exit $rc)"; }
done
check_no_leftovers
stop_pid "$SERVER_PID"

# --- sgtclient, lock-step and pipelined, through smtpguard -----------------
attack_script "$T/kick.lockstep" lockstep yes
attack_script "$T/kick.pipelined" pipelined yes
start_tcpserver -- "$SG_BIN/smtpguard" "$SMTPD"
ipn=7
for mode in lockstep pipelined; do
  ip=127.0.5.$ipn; ipn=$((ipn + 1))
  "$SGTCLIENT" -t 30 -b "$ip" -o "$T/$mode.client" 127.0.0.1 "$PORT" "$T/kick.$mode" >"$T/$mode.replies" 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "$mode: want the 421 after the first RSET, then close (sgtclient exit $rc)"; }
  check_kicked "$mode" "$ip"
  check_no_leftovers
done
assert_grep "$SERVER_LOG" "kick ip=127.0.5.7 reason=badrcpt bad=5 good=0 rset=1 authfail=0 errors=0 guesses=5 limit=5 delivered=0 history=no" "lockstep: kick log line counters"

# --- swaks, lock-step and pipelined, one transaction of 25 bad RCPTs ------
to=bad1@example.test
for i in $(seq 2 25); do to=$to,bad$i@example.test; done
for pipe in "" --pipeline; do
  swaks_nodns --server 127.0.0.1 --port "$PORT" --helo attacker.example.test \
    --from spam@attacker.example.test --to "$to" --timeout 20 $pipe >"$T/swaks.out" 2>&1
  grep '^<' "$T/swaks.out" >"$T/swaks.replies"
  [ "$(grep -Ec '^<[-~]?\*\* +550' "$T/swaks.replies")" -eq 10 ] ||
    { cat "$T/swaks.out" >&2; fail "swaks $pipe: want exactly 10 rejected RCPTs"; }
  grep -A1 -E '^<[-~]?\*\* +550' "$T/swaks.replies" | tail -n 1 | grep -Eq '^<[-~]?\*\* +421 ' ||
    { cat "$T/swaks.out" >&2; fail "swaks $pipe: no 421 right after the 10th 550"; }
  tail -n 1 "$T/swaks.replies" | grep -Eq '421 ' ||
    { cat "$T/swaks.out" >&2; fail "swaks $pipe: replies after the 421"; }
  check_no_leftovers
done
[ "$(grep -c 'kick ip=127.0.0.1 reason=badrcpt bad=10 good=0' "$SERVER_LOG")" -eq 2 ] ||
  { cat "$SERVER_LOG" >&2; fail "swaks: want two kick log lines"; }
stop_pid "$SERVER_PID"
exit 0
