# tests/state/statelib.sh: setup for the statedir and cdb suites, on top of
# lib.sh (source lib.sh first): checks that smtpguard-cdb, cdb and tcprules
# are there. Its helpers (need_sgstatetool, SGSTATETOOL, cdb_value) are in
# lib.sh. Not a test itself.

[ -x "$SG_BIN/smtpguard-cdb" ] || fail "no $SG_BIN/smtpguard-cdb (run make)"
command -v cdb >/dev/null 2>&1 || fail "cdb (Debian's tinycdb) not installed"
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) not installed"
