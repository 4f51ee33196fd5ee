/* load_run.c: sgtclient load's event loop, one poll(2) over every open session. */

#include "load.h"

struct conn {
  int fd;
  int connecting;
  unsigned long idx;
  unsigned step, awaiting, lastcode;
  size_t off;                 /* of the step's text sent */
  unsigned long long boff;    /* of the body sent */
  char rbuf[4096];
  size_t rlen;
  double t0, tbody;
  int greeted, ok;
};

static struct lc_conf *C;
static struct conn *conns;
static double *lat;
static unsigned long nlat, started, finished;
static unsigned long long nok, ngreeted, nearly, n250, n550, n421, ndelivered, ncfail;
static double bodysecs;
static unsigned long long bodybytes;
static unsigned long *ipsess, *ipgreet, *ip550;
static struct pollfd *pf;   /* static like the rest: held to the end, never freed */

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void endsession(struct conn *c)
{
  lat[nlat++] = now() - c->t0;
  if (c->ok) nok++; else nearly++;
  if (c->greeted) { ngreeted++; ipgreet[c->idx % C->ipcount]++; }
  close(c->fd);
  c->fd = -1;
  finished++;
}

static void beginstep(struct conn *c, unsigned s)
{
  c->step = s;
  c->off = 0;
  c->boff = 0;
  c->awaiting = C->steps[s].expect;
  if (C->steps[s].body) c->tbody = now();
}

static int startsession(struct conn *c)
{
  struct sockaddr_in sa;
  int one = 1;
  memset(c, 0, sizeof(*c));
  c->idx = started++;
  c->t0 = now();
  ipsess[c->idx % C->ipcount]++;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { perror("sgtclient load: socket"); exit(111); }
  /* no Nagle: a body's last bytes and ".\r\n" must not wait for an ACK */
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  if (C->bind) {
    sa.sin_addr.s_addr = htonl(C->firstip + (uint32_t)(c->idx % C->ipcount));
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) { perror("sgtclient load: bind"); exit(111); }
  }
  sa.sin_addr.s_addr = C->host;
  sa.sin_port = C->port;
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
    ncfail++;
    endsession(c);
    return 0;
  }
  c->connecting = 1;
  beginstep(c, 0);
  return 1;
}

/* one final reply; returns 0 when the session is over */
static int reply(struct conn *c, unsigned code)
{
  struct lc_step const *st = &C->steps[c->step];
  c->lastcode = code;
  if (code == 250) n250++;
  if (code == 550) { n550++; ip550[c->idx % C->ipcount]++; }
  if (c->step == 0 && code == 220) c->greeted = 1;
  if (code == 421) { n421++; return 0; }
  if (c->step == 0 && code != 220 && !c->greeted) return 0;
  if (c->awaiting) c->awaiting--;
  if (c->awaiting) return 1;
  if (st->quit) { c->ok = code == 221; return 0; }
  if (st->body) {
    if (code == 250) ndelivered++;
    bodysecs += now() - c->tbody;
    bodybytes += C->bodylen;
  }
  if (st->data && code != 354) { beginstep(c, C->quitstep); return 1; }
  beginstep(c, c->step + 1);
  return 1;
}

