#!/bin/sh
# The demo's short mode (examples/demo/run -s, what `make demo` runs in
# full): under its own svscan, 50 loopback IPs run a dictionary attack
# through tcpserver + smtpguard -d + exim while a legitimate sender
# mails. Its report must show every attacker kicked once, listed, and
# refused at the door from then on (every connection that did not reach
# the smtpd was refused), no attacker learning more than 10 bad
# recipients, the legitimate sender served, and nothing left running.
. "$(dirname "$0")/lib.sh"
need_smtpguard
"$TOP/examples/demo/run" -s >"$T/out" 2>&1
rc=$?
show() { sed 's/^/  | /' "$T/out" >&2; }
[ $rc -eq 0 ] || { show; fail "demo exited $rc"; }
val() { # label: the first number after "label:" in the report
  sed -n "s/^ *$1: *\([0-9][0-9]*\).*/\1/p" "$T/out" | head -n 1
}
total=$(val 'attack connections')
reached=$(val 'reached the smtpd')
kicked=$(val 'kicked by smtpguard')
refused=$(val 'refused at connect')
denied=$(val 'denied by tcpserver')
listed=$(val 'IPs listed')
left=$(val 'processes left behind')
for v in total reached kicked refused denied listed left; do
  eval "x=\$$v"; [ -n "$x" ] || { show; fail "no '$v' in the report"; }
done
[ "$total" -eq 200 ] || { show; fail "want 200 attack connections (50 IPs x 4), got $total"; }
[ "$kicked" -eq 50 ] || { show; fail "want every attacking IP kicked exactly once, got $kicked kicks"; }
[ "$listed" -eq 50 ] || { show; fail "want 50 attacking IPs listed, got $listed"; }
[ $((refused + denied)) -eq $((total - reached)) ] ||
  { show; fail "connections that did not reach the smtpd ($((total - reached))) must all be refused at the door ($refused + $denied)"; }
[ $((refused + denied)) -ge 100 ] || { show; fail "want the listed attackers refused at the door, got $refused + $denied"; }
grep -Eq '^bad RCPT answers per IP: +max (10|[0-9]),' "$T/out" || { show; fail "an attacker learned more than 10 bad recipients"; }
grep -Eq '^legitimate sender: +4 of 4 messages accepted, 2 typos rejected, kicked 0 times$' "$T/out" ||
  { show; fail "the legitimate sender was not served"; }
[ "$left" -eq 0 ] || { show; fail "the demo left $left processes behind"; }
grep -q '^RESULT: PASS' "$T/out" || { show; fail "no RESULT: PASS"; }
# independently: its directory is gone and nothing runs from it
d=$(sed -n 's/^demo: starting svscan on \(.*\)\/service: .*/\1/p' "$T/out")
[ -n "$d" ] || { show; fail "no temporary directory in the output"; }
[ ! -e "$d" ] || fail "the demo left $d behind"
pgrep -f "$d" >/dev/null && { pgrep -af "$d" >&2; fail "processes running from $d"; }
exit 0
