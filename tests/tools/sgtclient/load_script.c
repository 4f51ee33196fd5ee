/* load_script.c: turns sgtclient load's -s script and -p into steps. */

#include "load.h"

static struct lc_step *cur;
static struct lc_conf *C;

static void newstep(void)
{
  cur = &C->steps[C->nsteps++];
  memset(cur, 0, sizeof(*cur));
}

/* add one command to the current step (lock-step: a step of its own) */
static void cmd(char const *s)
{
  size_t n = strlen(s);
  if (!C->pipelined || !cur || cur->hold || cur->body || cur->data || cur->quit || C->nsteps <= 2) newstep();
  cur->text = realloc(cur->text, cur->len + n + 2);
  if (!cur->text) { perror("sgtclient load: realloc"); exit(111); }
  memcpy(cur->text + cur->len, s, n);
  memcpy(cur->text + cur->len + n, "\r\n", 2);
  cur->len += n + 2;
  cur->expect++;
}

static void transactions(char const *local)
{
  char buf[128];
  unsigned r, i;
  for (r = 1; r <= 4; r++) {
    cmd("MAIL FROM:<sender@client.example.test>");
    for (i = 1; i <= 5; i++) {
      snprintf(buf, sizeof(buf), "RCPT TO:<%s%u%u@example.test>", local, r, i);
      cmd(buf);
    }
    cmd("RSET");
  }
}

static void body(unsigned long long bytes)
{
  /* 78-byte lines (76 + CRLF), a block of them about 1 MB */
  size_t lines = (1 << 20) / 78, i;
  C->blocklen = lines * 78;
  C->block = malloc(C->blocklen);
  if (!C->block) { perror("sgtclient load: malloc"); exit(111); }
  for (i = 0; i < lines; i++) {
    char *l = C->block + i * 78;
    size_t j;
    for (j = 0; j < 76; j++) l[j] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-"[(i * 7 + j) % 66];
    if (l[0] == '.') l[0] = '/';
    l[76] = '\r';
    l[77] = '\n';
  }
  C->bodylen = (bytes + 77) / 78 * 78;
  if (!C->bodylen) C->bodylen = 78;
}

static void message(unsigned long long bytes)
{
  cmd("MAIL FROM:<sender@client.example.test>");
  cmd("RCPT TO:<good1@example.test>");
  cmd("DATA");
  cur->data = 1;
  newstep();
  cur->body = 1;
  cur->text = strdup(".\r\n");
  cur->len = 3;
  cur->expect = 1;
  body(bytes);
}

int lc_script_build(struct lc_conf *c)
{
  char const *s = c->script;
  C = c;
  c->nsteps = 0;
  cur = 0;
  newstep();                 /* the greeting */
  cur->expect = 1;
  cmd("EHLO client.example.test");
  if (!strcmp(s, "session")) transactions("good");
  else if (!strcmp(s, "attack")) transactions("user");
  else if (!strcmp(s, "bot")) {
    /* an early talker: its EHLO goes out with the connection, before
       the greeting, whose reply and EHLO's it then awaits */
    C->steps[0] = C->steps[1];
    C->steps[0].expect = 2;
    C->nsteps = 1;
    cur = &C->steps[0];
    transactions("user");
  }
  else if (!strcmp(s, "legit")) message(2048);
  else if (!strcmp(s, "data")) message(c->dbytes);
  else if (!strcmp(s, "hold")) { newstep(); cur->hold = 1; }
  else return -1;
  cmd("QUIT");
  cur->quit = 1;
  c->quitstep = c->nsteps - 1;
  return 0;
}
