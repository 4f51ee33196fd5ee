#!/bin/sh
# The shipped daemontools service directories (examples/service with
# their log/run) under daemontools' svscan, as deployed: the smtpd runs as an
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
deploy_users dt
deploy_services daemontools "$TOP/examples/service"
supervise_start
deploy_attack
deploy_end
exit 0
