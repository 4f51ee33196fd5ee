#!/bin/sh
# smtpguard -d fails open, through the real chain (tcpserver -x,
# smtpguard -d, exim -bs): when the statedir cannot be used the session
# is relayed as without -d (an attacker is still kicked at the RSET after
# the 5th bad RCPT of the session, a legitimate client is served), and the error is
# logged exactly once per session ("smtpguard: warning: unable to ...").
#   1. statedir missing;
#   2. statedir unwritable (smtpguard run as nobody by tcpserver -u -g):
#      empty, or with its parts made by root; a listing root recorded
#      there still refuses its IP;
#   3. statedir on a full tmpfs: a listing recorded before it filled
#      still refuses; a new IP's ledger cannot be written; a known IP's
#      kick cannot be recorded (and leaves no temporary file);
#   4. TCPREMOTEIP missing or invalid: counts and kicks still work,
#      nothing is recorded, exactly one log line per session; an
#      IPv4-mapped IPv6 address is recorded as its dotted quad (control);
#   5. garbage in listed/ and ledger/ breaks nothing: an unparsable
#      listing is overwritten by the IP's kick, a torn ledger counts as
#      empty, smtpguard-cdb and smtpguard-list still work.
# Parts 2 and 3 need root (setuid, mount); they are skipped, with a
# note, otherwise (and part 2 under valgrind, see there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listing/listinglib.sh"
. "$(dirname "$0")/state/statelib.sh"
need_sgstatetool
build_cdb

legit_script "$T/legit"
rcpt_script "$T/kick" 12 5
rcpt_script "$T/three" 3
rcpt_script "$T/two-kick" 9 2
refused_script "$T/refused"

warnings() { grep -c '^smtpguard: warning: ' "$SERVER_LOG"; }
# session NAME IP SCRIPT WANTWARN [REGEX]: one session, then exactly
# WANTWARN new smtpguard warnings, matching REGEX if given.
session() {
  _w0=$(warnings)
  sgt "$1" "$2" "$3"
  _p=$(last_pid "$2"); wait_end "$_p"
  _w1=$(warnings)
  if [ $((_w1 - _w0)) -ne "$4" ]; then
    tail -n 12 "$SERVER_LOG" >&2
    fail "$1 from $2: $((_w1 - _w0)) warnings logged, want $4"
  fi
  if [ -n "${5:-}" ]; then
    grep '^smtpguard: warning: ' "$SERVER_LOG" | tail -n "$4" >"$T/lastwarn"
    assert_grep "$T/lastwarn" "$5" "$1 from $2: warning text"
  fi
}
legit() { # NAME IP WANTWARN [REGEX]
  session "$1" "$2" "$T/legit" "$3" "${4:-}"
  [ "$(grep -c '^250 ' "$T/$1.replies")" -eq 5 ] || fail "$1: legitimate client not served"
}
kicked() { # NAME IP WANTWARN [REGEX]: kicked at the 5th undelivered bad RCPT of the session
  session "$1" "$2" "$T/kick" "$3" "${4:-}"
  check_kicked "$1" "$2"
}
empty_dir() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }

# --- 1. statedir missing --------------------------------------------------
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$T/missing" "$COUNTING_SMTPD"
W='^smtpguard: warning: unable to open the statedir .*/missing for 127\.0\.6\.5[12]: No such file'
kicked m-kick1 127.0.6.51 1 "$W"
legit m-legit 127.0.6.52 1 "$W"
kicked m-kick2 127.0.6.51 1 "$W"
[ -e "$T/missing" ] && fail "missing statedir created"
check_no_leftovers
stop_pid "$SERVER_PID"

