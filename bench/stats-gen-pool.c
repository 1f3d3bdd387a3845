/* stats-gen-pool: writes a synthetic sidecar pool for benchmarking
 * ktstr-stats.
 *
 *   stats-gen-pool ROOT N [TRIALS]
 *
 * ROOT becomes a runs root holding N schema-complete sidecars written by
 * the records module (the same writer `ktstr test` uses): N / (2 TRIALS)
 * test configurations, each run TRIALS times (default 5) on two kernels
 * (6.14.2, 6.15.0), as repeated `ktstr test` runs leave them: run
 * directories {kernel}-{commit} for two commits, one subdirectory per
 * trial (trial-T).  Every trial draws its metrics around the
 * configuration's own level with log-normal noise of a quiet host (8 %
 * on throughput, 40 % on the p99 wake latency, ...); on 6.15 one
 * configuration in ten loses 30 % of its throughput, so a compare of the
 * two kernels has real regressions to find among the noise.  About 2 %
 * of the trials fail and 2 % are skipped.  Each records the host CPU its
 * vCPUs had (vcpu_host), so the derived metrics are computed as well.  The
 * seed is fixed, so a pool is reproducible. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "record/hostctx.h"
#include "record/sidecar.h"

static const char *const topologies[] = { "1n2l4c1t", "1n4l4c2t", "2n4l4c2t", "2n8l8c2t" };
static const char *const schedulers[] = { "scx_rusty", "scx_lavd", "eevdf" };
static const char *const commits[] = { "abc1234", "def5678" };

static KtstrHostContext *
make_host (const char *release)
{
  KtstrHostContext *h = ktstr_host_context_new ();
  h->cpu_model = g_strdup ("Synthetic CPU @ 3.0GHz");
  h->has_total_memory_kb = TRUE;
  h->total_memory_kb = 65843512;
  h->has_online_cpus = TRUE;
  h->online_cpus = 16;
  h->has_numa_nodes = TRUE;
  h->numa_nodes = 2;
  h->kernel_name = g_strdup ("Linux");
  h->kernel_release = g_strdup (release);
  h->arch = g_strdup ("x86_64");
  h->sched_tunables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (h->sched_tunables, g_strdup ("sched_migration_cost_ns"),
                       g_strdup ("500000"));
  return h;
}

static double
normal (GRand *rand)
{
  /* Box–Muller; 1 - u keeps the logarithm finite. */
  double u = g_rand_double (rand), v = g_rand_double (rand);
  return sqrt (-2.0 * log (1.0 - u)) * cos (2.0 * G_PI * v);
}

/* LEVEL times log-normal noise of coefficient of variation CV. */
static double
noisy (GRand *rand, double level, double cv)
{
  double sigma = sqrt (log1p (cv * cv));
  return level * exp (sigma * normal (rand) - sigma * sigma / 2.0);
}

static JsonNode *
make_event_deltas (GRand *rand, double level)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total_fallback");
  json_builder_add_int_value (b, (gint64)round (noisy (rand, level, 0.3)));
  json_builder_set_member_name (b, "total_dispatch_keep_last");
  json_builder_add_int_value (b, (gint64)round (noisy (rand, level / 2, 0.3)));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Trial of configuration KEY on KERNEL: the configuration fixes the
 * identity and the metrics' levels, the trial adds noise. */
