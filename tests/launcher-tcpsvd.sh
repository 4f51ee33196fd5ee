#!/bin/sh
# smtpguard under another launcher: ipsvd's tcpsvd (Debian's ipsvd, by
# runit's author), which sets the same TCPREMOTEIP as tcpserver but reads
# its own instructions format, not tcprules' cdb. So the door is
# smtpguard's own: a listed address gets smtpguard's 421 at connect,
# before any smtpd is started.
#   - a legitimate sender delivers (exim4 -bs), before and after an attack
#   - an attacker is kicked at the stranger's limit and listed under the
#     address tcpsvd reports (TCPREMOTEIP, the address it bound)
#   - its next connection: smtpguard's 421, no smtpd started for it
#   - as root, tcpsvd -u drops to an unprivileged user that owns the state
#     directory, as qmaild would: everything it writes there is its own
#   - nothing is left running
. "$(dirname "$0")/lib.sh"
need_sgtclient
need_smtpguard
command -v tcpsvd >/dev/null 2>&1 || fail "tcpsvd not installed (Debian package ipsvd)"

S=$T/state
mkdir "$S" || fail mkdir
user=
if [ "$(id -u)" = 0 ]; then
  . "$TOP/tests/deploy/deploylib.sh"
  need_root
  deploy_adduser sgtest-svd-smtpd
  user=sgtest-svd-smtpd
  chmod 755 "$T" && mkdir -p "$SG_EXIM_DIR" && chown "$user" "$S" "$SG_EXIM_DIR" || fail "chown for $user"
fi

record_starts $user   # $T/smtpd: every start, with the address the smtpd sees

SG_LAUNCHER="tcpsvd -l 0 -c 20${user:+ -u $user}" start_tcpserver -- "$SG_BIN/smtpguard" -d "$S" "$T/smtpd"

legit_script "$T/legit"
sgt legit1 127.0.11.1 "$T/legit"
[ "$(starts_of 127.0.11.1)" = 1 ] || fail "legit: the smtpd did not see TCPREMOTEIP=127.0.11.1 from tcpsvd"

attack_script "$T/attack" lockstep yes
sgt attack 127.0.11.2 "$T/attack"
check_kicked attack 127.0.11.2
[ -L "$S/listed/127.0.11.2" ] || { ls -la "$S" "$S/listed" >&2; fail "attack: 127.0.11.2 not listed"; }

refused_script "$T/refused"
sgt refused 127.0.11.2 "$T/refused"
check_refused refused
assert_grep "$SERVER_LOG" "refused ip=127.0.11.2" "refused: no log line"
[ "$(starts_of 127.0.11.2)" = 1 ] || fail "refused: an smtpd was started for the listed address"

sgt legit2 127.0.11.1 "$T/legit"
[ "$(starts_of 127.0.11.1)" = 2 ] || fail "legit: second session not served"

if [ -n "$user" ]; then
  bad=$(find "$S" ! -user "$user" -print)
  [ -z "$bad" ] || { ls -laR "$S" >&2; fail "files in the state directory not owned by $user: $bad"; }
fi
check_no_leftovers
stop_pid "$SERVER_PID"
exit 0
