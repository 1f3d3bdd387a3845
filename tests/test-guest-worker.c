/* The measured loop of one worker (guest-init/worker.c), driven in-process
 * with test-only work types: gaps count stalls but not intended sleeps,
 * migrations and CPUs, the latency reservoir, schedstat parsing, stop. */
#include <glib.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "guest-init/worker.h"
#include "guest-init/worktypes.h"

typedef struct
{
  KtstrWorker w;
  KtstrWorkerReport *report;
  volatile sig_atomic_t stop;
} Fixture;

static void
fixture_run (Fixture *f, const KtstrWorkImpl *impl)
{
  f->report = g_new0 (KtstrWorkerReport, 1);
  memset (&f->w, 0, sizeof f->w);
  f->stop = 0;
  f->w.report = f->report;
  f->w.impl = impl;
  f->w.stop = &f->stop;
  g_assert_cmpint (ktstr_worker_run (&f->w), ==, 0);
  g_assert_cmpuint (f->report->is_done, ==, 1);
}

static void
sleep_ms (unsigned ms)
{
  struct timespec ts = { 0, (long)ms * 1000000 };
  nanosleep (&ts, NULL);
}

/* Stalls: 1024 units per iteration, and on iteration 5 a 40 ms sleep that
 * is *not* bracketed, i.e. an unintended stall (like being preempted). */
static Fixture *current;

static void
stall_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1024);
  if (w->iterations == 5)
    sleep_ms (40);
  if (w->iterations == 9)
    current->stop = 1;
}

static void
test_gap_counts_stalls (void)
{
  static const KtstrWorkImpl impl = { .iterate = stall_iterate };
  Fixture f;
  current = &f;
  fixture_run (&f, &impl);
  KtstrWorkerReport *r = f.report;
  g_assert_cmpuint (r->iterations, ==, 10);
  g_assert_cmpuint (r->work_units, ==, 10 * 1024);
  g_assert_cmpuint (r->max_gap_ms, >=, 40);
  g_assert_cmpuint (r->max_gap_ms, <, 1000);
  g_assert_cmpuint (r->max_gap_at_ms, >=, 40);
  g_assert_cmpuint (r->max_gap_at_ms, <=, r->wall_time_ns / 1000000);
  g_assert_cmpuint (r->wall_time_ns, >=, 40 * 1000000ull);
  /* Asleep, not running: off-CPU time covers the stall. */
  g_assert_cmpuint (r->off_cpu_ns, >=, 35 * 1000000ull);
  g_assert_cmpuint (r->off_cpu_ns, ==, r->wall_time_ns - r->cpu_time_ns);
  g_assert_cmpuint (r->wake_sample_total, ==, 0);
  g_assert_cmpuint (r->n_lat, ==, 0);
  g_assert_true (ktstr_cpuset_has (&r->cpus_used, (unsigned)r->max_gap_cpu));
  g_assert_cmpuint (ktstr_cpuset_count (&r->cpus_used), ==, r->migration_count + 1);
  g_free (r);
}

/* A long sleep bracketed as an intended wait: a latency sample, no gap.
 * (The margin is wide so that a loaded machine cannot fake a gap.) */
static void
block_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1024);
  if (w->iterations == 5)
    {
      uint64_t t0 = ktstr_worker_block_begin (w);
      sleep_ms (300);
      ktstr_worker_block_end (w, t0, TRUE);
    }
  if (w->iterations == 9)
    current->stop = 1;
}

static void
test_gap_skips_intended_sleep (void)
{
  static const KtstrWorkImpl impl = { .iterate = block_iterate };
  Fixture f;
  current = &f;
  fixture_run (&f, &impl);
  KtstrWorkerReport *r = f.report;
  g_assert_cmpuint (r->max_gap_ms, <, 250);
  g_assert_cmpuint (r->wake_sample_total, ==, 1);
  g_assert_cmpuint (r->n_lat, ==, 1);
  g_assert_cmpuint (r->lat_ns[0], >=, 300 * 1000000ull);
  g_free (r);
}

/* YieldHeavy-like: one unit per iteration, so checkpoints (and with them
 * gap checks) only every 1024 iterations, as in ktstr. */
static void
slow_units_iterate (KtstrWorker *w)
{
  ktstr_worker_spin (w, 1);
  if (w->iterations == 100)
    sleep_ms (30); /* between checkpoints: found at the next one */
  if (w->iterations == 2047)
    current->stop = 1;
}

static void
test_checkpoint_cadence (void)
{
  static const KtstrWorkImpl impl = { .iterate = slow_units_iterate };
  Fixture f;
  current = &f;
  fixture_run (&f, &impl);
  g_assert_cmpuint (f.report->work_units, ==, 2048);
  g_assert_cmpuint (f.report->max_gap_ms, >=, 30);
  g_free (f.report);
}

