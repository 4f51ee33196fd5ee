#!/bin/sh
# smtpguard-stat: a crafted log (multilog labels or none, every event
# kind, IPv4 and IPv6, garbage, a NUL, an overlong line, forged fields)
# gives exactly the expected totals and tables, -t for scripts; the IP
# cap bounds the tables and says how much it left out; usage and
# system errors exit 100 and 111.
. "$(dirname "$0")/lib.sh"
STAT=$SG_BIN/smtpguard-stat
[ -x "$STAT" ] || fail "no $STAT (run make)"

L='@400000006746b2a0'
{
  # an attacker kicked, listed, then refused at connect twice
  echo "${L}0000000a smtpguard: info: kick ip=127.0.1.5 reason=badrcpt bad=10 good=0 rset=1 authfail=0 errors=0"
  echo "${L}0000000b smtpguard: info: listed ip=127.0.1.5 reason=badrcpt until=1732700000 strikes=1"
  echo "${L}0000000c smtpguard: info: session ip=127.0.1.5 helo=x end=kick bad=10 good=0 rset=1 authfail=0 errors=0 in=100 out=200 ms=5 status=99"
  echo "smtpguard: info: refused ip=127.0.1.5 reason=listed until=1732700000"
  echo "smtpguard: info: refused ip=127.0.1.5 reason=listed until=1732700000"
  # its neighbour: three short sessions, 3 bad RCPTs each, no -v kick line
  for i in 1 2 3; do
    echo "smtpguard: info: session ip=127.0.1.6 end=client-eof bad=3 good=0 rset=1 authfail=0 errors=0 in=1 out=1 ms=1 status=0"
  done
  # legit: QUIT with accepted recipients (one after AUTH), a QUIT without
  echo "smtpguard: info: session ip=10.0.0.1 helo=mx.example end=quit bad=2 good=3 rset=0 authfail=0 errors=0 in=1 out=1 ms=1 status=0"
  echo "smtpguard: info: session ip=10.0.0.2 end=quit bad=0 good=1 rset=0 authfail=0 errors=0 auth=yes in=1 out=1 ms=1 status=0"
  echo "smtpguard: info: session ip=10.0.0.3 end=quit bad=0 good=0 rset=0 authfail=0 errors=0 tls=blind in=1 out=1 ms=1 status=0"
  echo "smtpguard: info: blind ip=10.0.0.3 reason=starttls"
  # IPv6: two addresses in one /64 (two spellings of one), one elsewhere
  echo "smtpguard: info: kick ip=2001:db8::1 reason=rset bad=0 good=0 rset=51 authfail=0 errors=0"
  echo "smtpguard: info: kick ip=2001:DB8:0:0:0:0:0:1 reason=authfail bad=0 good=0 rset=0 authfail=3 errors=0"
  echo "smtpguard: info: kick ip=2001:db8::2 reason=errors bad=0 good=0 rset=0 authfail=0 errors=20"
  echo "smtpguard: info: kick ip=2001:db8:1::9 reason=badrcpt bad=11 good=1 rset=0 authfail=0 errors=0"
  echo "smtpguard: info: wouldkick ip=192.0.2.1 reason=badrcpt bad=10 good=0 rset=0 authfail=0 errors=0"
  echo "smtpguard: info: wouldkick ip=192.0.2.2 reason=badrcpt bad=5 good=0 rset=1 authfail=0 errors=0 guesses=5 limit=5 delivered=0 history=no list=yes"
  echo "smtpguard: info: wouldkick ip=192.0.2.3 reason=rset bad=0 good=0 rset=51 authfail=0 errors=0 guesses=0 limit=5 delivered=3 history=yes list=no"
  # kicked while it had delivered mail here (history, or deliveries in
  # the window): a backup MX or a callout verifier, to look at first
  echo "smtpguard: info: kick ip=192.0.2.25 reason=badrcpt bad=20 good=3 rset=0 authfail=0 errors=0 guesses=20 limit=20 delivered=0 history=yes"
  echo "smtpguard: info: kick ip=192.0.2.25 reason=badrcpt bad=20 good=9 rset=0 authfail=0 errors=0 guesses=5 limit=5 delivered=4 history=no"
  echo "smtpguard: info: kick ip=192.0.2.26 reason=badrcpt bad=5 good=0 rset=0 authfail=0 errors=0 guesses=5 limit=5 delivered=0 history=no"
  echo "smtpguard: info: session ip=unknown end=server-eof bad=0 good=0 rset=0 authfail=0 errors=0 in=1 out=1 ms=1 status=0"
  echo "smtpguard: warning: unable to open statedir"
  echo "@400000006746b2ff00000000 smtpguard-cdb: info: rebuilt rules.cdb rules=3 listed=1"
  # tcpserver -v: denied by the rules cdb (IPv4, IPv6), accepted, chatter
  echo "tcpserver: deny 8976 0:127.0.0.1:25 :127.0.1.6::56255"
  echo "tcpserver: deny 8977 0:::1:25 :2001:db8:1::9::56256"
  echo "tcpserver: ok 8857 0:127.0.0.1:25 :10.0.0.1::52771"
  echo "tcpserver: status: 1/40"
  echo "tcpserver: deny 8978 0:127.0.0.1:25 :not-an-ip::1"
  # not ours, or forged: every one of these is ignored
  echo "garbage"
  echo ""
  echo "smtpguard: info: kick ip=127.0.1.7 reason=bogus bad=1"
  echo "smtpguard: info: kick ip=../../etc reason=badrcpt bad=10 good=0"
  echo "smtpguard: info: kick ip=127.0.1.8 reason=badrcpt bad=1x good=0"
  echo "smtpguard: info: kick ip=127.0.1.8 reason=badrcpt good=0"
  echo "smtpguard: info: session ip=127.0.1.8 end=quit bad=0 good=-1"
  echo "smtpguard: info: session ip=127.0.1.8 end=quit bad=0 good=1 stray"
  echo "smtpguard: info: kick ip=01.2.3.4 reason=badrcpt bad=10 good=0"
  echo "smtpguard: info: kick ip=192.0.2.27 reason=badrcpt bad=5 good=0 history=maybe"
  echo "smtpguard: info: kick ip=192.0.2.27 reason=badrcpt bad=5 good=0 delivered=-1 history=no"
  echo "smtpguard: info: teleport ip=127.0.1.8 reason=badrcpt bad=10"
  echo "@40000000zzzzzzzz00000000 smtpguard: info: refused ip=127.0.1.8 reason=listed until=1"
  echo "xsmtpguard: info: refused ip=127.0.1.8 reason=listed until=1"
  printf 'smtpguard: info: refused ip=127.0.1.8\000 reason=listed until=1\n'
  printf 'smtpguard: info: refused ip=127.0.1.8 reason=listed until=1 pad=%05000d\n' 0
  # no newline at the end of the file: still counted
  printf 'smtpguard: info: refused ip=127.0.1.5 reason=listed until=1732700000'
} >"$T/log"

