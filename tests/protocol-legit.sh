#!/bin/sh
# Legitimate clients never trigger a protocol violation, through the real
# chain (tcpserver -R -H -l 0, smtpguard -v -d, exim -bs): swaks (plain,
# PIPELINING, AUTH, a 300 KB message, LF-only lines), exim as a sending
# client (PIPELINING and CHUNKING: its BDAT lines), Postfix's smtp-source
# (from Debian's postfix package, unpacked, never installed; skipped
# with a message only if the download is impossible). For each: no kick,
# no listing, every message accepted, and the smtpd got the commands.
. "$(dirname "$0")/lib.sh"
need_smtpguard

S=$T/state
mkdir "$S" || fail mkdir
SG_REC=$T/rec; export SG_REC
start_tcpserver -c 40 -- "$SG_BIN/smtpguard" -v -g 500 -d "$S" "$SMTPD"
unset SG_REC
LOG=$SERVER_LOG

# a body of N lines of 100 bytes, some starting with dots
body() {
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) { if (i % 50 == 7) printf "."; printf "line %06d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs", 1, 88) } }'
}
body 3000 >"$T/big.body"

# --- swaks --------------------------------------------------------------------
sw() { # ip args...
  _ip=$1; shift
  swaks_nodns --server 127.0.0.1 --port "$PORT" --local-interface "$_ip" --helo client.example.test \
    --from sender@example.test "$@" >"$T/swaks.$_ip.out" 2>&1 ||
    { tail -n 20 "$T/swaks.$_ip.out" >&2; fail "swaks from $_ip $*: exit $?"; }
  grep -q '^<- *250 OK discarded' "$T/swaks.$_ip.out" || grep -q '^<- *250' "$T/swaks.$_ip.out" ||
    fail "swaks from $_ip: the message was not accepted"
}
sw 127.0.66.1 --to good1@example.test
sw 127.0.66.2 --to good1@example.test,good2@example.test --pipeline
sw 127.0.66.3 --to good1@example.test --auth PLAIN --auth-user alice --auth-password secret
sw 127.0.66.4 --to good1@example.test --pipeline --body "$T/big.body"
# a client that ends its lines with LF alone (qmail, exim and Postfix read them)
printf 'EHLO lf.example.test\nMAIL FROM:<s@example.test>\nRCPT TO:<good1@example.test>\nDATA\nSubject: lf\n\nbody\n.\nQUIT\n' >"$T/lf.bytes"
need_sgtclient
printf '< 220\nraw-file %s\ndrain\n' "$T/lf.bytes" >"$T/lf.script"
"$SGTCLIENT" -t 20 -b 127.0.66.5 -o "$T/lf.client" 127.0.0.1 "$PORT" "$T/lf.script" >/dev/null 2>"$T/lf.err"
grep -q '^250 OK discarded' "$T/lf.client" || { cat "$T/lf.client" >&2; fail "LF-only client: the message was not accepted"; }

# --- exim as a sending client (PIPELINING, CHUNKING) ------------------------------
CONF=$TOP/tests/exim/client-proto.conf
if [ "$(id -u)" != 0 ]; then
  sed -e "s/^exim_user = root\$/exim_user = $(id -un)/" -e "s/^exim_group = root\$/exim_group = $(id -gn)/" \
    "$CONF" >"$T/client-proto.conf" && chmod 644 "$T/client-proto.conf" || fail "client config"
  CONF=$T/client-proto.conf
fi
mkdir -p "$T/cx/spool" "$T/cx/log" || fail mkdir
i=1
for n in 5 400 3000; do
  { printf 'Subject: exim client %s\n\n' "$i"; body "$n"; } >"$T/msg$i"
  SG_EXIM_CDIR=$T/cx SG_PORT=$PORT SG_IFACE=127.0.66.10 timeout 60 \
    exim4 -C "$CONF" -odi -oi -f sender@example.test good1@example.test good2@example.test <"$T/msg$i" >"$T/exim$i.out" 2>&1 ||
    { cat "$T/exim$i.out" "$T/cx/log/mainlog" "$T/cx/log/paniclog" 2>/dev/null | tail -n 20 >&2; fail "exim client, message $i: exit $?"; }
  i=$((i + 1))
