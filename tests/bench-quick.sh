#!/bin/bash
# The benchmark harness works: bench/run in quick mode (small sizes, one
# run) produces its table with every figure measured and sane. It asserts
# no speed target (met / MISSED are the bench's business, and this
# machine is shared): only that each of the six parts reported, that
# every figure cell holds positive numbers (but for differences of two
# noisy figures and counts that small runs can leave at zero), and that
# every row has a verdict. It writes its table into its own temp dir, not bench/results.
. "$(dirname "$0")/lib.sh"
need_smtpguard
command -v hyperfine >/dev/null 2>&1 || fail "hyperfine not installed"
out=$T/quick.md
BENCH_QUICK=1 BENCH_OUT=$out timeout -k 5 170 bash "$TOP/bench/run" >"$T/run.out" 2>"$T/run.err"
rc=$?
[ $rc -eq 0 ] || { tail -n 20 "$T/run.err" >&2; fail "bench/run (quick) exited $rc"; }
[ -s "$out" ] || fail "no table written"
assert_same_file "$T/run.out" "$out" "the table printed is not the table written"
assert_grep "$out" '^Machine: [0-9]+ CPUs, .+, Linux ' "machine line"
grep '^| [1-6] |' "$out" >"$T/rows" || fail "no table rows"
for p in 1 2 3 4 5 6; do
  assert_grep "$T/rows" "^\\| $p \\|" "no row for bench part $p"
done
# columns: | # | figure | without | with | ratio | target | verdict |
awk -F' [|] ' '
  { sub(/ [|]$/, "", $7) }
  NF != 7 { print "bad row: " $0; bad = 1; next }
  $7 != "met" && $7 != "MISSED" && $7 != "info" { print "no verdict: " $0; bad = 1 }
  {
    for (i = 3; i <= 5; i++) {
      c = $i
      if (c == "-") continue
      if (c ~ /inf|nan/ || c == "") { print "not a number: " $0; bad = 1; next }
      n = split(c, w, /[^0-9.e+-]+/); k = 0
      for (j = 1; j <= n; j++) if (w[j] != "") { k++; if (w[j] + 0 <= 0 && !(i == 3 && $2 ~ /never started/) && $2 !~ /refused by the kernel|over the bare smtpd/) { print "zero figure in column " i ": " $0; bad = 1; next } }
      if (!k) { print "no figure in column " i ": " $0; bad = 1 }
    }
  }
  END { exit bad }' "$T/rows" >"$T/bad" || { cat "$T/bad" >&2; fail "insane figures in the table"; }
[ "$(wc -l <"$T/rows")" -ge 20 ] || fail "want at least 20 figure rows, got $(wc -l <"$T/rows")"
exit 0