# --- 2. statedir unwritable --------------------------------------------------
# Under tests/check-valgrind (SG_VALGRIND set) smtpguard is a valgrind
# wrapper whose log directory nobody cannot write: part 2 is skipped there.
if [ "$(id -u)" = 0 ] && [ -z "${SG_VALGRIND:-}" ]; then
  # exim, run as nobody, needs a spool of its own
  EXIM_ROOT=$SG_EXIM_DIR
  SG_EXIM_DIR=$T/exim-nobody
  mkdir "$SG_EXIM_DIR" && chown nobody "$SG_EXIM_DIR" || fail "exim dir for nobody"
  mkdir "$T/ro1" "$T/ro2" || fail mkdir
  "$SGSTATETOOL" kick "$T/ro2" 127.0.6.59 badrcpt || fail "root's listing"
  chmod -R go-w "$T/ro1" "$T/ro2"
  cp "$T/ro2/ledger/127.0.6.59" "$T/ro2.ledger"
  chmod 644 "$CDB"
  uid=$(id -u nobody); gid=$(id -g nobody)
  # nobody must reach the programs: a clone under /root (mode 700) is out
  # of its reach, so it runs copies from the test's own directory
  NB=$T/nobody-tree
  mkdir -p "$NB/bin" "$NB/exim" && cp "$SG_BIN/smtpguard" "$NB/bin/" &&
    cp "$TOP"/tests/exim/* "$NB/exim/" && chmod -R a+rX "$NB" || fail "copies for nobody"
  # 2a: empty and unwritable: its parts cannot be made
  start_tcpserver -v -u "$uid" -g "$gid" -x "$CDB" -- "$NB/bin/smtpguard" -d "$T/ro1" "$NB/exim/smtpd"
  W='^smtpguard: warning: unable to open the statedir .*/ro1 for 127\.0\.6\.5[34]: Permission denied'
  kicked u-kick1 127.0.6.53 1 "$W"
  legit u-legit 127.0.6.54 1 "$W"
  kicked u-kick2 127.0.6.53 1 "$W"
  empty_dir "$T/ro1" || fail "something was written to the unwritable statedir"
  check_no_leftovers
  stop_pid "$SERVER_PID"
  # 2b: made by root: readable, not writable
  start_tcpserver -v -u "$uid" -g "$gid" -x "$CDB" -- "$NB/bin/smtpguard" -d "$T/ro2" "$NB/exim/smtpd"
  W='^smtpguard: warning: unable to update the ledger in .*/ro2 for 127\.0\.6\.5[56]: Permission denied'
  kicked u-kick3 127.0.6.55 1 "$W"
  legit u-legit2 127.0.6.56 1 "$W"
  kicked u-kick4 127.0.6.55 1 "$W"
  session u-listed 127.0.6.59 "$T/refused" 0
  check_refused u-listed
  [ "$(ls -A "$T/ro2/listed")" = 127.0.6.59 ] || fail "listed/ changed in the unwritable statedir"
  [ "$(ls -A "$T/ro2/ledger")" = 127.0.6.59 ] || fail "a ledger was written to the unwritable statedir"
  assert_same_file "$T/ro2/ledger/127.0.6.59" "$T/ro2.ledger" "the ledger changed in the unwritable statedir"
  check_no_leftovers
  stop_pid "$SERVER_PID"
  SG_EXIM_DIR=$EXIM_ROOT
else
  note "not root, or under valgrind: part 2 (unwritable statedir) skipped"
fi