done
[ "$(grep -c '=> good1@example.test' "$T/cx/log/mainlog")" -eq 3 ] ||
  { tail -n 20 "$T/cx/log/mainlog" >&2; fail "exim client: not every message delivered"; }
assert_no_grep "$T/cx/log/mainlog" ' == |\*\* ' "exim client: a deferral or a bounce"
assert_grep "$T/rec.in" '^BDAT [0-9]+ LAST' "exim client: it did not use CHUNKING (BDAT)"

# --- Postfix's smtp-source ----------------------------------------------------------
PF=$BUILD/tests/postfix
if [ ! -x "$PF/x/usr/sbin/smtp-source" ]; then
  rm -rf "$PF" && mkdir -p "$PF" || fail mkdir
  if (cd "$PF" && timeout 120 apt-get download postfix >"$PF/download.log" 2>&1) && dpkg -x "$PF"/postfix_*.deb "$PF/x"; then :; else
    note "SKIP smtp-source: apt-get download postfix failed: $(tail -n 1 "$PF/download.log" 2>/dev/null)"
  fi
fi
if [ -x "$PF/x/usr/sbin/smtp-source" ]; then
  # 10 messages over 2 sessions, connections reused (-d), 2 KB each; and 1 per session
  LD_LIBRARY_PATH=$PF/x/usr/lib/postfix timeout 60 "$PF/x/usr/sbin/smtp-source" -d -s 2 -m 10 -l 2048 \
    -M client.example.test -f sender@example.test -t good1@example.test "127.0.0.1:$PORT" >"$T/ss1.out" 2>&1 ||
    { cat "$T/ss1.out" >&2; fail "smtp-source -d: exit $?"; }
  LD_LIBRARY_PATH=$PF/x/usr/lib/postfix timeout 60 "$PF/x/usr/sbin/smtp-source" -c -s 3 -m 6 \
    -M client.example.test -f sender@example.test -t good2@example.test "127.0.0.1:$PORT" >"$T/ss2.out" 2>&1 ||
    { cat "$T/ss2.out" >&2; fail "smtp-source -c: exit $?"; }
  # smtp-source does not wait for the 221: the sessions end client-gone
  good=$(sed -n 's/.* session ip=127\.0\.0\.1 helo=client\.example\.test end=[a-z-]* bad=0 good=\([0-9]*\) .*/\1/p' "$LOG" |
    awk '{ s += $1 } END { print s + 0 }')
  # (smtp-source exits non-zero at the first refusal: its exit 0 says all
  # 16 were accepted; the summaries may miss the last replies of a session
  # reset before they were scanned)
  [ "$good" -ge 8 ] || fail "smtp-source: only $good accepted recipients in the summaries"
fi

# --- nothing was taken for a violation --------------------------------------------------
stop_pid "$SERVER_PID"
assert_no_grep "$LOG" ' kick | wouldkick | listed | refused ' "a legitimate client was kicked or listed"
assert_no_grep "$LOG" 'reason=(nul|barecr|bdat|starttls|longline)' "a violation in the log"
"$SG_BIN/smtpguard-list" -t -d "$S" >"$T/list" 2>&1 || fail "smtpguard-list"
[ ! -s "$T/list" ] || { cat "$T/list" >&2; fail "smtpguard-list: something is listed"; }
for ip in 127.0.66.1 127.0.66.2 127.0.66.4 127.0.66.5 127.0.66.10; do
  assert_grep "$LOG" "session ip=$ip helo=[a-z.]+ end=quit bad=0 good=[1-9]" "$ip: not a clean session"
done
assert_grep "$LOG" "session ip=127\.0\.66\.3 helo=client\.example\.test .*auth=yes" "swaks AUTH: not authenticated"
check_no_leftovers
exit 0