/* 0: the session is over */
static int readable(struct conn *c)
{
  ssize_t r = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
  char *p, *nl;
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  if (r <= 0) return 0;
  c->rlen += (size_t)r;
  p = c->rbuf;
  while ((nl = memchr(p, '\n', c->rlen - (size_t)(p - c->rbuf)))) {
    size_t len = (size_t)(nl - p);
    if (len >= 3 && p[0] >= '0' && p[0] <= '9' && (len == 3 || p[3] != '-'))
      if (!reply(c, (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0')))) return 0;
    p = nl + 1;
  }
  c->rlen -= (size_t)(p - c->rbuf);
  memmove(c->rbuf, p, c->rlen);
  if (c->rlen == sizeof(c->rbuf)) c->rlen = 0;  /* an absurd line: drop it */
  return 1;
}

static int writable(struct conn *c)
{
  struct lc_step const *st = &C->steps[c->step];
  ssize_t w;
  if (st->body && c->boff < C->bodylen) {
    size_t o = (size_t)(c->boff % C->blocklen);
    size_t n = C->blocklen - o;
    if (n > C->bodylen - c->boff) n = (size_t)(C->bodylen - c->boff);
    w = write(c->fd, C->block + o, n);
    if (w > 0) c->boff += (unsigned long long)w;
  } else {
    w = write(c->fd, st->text + c->off, st->len - c->off);
    if (w > 0) c->off += (size_t)w;
  }
  if (w < 0 && errno != EAGAIN && errno != EINTR) return 0;
  return 1;
}

static int wantwrite(struct conn const *c)
{
  struct lc_step const *st = &C->steps[c->step];
  if (c->connecting) return 1;
  if (st->hold) return 0;
  return (st->body && c->boff < C->bodylen) || c->off < st->len;
}

static int cmpd(void const *a, void const *b)
{
  double x = *(double const *)a, y = *(double const *)b;
  return x < y ? -1 : x > y;
}

static double pct(double p)
{
  if (!nlat) return 0;
  return lat[(size_t)(p * (nlat - 1) + 0.5)] * 1000;
}

int lc_run(struct lc_conf *cf, char const *perip)
{
  unsigned long i, maxip = 0;
  double t0 = now(), deadline = t0 + cf->secs;
  int cut = 0;
  C = cf;
  if (C->conc > C->sessions) C->conc = C->sessions;
  conns = calloc(C->conc, sizeof(*conns));
  pf = calloc(C->conc, sizeof(*pf));
  lat = calloc(C->sessions, sizeof(*lat));
  ipsess = calloc(C->ipcount, sizeof(long));
  ipgreet = calloc(C->ipcount, sizeof(long));
  ip550 = calloc(C->ipcount, sizeof(long));
  if (!conns || !pf || !lat || !ipsess || !ipgreet || !ip550) { perror("sgtclient load: calloc"); return 111; }
  for (i = 0; i < C->conc; i++) conns[i].fd = -1;
  while (finished < C->sessions) {
    int holdok = -1;
    for (i = 0; i < C->conc; i++) {
      struct conn *c = &conns[i];
      while (c->fd < 0 && started < C->sessions) startsession(c);
      pf[i].fd = c->fd;
      pf[i].events = c->fd < 0 ? 0 : POLLIN | (wantwrite(c) ? POLLOUT : 0);
      pf[i].revents = 0;
    }
    if (now() > deadline) { cut = 1; break; }
    if (poll(pf, C->conc, 50) < 0 && errno != EINTR) { perror("sgtclient load: poll"); return 111; }
    for (i = 0; i < C->conc; i++) {
      struct conn *c = &conns[i];
      int alive = 1;
      if (c->fd < 0) continue;
      if (c->connecting && pf[i].revents) {
        int e = 0;
        socklen_t l = sizeof(e);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
        if (e) { ncfail++; endsession(c); continue; }
        c->connecting = 0;
      }
      if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) alive = readable(c);
      if (alive && pf[i].revents & POLLOUT && !c->connecting) alive = writable(c);
      if (alive && C->steps[c->step].hold) {
        if (holdok < 0) holdok = access(C->holdfile, F_OK) == 0;
        if (holdok) beginstep(c, c->step + 1);
      }
      if (!alive) endsession(c);
    }
  }
  for (i = 0; i < C->conc; i++) if (conns[i].fd >= 0) close(conns[i].fd);
  qsort(lat, nlat, sizeof(*lat), cmpd);
  for (i = 0; i < C->ipcount; i++) if (ip550[i] > maxip) maxip = ip550[i];
  printf("sessions=%lu ok=%llu greeted=%llu early=%llu cfail=%llu r250=%llu r550=%llu r421=%llu delivered=%llu"
         " p50_ms=%.3f p95_ms=%.3f max_ms=%.3f wall_s=%.3f data_bytes=%llu data_mbps=%.1f maxperip550=%lu cut=%lu\n",
         C->sessions, nok, ngreeted, nearly, ncfail, n250, n550, n421, ndelivered,
         pct(0.5), pct(0.95), nlat ? lat[nlat - 1] * 1000 : 0.0, now() - t0, bodybytes,
         bodysecs > 0 ? bodybytes / 1048576.0 / bodysecs : 0.0, maxip, C->sessions - finished);
  if (perip) {
    FILE *f = fopen(perip, "w");
    if (!f) { perror("sgtclient load: perip"); return 111; }
    for (i = 0; i < C->ipcount; i++) {
      struct in_addr a;
      char s[INET_ADDRSTRLEN];
      a.s_addr = htonl(C->firstip + (uint32_t)i);
      fprintf(f, "%s %lu %lu %lu\n", inet_ntop(AF_INET, &a, s, sizeof(s)), ipsess[i], ipgreet[i], ip550[i]);
    }
    if (fclose(f)) { perror("sgtclient load: perip"); return 111; }
  }
  return cut ? 2 : 0;
}
