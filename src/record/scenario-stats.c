/* CgroupStats / ScenarioStats: lifetime, scenario merge, JSON in schema
 * order (doc/sidecar-schema.md). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "record/scenario-stats.h"
#include "util/json-util.h"

GQuark
ktstr_scenario_stats_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-scenario-stats-error-quark");
}

static GHashTable *
ext_metrics_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

KtstrCgroupStats *
ktstr_cgroup_stats_new (void)
{
  return g_new0 (KtstrCgroupStats, 1);
}

void
ktstr_cgroup_stats_free (KtstrCgroupStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->name);
  g_clear_pointer (&stats->ext_metrics, g_hash_table_unref);
  g_free (stats);
}

KtstrScenarioStats *
ktstr_scenario_stats_new (void)
{
  KtstrScenarioStats *stats = g_new0 (KtstrScenarioStats, 1);
  stats->cgroups = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_cgroup_stats_free);
  return stats;
}

void
ktstr_scenario_stats_free (KtstrScenarioStats *stats)
{
  if (stats == NULL)
    return;
  g_clear_pointer (&stats->cgroups, g_ptr_array_unref);
  g_clear_pointer (&stats->ext_metrics, g_hash_table_unref);
  g_free (stats);
}

/* "Worst" for a higher-is-better quantity (page locality, iterations per
 * worker) is the lowest value, but 0 means "not measured" and never wins
 * (as the Rust ktstr folds them, doc/compatibility.md). */
static void
fold_lowest_nonzero (double *acc, double v)
{
  if (v > 0.0 && (*acc == 0.0 || v < *acc))
    *acc = v;
}

void
ktstr_scenario_stats_add_cgroup (KtstrScenarioStats *s, KtstrCgroupStats *cg)
{
  g_return_if_fail (s != NULL && cg != NULL);

  /* Counters add up (total_cpus too: the per-cgroup CPU counts are summed
   * rather than united, as the Rust ktstr does, doc/compatibility.md). */
  s->total_workers += cg->num_workers;
  s->total_cpus += cg->num_cpus;
  s->total_migrations += cg->total_migrations;
  s->total_iterations += cg->total_iterations;

  s->worst_spread = MAX (s->worst_spread, cg->spread);
  if (cg->max_gap_ms > s->worst_gap_ms)
    {
      s->worst_gap_ms = cg->max_gap_ms;
      s->worst_gap_cpu = cg->max_gap_cpu;
    }
  s->worst_migration_ratio = MAX (s->worst_migration_ratio, cg->migration_ratio);
  s->worst_p99_wake_latency_us = MAX (s->worst_p99_wake_latency_us, cg->p99_wake_latency_us);
  s->worst_median_wake_latency_us
      = MAX (s->worst_median_wake_latency_us, cg->median_wake_latency_us);
  s->worst_wake_latency_cv = MAX (s->worst_wake_latency_cv, cg->wake_latency_cv);
  s->worst_mean_run_delay_us = MAX (s->worst_mean_run_delay_us, cg->mean_run_delay_us);
  s->worst_run_delay_us = MAX (s->worst_run_delay_us, cg->worst_run_delay_us);
  s->worst_cross_node_migration_ratio
      = MAX (s->worst_cross_node_migration_ratio, cg->cross_node_migration_ratio);
  s->worst_wake_latency_tail_ratio
      = MAX (s->worst_wake_latency_tail_ratio, cg->wake_latency_tail_ratio);
  fold_lowest_nonzero (&s->worst_page_locality, cg->page_locality);
  fold_lowest_nonzero (&s->worst_iterations_per_worker, cg->iterations_per_worker);

  /* Extension metrics: without the metric registry at hand every
   * extension metric is treated as higher-is-worse (the Rust ktstr's
   * default for names it does not know), so the scenario keeps the
   * maximum. */
  if (cg->ext_metrics != NULL && g_hash_table_size (cg->ext_metrics) > 0)
    {
      GHashTableIter it;
      gpointer k, v;
      if (s->ext_metrics == NULL)
        s->ext_metrics = ext_metrics_new ();
      g_hash_table_iter_init (&it, cg->ext_metrics);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          double *cur = g_hash_table_lookup (s->ext_metrics, k);
          double val = *(double *)v;
          if (cur == NULL)
            g_hash_table_insert (s->ext_metrics, g_strdup (k), g_memdup2 (&val, sizeof val));
          else
            *cur = MAX (*cur, val);
        }
    }

  g_ptr_array_add (s->cgroups, cg);
}

/* --- JSON ---------------------------------------------------------------- */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* BTreeMap<String, f64> order: keys sorted bytewise; omitted when empty. */
static void
add_ext_metrics (JsonBuilder *b, GHashTable *ext)
{
  if (ext == NULL || g_hash_table_size (ext) == 0)
    return;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (ext, NULL);
  guint n = g_hash_table_size (ext);
  qsort (keys, n, sizeof *keys, compare_strings);
  json_builder_set_member_name (b, "ext_metrics");
  json_builder_begin_object (b);
  for (guint i = 0; i < n; i++)
    ktstr_json_member_double (b, keys[i], *(double *)g_hash_table_lookup (ext, keys[i]));
  json_builder_end_object (b);
}

