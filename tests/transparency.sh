#!/bin/sh
# Transparency property: for random legitimate
# sessions, the bytes the smtpd receives, the bytes it sends and the bytes
# the client receives are the same with and without smtpguard in the
# chain, and smtpguard never kicks.
#
# Sessions come from tests/tools/sggen.pl (random command mixes, DATA
# bodies with dot-stuffed lines, command look-alikes, NULs, bare CRs,
# 8-bit bytes; BDAT chunks of random bytes; pipelined groups or lock-step;
# commands and bodies cut into random writes). A fixed list of seeds, plus
# one random seed each run; the failing seed is printed. SG_SEEDS="..."
# replays given seeds.
#
# Each session runs twice, from its own address (127.0.64.K, ...): against exim
# alone and through smtpguard; tests/exim/record-smtpd records what exim
# received and sent (per client address), sgtclient what the client got.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/tools/sgadv.sh"
need_sgtclient
need_smtpguard
command -v perl >/dev/null 2>&1 || fail "perl not installed"

rnd=$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000 + 1000 ))
SEEDS=${SG_SEEDS:-"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 $rnd"}

# the smtpd, recording per client address into $T/rec/{d,g}.IP.{in,out}
mkdir "$T/rec" || fail "mkdir"
for side in d g; do
  cat >"$T/smtpd.$side" <<EOF
#!/bin/sh
SG_REC=$T/rec/$side.\$TCPREMOTEIP
export SG_REC
exec "$SMTPD"
EOF
  chmod 755 "$T/smtpd.$side"
done
start_tcpserver -- "$T/smtpd.d"; D_PORT=$PORT D_PID=$SERVER_PID
start_tcpserver -- "$SG_BIN/smtpguard" -v "$T/smtpd.g"; G_PORT=$PORT G_PID=$SERVER_PID G_LOG=$SERVER_LOG

# what may legitimately differ between two exim runs (see relay-legit.sh)
mask() {
  sed -E -e 's/[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}/<ID>/g' \
         -e 's/[A-Z][a-z]{2}, [ 0-9]?[0-9] [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4}/<DATE>/g' \
    "$1" >"$1.m"
}

k=0
for seed in $SEEDS; do
  k=$((k + 1))
  ip=127.0.$((64 + k / 250)).$((k % 250 + 1))
  dir=$T/s$seed
  mkdir "$dir" || fail "mkdir"
  perl "$TOP/tests/tools/sggen.pl" "$seed" "$dir" || fail "seed $seed: sggen failed"
  "$SGTCLIENT" -t 30 -b "$ip" -o "$dir/d.client" 127.0.0.1 "$D_PORT" "$dir/script" >"$dir/d.replies" 2>"$dir/d.err" &
  dpid=$!
  "$SGTCLIENT" -t 30 -b "$ip" -o "$dir/g.client" 127.0.0.1 "$G_PORT" "$dir/script" >"$dir/g.replies" 2>"$dir/g.err"
  grc=$?
  wait "$dpid"
  drc=$?
  [ $drc -eq 1 ] || { cat "$dir/d.err" >&2; fail "seed $seed: exim alone: sgtclient exit $drc, want 1 (script ran, server closed)"; }
  [ $grc -eq 1 ] || { cat "$dir/g.err" >&2; fail "seed $seed: through smtpguard: sgtclient exit $grc, want 1"; }
  check_no_leftovers
  for side in d g; do
    for f in "$dir/$side.client" "$T/rec/$side.$ip.in" "$T/rec/$side.$ip.out"; do
      [ -s "$f" ] || fail "seed $seed: nothing recorded in $f"
      mask "$f"
    done
  done
  assert_same_file "$T/rec/d.$ip.out.m" "$dir/d.client.m" "seed $seed: recorder: exim alone sent != client got"
  assert_same_file "$dir/d.client.m" "$dir/g.client.m" "seed $seed: the client received different bytes through smtpguard"
  assert_same_file "$T/rec/d.$ip.in.m" "$T/rec/g.$ip.in.m" "seed $seed: exim received different bytes through smtpguard"
  assert_same_file "$T/rec/d.$ip.out.m" "$T/rec/g.$ip.out.m" "seed $seed: exim sent different bytes through smtpguard"
  assert_same_file "$T/rec/g.$ip.out" "$dir/g.client" "seed $seed: smtpguard changed the server's bytes on their way to the client"
  assert_no_grep "$G_LOG" "kick ip=$ip " "seed $seed: smtpguard kicked a legitimate session"
  # and its byte counts are those of the two ends
  in=$(wc -c <"$T/rec/g.$ip.in") out=$(wc -c <"$dir/g.client")
  wait_until 5 grep -q " session ip=$ip " "$G_LOG"
  assert_grep "$G_LOG" " session ip=$ip .* in=$in out=$out " "seed $seed: the summary's in/out byte counts"
done
n=$(grep -c ' session ip=127\.0\.' "$G_LOG")
[ "$n" -eq "$k" ] || fail "want $k session lines, got $n"
check_log_clean "$G_LOG" "transparency"
exit 0