# --- 3. statedir on a full file system ----------------------------------------
if [ "$(id -u)" = 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=256k,nr_inodes=200,mode=755 tmpfs "$T/full" 2>"$T/mount.err"; then
  at_exit "mountpoint -q '$T/full' && umount -l '$T/full'"
  F=$T/full/state
  mkdir "$F" || fail mkdir
  start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$F" "$COUNTING_SMTPD"
  # before it fills: a listing, and a ledger with 3 bad RCPTs
  kicked f-kick0 127.0.6.61 0
  session f-three 127.0.6.62 "$T/three" 0
  # a listing is a symlink whose target is its text (doc/statedir.html)
  [ -L "$F/listed/127.0.6.61" ] && [ -s "$F/ledger/127.0.6.62" ] || fail "nothing recorded before the fs filled"
  readlink "$F/listed/127.0.6.61" >"$T/listing.before" || fail "readlink"
  # fill it (bounded by its size): its blocks, and its inodes too, since
  # a listing (a short symlink) needs no block
  dd if=/dev/zero of="$T/full/fill" bs=4k count=1000 2>/dev/null
  _i=0
  while [ $_i -lt 5000 ] && true 2>/dev/null >"$T/full/inode.$_i"; do _i=$((_i + 1)); done
  echo x >"$T/full/probe" 2>/dev/null && fail "the tmpfs is not full"
  ln -s x "$T/full/probe" 2>/dev/null && fail "the tmpfs still has inodes"
  W='^smtpguard: warning: unable to update the ledger in .*/full/state for 127\.0\.6\.6[34]: No space left on device'
  # the recorded listing still refuses
  session f-refused 127.0.6.61 "$T/refused" 0
  check_refused f-refused
  readlink "$F/listed/127.0.6.61" >"$T/listing.after" || fail "the recorded listing is gone"
  assert_same_file "$T/listing.after" "$T/listing.before" "the recorded listing changed"
  # a new IP: its ledger cannot be written
  kicked f-kick1 127.0.6.63 1 "$W"
  legit f-legit 127.0.6.64 1 "$W"
  kicked f-kick2 127.0.6.63 1 "$W"
  # the IP with a ledger: 3 + 2 = 5 in the window, kicked, but the
  # listing cannot be written
  session f-kick3 127.0.6.62 "$T/two-kick" 1 \
    '^smtpguard: warning: unable to record the kick in .*/full/state for 127\.0\.6\.62: No space left on device'
  assert_grep "$SERVER_LOG" 'kick ip=127\.0\.6\.62 reason=badrcpt bad=2 good=0 rset=2 .* guesses=5 ' "f-kick3: not kicked at the 5th of the window"
  { [ -L "$F/listed/127.0.6.62" ] || [ -e "$F/listed/127.0.6.62" ]; } && fail "a listing appeared on the full fs"
  ls -A "$F/listed" | grep -q '^\.tmp' && fail "a temporary listing was left behind: $(ls -A "$F/listed")"
  assert_no_grep "$SERVER_LOG" 'listed ip=127\.0\.6\.6[234] ' "listed on a full fs"
  check_no_leftovers
  stop_pid "$SERVER_PID"
  # smtpguard-cdb still writes the recorded listing (its cdb is elsewhere)
  "$SG_BIN/smtpguard-cdb" -d "$F" "$RULES" "$T/full.cdb" 2>"$T/full-cdb.log" || { cat "$T/full-cdb.log" >&2; fail "smtpguard-cdb on the full statedir"; }
  assert_eq "$(cdb_value "$T/full.cdb" 127.0.6.61)" "D|" "recorded listing in the cdb"
  umount -l "$T/full" || fail "umount"
else
  note "not root or no tmpfs mount: part 3 (full statedir) skipped $(cat "$T/mount.err" 2>/dev/null)"
fi

# --- 4. TCPREMOTEIP missing or invalid -------------------------------------
# A wrapper between tcpserver and smtpguard gives smtpguard the
# TCPREMOTEIP read from $T/ipmode (or none), and the smtpd the real one.
cat >"$T/ipwrap" <<EOF
#!/bin/sh
real=\$TCPREMOTEIP
mode=\$(cat '$T/ipmode')
if [ "\$mode" = unset ]; then unset TCPREMOTEIP; else TCPREMOTEIP=\$mode; export TCPREMOTEIP; fi
exec '$SG_BIN/smtpguard' -d '$S' env TCPREMOTEIP="\$real" '$COUNTING_SMTPD'
EOF
chmod 755 "$T/ipwrap"
start_tcpserver -v -x "$CDB" -- "$T/ipwrap"
W='^smtpguard: warning: no valid TCPREMOTEIP, not recording'
n=0
for mode in unset '' '../etc' '127.0.6.71/../../etc' '01.2.3.4' '127.0.6.71 ' '1.2.3.4.5' '::ffff:1.2.3.4:5' 'localhost'; do
  n=$((n + 1))
  printf '%s' "$mode" >"$T/ipmode"
  w0=$(warnings)
  k0=$(grep -c 'reason=badrcpt bad=5 good=0 ' "$SERVER_LOG")
  sgt "ip$n" 127.0.6.71 "$T/kick"
  tr -d '\r' <"$T/ip$n.client" >"$T/ip$n.lines"
  [ "$(grep -c '^550' "$T/ip$n.lines")" -eq 5 ] && tail -n 1 "$T/ip$n.lines" | grep -q '^421 ' ||
    fail "TCPREMOTEIP='$mode': not kicked after the 5th bad RCPT"
  wait_end "$(last_pid 127.0.6.71)"
  assert_eq "$(grep -c 'reason=badrcpt bad=5 good=0 ' "$SERVER_LOG")" $((k0 + 1)) "TCPREMOTEIP='$mode': kick lines"
  assert_eq "$(($(warnings) - w0))" 1 "TCPREMOTEIP='$mode': warnings"
  grep '^smtpguard: warning: ' "$SERVER_LOG" | tail -n 1 >"$T/lastwarn"
  assert_grep "$T/lastwarn" "$W" "TCPREMOTEIP='$mode': warning text"
  empty_dir "$S/listed" && empty_dir "$S/ledger" || fail "TCPREMOTEIP='$mode': something recorded: $(ls -A "$S/listed" "$S/ledger")"
done
# a legitimate client without an address is served
echo unset >"$T/ipmode"
legit ip-legit 127.0.6.72 1 "$W"
# control: the wrapper does change what is recorded
printf '::ffff:127.0.6.77' >"$T/ipmode"
session ip-mapped 127.0.6.71 "$T/kick" 0
assert_grep "$SERVER_LOG" 'kick ip=127\.0\.6\.77 reason=badrcpt bad=5 good=0 ' "::ffff:127.0.6.77: kick line"
[ -L "$S/listed/127.0.6.77" ] || fail "::ffff:127.0.6.77 not recorded as 127.0.6.77: $(ls -A "$S/listed")"
[ "$(ls -A "$S/listed")" = 127.0.6.77 ] || fail "listed/: $(ls -A "$S/listed")"
check_no_leftovers
stop_pid "$SERVER_PID"

# --- 5. garbage in the statedir ---------------------------------------------
G=$T/garbage
mkdir "$G" "$G/listed" "$G/ledger" || fail mkdir
printf 'not a listing\n' >"$G/listed/garbage"
printf 'badrcpt 1 9999999999 1\n' >"$G/listed/999.1.2.3"
printf 'badrcpt 1 9999999999 1\n' >"$G/listed/01.2.3.4"
printf '\0\0\0\377garbage' >"$G/listed/127.0.6.80"
: >"$G/listed/127.0.6.81"
printf 'badrcpt 1 9999999999 1\n' >"$G/listed/.tmp.127.0.6.82.1"
head -c 528 /dev/urandom >"$G/ledger/127.0.6.83"
printf 'abc' >"$G/ledger/127.0.6.84"
head -c 528 /dev/urandom >"$G/ledger/not-an-ip"
start_tcpserver -v -x "$CDB" -- "$SG_BIN/smtpguard" -d "$G" "$COUNTING_SMTPD"
legit g-legit 127.0.6.85 0
# an unparsable listing is no listing, and the IP's kick replaces it (a
# warning about it is allowed, once); smtpguard must not give up the
# statedir for that IP, or it could never be listed again
for ip in 127.0.6.80 127.0.6.81; do
  w0=$(warnings)
  sgt "g-$ip" "$ip" "$T/kick"
  check_kicked "g-$ip" "$ip"
  wait_end "$(last_pid "$ip")"
  [ $(($(warnings) - w0)) -le 1 ] || { tail -n 5 "$SERVER_LOG" >&2; fail "g-$ip: more than one warning"; }
  assert_grep "$SERVER_LOG" "listed ip=$ip reason=badrcpt " "g-$ip: an unparsable listing stops the IP from being listed"
  session "g-$ip-2" "$ip" "$T/refused" 0
  check_refused "g-$ip-2"
done
# a stale temporary, a torn ledger: silently nothing
for ip in 127.0.6.82 127.0.6.83 127.0.6.84; do
  kicked "g-$ip" "$ip" 0
  assert_grep "$SERVER_LOG" "listed ip=$ip reason=badrcpt " "g-$ip: not listed"
  session "g-$ip-2" "$ip" "$T/refused" 0
  check_refused "g-$ip-2"
done
legit g-legit2 127.0.6.85 0
assert_no_grep "$SERVER_LOG" 'fatal' "garbage: smtpguard died"
check_no_leftovers
stop_pid "$SERVER_PID"
"$SG_BIN/smtpguard-list" -t -d "$G" >"$T/glist" 2>"$T/glist.err" || fail "smtpguard-list on garbage"
cut -f 1 "$T/glist" | sort >"$T/glisted"
printf '127.0.6.%s\n' 80 81 82 83 84 >"$T/gwant"
assert_same_file "$T/glisted" "$T/gwant" "smtpguard-list on garbage"
"$SG_BIN/smtpguard-cdb" -d "$G" "$RULES" "$T/g.cdb" 2>"$T/gcdb.log" || { cat "$T/gcdb.log" >&2; fail "smtpguard-cdb on garbage"; }
for ip in 127.0.6.80 127.0.6.81 127.0.6.82 127.0.6.83 127.0.6.84; do
  assert_eq "$(cdb_value "$T/g.cdb" "$ip")" "D|" "garbage: cdb record for $ip"
done
for k in garbage 999.1.2.3 01.2.3.4 127.0.6.85; do
  cdb -q "$T/g.cdb" "$k" >/dev/null 2>&1 && fail "garbage: cdb has a record for $k"
done
exit 0
