#!/bin/sh
# The state directory's ownership rule: everything in it belongs to the
# directory's owner (the smtpd user), whichever program comes first.
#  - root first (smtpguard-cdb, smtpguard-unlist): listed/, ledger/,
#    wakeup and ledger files are made for the smtpd user, who then lists
#    an attacker through tcpserver -u;
#  - a tree an older version left owned by root: smtpguard-cdb run as
#    another user names the part, its owner and the command to run;
#    run as root it repairs the parts; a root-owned ledger file is
#    replaced by the smtpd user's session, which lists the attacker;
#  - a state directory the admin forgot to chown: each session logs one
#    line saying what to run, and mail still flows (fail open).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy/deploylib.sh"
need_root
need_sgtclient
need_smtpguard
deploy_adduser sgtest-own-smtpd
U=sgtest-own-smtpd
UID_=$(id -u $U) || fail id
mkdir -p "$SG_EXIM_DIR" && chown $U "$SG_EXIM_DIR" || fail "exim dir"
printf '127.0.0.1:allow\n' >"$T/rules"

owner() { stat -c %U:%G "$1"; }
write_legit() {
  printf '%s\n' '< 220' '> EHLO legit.example.test' '< 250' '> MAIL FROM:<a@legit.example.test>' '< 250' \
    '> RCPT TO:<good1@example.test>' '< 250' '> DATA' '< 354' '> hello' '> .' '< 250' '> QUIT' '< 221' 'eof' >"$T/legit"
}
write_legit
attack_script "$T/kick" lockstep yes
# serve STATEDIR: smtpguard -d STATEDIR and exim as the smtpd user
serve() {
  [ -n "${SERVER_PID:-}" ] && stop_pid "$SERVER_PID"
  start_tcpserver -v -u "$UID_" -g "$(id -g $U)" -- "$SG_BIN/smtpguard" -v -d "$1" "$SMTPD"
}
attack() { # ip: kicked at the RSET after its 5th bad RCPT
  "$SGTCLIENT" -t 20 -b "$1" -o "$T/$1.client" 127.0.0.1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
  [ $? -eq 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "attack from $1: want the 421 after the first RSET (5 bad RCPTs)"; }
  wait_until 5 grep -q "kick ip=$1 " "$SERVER_LOG"
  check_kicked "$1" "$1"
}
listed() { # ip statedir: listed by the smtpd user, no trouble logged
  wait_until 5 grep -q "listed ip=$1 reason=badrcpt" "$SERVER_LOG" || { cat "$SERVER_LOG" >&2; fail "$1 not listed"; }
  assert_eq "$(stat -c %U "$2/listed/$1")" $U "owner of the listing of $1"
  assert_no_grep "$SERVER_LOG" 'unable to' "smtpguard could not use $2"
}

# --- root first ------------------------------------------------------
S=$T/s1
mkdir "$S" && chown $U "$S" || fail mkdir
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>"$T/cdb.err" || { cat "$T/cdb.err" >&2; fail "smtpguard-cdb"; }
assert_no_grep "$T/cdb.err" 'warning' "smtpguard-cdb on a fresh state directory"
for f in listed ledger wakeup; do assert_eq "$(owner "$S/$f")" "$U:root" "root made $f for the smtpd user"; done
assert_eq "$(stat -c %A "$S/wakeup")" "prw--w--w-" "mode of wakeup"
"$SG_BIN/smtpguard-unlist" -d "$S" 127.0.7.8 2>/dev/null
assert_eq "$?" 1 "smtpguard-unlist of an IP not listed"
assert_eq "$(owner "$S/ledger/127.0.7.8")" "$U:root" "root made a ledger file for the smtpd user"
serve "$S"
attack 127.0.7.8
listed 127.0.7.8 "$S"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>"$T/cdb.err" || fail "smtpguard-cdb"
assert_grep "$T/cdb.err" 'rebuilt .* listed=1$' "the listing in the cdb"
assert_no_grep "$T/cdb.err" 'warning' "smtpguard-cdb after smtpguard"

# --- a tree an older version made as root ----------------------------
S=$T/s2
mkdir "$S" "$S/listed" "$S/ledger" && chown $U "$S" || fail mkdir
printf 'x' >"$S/ledger/127.0.7.10"
mkdir "$T/u" && chown $U "$T/u" || fail mkdir
setuidgid $U "$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/u/rules.cdb" 2>"$T/cdb.err" || { cat "$T/cdb.err" >&2; fail "smtpguard-cdb as $U"; }
assert_grep "$T/cdb.err" "^smtpguard-cdb: warning: $S/listed belongs to 0:0, the state directory to $UID_:0: smtpguard cannot record there: run chown -R $UID_:0 $S\$" "smtpguard-cdb names the part, the owners and the command"
"$SG_BIN/smtpguard-cdb" -d "$S" "$T/rules" "$T/rules.cdb" 2>"$T/cdb.err" || fail "smtpguard-cdb as root"
assert_no_grep "$T/cdb.err" 'warning' "smtpguard-cdb as root repairs"
for f in listed ledger wakeup; do assert_eq "$(stat -c %U "$S/$f")" "$U" "root repaired $f"; done
serve "$S"
attack 127.0.7.10
listed 127.0.7.10 "$S"
assert_eq "$(owner "$S/ledger/127.0.7.10")" "$U:$U" "the root-owned ledger file, replaced"

# --- the admin forgot the chown: one line per session, mail flows ------
S=$T/s3
mkdir "$S" || fail mkdir
serve "$S"
"$SGTCLIENT" -t 20 -b 127.0.7.2 -o "$T/legit.client" 127.0.0.1 "$PORT" "$T/legit" >/dev/null 2>"$T/err"
[ $? -le 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "the legitimate sender was not served"; }
tr -d '\r' <"$T/legit.client" | grep -q '^354 ' || fail "the legitimate message was not taken"
wait_until 5 grep -q 'smtpguard: info: session ip=127\.0\.7\.2 ' "$SERVER_LOG"
msg="^smtpguard: warning: unable to open the statedir in $S for 127\\.0\\.7\\.2: Permission denied: the state directory and all in it must belong to uid $UID_: run chown -R $UID_ $S\$"
assert_grep "$SERVER_LOG" "$msg" "the line that says what to run"
assert_eq "$(grep -c 'warning' "$SERVER_LOG")" 1 "warnings for one session"
attack 127.0.7.11
assert_eq "$(grep -c 'warning' "$SERVER_LOG")" 2 "warnings for two sessions"
assert_no_grep "$SERVER_LOG" 'listed ip=' "listed without a state directory"
[ ! -e "$S/listed" ] || fail "listed/ made in a directory the smtpd user cannot write"
stop_pid "$SERVER_PID"
check_no_leftovers
exit 0