static void
test_reservoir (void)
{
  KtstrWorkerReport *r = g_new0 (KtstrWorkerReport, 1);
  KtstrWorker w;
  memset (&w, 0, sizeof w);
  w.report = r;
  w.rng = 0x9e3779b97f4a7c15ull;
  const guint n = 10 * KTSTR_LAT_RESERVOIR;
  for (guint i = 0; i < n; i++)
    ktstr_worker_wake_sample (&w, i);
  g_assert_cmpuint (r->wake_sample_total, ==, n);
  g_assert_cmpuint (r->n_lat, ==, KTSTR_LAT_RESERVOIR);
  /* Algorithm R keeps a uniform sample: about 90% of it from samples that
   * came after the reservoir first filled. */
  guint late = 0;
  for (guint i = 0; i < KTSTR_LAT_RESERVOIR; i++)
    {
      g_assert_cmpuint (r->lat_ns[i], <, n);
      late += r->lat_ns[i] >= KTSTR_LAT_RESERVOIR;
    }
  g_assert_cmpfloat ((double)late / KTSTR_LAT_RESERVOIR, >, 0.85);
  g_assert_cmpfloat ((double)late / KTSTR_LAT_RESERVOIR, <, 0.95);
  g_free (r);
}

static int
failing_init (KtstrWorker *w, KtstrError *err)
{
  ktstr_error_set (err, "Broken: cannot create '/x': Permission denied");
  return -1;
}

static void
never_iterate (KtstrWorker *w)
{
  g_assert_not_reached ();
}

static void
test_init_failure (void)
{
  static const KtstrWorkType type = { .name = "Broken" };
  static const KtstrWorkImpl impl = { .init = failing_init, .iterate = never_iterate };
  KtstrWorkerReport *r = g_new0 (KtstrWorkerReport, 1);
  KtstrWorker w;
  volatile sig_atomic_t stop = 0;
  memset (&w, 0, sizeof w);
  w.report = r;
  w.type = &type;
  w.impl = &impl;
  w.stop = &stop;
  g_assert_cmpint (ktstr_worker_run (&w), ==, KTSTR_WORKER_EXIT_INIT);
  g_assert_cmpuint (r->is_done, ==, 0);
  g_assert_cmpstr (r->error, ==, "Broken: cannot create '/x': Permission denied");
  g_free (r);
}

static volatile sig_atomic_t alarm_stop;

static void
on_alarm (int sig)
{
  alarm_stop = 1;
}

static void
test_sleep_stops_early (void)
{
  KtstrWorker w;
  memset (&w, 0, sizeof w);
  w.stop = &alarm_stop;

  /* Undisturbed, the sleep runs its course. */
  gint64 t0 = g_get_monotonic_time ();
  g_assert_cmpint (ktstr_worker_sleep_ns (&w, 20 * 1000000ull), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 20000);

  /* The stop signal (SIGUSR1 in a worker; SIGALRM here) ends it at once,
   * so stopping never waits out a long Bursty sleep. */
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction (SIGALRM, &sa, NULL);
  struct itimerval it = { .it_value = { 0, 20000 } };
  setitimer (ITIMER_REAL, &it, NULL);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ktstr_worker_sleep_ns (&w, 5000 * 1000000ull), ==, -1);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 2000000);
  signal (SIGALRM, SIG_DFL);
}

static void
test_schedstat (void)
{
  uint64_t cpu, delay, count;
  g_assert_cmpint (ktstr_schedstat_parse ("85999 2396056 2\n", &cpu, &delay, &count), ==, 0);
  g_assert_cmpuint (cpu, ==, 85999);
  g_assert_cmpuint (delay, ==, 2396056);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpint (ktstr_schedstat_parse ("1 2", &cpu, &delay, &count), ==, -1);
  g_assert_cmpint (ktstr_schedstat_parse ("", &cpu, &delay, &count), ==, -1);
  g_assert_cmpint (ktstr_schedstat_parse ("x y z", &cpu, &delay, &count), ==, -1);
}