"$STAT" -t "$T/log" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "smtpguard-stat -t failed"; }
want() { # regex: one line of the -t output must match it exactly
  grep -qx -- "$1" "$T/out" || { sed 's/^/  | /' "$T/out" >&2; fail "no line /$1/ in the -t output"; }
}
tab=$(printf '\t')
w() { want "$(printf '%s' "$*" | sed "s/ /$tab/g")"; }
w total lines 47
w total events 29
w total ignored 18
w total toolong 1
w total untracked 0
w total noip 1
w time first 2024-11-27T05:48:06Z
w time last 2024-11-27T05:49:41Z
w session total 8
w session legit 2
w session clean 7
w session auth 1
w session tls-blind 1
w end quit 3
w end client-eof 3
w end kick 1
w end server-eof 1
w kick badrcpt 5
w kick rset 1
w kick authfail 1
w kick errors 1
w wouldkick badrcpt 2
w wouldkick rset 1
w list wouldlist 1
w mailer kicks 2
w mailer wouldkicks 1
w list listed 1
w list refused 3
w list rebuilds 1
w tcpserver ok 1
w tcpserver deny 2
w other blind 1
w other warnings 1
# top IPs, worst first: kicks + refusals + denials, then bad RCPTs
# (columns: kicks refused denied listed bad sessions)
grep "^ip$tab" "$T/out" >"$T/ips"
printf 'ip\t%s\n' \
  "127.0.1.5	1	3	0	1	10	1" \
  "192.0.2.25	2	0	0	0	40	0" \
  "2001:db8:1::9	1	0	1	0	11	0" \
  "2001:db8::1	2	0	0	0	0	0" \
  "127.0.1.6	0	0	1	0	9	3" \
  "192.0.2.26	1	0	0	0	5	0" \
  "2001:db8::2	1	0	0	0	0	0" \
  "10.0.0.1	0	0	0	0	2	1" >"$T/ips.want"
