/* The guest-side monitor sampler: see gmon.h. */
#include "config.h"

#include "guest-init/gmon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest-init/json.h"
#include "guest-init/util.h"

/* ---- parsers ---- */

/* "  .key     : value" -> key (without the dot) and value; NULL when the
 * line is not one. */
static const char *
debug_value (const char *line, const char *key)
{
  while (*line == ' ' || *line == '\t')
    line++;
  if (*line != '.' || strncmp (line + 1, key, strlen (key)) != 0)
    return NULL;
  const char *p = line + 1 + strlen (key);
  if (*p != ' ' && *p != '\t' && *p != ':')
    return NULL; /* a longer key, e.g. .clock_task */
  const char *colon = strchr (p, ':');
  if (colon == NULL)
    return NULL;
  colon++;
  while (*colon == ' ')
    colon++;
  return colon;
}

/* "5246.014388" (ms, six decimals) -> ns. */
static bool
parse_ms_ns (const char *s, uint64_t *ns)
{
  char *end;
  errno = 0;
  unsigned long long ms = strtoull (s, &end, 10);
  if (errno != 0 || end == s)
    return false;
  uint64_t frac = 0;
  if (*end == '.')
    {
      const char *f = end + 1;
      unsigned digits = 0;
      while (*f >= '0' && *f <= '9' && digits < 6)
        frac = frac * 10 + (uint64_t)(*f++ - '0'), digits++;
      while (digits++ < 6)
        frac *= 10;
    }
  *ns = (uint64_t)ms * 1000000ull + frac;
  return true;
}

int
ktstr_gmon_parse_sched_debug (const char *text, KtstrGmonCpu *cpus, unsigned max)
{
  if (strncmp (text, "Sched Debug Version", strlen ("Sched Debug Version")) != 0)
    return -1;
  int found = 0;
  long cpu = -1;
  bool in_header = false;
  for (const char *line = text; line != NULL && *line != '\0';)
    {
      const char *nl = strchr (line, '\n');
      if (strncmp (line, "cpu#", 4) == 0)
        {
          char *end;
          cpu = strtol (line + 4, &end, 10);
          in_header = end != line + 4 && cpu >= 0 && (unsigned long)cpu < max;
          if (in_header)
            {
              cpus[cpu].has_debug = true;
              found++;
            }
        }
      else if (*line != ' ' && *line != '\n')
        in_header = false; /* cfs_rq[N], rt_rq[N], "runnable tasks:" ... */
      else if (in_header)
        {
          const char *v;
          uint64_t n;
          if ((v = debug_value (line, "nr_running")) != NULL)
            cpus[cpu].nr_running = (uint32_t)strtoul (v, NULL, 10);
          else if ((v = debug_value (line, "clock")) != NULL && parse_ms_ns (v, &n))
            cpus[cpu].clock_ns = n;
        }
      line = nl ? nl + 1 : NULL;
    }
  return found;
}

int
ktstr_gmon_parse_schedstat (const char *text, KtstrGmonCpu *cpus, unsigned max)
{
  unsigned long version = 0;
  if (sscanf (text, "version %lu", &version) != 1 || version < 15)
    return -1;
  int used = 0;
  for (const char *line = text; line != NULL && *line != '\0';)
    {
      const char *nl = strchr (line, '\n');
      unsigned cpu;
      unsigned long long v[9];
      /* cpuN yld_count 0 sched_count sched_goidle ttwu_count ttwu_local
       *      rq_cpu_time run_delay pcount */
      if (sscanf (line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
                  &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8])
              == 10
          && cpu < max)
        {
          uint64_t *s = cpus[cpu].schedstat;
          s[0] = v[7];
          s[1] = v[8];
          s[2] = v[0];
          s[3] = v[2];
          s[4] = v[3];
          s[5] = v[4];
          s[6] = v[5];
          cpus[cpu].has_schedstat = true;
          used++;
        }
      line = nl ? nl + 1 : NULL;
    }
  return used;
}

