#include "config.h"

#include "guest-init/worker.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* One work unit is KTSTR_SPIN_UNIT_STEPS dependent 64-bit multiply-adds
 * (steps of Knuth's MMIX linear congruential generator) and nothing else:
 * about 20 ns on a 2.4 GHz AMD EPYC, where one PAUSE costs about 25 ns, so
 * the spin phases of the work types (PipeIo's burst, Mixed's spin before
 * its yield) keep roughly the length ktstr's spin_loop() hint gives them
 * on hardware.
 *
 * There is no PAUSE in it on purpose.  Under TCG every PAUSE ends the
 * translated block and returns to QEMU's CPU loop, which takes QEMU's
 * global lock before it resumes the guest: profiled over a 10 s CpuSpin
 * run, 19 % of QEMU's samples were in translated guest code with PAUSE
 * and 66 % without.  A unit's cost then followed how the other vCPUs and
 * QEMU's I/O thread held that lock, not the CPU time the scheduler gave
 * the worker.  Under KVM a loop of PAUSEs can trigger pause-loop exits. */
#define KTSTR_SPIN_UNIT_STEPS 16

void
ktstr_worker_spin (KtstrWorker *w, uint64_t n)
{
  uint64_t x = w->work_units;
  for (uint64_t i = 0; i < n; i++)
    for (int k = 0; k < KTSTR_SPIN_UNIT_STEPS; k++)
      {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        /* An empty asm that "changes" x after every step: the compiler can
         * neither merge the steps into one (consecutive affine steps
         * compose) nor drop the unused result (ktstr's black_box). */
        __asm__ __volatile__("" : "+r"(x));
      }
  w->work_units += n;
}

static int
current_cpu (void)
{
  int cpu = sched_getcpu ();
  return cpu < 0 ? 0 : cpu;
}

static void
check_gap (KtstrWorker *w, uint64_t now)
{
  uint64_t gap = now - w->last_iter_ns;
  if (gap > w->max_gap_ns)
    {
      w->max_gap_ns = gap;
      /* The CPU it was on when the stretch began: where it got stuck. */
      w->max_gap_cpu = w->last_cpu;
      w->max_gap_at_ns = now - w->start_ns;
    }
}

static void
check_migration (KtstrWorker *w)
{
  int cpu = current_cpu ();
  if (cpu != w->last_cpu)
    {
      w->migration_count++;
      ktstr_cpuset_add (&w->report->cpus_used, (unsigned)cpu);
      w->last_cpu = cpu;
    }
}

void
ktstr_worker_checkpoint (KtstrWorker *w)
{
  uint64_t now = ktstr_now_ns ();
  check_gap (w, now);
  w->last_iter_ns = now;
  check_migration (w);
}

uint64_t
ktstr_worker_block_begin (KtstrWorker *w)
{
  uint64_t now = ktstr_now_ns ();
  check_gap (w, now);
  check_migration (w);
  return now;
}

void
ktstr_worker_block_end (KtstrWorker *w, uint64_t begin_ns, bool record)
{
  uint64_t now = ktstr_now_ns ();
  if (record)
    ktstr_worker_wake_sample (w, now - begin_ns);
  w->last_iter_ns = now;
}

int
ktstr_worker_sleep_ns (KtstrWorker *w, uint64_t ns)
{
  uint64_t deadline = ktstr_now_ns () + ns;
  struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
                         .tv_nsec = (long)(deadline % 1000000000ull) };
  /* SIGUSR1 (stop) interrupts the sleep: stopping never waits out a long
   * Bursty sleep_ms. */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    if (ktstr_worker_is_stopping (w))
      return -1;
  return 0;
}

uint64_t
ktstr_worker_rand (KtstrWorker *w)
{
  /* xorshift64: enough for reservoir slots, no libc state shared with
   * anything else. */
  uint64_t x = w->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  w->rng = x;
  return x;
}

