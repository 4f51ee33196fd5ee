/* sgtclient load: the SMTP load generator of smtpguard's benchmarks.
 *
 *   sgtclient load [ -n sessions ] [ -c concurrency ] [ -s script ] [ -p ]
 *              [ -b firstip ] [ -B ipcount ] [ -D bytes ] [ -H holdfile ]
 *              [ -t secs ] [ -o perip ] host port
 *
 * Runs `sessions` SMTP sessions (default 1), at most `concurrency` at a
 * time (default 1), against host:port (numeric IPv4, no DNS). Session i
 * binds the source address firstip + (i mod ipcount) (default: none
 * bound, ipcount 1), so that a range of loopback addresses such as
 * 127.0.9.1 .. 127.0.9.50 looks like that many clients.
 *
 * Scripts (-s; default session), the first step always reading the greeting:
 *   session  EHLO, then 4 x (MAIL, 5 RCPT good..., RSET), QUIT
 *   attack   the same with unknown recipients (each RCPT gets 550)
 *   bot      attack, but an early talker: EHLO goes out at connect,
 *            before the greeting (a refusal at the door is not "greeted")
 *   legit    EHLO, MAIL, RCPT good, DATA, a 2 KB message, QUIT
 *   data     EHLO, MAIL, RCPT good, DATA, -D bytes of 78-byte lines, QUIT
 *   hold     EHLO, then wait until the file -H exists, QUIT
 * -p pipelines: after EHLO, each run of commands up to DATA or QUIT goes
 * out in one write (RFC 2920); default lock-step, one command per reply.
 *
 * A session ends when the server closes or answers QUIT; a 421 ends it
 * too (the kick). Latency: from connect() to that end, per session.
 * Printed on stdout, one line of key=value:
 *   sessions ok greeted early r250 r550 r421 delivered p50_ms p95_ms
 *   max_ms wall_s data_bytes data_mbps maxperip550
 * ok: answered QUIT with 221; greeted: got a 220 greeting (an smtpd was
 * started: a refused client gets nothing or 421); early: closed or
 * kicked before QUIT; delivered: 250 to end-of-data; maxperip550: the
 * largest number of 550 replies any one source address got.
 * -o perip: also write one line per source address: ip sessions greeted r550.
 * -t: the whole run is bounded (default 300 s); sessions cut by it count
 * as failed and the exit code is 2. Exit 0: every session ran to its end. */

#include "load.h"
#include "sgtclient.h"

static struct lc_conf cf = { .sessions = 1, .conc = 1, .script = "session", .ipcount = 1, .dbytes = 10 << 20, .secs = 300 };

static void usage(void)
{
  fprintf(stderr, "sgtclient: usage: sgtclient load [ -n sessions ] [ -c concurrency ] [ -s session|attack|bot|legit|data|hold ] [ -p ] [ -b firstip ] [ -B ipcount ] [ -D bytes ] [ -H holdfile ] [ -t secs ] [ -o perip ] host port\n");
  exit(100);
}

static unsigned long num(char const *s)
{
  char *e;
  unsigned long v;
  errno = 0;
  v = strtoul(s, &e, 10);
  if (errno || e == s || *e) usage();
  return v;
}

int load_main(int argc, char **argv)
{
  int opt;
  char const *perip = 0;
  struct in_addr a;
  while ((opt = getopt(argc, argv, "n:c:s:pb:B:D:H:t:o:")) != -1) {
    switch (opt) {
      case 'n': cf.sessions = num(optarg); break;
      case 'c': cf.conc = num(optarg); break;
      case 's': cf.script = optarg; break;
      case 'p': cf.pipelined = 1; break;
      case 'b':
        if (inet_pton(AF_INET, optarg, &a) != 1) usage();
        cf.firstip = ntohl(a.s_addr);
        cf.bind = 1;
        break;
      case 'B': cf.ipcount = num(optarg); break;
      case 'D': cf.dbytes = num(optarg); break;
      case 'H': cf.holdfile = optarg; break;
      case 't': cf.secs = num(optarg); break;
      case 'o': perip = optarg; break;
      default: usage();
    }
  }
  if (argc - optind != 2 || !cf.sessions || !cf.conc || !cf.ipcount || !cf.secs) usage();
  if (inet_pton(AF_INET, argv[optind], &a) != 1) usage();
  cf.host = a.s_addr;
  cf.port = htons((unsigned short)num(argv[optind + 1]));
  if (lc_script_build(&cf) < 0) usage();
  if (!strcmp(cf.script, "hold") && !cf.holdfile) usage();
  signal(SIGPIPE, SIG_IGN);
  return lc_run(&cf, perip);
}
