#!/bin/sh
# A message body's way through the relay: read into a slot of its own,
# scanned there, lent to the smtpd's pipe with vmsplice(2) (the pipe
# refers to the slot, the smtpd's read copies from it), the slot filled
# again only once the pipe holds nothing of it (src/libsmtpguard/
# sgsplice.c). Through the real chain, tcpserver -R -H -l 0 -u (an
# unprivileged user, as qmaild), smtpguard under strace (so that the
# path under test is seen taken), exim4 -bs recording what it receives:
# - bodies of 1 byte to 3 MB, written whole or in small pieces, reach exim
#   byte for byte as sent, though exim reads slower than the client
#   writes (slots wait for the pipe, the ring turns many times);
# - a TCP urgent byte inside a body is dropped on the way as exim alone
#   would drop it reading the socket (its recording is the same with and
#   without smtpguard), and the session stays paired;
# - a relay client's stream (RELAYCLIENT, not scanned) is spliced from
#   the socket into the pipe, never lent; with SMTPGUARD_NOLEND nothing is
#   lent; where vmsplice is refused, the body is written, whole;
# - an smtpd that enlarged its pipe (more than the ring): a slot still in
#   the pipe is passed over, the body arrives whole;
# - an smtpd that dies in the middle of a body ends the session at once;
#   one that stops reading there, with lent bytes waiting, ends it at the
#   timeout (-t).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/deploy/deploylib.sh"
. "$TOP/tests/tools/sgadv.sh"
need_root
need_sgtclient
need_smtpguard
need_tools sgnovmsplice
command -v strace >/dev/null 2>&1 || fail "strace not installed"
deploy_adduser sgtest-body
U=sgtest-body
# strace's ptrace and LeakSanitizer do not mix (sanitizer pass)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

mkdir "$T/rec" "$T/st" "$T/in" || fail mkdir
chmod 755 "$T" && chown "$U:$U" "$T/rec" "$T/st" && mkdir -p "$SG_EXIM_DIR" && chown "$U:$U" "$SG_EXIM_DIR" || fail chown
# by client address: 127.0.0.18's smtpd takes a 1 MiB stdin pipe, more
# than the ring; 127.0.0.19's smtpguard may not vmsplice; 127.0.0.20's
# smtpd dies in the middle of the body; 127.0.0.21's stops reading there
# (and its smtpguard has a 2 s timeout)
cat >"$T/guard" <<EOF
#!/bin/sh
SG_REC=$T/rec/\$TCPREMOTEIP
export SG_REC
pre= t=
set -- "$SMTPD"
case \$TCPREMOTEIP in
  127.0.0.18) set -- "$T/bigpipe" "$SMTPD" ;;
  127.0.0.19) pre="$BUILD/tests/tools/sgnovmsplice" ;;
  127.0.0.20) set -- "$T/diesmtpd" ;;
  127.0.0.21) set -- "$T/diesmtpd" stall ; t="-t 2 -g 500" ;;
esac
exec strace -qq -e trace=read,write,vmsplice,splice,ioctl -o "$T/st/\$TCPREMOTEIP" \$pre "$SG_BIN/smtpguard" -v \$t "\$@"
EOF
cat >"$T/bigpipe" <<'EOF'
#!/usr/bin/perl
# F_SETPIPE_SZ (1031): the pipe can hold more than smtpguard's ring
fcntl(STDIN, 1031, 1048576) or die "bigpipe: F_SETPIPE_SZ: $!\n";
exec @ARGV or die "bigpipe: exec: $!\n";
EOF
cat >"$T/diesmtpd" <<'EOF'
#!/usr/bin/perl
# an smtpd that reads 100 KB of the body, then exits 3, or with the
# argument "stall" stops reading (for 60 s at most)
$| = 1;
print "220 die.example.test ESMTP\r\n";
while (<STDIN>) {
  if (/^DATA/i) {
    print "354 go on\r\n";
    read(STDIN, my $b, 100000);
    sleep 60 if @ARGV && $ARGV[0] eq "stall";
    exit 3;
  }
  print "250 ok\r\n";
}
EOF
chmod 755 "$T/guard" "$T/bigpipe" "$T/diesmtpd"
start_tcpserver -u "$(id -u $U)" -g "$(id -g $U)" -- "$T/guard"

# data_head: a client script's start, from the greeting to DATA's 354
data_head() {
  printf '< 220\n> EHLO client.example.test\n< 250\n> MAIL FROM:<sender@client.example.test>\n< 250\n'
  printf '> RCPT TO:<good-alice@example.test>\n< 250\n> DATA\n< 354\n'
}

