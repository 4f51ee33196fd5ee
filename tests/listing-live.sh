#!/bin/sh
# Other live sessions of a listed IP are cut at their next command,
# through the real chain (tcpserver -x, smtpguard -d, exim -bs recorded
# by tests/exim/record-smtpd):
#   session A from X: EHLO, MAIL, then it waits (its script is fed
#   through a FIFO, so the test decides when it goes on);
#   session C from another IP Y: the same, waiting too;
#   session B from X: a dictionary attack, kicked and listed;
#   then A sends RCPT: it gets the listed 421 and is closed, and the RCPT
#   never reaches its smtpd; C sends RCPT and goes on as if nothing
#   happened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listing/listinglib.sh"

X=127.0.6.31
Y=127.0.6.32
SG_REC_DIR=$T/rec
export SG_REC_DIR
mkdir "$SG_REC_DIR" || fail mkdir
build_cdb
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$S" "$COUNTING_SMTPD"

# rec_of SENDER: the record (IP.PORT.in) of the session that sent MAIL FROM:<SENDER@...>
rec_of() { grep -l "MAIL FROM:<$1@" "$SG_REC_DIR"/*.in 2>/dev/null | head -n 1; }

mkfifo "$T/a.fifo" "$T/c.fifo" || fail mkfifo
"$SGTCLIENT" -t 40 -b "$X" -o "$T/a.client" 127.0.0.1 "$PORT" <"$T/a.fifo" >"$T/a.replies" 2>"$T/a.err" &
apid=$!
at_exit "kill $apid 2>/dev/null"
"$SGTCLIENT" -t 40 -b "$Y" -o "$T/c.client" 127.0.0.1 "$PORT" <"$T/c.fifo" >"$T/c.replies" 2>"$T/c.err" &
cpid=$!
at_exit "kill $cpid 2>/dev/null"
# the writers: opening a FIFO blocks until its reader has it open
exec 7>"$T/a.fifo" 8>"$T/c.fifo"
for who in a c; do
  fd=7; [ $who = c ] && fd=8
  printf '< 220\n> EHLO %s.example.test\n< 250\n> MAIL FROM:<live-%s@example.test>\n< 250\n' $who $who >&$fd
done
# wait until both MAILs have been answered by their smtpds
answered() { # WHO: the smtpd of live-WHO has answered EHLO and MAIL
  r=$(rec_of "live-$1"); [ -n "$r" ] || return 1
  [ "$(tr -d '\r' <"${r%.in}.out" | grep -c '^250 ')" -ge 2 ]
}
wait_until 15 answered a || fail "session A: MAIL not answered within 15 s"
wait_until 15 answered c || fail "session C: MAIL not answered within 15 s"
reca=$(rec_of live-a)
recc=$(rec_of live-c)
case $reca in "$SG_REC_DIR/$X".*) ;; *) fail "session A recorded as $reca, not from $X" ;; esac

# --- B, from the same IP, is kicked and lists X ---------------------------
rcpt_script "$T/kick" 12 5
sgt b "$X" "$T/kick"
check_kicked b "$X"
assert_grep "$SERVER_LOG" "listed ip=$X reason=badrcpt " "B did not list $X"

# --- A's next command: the listed 421, never reaching exim ---------------
printf '> RCPT TO:<good-a@example.test>\n< 421\neof\n' >&7
exec 7>&-
wait "$apid"; rc=$?
[ $rc -eq 1 ] || { cat "$T/a.err" >&2; fail "session A: sgtclient exit $rc, want 1 (the 421, then closed)"; }
tr -d '\r' <"$T/a.client" | tail -n 1 >"$T/a.last"
assert_eq "$(cat "$T/a.last")" "$LISTED_421" "session A: last reply"
assert_grep "$SERVER_LOG" "kick ip=$X reason=listed " "session A: no kick line"
assert_no_grep "$reca" 'RCPT' "session A: the RCPT reached the smtpd"
# the smtpd's own words when its input ends must not reach the client
assert_no_grep "$T/a.client" 'lost input' "session A: the smtpd's farewell relayed after the kick"

# --- C, from another IP, goes on --------------------------------------------
printf '> RCPT TO:<good-c@example.test>\n< 250\n> RCPT TO:<nobody-c@example.test>\n< 550\n> QUIT\n< 221\neof\n' >&8
exec 8>&-
wait "$cpid"; rc=$?
[ $rc -eq 1 ] || { cat "$T/c.err" >&2; fail "session C: sgtclient exit $rc, want 1"; }
assert_no_grep "$T/c.client" '^421' "session C: kicked"
assert_grep "$recc" 'RCPT TO:<good-c@' "session C: the RCPT did not reach the smtpd"

# --- and X's next connection is refused at once -----------------------------
refused_script "$T/refused"
sgt refused "$X" "$T/refused"
check_refused refused
assert_eq "$(starts "$X")" 2 "smtpds started for $X (A and B only)"
check_no_leftovers
stop_pid "$SERVER_PID"
exit 0
