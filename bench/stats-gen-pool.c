/* stats-gen-pool: writes a synthetic sidecar pool for benchmarking
 * ktstr-stats.
 *
 *   stats-gen-pool ROOT N
 *
 * ROOT becomes a runs root holding N schema-complete sidecars written by
 * the records module (the same writer `ktstr test` uses), spread over run
 * directories {kernel}-{commit} for two kernels (6.14.x, 6.15.x) and a few
 * commits, with per-job subdirectories as a gauntlet would make them.
 * Metrics are pseudo-random from a fixed seed, so a pool is reproducible. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "record/hostctx.h"
#include "record/sidecar.h"

#define N_SCENARIOS 50
#define PER_JOB 100

static const char *const topologies[] = { "1n2l4c1t", "1n4l4c2t", "2n4l4c2t", "2n8l8c2t" };
static const char *const schedulers[] = { "scx_rusty", "scx_lavd", "eevdf" };
static const char *const commits[] = { "abc1234", "def5678", "abc1234-dirty" };

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

static JsonNode *
make_event_deltas (GRand *rand)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total_fallback");
  json_builder_add_int_value (b, g_rand_int_range (rand, 0, 20));
  json_builder_set_member_name (b, "total_dispatch_keep_last");
  json_builder_add_int_value (b, g_rand_int_range (rand, 0, 20));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static KtstrSidecar *
make_sidecar (GRand *rand, guint index, const char *kernel, const char *commit)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();
  double scale = g_str_has_prefix (kernel, "6.15") ? 1.1 : 1.0;

  guint scenario = index % N_SCENARIOS;

  /* Scheduler, work type and flags follow the scenario, topology and
   * commit the job, so that both kernels carry every pairing key. */
  sc->test_name = g_strdup_printf ("scenario_%02u", scenario);
  sc->topology = g_strdup (topologies[(index / PER_JOB) % G_N_ELEMENTS (topologies)]);
  sc->scheduler = g_strdup (schedulers[scenario % G_N_ELEMENTS (schedulers)]);
  sc->work_type = g_strdup (scenario % 5 == 0 ? "IoSync" : "CpuSpin");
  sc->project_commit = g_strdup (commit);
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
  cg->spread = g_rand_double_range (rand, 5, 15) * scale;
  cg->max_gap_ms = (guint64)g_rand_int_range (rand, 50, 400);
  cg->total_migrations = (guint64)g_rand_int_range (rand, 10, 200);
  cg->total_iterations = (guint64)g_rand_int_range (rand, 9000, 11000);
  cg->migration_ratio = (double)cg->total_migrations / (double)cg->total_iterations;
  cg->p99_wake_latency_us = g_rand_double_range (rand, 100, 300) * scale;
  cg->median_wake_latency_us = g_rand_double_range (rand, 20, 60);
  cg->wake_latency_cv = g_rand_double_range (rand, 0.2, 0.6);
  cg->mean_run_delay_us = g_rand_double_range (rand, 10, 60);
  cg->worst_run_delay_us = g_rand_double_range (rand, 100, 800);
  cg->page_locality = 1.0;
  cg->wake_latency_tail_ratio = cg->p99_wake_latency_us / cg->median_wake_latency_us;
  cg->iterations_per_worker = (double)cg->total_iterations / 4.0;
  ktstr_scenario_stats_add_cgroup (sc->stats, cg);

  sc->monitor = ktstr_monitor_summary_new ();
  sc->monitor->total_samples = 200;
  sc->monitor->max_imbalance_ratio = g_rand_double_range (rand, 1, 3);
  sc->monitor->max_local_dsq_depth = (guint32)g_rand_int_range (rand, 0, 16);
  sc->monitor->event_deltas = make_event_deltas (rand);
  g_ptr_array_add (sc->verifier_stats, ktstr_verifier_stat_new ("enqueue", 20000));
  g_ptr_array_add (sc->stimulus_events, ktstr_stimulus_event_new (0, "ScenarioStart"));
  sc->host = make_host (kernel);
  sc->has_cleanup_duration_ms = TRUE;
  sc->cleanup_duration_ms = 100;
  sc->run_source = g_strdup ("ci");
  sc->timestamp = g_strdup_printf ("2026-01-%02uT08:00:00Z", 1 + index / PER_JOB % 28);
  sc->run_id = g_strdup_printf ("20260110T080000Z-%u", index);
  return sc;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s ROOT N\n", argv[0]);
      return 2;
    }
  const char *root = argv[1];
  guint n = (guint)strtoul (argv[2], NULL, 10);
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n; i++)
    {
      /* Each job of PER_JOB = 2 x N_SCENARIOS sidecars runs every scenario
       * once per kernel; a run directory's job holds one kernel's half. */
      const char *kernel = (i / N_SCENARIOS) % 2 == 0 ? "6.14.2" : "6.15.0";
      const char *commit = commits[(i / PER_JOB) % G_N_ELEMENTS (commits)];
      g_autofree char *run = g_strdup_printf ("%.4s-%s", kernel, commit);
      g_autofree char *job = g_strdup_printf ("job-%u", i / PER_JOB);
      g_autofree char *dir = g_build_filename (root, run, job, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSidecar) sc = make_sidecar (rand, i, kernel, commit);

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
