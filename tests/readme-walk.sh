#!/bin/sh
# The README's "Quick start (qmail)" and "Migrating from a plain tcprules
# setup", followed literally: every command line is taken from README
# itself and run as written, with only the root of the file system moved
# into a temporary directory (/usr/local, /var/qmail, /etc/tcp.smtp* and
# /service under it; make install with DESTDIR=that root), qmaild and
# qmaill standing for users the test creates, and the placeholders the
# README leaves to the admin filled in ("edit env/", the "..." of the
# tcpserver line, port 25, qmail-smtpd: exim -bs here). Both end to end:
# a dictionary attacker is kicked, listed and refused at the door by the
# cdb the installed smtpguard-cdb service rebuilt; a legitimate sender's
# message is taken before and after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy/deploylib.sh"
need_root
need_sgtclient
need_smtpguard
deploy_users rw
DKIND=daemontools
README=$TOP/README

# the tree, as cloned (with the build made so far, so that make has
# little to do)
C=$T/tree
mkdir -p "$C" || fail mkdir
for f in Makefile conf-compile package src doc examples tests README COPYING; do
  cp -Rp "$TOP/$f" "$C/" || fail "copy $f"
done
cp -Rp "$BUILD" "$C/build" || fail "copy $BUILD"
R=$T/root
mkdir -p "$R/etc" "$R/var/qmail/supervise" "$R/service" || fail mkdir
# the admin's existing tcprules file
printf '%s\n' '# the admin'"'"'s rules' '127.0.0.1:allow,RELAYCLIENT=""' '192.0.2.25:allow,SMTPGUARD_BADRCPT="100"' ':allow' >"$R/etc/tcp.smtp"

# readme_block FIRST LAST: the README's lines from the one equal to FIRST
# up to the one equal to LAST (both excluded)
readme_block() {
  awk -v a="$1" -v b="$2" '$0 == b { on = 0 } on { print } $0 == a { on = 1 }' "$README"
}
# moved: a README command with the file system's root moved into $R and
# the stand-in users
moved() {
  sed -e "s#/usr/local/#$R/usr/local/#g" -e "s#/var/qmail/#$R/var/qmail/#g" \
      -e "s#/etc/tcp\\.#$R/etc/tcp.#g" -e "s#\\([ ]\\)/service/#\\1$R/service/#g" \
      -e "s#\\bqmaild\\b#$SMTPDUSER#g" -e "s#\\bqmaill\\b#$LOGUSER#g" \
      -e "s#\\bmake install\\b#make install DESTDIR=$R#g"
}
# run_readme: run each command line on stdin, as the admin would, from the
# tree, /usr/local/bin in PATH
run_readme() {
  while IFS= read -r _l; do
    _c=$(printf '%s\n' "$_l" | moved)
    note "README: $_l"
    (cd "$C" && env -u BUILD PATH="$R/usr/local/bin:$PATH" sh -c "$_c") >>"$T/readme.out" 2>&1 ||
      { tail -n 20 "$T/readme.out" >&2; fail "README command failed: $_l"; }
  done
}
# the admin's edit of a service's env/: the test's paths, users, port, smtpd
admin_env() { # service-dir
  _e=$1/env
  [ -f "$_e/PATH" ] || fail "no env/ in $1"
  printf '%s\n' "$R/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" >"$_e/PATH"
  [ ! -f "$_e/RUNAS" ] || printf '%s\n' "$SMTPDUSER" >"$_e/RUNAS"
  printf '%s\n' "$LOGUSER" >"$_e/LOGUSER"
  printf '%s\n' "$R/etc/tcp.smtp.cdb" >"$_e/CDB"
  printf '%s\n' "$R/var/qmail/smtpguard" >"$_e/STATEDIR"
  [ ! -f "$_e/RULES" ] || printf '%s\n' "$R/etc/tcp.smtp" >"$_e/RULES"
  if [ -f "$_e/SMTPD" ]; then
    printf '%s\n' 127.0.0.1 >"$_e/IP"
    printf '%s\n' "$PORT" >"$_e/PORT"
    printf '%s\n' "$SMTPD" >"$_e/SMTPD"
    printf '%s\n' "$SG_EXIM_DIR" >"$_e/SG_EXIM_DIR"
    printf '%s\n' -v >"$_e/SMTPGUARD_OPTS"
  fi
}

