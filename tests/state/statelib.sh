# tests/state/statelib.sh: helpers for the statedir and cdb suites, on top of
# lib.sh (source lib.sh first). Not a test itself.

# need_sgstatetool: build tests/tools/sgstatetool.c against libsmtpguard
SGSTATETOOL=$BUILD/tests/state/sgstatetool
need_sgstatetool() {
  _src=$TOP/tests/state/sgstatetool.c
  [ -f "$BUILD/libsmtpguard.a" ] || fail "no $BUILD/libsmtpguard.a (run make)"
  if [ ! -x "$SGSTATETOOL" ] || [ "$_src" -nt "$SGSTATETOOL" ] || [ "$BUILD/libsmtpguard.a" -nt "$SGSTATETOOL" ]; then
    mkdir -p "$(dirname "$SGSTATETOOL")" || fail "mkdir for sgstatetool"
    _lib=$(head -n 1 "$TOP/conf-compile/path-library")
    # a sanitized library (make SANITIZE=1) needs the sanitizer runtime
    _san=
    nm "$BUILD/libsmtpguard.a" 2>/dev/null | grep -q __asan && _san="-fsanitize=address,undefined"
    # the test clock (SMTPGUARD_NOW) ahead of the library, as make links it
    $(head -n 1 "$TOP/conf-compile/conf-cc") $_san -I"$TOP/src/libsmtpguard" -o "$SGSTATETOOL.tmp.$$" "$_src" \
      -DSGCLOCK_TESTHOOK "$TOP/src/libsmtpguard/sgnow.c" "$BUILD/libsmtpguard.a" "$_lib/libcdb.a" "$_lib/libskarnet.a" &&
      mv -f "$SGSTATETOOL.tmp.$$" "$SGSTATETOOL" || fail "cannot build sgstatetool"
  fi
}
[ -x "$SG_BIN/smtpguard-cdb" ] || fail "no $SG_BIN/smtpguard-cdb (run make)"
command -v cdb >/dev/null 2>&1 || fail "cdb (Debian's tinycdb) not installed"
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) not installed"

# cdb_value file key: the first value for key, NULs as |; empty if absent
cdb_value() { cdb -q -n 1 "$1" "$2" | tr '\0' '|'; }