/* ---- the sampler thread ---- */

static struct
{
  KtstrCtrl *ctrl;
  unsigned interval_ms, n_cpus;
  /* The files, opened once and read from offset 0 each time (the kernel
   * regenerates them then): no open/close per sample. */
  int debug_fd, schedstat_fd, state_fd, events_fd;
  pthread_t thread;
  bool has_thread;
  int stop_pipe[2]; /* stop() writes a byte */
  KtstrGmonCpu *cpus;
  char *buf;
  size_t cap;
} G = {
  .stop_pipe = { -1, -1 }, .debug_fd = -1, .schedstat_fd = -1, .state_fd = -1, .events_fd = -1
};

/* The whole of the open file FD, read from its start, into G.buf (grown
 * as needed); -1 on failure. */
static long
slurp (int fd)
{
  if (fd < 0)
    return -1;
  size_t len = 0;
  while (true)
    {
      if (G.cap - len < 4096)
        {
          char *b = realloc (G.buf, G.cap * 2);
          if (b == NULL)
            break;
          G.buf = b;
          G.cap *= 2;
        }
      ssize_t n = pread (fd, G.buf + len, G.cap - len - 1, (off_t)len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (size_t)n;
    }
  G.buf[len] = '\0';
  return (long)len;
}

/* SCX_EV_NAME VALUE lines -> "name":VALUE members. */
static void
add_events (KtstrJson *j)
{
  if (slurp (G.events_fd) <= 0)
    return;
  ktstr_json_object_open (j, "events");
  for (char *line = G.buf; line != NULL && *line != '\0';)
    {
      char *nl = strchr (line, '\n');
      if (nl != NULL)
        *nl = '\0';
      char name[64];
      unsigned long long v;
      if (sscanf (line, "SCX_EV_%63s %llu", name, &v) == 2)
        {
          for (char *c = name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
              *c = (char)(*c - 'A' + 'a');
          ktstr_json_u64 (j, name, v);
        }
      line = nl ? nl + 1 : NULL;
    }
  ktstr_json_object_close (j);
}

static void
sample_once (uint64_t elapsed_ms)
{
  memset (G.cpus, 0, sizeof (KtstrGmonCpu) * G.n_cpus);
  bool has_debug
      = slurp (G.debug_fd) > 0 && ktstr_gmon_parse_sched_debug (G.buf, G.cpus, G.n_cpus) > 0;
  bool has_schedstat
      = slurp (G.schedstat_fd) > 0 && ktstr_gmon_parse_schedstat (G.buf, G.cpus, G.n_cpus) > 0;
  char state[32] = "";
  if (slurp (G.state_fd) > 0)
    snprintf (state, sizeof state, "%.*s", (int)strcspn (G.buf, "\n"), G.buf);
  if (!has_debug)
    return; /* nothing per CPU to say */
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "mon");
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms);
  ktstr_json_bool (&j, "scx", strcmp (state, "enabled") == 0);
  ktstr_json_array_open (&j, "nr");
  for (unsigned i = 0; i < G.n_cpus; i++)
    ktstr_json_u64 (&j, NULL, G.cpus[i].nr_running);
  ktstr_json_array_close (&j);
  ktstr_json_array_open (&j, "clock");
  for (unsigned i = 0; i < G.n_cpus; i++)
    ktstr_json_u64 (&j, NULL, G.cpus[i].clock_ns);
  ktstr_json_array_close (&j);
  if (has_schedstat)
    {
      ktstr_json_array_open (&j, "schedstat");
      for (unsigned i = 0; i < G.n_cpus; i++)
        {
          ktstr_json_array_open (&j, NULL);
          for (unsigned k = 0; k < 7; k++)
            ktstr_json_u64 (&j, NULL, G.cpus[i].schedstat[k]);
          ktstr_json_array_close (&j);
        }
      ktstr_json_array_close (&j);
    }
  add_events (&j);
  ktstr_json_end (&j);
  if (!j.failed)
    ktstr_ctrl_write (G.ctrl, j.buf, j.len);
  ktstr_json_clear (&j);
}