# body_case NAME IP BODYFILE [PIECE]: one message; the client's bytes are
# the expected input of exim, byte for byte. PIECE: the body is written
# in pieces of that many bytes with a pause between them
body_case() {
  _bc=$1 _ip=$2 _body=$3 _piece=${4:-0}
  {
    data_head
    if [ "$_piece" -gt 0 ]; then
      split -b "$_piece" -d -a 4 "$_body" "$T/in/$_bc.p." || fail split
      for _p in "$T/in/$_bc.p."*; do printf 'raw-file %s\nsleep 5\n' "$_p"; done
    else
      printf 'raw-file %s\n' "$_body"
    fi
    printf '> .\n< 250\n> QUIT\n< 221\neof\n'
  } >"$T/in/$_bc.script"
  sgt "$_bc" "$_ip" "$T/in/$_bc.script"
  { printf 'EHLO client.example.test\r\nMAIL FROM:<sender@client.example.test>\r\n'
    printf 'RCPT TO:<good-alice@example.test>\r\nDATA\r\n'
    cat "$_body"; printf '.\r\nQUIT\r\n'; } >"$T/in/$_bc.want"
  wait_until 10 grep -q " session ip=$_ip " "$SERVER_LOG"
  assert_same_file "$T/in/$_bc.want" "$T/rec/$_ip.in" "$_bc: exim did not receive what the client sent"
}

# bodies: CRLF lines, dot-stuffed lines, a line of 2000 bytes
mkbody() { # file kb
  perl -e 'my ($kb) = @ARGV; my $s = ""; my $i = 0;
    while (length($s) < $kb * 1024) { $i++;
      $s .= ($i % 17 == 0 ? ".." : "") . ($i % 101 == 0 ? "x" x 2000 : "line $i of the body, some text to fill it") . "\r\n" }
    print $s' "$2" >"$1" || fail "perl"
}
printf 'x\r\n' >"$T/b0"
mkbody "$T/b1" 40
mkbody "$T/b2" 3072
body_case tiny 127.0.0.11 "$T/b0"
body_case small 127.0.0.12 "$T/b1"
body_case big 127.0.0.13 "$T/b2"
body_case pieces 127.0.0.14 "$T/b1" 1000
for ip in 127.0.0.13 127.0.0.14; do
  assert_grep "$T/st/$ip" '^vmsplice\([0-9]+, .*\) = [1-9]' "$ip: nothing of the body was lent"
  assert_grep "$T/st/$ip" '^ioctl\([0-9]+, FIONREAD' "$ip: no slot was checked free"
  assert_no_grep "$T/st/$ip" '^splice\(' "$ip: a scanned stream was spliced from the socket"
done
# 3 MB: most of it lent, not written
lent=$(sed -n 's/^vmsplice(.* = \([0-9]*\)$/\1/p' "$T/st/127.0.0.13" | awk '{ s += $1 } END { print s + 0 }')
[ "$lent" -gt $((3072 * 1024 / 2)) ] || fail "big: only $lent bytes of 3 MB lent"

# urgent bytes: a "." sent as urgent data after a body line; the data
# then ends at the real ".". The same script against exim alone.
printf 'Subject: urgent\r\n\r\nfirst line\r\n' >"$T/u1"
printf '\r\n' >"$T/u2"
{ data_head; cat <<EOF
raw-file $T/u1
sleep 300
urgent .
raw-file $T/u2
> .
< 250
> MAIL FROM:<second@client.example.test>
< 250
> QUIT
< 221
eof
EOF
} >"$T/in/urgent.script"
sgt urgent 127.0.0.15 "$T/in/urgent.script"
wait_until 10 grep -q " session ip=127.0.0.15 " "$SERVER_LOG"
G_PORT=$PORT G_PID=$SERVER_PID G_LOG=$SERVER_LOG
cat >"$T/bare" <<EOF
#!/bin/sh
SG_REC=$T/rec/bare.\$TCPREMOTEIP
export SG_REC
exec "$SMTPD"
EOF
chmod 755 "$T/bare"
start_tcpserver -u "$(id -u $U)" -g "$(id -g $U)" -- "$T/bare"
sgt urgent-bare 127.0.0.15 "$T/in/urgent.script"
stop_pid "$SERVER_PID"
PORT=$G_PORT SERVER_PID=$G_PID SERVER_LOG=$G_LOG
assert_same_file "$T/rec/bare.127.0.0.15.in" "$T/rec/127.0.0.15.in" "urgent: exim received other bytes through smtpguard than alone"
assert_grep "$T/rec/127.0.0.15.in" '^first line' "urgent: the body did not reach exim"

