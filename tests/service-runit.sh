#!/bin/sh
# The shipped runit service directories (examples/service, made into runit ones by package/mkservice as make install does with
# their log/run) under runit's runsvdir, as deployed: the smtpd runs as an
# unprivileged user (tcpserver -u), the loggers as another, smtpguard-cdb
# -w as root; only env/ files are changed. A dictionary attacker is
# kicked, listed, and from then on refused at the door by the cdb the
# smtpguard-cdb service rebuilt; a legitimate sender is served
# throughout; the state directory and the logs belong to the right users.
# Everything is stopped by pid; nothing is left running as those users.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy/deploylib.sh"
need_root
# Debian's runit package is the supervision tools only: runit-init, which
# would replace the machine's init, must not come with it
case $(dpkg-query -W -f='${Status}' runit-init 2>/dev/null) in
  *" installed") fail "runit-init is installed: it replaces init; package/deps-test wants runit only" ;;
esac
case $(readlink -f /sbin/init 2>/dev/null) in *runit*) fail "/sbin/init is runit's" ;; esac
need_sgtclient
need_smtpguard
deploy_users ru
sh "$TOP/package/mkservice" runit "$TOP/examples/service" "$T/shipped" || fail "package/mkservice runit"
deploy_services runit "$T/shipped"
supervise_start
deploy_attack
deploy_end
exit 0
