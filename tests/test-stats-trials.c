#include "config.h"

#include <math.h>

#include "record/scenario-stats.h"
#include "record/sidecar.h"
#include "tests/test-stats-trials.h"

/* Trial-to-trial noise of a quiet host, as coefficients of variation of a
 * log-normal law (spread is in percentage points, normal): throughput
 * varies by 8 %, the p99 wake latency by 40 % and the median by 12 %, run
 * delays by 10 %, the longest gap by 30 %.  The wide latency noise makes
 * the dual gate alone fire by chance, as it does on real runs. */
#define CV_ITERATIONS 0.08
#define CV_P99 0.40
#define CV_MEDIAN 0.12
#define CV_RUN_DELAY 0.10
#define CV_GAP 0.30
#define SD_SPREAD 3.0

static const char *const tests[] = { "steady",  "steady_mixed",      "futex_ping_pong",
                                     "pipe_io", "perf_wake_latency", "oversubscribed" };

static double
normal (GRand *rand)
{
  /* Box–Muller; 1 - u keeps the logarithm finite. */
  double u = g_rand_double (rand), v = g_rand_double (rand);
  return sqrt (-2.0 * log (1.0 - u)) * cos (2.0 * G_PI * v);
}

/* MEAN times log-normal noise of coefficient of variation CV, mean-preserving. */
static double
noisy (GRand *rand, double mean, double cv)
{
  double sigma = sqrt (log1p (cv * cv));
  return mean * exp (sigma * normal (rand) - sigma * sigma / 2.0);
}

static KtstrSidecar *
make_trial (GRand *rand, guint test, const char *commit, double throughput)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();
  double scale = 1.0 + test; /* each test has its own level */

  sc->test_name = g_strdup (tests[test]);
  sc->topology = g_strdup ("1n1l2c1t");
  sc->scheduler = g_strdup ("eevdf");
  sc->work_type = g_strdup ("CpuSpin");
  sc->kernel_version = g_strdup ("6.12.117");
  sc->project_commit = g_strdup (commit);
  sc->run_source = g_strdup ("local");
  sc->passed = TRUE;
  cg->num_workers = 4;
  cg->num_cpus = 2;
  cg->spread = MAX (0.0, 10.0 + SD_SPREAD * normal (rand));
  cg->max_gap_ms = (guint64)round (noisy (rand, 40.0 * scale, CV_GAP));
  cg->total_iterations = (guint64)round (noisy (rand, 12000.0 * scale, CV_ITERATIONS) * throughput);
  cg->iterations_per_worker = cg->total_iterations / 4.0;
  cg->p99_wake_latency_us = noisy (rand, 300.0 * scale, CV_P99);
  cg->median_wake_latency_us = noisy (rand, 60.0 * scale, CV_MEDIAN);
  cg->wake_latency_tail_ratio = cg->p99_wake_latency_us / cg->median_wake_latency_us;
  cg->mean_run_delay_us = noisy (rand, 900.0 * scale, CV_RUN_DELAY);
  cg->worst_run_delay_us = cg->mean_run_delay_us * 1.5;
  cg->page_locality = 1.0;
  ktstr_scenario_stats_add_cgroup (sc->stats, cg);
  sc->timestamp = g_strdup ("2026-01-10T08:00:00Z");
  sc->run_id = g_strdup_printf ("%s-%u", commit, test);
  return sc;
}

void
stats_test_write_trial_pool (const char *root, guint32 seed, guint trials, double throughput_drop)
{
  stats_test_write_trial_pool_commits (root, seed, trials, throughput_drop, "aaaaaaa", "bbbbbbb");
}

void
stats_test_write_trial_pool_commits (const char *root, guint32 seed, guint trials,
                                     double throughput_drop, const char *commit_a,
                                     const char *commit_b)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (guint side = 0; side < 2; side++)
    for (guint trial = 1; trial <= trials; trial++)
      {
        g_autofree char *dir = g_strdup_printf ("%s/%c-%u", root, side ? 'b' : 'a', trial);
        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
          {
            g_autoptr (GError) error = NULL;
            g_autoptr (KtstrSidecar) sc = make_trial (rand, t, side ? commit_b : commit_a,
                                                      side ? 1.0 - throughput_drop : 1.0);
            g_autofree char *path = ktstr_sidecar_write_atomic (sc, dir, &error);
            g_assert_no_error (error);
            g_assert_nonnull (path);
          }
      }
}

void
stats_test_write_repeated_pool (const char *root, guint32 seed, guint trials,
                                double throughput_drop)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (guint side = 0; side < 2; side++)
    {
      g_autofree char *dir = g_build_filename (root, side ? "b" : "a", NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      for (guint trial = 1; trial <= trials; trial++)
        for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
          {
            g_autoptr (GError) error = NULL;
            g_autoptr (KtstrSidecar) sc = make_trial (rand, t, side ? "bbbbbbb" : "aaaaaaa",
                                                      side ? 1.0 - throughput_drop : 1.0);
            sc->trial = trial;
            g_free (sc->timestamp);
            sc->timestamp = g_strdup_printf ("2026-01-10T08:%02u:00Z", MIN (trial, 59));
            KtstrStimulusEvent *end = ktstr_stimulus_event_new (3000, "ScenarioEnd");
            end->has_total_iterations = TRUE;
            end->total_iterations = sc->stats->total_iterations;
            KtstrStimulusEvent *start = ktstr_stimulus_event_new (0, "ScenarioStart");
            start->has_total_iterations = TRUE;
            g_ptr_array_add (sc->stimulus_events, start);
            g_ptr_array_add (sc->stimulus_events, end);
            g_autofree char *path = ktstr_sidecar_write_atomic (sc, dir, &error);
            g_assert_no_error (error);
            g_assert_nonnull (path);
          }
    }
}
