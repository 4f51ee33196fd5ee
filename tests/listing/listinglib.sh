# tests/listing/listinglib.sh: helpers for the listing-*.sh chain tests (tcpserver
# -x reading what smtpguard-cdb writes, smtpguard -d, exim -bs behind).
# Source it after lib.sh; not a test itself.
#
# It gives: S (an empty statedir), RULES / CDB (an admin rules file and
# the cdb built from it), COUNTING_SMTPD (the exim smtpd, logging each
# start to $STARTS so that a test can prove no smtpd ran), sgt (one
# sgtclient session with a checked exit status), script writers, and
# readers of tcpserver -v logs.
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
cdb_rule() { cdb -q -n 1 "$CDB" "$1" 2>/dev/null | tr '\0' '|'; }

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

# sgt NAME IP SCRIPT [want-exit]: one sgtclient session from IP to PORT;
# transcript $T/NAME.client, replies $T/NAME.replies. Fails unless the
# exit status is want-exit (default 1: every expectation met, then the
# server closed).
sgt() {
  "$SGTCLIENT" -t 30 -b "$2" -o "$T/$1.client" 127.0.0.1 "$PORT" "$3" >"$T/$1.replies" 2>"$T/$1.err"
  _rc=$?
  [ "$_rc" -eq "${4:-1}" ] ||
    { cat "$T/$1.err" >&2; tail -n 20 "$SERVER_LOG" >&2; fail "$1 from $2: sgtclient exit $_rc, want ${4:-1}"; }
}

# legit_script FILE: a clean transaction to good recipients, then QUIT.
legit_script() {
  cat >"$1" <<'EOF'
< 220
> EHLO client.example.test
< 250
> MAIL FROM:<sender@client.example.test>
< 250
> RCPT TO:<good-alice@example.test>
< 250
> RCPT TO:<good-bob@example.test>
< 250
> DATA
< 354
> Subject: hello
>
> A legitimate message.
> .
< 250
> QUIT
< 221
eof
EOF
}

# rcpt_script FILE NBAD [KICKAT [NGOOD]]: EHLO, then lock-step
#   NGOOD = 0: NBAD transactions of MAIL + one bad RCPT + RSET, each
#     ending undelivered (a prober's guesses); with KICKAT > 0 the RSET
#     after the KICKAT-th bad RCPT gets its 250, then the 421 of a kick,
#     then the connection closes;
#   NGOOD > 0: one delivered message to NGOOD good recipients, the NBAD
#     bad ones interleaved (good, bad, good, bad, ...): a list server
#     with stale addresses;
# then QUIT.
rcpt_script() {
  {
    echo '< 220'
    echo '> EHLO bot.example.test'
    echo '< 250'
    _i=1
    _g=0
    if [ "${4:-0}" -gt 0 ]; then
      echo '> MAIL FROM:<list@bot.example.test>'
      echo '< 250'
      while [ $_i -le "$2" ] || [ $_g -lt "$4" ]; do
        if [ $_g -lt "$4" ]; then
          _g=$((_g + 1))
          echo "> RCPT TO:<good$_g@example.test>"
          echo '< 250'
        fi
        if [ $_i -le "$2" ]; then
          echo "> RCPT TO:<nobody$_i@example.test>"
          echo '< 550'
          _i=$((_i + 1))
        fi
      done
      printf '> DATA\n< 354\n> Subject: list\n>\n> A list message.\n> .\n< 250\n'
    else
      while [ $_i -le "$2" ]; do
        echo '> MAIL FROM:<spam@bot.example.test>'
        echo '< 250'
        echo "> RCPT TO:<nobody$_i@example.test>"
        echo '< 550'
        echo '> RSET'
        echo '< 250'
        if [ $_i -eq "${3:-0}" ]; then
          echo '< 421'
          echo 'eof'
          return 0
        fi
        _i=$((_i + 1))
      done
    fi
    echo '> QUIT'
    echo '< 221'
    echo 'eof'
  } >"$1"
}

# refused_script FILE: the server says 421 at once and closes.
refused_script() { printf '< 421\neof\n' >"$1"; }
# denied_script FILE: the server closes without a byte (tcpserver deny).
denied_script() { printf 'eof\n' >"$1"; }

LISTED_421='421 4.7.0 your address is temporarily blocked for abuse, try again later'

# check_refused NAME: the transcript is exactly smtpguard's 421 for a
# listed client, nothing else.
check_refused() {
  printf '%s\r\n' "$LISTED_421" >"$T/want.refused"
  assert_same_file "$T/$1.client" "$T/want.refused" "$1: want exactly smtpguard's listed 421"
}
# check_denied NAME: not a byte received (tcpserver deny).
check_denied() {
  [ -f "$T/$1.client" ] && [ ! -s "$T/$1.client" ] ||
    { od -c "$T/$1.client" | head -n 5 >&2; fail "$1: bytes received, want tcpserver's deny (none)"; }
}

# tcpserver -v: "pid N from IP", then "ok N ..." or "deny N ...", then
# "end N status S" (S is a wait status: exit code * 256).
# conn_pids IP: the pids of IP's connections, oldest first.
conn_pids() { awk -v ip="$1" '$2 == "pid" && $4 == "from" && $5 == ip { print $3 }' "$SERVER_LOG"; }
last_pid() { conn_pids "$1" | tail -n 1; }
# conn_outcome PID: "ok" or "deny", then the exit code, e.g. "ok 98".
conn_outcome() {
  awk -v p="$1" '($2 == "ok" || $2 == "deny") && $3 == p { o = $2 }
    $2 == "end" && $3 == p && $4 == "status" { s = int($5 / 256) }
    END { print o, s }' "$SERVER_LOG"
}
# wait_end PID: tcpserver has logged the end of connection PID.
wait_end() {
  wait_until 10 grep -q "^tcpserver: end $1 status " "$SERVER_LOG" ||
    fail "tcpserver did not log the end of connection $1"
}