assert_same_file "$T/ips" "$T/ips.want" "top IPs (-t)"
grep "^net$tab" "$T/out" >"$T/nets"
printf 'net\t%s\n' \
  "127.0.1.0/24	2	1	3	1	1	19	4" \
  "192.0.2.0/24	3	3	0	0	0	45	0" \
  "2001:db8::/64	2	3	0	0	0	0	0" \
  "2001:db8:1::/64	1	1	0	1	0	11	0" \
  "10.0.0.0/24	3	0	0	0	0	2	3" >"$T/nets.want"
assert_same_file "$T/nets" "$T/nets.want" "top networks (-t)"
# the IPs kicked (or, in a dry run, that would have been) while they had
# delivered mail here: history=yes or delivered > 0 in the kick line
grep "^mailer$tab[0-9]" "$T/out" >"$T/mailers"
printf 'mailer\t%s\n' "192.0.2.25	2" "192.0.2.3	1" >"$T/mailers.want"
assert_same_file "$T/mailers" "$T/mailers.want" "IPs kicked after delivering mail (-t)"

# the same from stdin, split in two inputs, with -n 1
head -n 10 "$T/log" >"$T/a"; tail -n +11 "$T/log" >"$T/b"
"$STAT" -t -n 1 - "$T/b" <"$T/a" >"$T/out2" || fail "smtpguard-stat - file failed"
assert_eq "$(grep -c "^ip$tab" "$T/out2")" 1 "-n 1: one IP"
assert_eq "$(grep "^ip$tab" "$T/out2")" "$(head -n 1 "$T/ips.want")" "-n 1: the worst IP"
assert_eq "$(grep "total${tab}events" "$T/out2")" "total${tab}events${tab}29" "stdin + file: same events"

# human output: the summary lines an admin reads
"$STAT" "$T/log" >"$T/human" || fail "smtpguard-stat failed"
assert_grep "$T/human" '^sessions +8: legit 2, kicked 1, auth 1$' "human: sessions"
assert_grep "$T/human" '^kicks +8: badrcpt 5, rset 1, authfail 1, errors 1$' "human: kicks"
assert_grep "$T/human" '^mailers +2 kicks of IPs that had delivered mail here' "human: kicks of mailers"
assert_grep "$T/human" '^wouldmailer +1 dry-run kicks of IPs that had delivered mail here' "human: dry-run kicks of mailers"
assert_grep "$T/human" '^  192\.0\.2\.25 +2$' "human: an IP kicked after delivering mail"
assert_grep "$T/human" '^refused +3 connections from listed IPs refused at connect$' "human: refused"
assert_grep "$T/human" '^denied +2 connections denied by tcpserver' "human: denied"
assert_grep "$T/human" '^  127\.0\.1\.5 +1 +3 +0 +1 +10 +1$' "human: top IP row"
assert_grep "$T/human" '^  127\.0\.1\.0/24 +2 +1 +3 +1 +1 +19 +4$' "human: top /24 row"

# bounded: 20000 distinct IPs, -m 100: 100 tracked, the rest counted
awk 'BEGIN { for (i = 0; i < 20000; i++)
  printf "smtpguard: info: kick ip=10.%d.%d.%d reason=badrcpt bad=10 good=0\n", int(i/65536), int(i/256)%256, i%256 }' >"$T/big"
"$STAT" -t -m 100 -n 100000 "$T/big" >"$T/bigout" || fail "smtpguard-stat -m failed"
grep -qx "kick${tab}badrcpt${tab}20000" "$T/bigout" || fail "-m: totals must count every kick"
grep -qx "total${tab}untracked${tab}19900" "$T/bigout" || fail "-m 100: want 19900 untracked"
assert_eq "$(grep -c "^ip$tab" "$T/bigout")" 100 "-m 100: IPs tracked"

# errors
"$STAT" -m 0 </dev/null >/dev/null 2>"$T/err"; assert_eq $? 100 "-m 0: usage"
assert_grep "$T/err" '^smtpguard-stat: usage: ' "usage line"
"$STAT" -x </dev/null >/dev/null 2>&1; assert_eq $? 100 "bad option: usage"
"$STAT" "$T/nonexistent" >/dev/null 2>"$T/err"; assert_eq $? 111 "missing file"
assert_grep "$T/err" "^smtpguard-stat: fatal: unable to open $T/nonexistent: No such file or directory\$" "missing file message"
exit 0