# ---- the quick start ----------------------------------------------------
readme_block 'Quick start (qmail)' 'During an attack:' | sed -n 's/^    \([^ #].*\)$/\1/p' >"$T/quick"
grep -q '^make && make install' "$T/quick" && grep -q '^ln -s ' "$T/quick" || { cat "$T/quick" >&2; fail "the quick start's commands not found in README"; }
# everything up to the links, then the admin's edit, then the links
PORT=$(pick_port)
grep -v '^ln -s ' "$T/quick" | run_readme
for s in "$R"/var/qmail/supervise/*; do admin_env "$s"; done
[ -d "$R/var/qmail/supervise/smtpd-guarded" ] && [ -d "$R/var/qmail/supervise/smtpguard-cdb" ] || fail "the services were not copied"
mkdir -p "$SG_EXIM_DIR" && chown "$SMTPDUSER" "$SG_EXIM_DIR" || fail "exim dir"
grep '^ln -s ' "$T/quick" | run_readme
# the admin's svscan on /service
S=$R/service
[ -L "$S/smtpd-guarded" ] && [ -L "$S/smtpguard-cdb" ] || fail "the services were not linked into /service"
# the deploy helpers look for $S/smtpd and the cdb in $T/etc
ln -s "$R/var/qmail/supervise/smtpd-guarded" "$T/smtpd-dir" || fail ln
supervise_start
quick_ready() {
  _p=$(up_pid "$S/smtpd-guarded")
  [ -n "$_p" ] && sg_listening "$_p" "$PORT" && [ -f "$R/etc/tcp.smtp.cdb" ] && [ -s "$S/smtpd-guarded/log/main/current" ]
}
wait_until 15 quick_ready || { cat "$S"/*/log/main/current "$T/supervisor.log" >&2 2>/dev/null; fail "quick start: the services did not come up"; }
SERVER_LOG=$S/smtpd-guarded/log/main/current
CLOG=$S/smtpguard-cdb/log/main/current
deploy_legit legit1
attack_script "$T/kick" lockstep yes
"$SGTCLIENT" -t 20 -b 127.0.6.7 -o "$T/attack.client" 127.0.0.1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
[ $? -eq 1 ] || { cat "$T/err" >&2; fail "quick start: want the 421 after the first RSET (5 bad RCPTs)"; }
wait_until 5 grep -q 'listed ip=127\.0\.6\.7 ' "$SERVER_LOG" || { cat "$SERVER_LOG" >&2; fail "quick start: the attacker was not listed"; }
check_kicked attack 127.0.6.7
wait_until 5 grep -q 'rebuilt .* listed=1' "$CLOG" || { cat "$CLOG" >&2; fail "quick start: no rebuild with the listing"; }
printf '%s\n' '< 220' '> QUIT' '< 221' >"$T/hello"
"$SGTCLIENT" -t 10 -b 127.0.6.7 -o "$T/again.client" 127.0.0.1 "$PORT" "$T/hello" >/dev/null 2>&1
[ ! -s "$T/again.client" ] || fail "quick start: the listed attacker got bytes"
wait_until 5 grep -q 'tcpserver: deny [0-9]* [^ ]* :127\.0\.6\.7::' "$SERVER_LOG" || fail "quick start: no deny at the door"
deploy_legit legit2
assert_no_grep "$SERVER_LOG" 'unable to|kick ip=127\.0\.6\.2 ' "quick start: trouble in the smtpd log"
assert_eq "$(stat -c %U "$R/var/qmail/smtpguard/listed/127.0.6.7")" "$SMTPDUSER" "quick start: the listing made by qmaild"
# "During an attack:", as written
readme_block 'During an attack:' 'Programs' | sed -n 's/^    \([^ #].*\)$/\1/p' >"$T/during"
[ "$(wc -l <"$T/during")" -eq 2 ] || fail "the 'During an attack' commands not found"
: >"$T/readme.out"
run_readme <"$T/during"
assert_grep "$T/readme.out" '^kicks +1: badrcpt 1$' "smtpguard-stat counts the kick"
assert_grep "$T/readme.out" '^  127\.0\.6\.7 +1 +' "smtpguard-stat names the attacker"
assert_grep "$T/readme.out" '^127\.0\.6\.7 +badrcpt ' "smtpguard-list shows the listing"
supervise_stop
pgrep -u "$SMTPDUSER" >/dev/null && fail "quick start: processes left as $SMTPDUSER"
pgrep -u "$LOGUSER" >/dev/null && fail "quick start: processes left as $LOGUSER"

