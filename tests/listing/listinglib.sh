# tests/listing/listinglib.sh: helpers for the listing-*.sh chain tests (tcpserver
# -x reading what smtpguard-cdb writes, smtpguard -d, exim -bs behind).
# Source it after lib.sh; not a test itself.
#
# It gives: S (an empty statedir), RULES / CDB (an admin rules file and
# the cdb built from it), build_cdb, cdb_rule, COUNTING_SMTPD (the exim
# smtpd, logging each start to $STARTS so that a test can prove no smtpd
# ran) and starts. The session and script helpers it used to hold (sgt,
# legit_script, rcpt_script, check_refused, conn_pids, ...) are in lib.sh.
need_sgtclient
need_smtpguard
for _p in smtpguard-cdb smtpguard-list smtpguard-unlist; do
  [ -x "$SG_BIN/$_p" ] || fail "no $SG_BIN/$_p (run make)"
done
command -v cdb >/dev/null 2>&1 || fail "cdb (Debian's tinycdb) not installed"

S=$T/state
mkdir "$S" || fail "mkdir statedir"
RULES=$T/rules.txt
CDB=$T/rules.cdb
# an admin rule that matches none of the tests' clients
printf '# admin rules\n10.9.9.9:deny\n' >"$RULES"

# build_cdb: one run of smtpguard-cdb, as an admin or a cron job would.
build_cdb() {
  "$SG_BIN/smtpguard-cdb" -d "$S" "$RULES" "$CDB" 2>>"$T/cdb.log" ||
    { cat "$T/cdb.log" >&2; fail "smtpguard-cdb failed"; }
}

# cdb_rule IP: the first record for IP in the cdb, NULs shown as |.
cdb_rule() { cdb_value "$CDB" "$1" 2>/dev/null; }

# COUNTING_SMTPD: the exim smtpd, appending "TCPREMOTEIP TCPREMOTEPORT"
# to $STARTS before it starts (one short append: atomic between
# sessions). With SG_REC_DIR set, each session is also recorded to
# $SG_REC_DIR/IP.PORT.in/.out (see tests/exim/record-smtpd).
STARTS=$T/smtpd.starts
: >"$STARTS"
COUNTING_SMTPD=$T/counting-smtpd
cat >"$COUNTING_SMTPD" <<EOF
#!/bin/sh
echo "\${TCPREMOTEIP:-none} \${TCPREMOTEPORT:-0}" >>'$STARTS'
if [ -n "\${SG_REC_DIR:-}" ]; then
  SG_REC=\$SG_REC_DIR/\${TCPREMOTEIP:-none}.\${TCPREMOTEPORT:-0}
  export SG_REC
fi
exec '$SMTPD' "\$@"
EOF
chmod 755 "$COUNTING_SMTPD" || fail "chmod counting-smtpd"

# starts IP: how many smtpds were started for IP so far.
starts() { grep -c "^$1 " "$STARTS"; }