static void
test_numa_maps (void)
{
  /* The layout of numa_maps(5): address, policy, then key=value fields. */
  static const char text[]
      = "00400000 default file=/init mapped=10 N0=8 N1=2 kernelpagesize_kB=4\n"
        "7f0000000000 bind:1 anon=5 dirty=5 N1=5 kernelpagesize_kB=4\n"
        "7f0000100000 default file=/tmp/N9=7 mapped=1 N3=1\n"
        "7f0000200000 default N64=99 Nx=1 N2= N=4 N2=3junk kernelpagesize_kB=4\n"
        "7ffd00000000 default stack anon=3 dirty=3 N0=3";
  uint64_t pages[KTSTR_NUMA_MAX_NODES] = { 0 };
  ktstr_numa_maps_add (text, pages);
  g_assert_cmpuint (pages[0], ==, 11);
  g_assert_cmpuint (pages[1], ==, 7);
  g_assert_cmpuint (pages[2], ==, 0); /* malformed fields are skipped */
  g_assert_cmpuint (pages[3], ==, 1);
  g_assert_cmpuint (pages[9], ==, 0); /* a path is not a field */
  /* Adds, so line-by-line reading sums. */
  ktstr_numa_maps_add ("7f00 default N0=4\n", pages);
  g_assert_cmpuint (pages[0], ==, 15);
  ktstr_numa_maps_add ("", pages);
  g_assert_cmpuint (pages[0], ==, 15);
}

static void
test_vmstat_numa_migrated (void)
{
  uint64_t v = 99;
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("nr_free_pages 12345\nnuma_hit 100\n"
                                               "numa_pages_migrated 42\nnuma_miss 5\n",
                                               &v),
                   ==, 0);
  g_assert_cmpuint (v, ==, 42);
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("numa_pages_migrated 9999999999", &v), ==, 0);
  g_assert_cmpuint (v, ==, 9999999999ull);
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("nr_free_pages 1\nnuma_hit 100\n", &v), ==, -1);
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("", &v), ==, -1);
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("numa_pages_migrated abc\n", &v), ==, -1);
  /* Only the whole key: numa_pages_migrated_x is another counter. */
  g_assert_cmpint (ktstr_vmstat_numa_migrated ("numa_pages_migrated_x 3\n", &v), ==, -1);
}

static void
test_table (void)
{
  /* Every work type of ktstr-test(5), all but Custom, with the group size at the
   * default parameters. */
  static const struct
  {
    const char *name;
    unsigned group;
  } names[] = { { "CpuSpin", 1 },        { "YieldHeavy", 1 },    { "Mixed", 1 },
                { "IoSync", 1 },         { "Bursty", 1 },        { "PipeIo", 2 },
                { "FutexPingPong", 2 },  { "CachePressure", 1 }, { "CacheYield", 1 },
                { "CachePipe", 2 },      { "FutexFanOut", 5 },   { "FanOutCompute", 5 },
                { "Sequence", 1 },       { "ForkExit", 1 },      { "NiceSweep", 1 },
                { "AffinityChurn", 1 },  { "PolicyChurn", 1 },   { "PageFaultChurn", 1 },
                { "MutexContention", 4 } };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const KtstrWorkType *t = ktstr_worktype_find (names[i].name);
      g_assert_nonnull (t);
      g_assert_true (ktstr_worktype_nth (i) == t);
      g_assert_cmpint (t->kind, ==, i);
      g_assert_nonnull (ktstr_workimpl_of (t)->iterate);
      uint64_t params[KTSTR_WORK_MAX_PARAMS] = { 0 };
      for (int k = 0; k < KTSTR_WORK_MAX_PARAMS && t->params[k].name != NULL; k++)
        params[k] = t->params[k].def;
      g_assert_cmpuint (ktstr_worktype_group_size (t, params), ==, names[i].group);
    }
  g_assert_null (ktstr_worktype_nth (G_N_ELEMENTS (names)));
  g_assert_null (ktstr_worktype_find ("cpuspin"));
  const KtstrWorkType *b = ktstr_worktype_find ("Bursty");
  g_assert_cmpint (ktstr_worktype_param_index (b, "burst_ms"), ==, 0);
  g_assert_cmpint (ktstr_worktype_param_index (b, "sleep_ms"), ==, 1);
  g_assert_cmpint (ktstr_worktype_param_index (b, "nope"), ==, -1);
  g_assert_cmpuint (b->params[0].def, ==, 50);
  g_assert_cmpuint (b->params[1].def, ==, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/worker/gap/stall", test_gap_counts_stalls);
  g_test_add_func ("/guest/worker/gap/intended-sleep", test_gap_skips_intended_sleep);
  g_test_add_func ("/guest/worker/gap/checkpoint-cadence", test_checkpoint_cadence);
  g_test_add_func ("/guest/worker/reservoir", test_reservoir);
  g_test_add_func ("/guest/worker/init-failure", test_init_failure);
  g_test_add_func ("/guest/worker/sleep-stops-early", test_sleep_stops_early);
  g_test_add_func ("/guest/worker/schedstat", test_schedstat);
  g_test_add_func ("/guest/worker/numa-maps", test_numa_maps);
  g_test_add_func ("/guest/worker/vmstat-numa-migrated", test_vmstat_numa_migrated);
  g_test_add_func ("/guest/worker/table", test_table);
  return g_test_run ();
}