# ---- the migration ------------------------------------------------------
# another machine: the same programs (installed above), a plain tcprules
# setup, no state yet
rm -rf "$R/var/qmail/smtpguard" "$R/var/qmail/supervise"/* "$S"/* "$S"/.s* "$R/etc/tcp.smtp.cdb" || fail "clean"
readme_block 'Migrating from a plain tcprules setup' "Your exact-IP rules beat a listing: an IP you allow by name is never" >"$T/migration"
# Before: tcprules builds the cdb
sed -n '/^Before:/,/^After:/s/^    \(tcprules .*\)$/\1/p' "$T/migration" >"$T/before"
[ "$(wc -l <"$T/before")" -eq 1 ] || fail "the migration's tcprules line not found"
run_readme <"$T/before"
cp "$R/etc/tcp.smtp.cdb" "$T/tcprules.cdb" || fail "tcprules made no cdb"
# steps 1 and 2: the state directory, the cdb by smtpguard-cdb
step() { # n: the command lines (8 spaces in) of step n, continuations joined
  awk -v n="$1" '/^ [0-9]\. / { on = ($1 == n ".") } on && /^        / { sub(/^ +/, ""); print }' "$T/migration" |
    sed -e ':a' -e '/\\$/N; s/\\\n *//; ta'
}
step 1 >"$T/s1"; step 2 >"$T/s2"
[ "$(wc -l <"$T/s1")" -eq 2 ] && [ "$(wc -l <"$T/s2")" -eq 1 ] || fail "the migration's steps 1 and 2 not found"
run_readme <"$T/s1"
run_readme <"$T/s2"
assert_same_file "$T/tcprules.cdb" "$R/etc/tcp.smtp.cdb" "migration: smtpguard-cdb's cdb is not tcprules' (no listings yet)"
for f in listed ledger wakeup; do
  assert_eq "$(stat -c %U "$R/var/qmail/smtpguard/$f")" "$SMTPDUSER" "migration: root's smtpguard-cdb made $f for qmaild"
done
# step 3: the admin's tcpserver line, its "..." and port filled in
step 3 >"$T/s3"
grep -q '^tcpserver -R -H -l 0 -x /etc/tcp.smtp.cdb \.\.\. 0 25 smtpguard -d /var/qmail/smtpguard qmail-smtpd$' "$T/s3" ||
  { cat "$T/s3" >&2; fail "the migration's tcpserver line changed: update this test"; }
PORT=$(pick_port)
line=$(moved <"$T/s3" | sed -e "s# \\.\\.\\. 0 25 # -v -u $SMTPDUID -g $SMTPDGID 127.0.0.1 $PORT #" -e "s#qmail-smtpd\$#$SMTPD#" -e "s#^tcpserver #exec setsid tcpserver #")
SERVER_LOG=$T/migration.log
(cd "$C" && exec env -u BUILD PATH="$R/usr/local/bin:$PATH" SG_EXIM_DIR="$SG_EXIM_DIR" sh -c "$line") </dev/null 2>"$SERVER_LOG" &
TCPSERVER_PID=$!
SG_SERVERS="$SG_SERVERS $TCPSERVER_PID"
at_exit "stop_pid $TCPSERVER_PID"
wait_until 5 sg_listening "$TCPSERVER_PID" "$PORT" || { cat "$SERVER_LOG" >&2; fail "migration: the tcpserver line did not start"; }
# step 4: the smtpguard-cdb service, as written; the admin's svscan
step 4 >"$T/s4"
[ "$(wc -l <"$T/s4")" -eq 2 ] || fail "the migration's step 4 commands not found"
run_readme <"$T/s4"
admin_env "$R/var/qmail/supervise/smtpguard-cdb"
supervise_start
CLOG=$S/smtpguard-cdb/log/main/current
wait_until 15 grep -q 'rebuilt ' "$CLOG" 2>/dev/null || { cat "$T/supervisor.log" "$CLOG" >&2; fail "migration: the smtpguard-cdb service did not come up"; }
deploy_legit mlegit1
"$SGTCLIENT" -t 20 -b 127.0.6.8 -o "$T/mattack.client" 127.0.0.1 "$PORT" "$T/kick" >/dev/null 2>"$T/err"
[ $? -eq 1 ] || { cat "$T/err" "$SERVER_LOG" >&2; fail "migration: want the 421 after the first RSET (5 bad RCPTs)"; }
wait_until 5 grep -q 'listed ip=127\.0\.6\.8 ' "$SERVER_LOG" || { cat "$SERVER_LOG" >&2; fail "migration: the attacker was not listed"; }
check_kicked mattack 127.0.6.8
wait_until 5 grep -q 'rebuilt .* listed=1' "$CLOG" || { cat "$CLOG" >&2; fail "migration: the service did not rebuild with the listing"; }
"$SGTCLIENT" -t 10 -b 127.0.6.8 -o "$T/magain.client" 127.0.0.1 "$PORT" "$T/hello" >/dev/null 2>&1
[ ! -s "$T/magain.client" ] || fail "migration: the listed attacker got bytes"
wait_until 5 grep -q 'tcpserver: deny [0-9]* [^ ]* :127\.0\.6\.8::' "$SERVER_LOG" || fail "migration: no deny at the door"
deploy_legit mlegit2
assert_no_grep "$SERVER_LOG" 'unable to|kick ip=127\.0\.6\.2 ' "migration: trouble in the smtpd log"
stop_pid "$TCPSERVER_PID"
check_no_leftovers
supervise_stop
for u in "$SMTPDUSER" "$LOGUSER"; do
  pgrep -u "$u" >/dev/null && { pgrep -au "$u" >&2; fail "processes left as $u"; }
done
exit 0