void
ktstr_worker_wake_sample (KtstrWorker *w, uint64_t ns)
{
  KtstrWorkerReport *r = w->report;
  r->wake_sample_total++;
  if (r->n_lat < KTSTR_LAT_RESERVOIR)
    {
      r->lat_ns[r->n_lat++] = ns;
      return;
    }
  /* Algorithm R: keep each of the n samples seen so far with probability
   * KTSTR_LAT_RESERVOIR / n. */
  uint64_t slot = ktstr_worker_rand (w) % r->wake_sample_total;
  if (slot < KTSTR_LAT_RESERVOIR)
    r->lat_ns[slot] = ns;
}

int
ktstr_schedstat_parse (const char *text, uint64_t *cpu_ns, uint64_t *delay_ns, uint64_t *count)
{
  unsigned long long a, b, c;
  if (sscanf (text, "%llu %llu %llu", &a, &b, &c) != 3)
    return -1;
  *cpu_ns = a;
  *delay_ns = b;
  *count = c;
  return 0;
}

static int
read_schedstat (uint64_t v[3])
{
  char buf[128];
  if (ktstr_read_text ("/proc/self/schedstat", buf, sizeof buf) < 0)
    return -1;
  return ktstr_schedstat_parse (buf, &v[0], &v[1], &v[2]);
}

static uint64_t
delta (uint64_t end, uint64_t start)
{
  return end > start ? end - start : 0;
}

/* Parses DIGITS at *p (at least one) up to a non-digit; advances *p. */
static int
parse_digits (const char **p, uint64_t *out)
{
  const char *s = *p;
  uint64_t v = 0;
  if (*s < '0' || *s > '9')
    return -1;
  for (; *s >= '0' && *s <= '9'; s++)
    {
      if (v > (UINT64_MAX - 9) / 10)
        return -1;
      v = v * 10 + (uint64_t)(*s - '0');
    }
  *out = v;
  *p = s;
  return 0;
}

static bool
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void
ktstr_numa_maps_add (const char *text, uint64_t pages[KTSTR_NUMA_MAX_NODES])
{
  const char *p = text;
  while (*p != '\0')
    {
      while (is_space (*p))
        p++;
      const char *tok = p;
      while (*p != '\0' && !is_space (*p))
        p++;
      /* A field is exactly N<node>=<pages>; file= paths and other keys
       * (anon=, dirty=, kernelpagesize_kB=) never start with 'N'. */
      const char *q = tok + 1;
      uint64_t node, n;
      if (*tok != 'N' || parse_digits (&q, &node) != 0 || *q++ != '=' || parse_digits (&q, &n) != 0
          || q != p)
        continue;
      if (node < KTSTR_NUMA_MAX_NODES)
        pages[node] += n;
    }
}

int
ktstr_vmstat_numa_migrated (const char *text, uint64_t *out)
{
  static const char key[] = "numa_pages_migrated ";
  for (const char *line = text; line != NULL && *line != '\0';)
    {
      if (strncmp (line, key, sizeof key - 1) == 0)
        {
          const char *p = line + sizeof key - 1;
          if (parse_digits (&p, out) != 0 || (*p != '\0' && *p != '\n'))
            return -1;
          return 0;
        }
      line = strchr (line, '\n');
      if (line != NULL)
        line++;
    }
  return -1;
}

static int
read_vmstat_migrated (uint64_t *out)
{
  /* /proc/vmstat is about 5 KiB on 6.x kernels. */
  char buf[16384];
  if (ktstr_read_text ("/proc/vmstat", buf, sizeof buf) < 0)
    return -1;
  return ktstr_vmstat_numa_migrated (buf, out);
}

/* Line by line: numa_maps has one line per mapping, so its size has no
 * useful bound. */
static int
read_numa_pages (uint64_t pages[KTSTR_NUMA_MAX_NODES])
{
  FILE *f = fopen ("/proc/self/numa_maps", "re");
  if (f == NULL)
    return -1;
  char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) >= 0)
    ktstr_numa_maps_add (line, pages);
  free (line);
  fclose (f);
  return 0;
}

