#!/bin/sh
# make install honours DESTDIR and the conf-compile/ paths: every program
# of package/targets.mak goes to conf-install-bin (mode 755, the built
# binary, runnable), README, COPYING and every doc/ page to
# conf-install-doc, the service directories to conf-install-examples
# (run scripts still executable; the s6 and runit ones made from the
# daemontools ones); nothing lands anywhere else; a missing build package
# stops `make` with one line saying what to run. Checked
# with the shipped knobs and with changed ones, in a copy of the tree so
# that conf-compile/ here is never touched.
. "$(dirname "$0")/lib.sh"
need_smtpguard
C=$T/tree
mkdir -p "$C" || fail "mkdir"
for f in Makefile conf-compile package src doc examples README COPYING; do
  [ -e "$TOP/$f" ] || fail "no $f in the tree"
  cp -Rp "$TOP/$f" "$C/" || fail "copy $f"
done
# the built tree too, times kept, so that make has (almost) nothing to do
cp -Rp "$BUILD" "$C/build" || fail "copy $BUILD"
progs=$(sed -n 's|^[[:space:]]*src/.*/\([^/]*\)\.c.*|\1|p' "$TOP/package/targets.mak")
[ -n "$progs" ] || fail "no programs in package/targets.mak"

check_install() { # destdir: installed where the copy's conf-compile says
  d=$1
  bindir=$(head -n 1 "$C/conf-compile/conf-install-bin")
  docdir=$(head -n 1 "$C/conf-compile/conf-install-doc")
  exdir=$(head -n 1 "$C/conf-compile/conf-install-examples")
  (cd "$C" && env -u BUILD make -s install DESTDIR="$d") >"$T/make.out" 2>&1 ||
    { cat "$T/make.out" >&2; fail "make install DESTDIR=$d failed"; }
  for p in $progs; do
    f=$d$bindir/$p
    [ -f "$f" ] || fail "$p not installed in $bindir"
    assert_eq "$(stat -c %a "$f")" 755 "mode of $bindir/$p"
    cmp -s "$f" "$C/build/bin/$p" || fail "$bindir/$p is not the built binary"
  done
  "$d$bindir/smtpguard-stat" </dev/null >/dev/null || fail "installed smtpguard-stat does not run"
  for f in README COPYING; do
    cmp -s "$d$docdir/$f" "$C/$f" || fail "$f not installed in $docdir"
  done
  for f in "$C"/doc/*; do
    cmp -s "$d$docdir/${f##*/}" "$f" || fail "doc/${f##*/} not installed in $docdir"
  done
  [ -f "$d$docdir/smtpguard-stat.html" ] || fail "no smtpguard-stat.html in $docdir"
  for s in smtpd smtpd/log smtpguard-cdb smtpguard-cdb/log; do
    f=$d$exdir/service/$s/run
    [ -f "$f" ] && [ -x "$f" ] || fail "service/$s/run not installed executable in $exdir"
    cmp -s "$f" "$C/examples/service/$s/run" || fail "service/$s/run differs"
  done
  [ -f "$d$exdir/service/smtpd/env/SMTPD" ] || fail "service/smtpd/env not installed"
  # the s6 and runit directories, made from the daemontools ones
  for k in s6 runit; do
    for s in smtpd smtpd/log smtpguard-cdb smtpguard-cdb/log; do
      f=$d$exdir/$k/$s/run
      [ -f "$f" ] && [ -x "$f" ] || fail "$k/$s/run not installed executable in $exdir"
      sh -n "$f" || fail "$k/$s/run: syntax"
      assert_no_grep "$f" '(^|[ ])(envdir|setuidgid|multilog) ' "$k/$s/run still uses daemontools' tools"
    done
    for f in "$C"/examples/service/smtpd/env/*; do
      cmp -s "$f" "$d$exdir/$k/smtpd/env/${f##*/}" || fail "$k/smtpd/env/${f##*/} differs"
    done
  done
  assert_grep "$d$exdir/s6/smtpd/log/run" 's6-setuidgid "\$LOGUSER"\} s6-log t s1000000 n20 \./main' "s6 log/run"
  assert_grep "$d$exdir/runit/smtpd/log/run" 'chpst -u "\$LOGUSER"\} svlogd -t \./main' "runit log/run"
  # nothing outside the three directories
  find "$d" -type f >"$T/files"
  bad=$(grep -v -e "^$d$bindir/" -e "^$d$docdir/" -e "^$d$exdir/" "$T/files" | head -n 5)
  [ -z "$bad" ] || fail "installed outside the conf-compile paths: $bad"
}

# the shipped knobs
check_install "$T/dest1"
assert_eq "$(head -n 1 "$C/conf-compile/conf-install-bin")" "$(head -n 1 "$TOP/conf-compile/conf-install-bin")" "copy of conf-compile"

# other knobs, another DESTDIR
echo /opt/sgtest/sbin >"$C/conf-compile/conf-install-bin"
echo /opt/sgtest/doc >"$C/conf-compile/conf-install-doc"
echo /opt/sgtest/share/examples >"$C/conf-compile/conf-install-examples"
check_install "$T/dest2"
[ -f "$T/dest2/opt/sgtest/sbin/smtpguard" ] || fail "conf-install-bin not honoured"
[ ! -e "$T/dest2/usr" ] || fail "files installed under /usr despite conf-compile"

# alternatives: one installed is enough (an admin's ucspi-tcp-ipv6 is never
# replaced by ucspi-tcp); none installed names the first
printf 'sgtest-no-such-package | make  # one of them\n' >>"$C/package/deps-run"
sh "$C/package/install-deps" -c run >"$T/deps.out" 2>&1 || { cat "$T/deps.out" >&2; fail "install-deps: an installed alternative not taken"; }
printf 'sgtest-alt-one | sgtest-alt-two\n' >>"$C/package/deps-run"
sh "$C/package/install-deps" -c run >"$T/deps.out" 2>&1 && fail "install-deps: no alternative installed, yet satisfied"
assert_grep "$T/deps.out" '^smtpguard: missing sgtest-alt-one: run sh package/install-deps run \(as root\)$' "install-deps with no alternative installed"

# a missing build dependency: one line that says what to run, no compile
echo sgtest-no-such-package >>"$C/package/deps-build"
rm -rf "$C/build"
(cd "$C" && env -u BUILD -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make) >"$T/make.out" 2>&1 && fail "make with a missing package succeeded"
assert_grep "$T/make.out" '^smtpguard: missing sgtest-no-such-package: run sh package/install-deps build \(as root\)$' "make without its packages"
[ "$(grep -Evc '^make(\[[0-9]+\])?: ' "$T/make.out")" -eq 1 ] || { cat "$T/make.out" >&2; fail "make said more than one line"; }
[ ! -d "$C/build/obj" ] || fail "make compiled without its packages"
exit 0