# a relay client: not scanned, spliced straight through; a client whose
# smtpd is declared not to read its stdin (SMTPGUARD_NOLEND): nothing
# lent
stop_pid "$SERVER_PID"
printf '127.0.0.16:allow,RELAYCLIENT=""\n127.0.0.17:allow,SMTPGUARD_NOLEND=""\n:allow\n' >"$T/rules.txt"
tcprules "$T/rules.cdb" "$T/rules.tmp" <"$T/rules.txt" || fail tcprules
start_tcpserver -u "$(id -u $U)" -g "$(id -g $U)" -x "$T/rules.cdb" -- "$T/guard"
body_case relay 127.0.0.16 "$T/b2"
assert_grep "$T/st/127.0.0.16" '^splice\(0, NULL, [0-9]+, NULL, [0-9]+, [A-Z_|]+\) = [1-9]' "relay: nothing was spliced"
assert_no_grep "$T/st/127.0.0.16" '^vmsplice' "relay: an unscanned stream was lent"
body_case nolend 127.0.0.17 "$T/b2"
assert_no_grep "$T/st/127.0.0.17" '^vmsplice' "nolend: a body was lent"

# an smtpd whose pipe holds more than the ring, reading slower than the
# client writes: when the slot to fill next may still be in the pipe
# (FIONREAD says so), the body is read into the client buffer and
# written instead, and still arrives whole
body_case bigpipe 127.0.0.18 "$T/b2"
assert_grep "$T/st/127.0.0.18" '^vmsplice\([0-9]+, .*\) = [1-9]' "bigpipe: nothing of the body was lent"
awk '/^ioctl\(.*FIONREAD/ { f = 1; next } f && /^read\(0, .*, 262144\) = [1-9]/ { n++ } { f = 0 } END { exit !n }' "$T/st/127.0.0.18" ||
  fail "bigpipe: a slot still in the pipe was never passed over (no read into the client buffer after FIONREAD)"

# smtpguard where vmsplice is refused (a sandbox): the first lend fails,
# lending stops, the body is written and arrives whole
body_case novmsplice 127.0.0.19 "$T/b2"
assert_grep "$T/st/127.0.0.19" '^vmsplice\(.* = -1 EINVAL' "novmsplice: vmsplice was not refused"
[ "$(grep -c '^vmsplice' "$T/st/127.0.0.19")" -eq 1 ] || fail "novmsplice: lending went on after vmsplice was refused"

# an smtpd that dies in the middle of the body: the session ends at once
# with its status, the client is closed, nothing hangs
{ data_head; printf 'raw-file %s\neof\n' "$T/b2"; } >"$T/in/die.script"
sgt die 127.0.0.20 "$T/in/die.script"
wait_until 10 grep -q " session ip=127.0.0.20 " "$SERVER_LOG"
assert_grep "$SERVER_LOG" " session ip=127\.0\.0\.20 .*end=server-eof .*status=3\b" "die: the session did not end with the smtpd's exit"

# an smtpd that stops reading in the middle of the body, the pipe full
# of lent bytes: the timeout (-t 2) ends the session, the smtpd is
# ended after the grace time, nothing waits for the 60 s
_t0=$(date +%s)
sgt stall 127.0.0.21 "$T/in/die.script"
wait_until 10 grep -q " session ip=127.0.0.21 " "$SERVER_LOG"
[ $(($(date +%s) - _t0)) -le 10 ] || fail "stall: the session outlived its timeout"
assert_grep "$SERVER_LOG" " session ip=127\.0\.0\.21 .*end=timeout " "stall: the session did not end by its timeout"
# the last piece lent (or, under a page, written) to the smtpd's pipe
# was cut short or refused by the full pipe: lent bytes were still
# waiting when the timeout came
fdw=$(sed -n 's/^vmsplice(\([0-9]*\),.*/\1/p' "$T/st/127.0.0.21" | head -n 1)
[ -n "$fdw" ] || fail "stall: nothing was lent"
grep -E "^(vmsplice|write)\($fdw, " "$T/st/127.0.0.21" | tail -n 1 |
  awk '{ n = $0; r = $0; sub(/.*\) = /, "", r)
         if (n ~ /^vmsplice/) sub(/.*iov_len=/, "", n); else { sub(/\) = .*/, "", n); sub(/.*, /, "", n) }
         n += 0 }
       r ~ /^-1 EAGAIN/ || (r ~ /^[0-9]+$/ && r + 0 < n) { ok = 1 } END { exit !ok }' ||
  fail "stall: no lent bytes were waiting for the pipe"

check_no_leftovers
assert_no_grep "$T/tcpserver."*.log " kick " "a legitimate sender was kicked"
check_log_clean "$SERVER_LOG" "relay-body"
exit 0
