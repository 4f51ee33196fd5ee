#!/bin/sh
# The shipped s6 service directories (examples/service, made into s6 ones by package/mkservice as make install does with
# their log/run) under s6's s6-svscan, as deployed: the smtpd runs as an
# unprivileged user (tcpserver -u), the loggers as another, smtpguard-cdb
# -w as root; only env/ files are changed. A dictionary attacker is
# kicked, listed, and from then on refused at the door by the cdb the
# smtpguard-cdb service rebuilt; a legitimate sender is served
# throughout; the state directory and the logs belong to the right users.
# Everything is stopped by pid; nothing is left running as those users.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy/deploylib.sh"
need_root
need_sgtclient
need_smtpguard
deploy_users s6
sh "$TOP/package/mkservice" s6 "$TOP/examples/service" "$T/shipped" || fail "package/mkservice s6"
deploy_services s6 "$T/shipped"
supervise_start
deploy_attack
deploy_end
exit 0
