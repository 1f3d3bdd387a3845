#include "config.h"

#include <math.h>
#include <string.h>

#include "record/rundir.h"
#include "stats/monitor-stats.h"
#include "stats/pool.h"

static KtstrStatsPool *
pool_new (const char *root)
{
  KtstrStatsPool *pool = g_new0 (KtstrStatsPool, 1);
  pool->root = g_strdup (root);
  pool->sidecars = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_free);
  pool->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
  pool->warnings = g_ptr_array_new_with_free_func (g_free);
  return pool;
}

void
ktstr_stats_pool_free (KtstrStatsPool *pool)
{
  if (pool == NULL)
    return;
  g_free (pool->root);
  g_ptr_array_unref (pool->rows);
  g_ptr_array_unref (pool->sidecars);
  g_ptr_array_unref (pool->warnings);
  g_free (pool);
}

static double
finite_or_zero (double v)
{
  return isfinite (v) ? v : 0.0;
}

static double
event_delta (const KtstrMonitorSummary *monitor, const char *name)
{
  if (monitor == NULL || monitor->event_deltas == NULL
      || !JSON_NODE_HOLDS_OBJECT (monitor->event_deltas))
    return 0.0;
  JsonNode *node = json_object_get_member (json_node_get_object (monitor->event_deltas), name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0.0;
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return (double)json_node_get_int (node);
  if (type == G_TYPE_DOUBLE)
    return finite_or_zero (json_node_get_double (node));
  return 0.0;
}

KtstrStatsRow *
ktstr_stats_row_from_sidecar (const KtstrSidecar *sc)
{
  KtstrStatsRow *row = ktstr_stats_row_new ();
  const KtstrScenarioStats *st = sc->stats;
  const KtstrMonitorSummary *mon = sc->monitor;
  double *m = row->metrics;

  row->scenario = g_strdup (sc->test_name);
  row->topology = g_strdup (sc->topology);
  row->scheduler = g_strdup (sc->scheduler);
  row->work_type = g_strdup (sc->work_type);
  row->kernel_version = g_strdup (sc->kernel_version);
  row->project_commit = g_strdup (sc->project_commit);
  row->kernel_commit = g_strdup (sc->kernel_commit);
  row->run_source = g_strdup (sc->run_source);
  g_strfreev (row->flags);
  row->flags = g_new0 (char *, sc->active_flags->len + 1);
  for (guint i = 0; i < sc->active_flags->len; i++)
    row->flags[i] = g_strdup (g_ptr_array_index (sc->active_flags, i));
  row->passed = sc->passed;
  row->skipped = sc->skipped;
  row->source = sc;

  m[KTSTR_METRIC_WORST_SPREAD] = finite_or_zero (st->worst_spread);
  m[KTSTR_METRIC_WORST_GAP_MS] = (double)st->worst_gap_ms;
  m[KTSTR_METRIC_TOTAL_MIGRATIONS] = (double)st->total_migrations;
  m[KTSTR_METRIC_WORST_MIGRATION_RATIO] = finite_or_zero (st->worst_migration_ratio);
  m[KTSTR_METRIC_MAX_IMBALANCE_RATIO] = mon ? finite_or_zero (mon->max_imbalance_ratio) : 0.0;
  m[KTSTR_METRIC_MAX_DSQ_DEPTH] = mon ? (double)mon->max_local_dsq_depth : 0.0;
  m[KTSTR_METRIC_STALL_COUNT] = mon && mon->stall_detected ? 1.0 : 0.0;
  m[KTSTR_METRIC_TOTAL_FALLBACK] = event_delta (mon, "total_fallback");
  m[KTSTR_METRIC_TOTAL_KEEP_LAST] = event_delta (mon, "total_dispatch_keep_last");
  m[KTSTR_METRIC_WORST_P99_WAKE_LATENCY_US] = finite_or_zero (st->worst_p99_wake_latency_us);
  m[KTSTR_METRIC_WORST_MEDIAN_WAKE_LATENCY_US] = finite_or_zero (st->worst_median_wake_latency_us);
  m[KTSTR_METRIC_WORST_WAKE_LATENCY_CV] = finite_or_zero (st->worst_wake_latency_cv);
  m[KTSTR_METRIC_TOTAL_ITERATIONS] = (double)st->total_iterations;
  m[KTSTR_METRIC_WORST_MEAN_RUN_DELAY_US] = finite_or_zero (st->worst_mean_run_delay_us);
  m[KTSTR_METRIC_WORST_RUN_DELAY_US] = finite_or_zero (st->worst_run_delay_us);
  m[KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO]
      = finite_or_zero (st->worst_wake_latency_tail_ratio);
  m[KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER] = finite_or_zero (st->worst_iterations_per_worker);
  m[KTSTR_METRIC_WORST_PAGE_LOCALITY] = finite_or_zero (st->worst_page_locality);
  m[KTSTR_METRIC_WORST_CROSS_NODE_MIGRATION_RATIO]
      = finite_or_zero (st->worst_cross_node_migration_ratio);
  m[KTSTR_METRIC_AVG_IMBALANCE_RATIO] = ktstr_stats_monitor_avg_imbalance (mon);
  m[KTSTR_METRIC_AVG_DSQ_DEPTH] = ktstr_stats_monitor_avg_dsq_depth (mon);
  m[KTSTR_METRIC_RUN_DELAY_MS_PER_S] = ktstr_stats_monitor_run_delay_ms_per_s (mon);
  m[KTSTR_METRIC_BPF_NS_PER_CALL] = ktstr_stats_monitor_bpf_ns_per_call (mon);
  /* Per second of host CPU the vCPUs had; absent (NAN) when the sidecar
   * does not say (a Rust or older sidecar, a reading that failed). */
  double vcpu_s = sc->has_vcpu_host && sc->vcpu_host_run_ns > 0 ? sc->vcpu_host_run_ns / 1e9 : NAN;
  m[KTSTR_METRIC_TOTAL_ITERATIONS_PER_VCPU_S] = m[KTSTR_METRIC_TOTAL_ITERATIONS] / vcpu_s;
  m[KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER_PER_VCPU_S]
      = m[KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER] / vcpu_s;

  if (st->ext_metrics != NULL && g_hash_table_size (st->ext_metrics) > 0)
    {
      GHashTableIter iter;
      gpointer name, value;
      g_hash_table_iter_init (&iter, st->ext_metrics);
      while (g_hash_table_iter_next (&iter, &name, &value))
        {
          if (!isfinite (*(const double *)value))
            continue;
          if (row->ext_metrics == NULL)
            row->ext_metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (row->ext_metrics, g_strdup (name),
                               g_memdup2 (value, sizeof (double)));
        }
    }
  return row;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
ktstr_stats_list_run_dirs (const char *root)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;

  if (dir == NULL)
    return names;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!ktstr_is_run_dir_name (name))
        continue;
      g_autofree char *path = g_build_filename (root, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

/* Moves the sidecars and load errors of DIR into POOL. */
static gboolean
pool_add_dir (KtstrStatsPool *pool, const char *dir, GError **error)
{
  g_autoptr (GPtrArray) sidecars = NULL;
  g_autoptr (GPtrArray) errors = NULL;

  if (!ktstr_sidecar_collect_dir (dir, &sidecars, &errors, error))
    return FALSE;
  for (guint i = 0; i < errors->len; i++)
    {
      const KtstrSidecarLoadError *e = g_ptr_array_index (errors, i);
      /* The records module's message names the file and the parse error. */
      g_ptr_array_add (
          pool->warnings,
          g_strdup_printf (
              "skipping %s%s",
              g_str_has_prefix (e->message, "sidecar ") ? "" : "corrupt sidecar: ", e->message));
    }
  /* Take ownership of the sidecars, keeping their order. */
  g_ptr_array_set_free_func (sidecars, NULL);
  for (guint i = 0; i < sidecars->len; i++)
    {
      KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      g_ptr_array_add (pool->sidecars, sc);
      g_ptr_array_add (pool->rows, ktstr_stats_row_from_sidecar (sc));
    }
  return TRUE;
}

KtstrStatsPool *
ktstr_stats_pool_load_root (const char *root, gboolean is_archive)
{
  KtstrStatsPool *pool = pool_new (root);
  g_autoptr (GPtrArray) runs = ktstr_stats_list_run_dirs (root);

  for (guint i = 0; i < runs->len; i++)
    {
      g_autofree char *dir = g_build_filename (root, g_ptr_array_index (runs, i), NULL);
      g_autoptr (GError) local_error = NULL;
      if (!pool_add_dir (pool, dir, &local_error))
        g_ptr_array_add (pool->warnings,
                         g_strdup_printf ("skipping run directory: %s", local_error->message));
    }
  if (is_archive)
    {
      for (guint i = 0; i < pool->sidecars->len; i++)
        {
          KtstrSidecar *sc = g_ptr_array_index (pool->sidecars, i);
          KtstrStatsRow *row = g_ptr_array_index (pool->rows, i);
          g_free (sc->run_source);
          sc->run_source = g_strdup ("archive");
          g_free (row->run_source);
          row->run_source = g_strdup ("archive");
        }
    }
  return pool;
}

KtstrStatsPool *
ktstr_stats_pool_load_run (const char *dir, GError **error)
{
  g_autoptr (KtstrStatsPool) pool = pool_new (dir);
  if (!pool_add_dir (pool, dir, error))
    return NULL;
  return g_steal_pointer (&pool);
}