static void
build_cgroup (JsonBuilder *b, const KtstrCgroupStats *c)
{
  json_builder_begin_object (b);
  ktstr_json_member_u64 (b, "num_workers", c->num_workers);
  ktstr_json_member_u64 (b, "num_cpus", c->num_cpus);
  ktstr_json_member_double (b, "avg_off_cpu_pct", c->avg_off_cpu_pct);
  ktstr_json_member_double (b, "min_off_cpu_pct", c->min_off_cpu_pct);
  ktstr_json_member_double (b, "max_off_cpu_pct", c->max_off_cpu_pct);
  ktstr_json_member_double (b, "spread", c->spread);
  ktstr_json_member_u64 (b, "max_gap_ms", c->max_gap_ms);
  ktstr_json_member_u64 (b, "max_gap_cpu", c->max_gap_cpu);
  ktstr_json_member_u64 (b, "total_migrations", c->total_migrations);
  ktstr_json_member_double (b, "migration_ratio", c->migration_ratio);
  ktstr_json_member_double (b, "p99_wake_latency_us", c->p99_wake_latency_us);
  ktstr_json_member_double (b, "median_wake_latency_us", c->median_wake_latency_us);
  ktstr_json_member_double (b, "wake_latency_cv", c->wake_latency_cv);
  ktstr_json_member_u64 (b, "total_iterations", c->total_iterations);
  ktstr_json_member_double (b, "mean_run_delay_us", c->mean_run_delay_us);
  ktstr_json_member_double (b, "worst_run_delay_us", c->worst_run_delay_us);
  ktstr_json_member_double (b, "page_locality", c->page_locality);
  ktstr_json_member_double (b, "cross_node_migration_ratio", c->cross_node_migration_ratio);
  ktstr_json_member_double (b, "wake_latency_tail_ratio", c->wake_latency_tail_ratio);
  ktstr_json_member_double (b, "iterations_per_worker", c->iterations_per_worker);
  add_ext_metrics (b, c->ext_metrics);
  json_builder_end_object (b);
}