int
ktstr_worker_run (KtstrWorker *w)
{
  KtstrWorkerReport *r = w->report;
  KtstrError err = { "" };

  r->pid = (int32_t)getpid ();
  w->rng = (ktstr_now_ns () ^ ((uint64_t)getpid () << 32)) | 1;
  if (w->impl->init != NULL && w->impl->init (w, &err) != 0)
    {
      snprintf (r->error, sizeof r->error, "%s", err.msg);
      return KTSTR_WORKER_EXIT_INIT;
    }

  uint64_t ss_start[3] = { 0 }, ss_end[3] = { 0 };
  struct rusage ru_start, ru_end;
  getrusage (RUSAGE_SELF, &ru_start);
  bool has_schedstat = read_schedstat (ss_start) == 0;
  uint64_t migrated_start = 0, migrated_end = 0;
  bool has_migrated = read_vmstat_migrated (&migrated_start) == 0;
  /* Wall clock outside, CPU clock inside: the CPU window nests in the wall
   * window, so wall >= cpu holds for a worker that never left its CPU. */
  w->start_ns = ktstr_now_ns ();
  uint64_t cpu_start = ktstr_clock_ns (CLOCK_THREAD_CPUTIME_ID);
  w->last_iter_ns = w->start_ns;
  w->last_cpu = current_cpu ();
  w->max_gap_cpu = w->last_cpu;
  ktstr_cpuset_add (&r->cpus_used, (unsigned)w->last_cpu);

  while (!ktstr_worker_is_stopping (w))
    {
      w->impl->iterate (w);
      w->iterations++;
      __atomic_store_n (&r->live_iterations, w->iterations, __ATOMIC_RELAXED);
      if (w->work_units % KTSTR_CHECKPOINT_UNITS == 0)
        ktstr_worker_checkpoint (w);
    }

  uint64_t cpu_end = ktstr_clock_ns (CLOCK_THREAD_CPUTIME_ID);
  uint64_t end_ns = ktstr_now_ns ();
  has_schedstat = has_schedstat && read_schedstat (ss_end) == 0;
  getrusage (RUSAGE_SELF, &ru_end);
  r->minor_faults = delta ((uint64_t)ru_end.ru_minflt, (uint64_t)ru_start.ru_minflt);
  has_migrated = has_migrated && read_vmstat_migrated (&migrated_end) == 0;
  r->has_numa_migrated = has_migrated;
  r->numa_pages_migrated = has_migrated ? delta (migrated_end, migrated_start) : 0;
  /* Before fini: the work type's buffers (PageFaultChurn's region,
   * CachePressure's buffer) are still mapped, so they count. */
  r->has_numa_pages = read_numa_pages (r->numa_pages) == 0;
  if (w->impl->fini != NULL)
    w->impl->fini (w);

  r->work_units = w->work_units;
  r->iterations = w->iterations;
  r->wall_time_ns = end_ns - w->start_ns;
  r->cpu_time_ns = delta (cpu_end, cpu_start);
  /* Two clocks: CPU time can exceed wall time by a hair; clamp, as ktstr. */
  r->off_cpu_ns = delta (r->wall_time_ns, r->cpu_time_ns);
  r->migration_count = w->migration_count;
  r->max_gap_ms = w->max_gap_ns / 1000000ull;
  r->max_gap_at_ms = w->max_gap_at_ns / 1000000ull;
  r->max_gap_cpu = w->max_gap_cpu;
  if (has_schedstat)
    {
      r->schedstat_cpu_ns = delta (ss_end[0], ss_start[0]);
      r->run_delay_ns = delta (ss_end[1], ss_start[1]);
      r->run_count = delta (ss_end[2], ss_start[2]);
    }
  __atomic_store_n (&r->live_iterations, w->iterations, __ATOMIC_RELAXED);
  __atomic_store_n (&r->is_done, 1, __ATOMIC_RELEASE);
  return 0;
}