static KtstrSidecar *
make_sidecar (GRand *rand, guint key, guint trial, const char *kernel)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();
  guint scenario = key / 8;
  gboolean slower = g_str_has_prefix (kernel, "6.15") && key % 10 == 3;
  double level = 1.0 + (key % 7) / 3.0;

  sc->test_name = g_strdup_printf ("scenario_%04u", scenario);
  sc->topology = g_strdup (topologies[key % G_N_ELEMENTS (topologies)]);
  sc->scheduler = g_strdup (schedulers[scenario % G_N_ELEMENTS (schedulers)]);
  sc->work_type = g_strdup (scenario % 5 == 0 ? "IoSync" : "CpuSpin");
  sc->project_commit = g_strdup (commits[(key / 4) % G_N_ELEMENTS (commits)]);
  sc->kernel_version = g_strdup (kernel);
  sc->passed = g_rand_int_range (rand, 0, 100) > 2;
  sc->skipped = !sc->passed ? FALSE : g_rand_int_range (rand, 0, 100) < 2;
  if (scenario % 3 == 0)
    {
      g_ptr_array_add (sc->active_flags, g_strdup ("llc"));
      g_ptr_array_add (sc->active_flags, g_strdup ("steal"));
    }
  cg->num_workers = 4;
  cg->num_cpus = 4;
  cg->spread = MAX (0.0, 10.0 * level + 3.0 * normal (rand));
  cg->max_gap_ms = (guint64)round (noisy (rand, 100.0 * level, 0.3));
  cg->total_migrations = (guint64)round (noisy (rand, 60.0 * level, 0.2));
  cg->total_iterations
      = (guint64)round (noisy (rand, 10000.0 * level, 0.08) * (slower ? 0.7 : 1.0));
  cg->migration_ratio = (double)cg->total_migrations / MAX (1.0, (double)cg->total_iterations);
  cg->p99_wake_latency_us = noisy (rand, 200.0 * level, 0.4);
  cg->median_wake_latency_us = noisy (rand, 40.0 * level, 0.12);
  cg->wake_latency_cv = noisy (rand, 0.4, 0.2);
  cg->mean_run_delay_us = noisy (rand, 30.0 * level, 0.1);
  cg->worst_run_delay_us = noisy (rand, 400.0 * level, 0.1);
  cg->page_locality = 1.0;
  cg->wake_latency_tail_ratio = cg->p99_wake_latency_us / cg->median_wake_latency_us;
  cg->iterations_per_worker = (double)cg->total_iterations / 4.0;
  ktstr_scenario_stats_add_cgroup (sc->stats, cg);

  sc->monitor = ktstr_monitor_summary_new ();
  sc->monitor->total_samples = 200;
  sc->monitor->max_imbalance_ratio = noisy (rand, 1.5, 0.1);
  sc->monitor->max_local_dsq_depth = (guint32)g_rand_int_range (rand, 2, 8);
  sc->monitor->event_deltas = make_event_deltas (rand, 10.0 * level);
  g_ptr_array_add (sc->verifier_stats, ktstr_verifier_stat_new ("enqueue", 20000));
  g_ptr_array_add (sc->stimulus_events, ktstr_stimulus_event_new (0, "ScenarioStart"));
  sc->host = make_host (kernel);
  sc->has_cleanup_duration_ms = TRUE;
  sc->cleanup_duration_ms = 100;
  sc->run_source = g_strdup ("ci");
  /* The host CPU its 4 vCPUs had, so the derived metrics (iterations per
   * vCPU-second) are computed and compared too. */
  sc->has_vcpu_host = TRUE;
  sc->vcpu_host_threads = 4;
  sc->vcpu_host_span_ms = 3000;
  sc->vcpu_host_run_ns = (guint64)round (noisy (rand, 6e9, 0.05));
  sc->vcpu_host_wait_ns = (guint64)round (noisy (rand, 1e9, 0.3));
  sc->timestamp = g_strdup_printf ("2026-01-%02uT08:00:00Z", 1 + trial % 28);
  sc->run_id = g_strdup_printf ("20260110T080000Z-%u-%u", key, trial);
  return sc;
}

int
main (int argc, char **argv)
{
  if (argc != 3 && argc != 4)
    {
      fprintf (stderr, "usage: %s ROOT N [TRIALS]\n", argv[0]);
      return 2;
    }
  const char *root = argv[1];
  guint n = (guint)strtoul (argv[2], NULL, 10);
  guint trials = argc == 4 ? (guint)strtoul (argv[3], NULL, 10) : 5;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  if (n == 0 || trials == 0)
    {
      fprintf (stderr, "%s: N and TRIALS must be positive numbers\n", argv[0]);
      return 2;
    }
  /* Sidecar i: trial i / (2 K) of configuration (i / 2) % K on kernel
   * i % 2, for K configurations; the last trial may be partial. */
  guint keys = MAX (1u, n / (2 * trials));
  for (guint i = 0; i < n; i++)
    {
      const char *kernel = i % 2 == 0 ? "6.14.2" : "6.15.0";
      guint key = (i / 2) % keys;
      guint trial = i / (2 * keys);
      g_autoptr (KtstrSidecar) sc = make_sidecar (rand, key, trial, kernel);
      g_autofree char *run = g_strdup_printf ("%.4s-%s", kernel, sc->project_commit);
      g_autofree char *job = g_strdup_printf ("trial-%u", trial);
      g_autofree char *dir = g_build_filename (root, run, job, NULL);
      g_autoptr (GError) error = NULL;

      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          fprintf (stderr, "%s: cannot create %s\n", argv[0], dir);
          return 1;
        }
      g_autofree char *path = ktstr_sidecar_write_atomic (sc, dir, &error);
      if (path == NULL)
        {
          fprintf (stderr, "%s: %s\n", argv[0], error->message);
          return 1;
        }
    }
  return 0;
}