/* One wakeup per sample and none in between: the sleep is a poll() on
 * the stop pipe until the next sample is due. */
static void *
run (void *arg)
{
  (void)arg;
  /* Reading sched/debug costs a few ms of guest CPU per sample under TCG:
   * at nice 19 the sampler takes what the workload leaves, and a busy
   * guest sees later (never wrong) samples rather than a slower workload. */
  setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), 19);
  uint64_t t0 = ktstr_now_ns (), next = t0;
  while (true)
    {
      sample_once ((ktstr_now_ns () - t0) / 1000000ull);
      next += (uint64_t)G.interval_ms * 1000000ull;
      uint64_t now = ktstr_now_ns ();
      if (next < now)
        next = now; /* late: do not try to catch up */
      struct pollfd p = { .fd = G.stop_pipe[0], .events = POLLIN };
      int r;
      while ((r = poll (&p, 1, (int)((next - now + 999999ull) / 1000000ull))) < 0 && errno == EINTR)
        now = ktstr_now_ns ();
      if (r != 0)
        break; /* stopped (or poll failed) */
    }
  return NULL;
}

/* Closes and frees what start() set up, so it can start again. */
static void
release (void)
{
  int *fds[] = { &G.stop_pipe[0], &G.stop_pipe[1], &G.debug_fd,
                 &G.schedstat_fd, &G.state_fd,     &G.events_fd };
  for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
  free (G.cpus);
  G.cpus = NULL;
  free (G.buf);
  G.buf = NULL;
  G.cap = 0;
}

static int
open_in (const char *root, const char *name)
{
  char path[512];
  if (ktstr_path (path, sizeof path, "%s/%s", root, name) != 0)
    return -1;
  return open (path, O_RDONLY | O_CLOEXEC);
}

int
ktstr_gmon_start (KtstrCtrl *ctrl, unsigned interval_ms, unsigned n_cpus, const char *sysfs_root,
                  const char *proc_root)
{
  if (G.has_thread || interval_ms == 0 || n_cpus == 0)
    return -1;
  G.ctrl = ctrl;
  G.interval_ms = interval_ms;
  G.n_cpus = n_cpus;
  G.cpus = calloc (n_cpus, sizeof (KtstrGmonCpu));
  G.cap = 65536;
  G.buf = malloc (G.cap);
  if (G.cpus == NULL || G.buf == NULL || pipe2 (G.stop_pipe, O_CLOEXEC) != 0)
    {
      release ();
      return -1;
    }
  G.debug_fd = open_in (sysfs_root, "kernel/debug/sched/debug");
  G.state_fd = open_in (sysfs_root, "kernel/sched_ext/state");
  G.events_fd = open_in (sysfs_root, "kernel/sched_ext/root/events");
  G.schedstat_fd = open_in (proc_root, "schedstat");
  if (G.debug_fd < 0)
    {
      release (); /* no per-CPU runqueue figures at all */
      return -1;
    }
  /* Every signal blocked: the guard's SIGALRM and the workers' signals
   * must land in the main thread. */
  sigset_t all, old;
  sigfillset (&all);
  pthread_sigmask (SIG_BLOCK, &all, &old);
  G.has_thread = pthread_create (&G.thread, NULL, run, NULL) == 0;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (!G.has_thread)
    release ();
  return G.has_thread ? 0 : -1;
}

void
ktstr_gmon_stop (void)
{
  if (!G.has_thread)
    return;
  if (write (G.stop_pipe[1], "x", 1) != 1)
    { /* the pipe cannot be full: it gets one byte */
    }
  pthread_join (G.thread, NULL);
  G.has_thread = false;
  release ();
}