JsonNode *
ktstr_scenario_stats_to_json (const KtstrScenarioStats *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cgroups");
  json_builder_begin_array (b);
  for (guint i = 0; s->cgroups != NULL && i < s->cgroups->len; i++)
    build_cgroup (b, g_ptr_array_index (s->cgroups, i));
  json_builder_end_array (b);
  ktstr_json_member_u64 (b, "total_workers", s->total_workers);
  ktstr_json_member_u64 (b, "total_cpus", s->total_cpus);
  ktstr_json_member_u64 (b, "total_migrations", s->total_migrations);
  ktstr_json_member_double (b, "worst_spread", s->worst_spread);
  ktstr_json_member_u64 (b, "worst_gap_ms", s->worst_gap_ms);
  ktstr_json_member_u64 (b, "worst_gap_cpu", s->worst_gap_cpu);
  ktstr_json_member_double (b, "worst_migration_ratio", s->worst_migration_ratio);
  ktstr_json_member_double (b, "worst_p99_wake_latency_us", s->worst_p99_wake_latency_us);
  ktstr_json_member_double (b, "worst_median_wake_latency_us", s->worst_median_wake_latency_us);
  ktstr_json_member_double (b, "worst_wake_latency_cv", s->worst_wake_latency_cv);
  ktstr_json_member_u64 (b, "total_iterations", s->total_iterations);
  ktstr_json_member_double (b, "worst_mean_run_delay_us", s->worst_mean_run_delay_us);
  ktstr_json_member_double (b, "worst_run_delay_us", s->worst_run_delay_us);
  ktstr_json_member_double (b, "worst_page_locality", s->worst_page_locality);
  ktstr_json_member_double (b, "worst_cross_node_migration_ratio",
                            s->worst_cross_node_migration_ratio);
  ktstr_json_member_double (b, "worst_wake_latency_tail_ratio", s->worst_wake_latency_tail_ratio);
  ktstr_json_member_double (b, "worst_iterations_per_worker", s->worst_iterations_per_worker);
  add_ext_metrics (b, s->ext_metrics);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static GHashTable *
get_ext_metrics (JsonObject *o)
{
  JsonNode *n = json_object_get_member (o, "ext_metrics");
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  JsonObject *m = json_node_get_object (n);
  if (json_object_get_size (m) == 0)
    return NULL;
  GHashTable *ext = ext_metrics_new ();
  JsonObjectIter it;
  const char *k;
  JsonNode *unused;
  json_object_iter_init (&it, m);
  while (json_object_iter_next (&it, &k, &unused))
    {
      double v = ktstr_json_lookup_double (m, k);
      g_hash_table_insert (ext, g_strdup (k), g_memdup2 (&v, sizeof v));
    }
  return ext;
}

static KtstrCgroupStats *
cgroup_from_object (JsonObject *o)
{
  KtstrCgroupStats *c = ktstr_cgroup_stats_new ();
  c->num_workers = ktstr_json_lookup_u64 (o, "num_workers");
  c->num_cpus = ktstr_json_lookup_u64 (o, "num_cpus");
  c->avg_off_cpu_pct = ktstr_json_lookup_double (o, "avg_off_cpu_pct");
  c->min_off_cpu_pct = ktstr_json_lookup_double (o, "min_off_cpu_pct");
  c->max_off_cpu_pct = ktstr_json_lookup_double (o, "max_off_cpu_pct");
  c->spread = ktstr_json_lookup_double (o, "spread");
  c->max_gap_ms = ktstr_json_lookup_u64 (o, "max_gap_ms");
  c->max_gap_cpu = ktstr_json_lookup_u64 (o, "max_gap_cpu");
  c->total_migrations = ktstr_json_lookup_u64 (o, "total_migrations");
  c->migration_ratio = ktstr_json_lookup_double (o, "migration_ratio");
  c->p99_wake_latency_us = ktstr_json_lookup_double (o, "p99_wake_latency_us");
  c->median_wake_latency_us = ktstr_json_lookup_double (o, "median_wake_latency_us");
  c->wake_latency_cv = ktstr_json_lookup_double (o, "wake_latency_cv");
  c->total_iterations = ktstr_json_lookup_u64 (o, "total_iterations");
  c->mean_run_delay_us = ktstr_json_lookup_double (o, "mean_run_delay_us");
  c->worst_run_delay_us = ktstr_json_lookup_double (o, "worst_run_delay_us");
  c->page_locality = ktstr_json_lookup_double (o, "page_locality");
  c->cross_node_migration_ratio = ktstr_json_lookup_double (o, "cross_node_migration_ratio");
  c->wake_latency_tail_ratio = ktstr_json_lookup_double (o, "wake_latency_tail_ratio");
  c->iterations_per_worker = ktstr_json_lookup_double (o, "iterations_per_worker");
  c->ext_metrics = get_ext_metrics (o);
  return c;
}

KtstrScenarioStats *
ktstr_scenario_stats_from_json (JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KTSTR_SCENARIO_STATS_ERROR, KTSTR_SCENARIO_STATS_ERROR_INVALID,
                   "scenario stats: expected a JSON object");
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();

  JsonNode *cgs = json_object_get_member (o, "cgroups");
  if (cgs != NULL && JSON_NODE_HOLDS_ARRAY (cgs))
    {
      JsonArray *arr = json_node_get_array (cgs);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *e = json_array_get_element (arr, i);
          if (!JSON_NODE_HOLDS_OBJECT (e))
            {
              g_set_error (error, KTSTR_SCENARIO_STATS_ERROR, KTSTR_SCENARIO_STATS_ERROR_INVALID,
                           "scenario stats: cgroups[%u] is not an object", i);
              return NULL;
            }
          g_ptr_array_add (s->cgroups, cgroup_from_object (json_node_get_object (e)));
        }
    }
  s->total_workers = ktstr_json_lookup_u64 (o, "total_workers");
  s->total_cpus = ktstr_json_lookup_u64 (o, "total_cpus");
  s->total_migrations = ktstr_json_lookup_u64 (o, "total_migrations");
  s->worst_spread = ktstr_json_lookup_double (o, "worst_spread");
  s->worst_gap_ms = ktstr_json_lookup_u64 (o, "worst_gap_ms");
  s->worst_gap_cpu = ktstr_json_lookup_u64 (o, "worst_gap_cpu");
  s->worst_migration_ratio = ktstr_json_lookup_double (o, "worst_migration_ratio");
  s->worst_p99_wake_latency_us = ktstr_json_lookup_double (o, "worst_p99_wake_latency_us");
  s->worst_median_wake_latency_us = ktstr_json_lookup_double (o, "worst_median_wake_latency_us");
  s->worst_wake_latency_cv = ktstr_json_lookup_double (o, "worst_wake_latency_cv");
  s->total_iterations = ktstr_json_lookup_u64 (o, "total_iterations");
  s->worst_mean_run_delay_us = ktstr_json_lookup_double (o, "worst_mean_run_delay_us");
  s->worst_run_delay_us = ktstr_json_lookup_double (o, "worst_run_delay_us");
  s->worst_page_locality = ktstr_json_lookup_double (o, "worst_page_locality");
  s->worst_cross_node_migration_ratio
      = ktstr_json_lookup_double (o, "worst_cross_node_migration_ratio");
  s->worst_wake_latency_tail_ratio = ktstr_json_lookup_double (o, "worst_wake_latency_tail_ratio");
  s->worst_iterations_per_worker = ktstr_json_lookup_double (o, "worst_iterations_per_worker");
  s->ext_metrics = get_ext_metrics (o);
  return g_steal_pointer (&s);
}
