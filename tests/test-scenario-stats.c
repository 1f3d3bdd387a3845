/* ScenarioStats / CgroupStats: merge rules and JSON shape. */
#include "config.h"

#include <string.h>

#include "record/scenario-stats.h"

static KtstrCgroupStats *
make_cgroup (guint64 workers, guint64 cpus, double spread, guint64 gap_ms, guint64 gap_cpu,
             double p99, double page_locality, double ipw)
{
  KtstrCgroupStats *c = ktstr_cgroup_stats_new ();
  c->num_workers = workers;
  c->num_cpus = cpus;
  c->spread = spread;
  c->max_gap_ms = gap_ms;
  c->max_gap_cpu = gap_cpu;
  c->total_migrations = workers * 10;
  c->total_iterations = workers * 1000;
  c->p99_wake_latency_us = p99;
  c->median_wake_latency_us = p99 / 4;
  c->wake_latency_cv = p99 / 1000;
  c->migration_ratio = spread / 100;
  c->mean_run_delay_us = p99 / 2;
  c->worst_run_delay_us = p99 * 2;
  c->page_locality = page_locality;
  c->cross_node_migration_ratio = spread / 1000;
  c->wake_latency_tail_ratio = 4.0 + spread;
  c->iterations_per_worker = ipw;
  return c;
}

static void
test_merge_worst_and_sums (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (2, 2, 3.0, 100, 1, 200.0, 0.9, 1000));
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (4, 3, 7.0, 50, 5, 100.0, 0.5, 900));
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (1, 1, 1.0, 10, 0, 50.0, 0.0, 0));

  g_assert_cmpuint (s->cgroups->len, ==, 3);
  g_assert_cmpuint (s->total_workers, ==, 7);
  g_assert_cmpuint (s->total_cpus, ==, 6);
  g_assert_cmpuint (s->total_migrations, ==, 70);
  g_assert_cmpuint (s->total_iterations, ==, 7000);
  g_assert_cmpfloat (s->worst_spread, ==, 7.0);
  g_assert_cmpfloat (s->worst_p99_wake_latency_us, ==, 200.0);
  g_assert_cmpfloat (s->worst_median_wake_latency_us, ==, 50.0);
  g_assert_cmpfloat (s->worst_wake_latency_cv, ==, 0.2);
  g_assert_cmpfloat (s->worst_migration_ratio, ==, 0.07);
  g_assert_cmpfloat (s->worst_mean_run_delay_us, ==, 100.0);
  g_assert_cmpfloat (s->worst_run_delay_us, ==, 400.0);
  g_assert_cmpfloat (s->worst_cross_node_migration_ratio, ==, 0.007);
  g_assert_cmpfloat (s->worst_wake_latency_tail_ratio, ==, 11.0);
  /* Higher-is-better: the lowest non-zero value is the worst. */
  g_assert_cmpfloat (s->worst_page_locality, ==, 0.5);
  g_assert_cmpfloat (s->worst_iterations_per_worker, ==, 900);
}

static void
test_merge_gap_cpu_follows_gap (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (1, 1, 0, 100, 7, 0, 0, 0));
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (1, 1, 0, 300, 3, 0, 0, 0));
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (1, 1, 0, 200, 9, 0, 0, 0));
  g_assert_cmpuint (s->worst_gap_ms, ==, 300);
  g_assert_cmpuint (s->worst_gap_cpu, ==, 3);
}

static void
test_merge_ext_metrics (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  for (int i = 0; i < 2; i++)
    {
      KtstrCgroupStats *c = make_cgroup (1, 1, 0, 0, 0, 0, 0, 0);
      double v = i == 0 ? 3.0 : 5.0;
      c->ext_metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (c->ext_metrics, g_strdup ("custom"), g_memdup2 (&v, sizeof v));
      ktstr_scenario_stats_add_cgroup (s, c);
    }
  g_assert_nonnull (s->ext_metrics);
  g_assert_cmpfloat (*(double *)g_hash_table_lookup (s->ext_metrics, "custom"), ==, 5.0);
}

/* Keys of a JSON object, in order, joined with ','. */
static char *
keys_of (JsonObject *o)
{
  GString *s = g_string_new (NULL);
  JsonObjectIter it;
  const char *k;
  JsonNode *v;
  json_object_iter_init_ordered (&it, o);
  while (json_object_iter_next_ordered (&it, &k, &v))
    g_string_append_printf (s, "%s%s", s->len ? "," : "", k);
  return g_string_free (s, FALSE);
}

static void
test_json_field_order (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  ktstr_scenario_stats_add_cgroup (s, make_cgroup (1, 1, 1, 1, 1, 1, 1, 1));
  g_autoptr (JsonNode) n = ktstr_scenario_stats_to_json (s);
  JsonObject *o = json_node_get_object (n);
  g_autofree char *top = keys_of (o);
  g_assert_cmpstr (top, ==,
                   "cgroups,total_workers,total_cpus,total_migrations,worst_spread,worst_gap_ms,"
                   "worst_gap_cpu,worst_migration_ratio,worst_p99_wake_latency_us,"
                   "worst_median_wake_latency_us,worst_wake_latency_cv,total_iterations,"
                   "worst_mean_run_delay_us,worst_run_delay_us,worst_page_locality,"
                   "worst_cross_node_migration_ratio,worst_wake_latency_tail_ratio,"
                   "worst_iterations_per_worker");
  JsonObject *cg = json_array_get_object_element (json_object_get_array_member (o, "cgroups"), 0);
  g_autofree char *cgk = keys_of (cg);
  /* No "name" (not in the schema) and no ext_metrics (empty). */
  g_assert_cmpstr (cgk, ==,
                   "num_workers,num_cpus,avg_off_cpu_pct,min_off_cpu_pct,max_off_cpu_pct,spread,"
                   "max_gap_ms,max_gap_cpu,total_migrations,migration_ratio,p99_wake_latency_us,"
                   "median_wake_latency_us,wake_latency_cv,total_iterations,mean_run_delay_us,"
                   "worst_run_delay_us,page_locality,cross_node_migration_ratio,"
                   "wake_latency_tail_ratio,iterations_per_worker");
}

static void
test_json_ext_metrics_sorted_last (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  double a = 1.5, b = 2.5;
  s->ext_metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (s->ext_metrics, g_strdup ("zeta"), g_memdup2 (&a, sizeof a));
  g_hash_table_insert (s->ext_metrics, g_strdup ("alpha"), g_memdup2 (&b, sizeof b));
  g_autoptr (JsonNode) n = ktstr_scenario_stats_to_json (s);
  JsonObject *o = json_node_get_object (n);
  g_autofree char *k = keys_of (o);
  g_assert_true (g_str_has_suffix (k, "worst_iterations_per_worker,ext_metrics"));
  g_autofree char *ek = keys_of (json_object_get_object_member (o, "ext_metrics"));
  g_assert_cmpstr (ek, ==, "alpha,zeta");

  /* An empty table is omitted like a NULL one. */
  g_hash_table_remove_all (s->ext_metrics);
  g_autoptr (JsonNode) n2 = ktstr_scenario_stats_to_json (s);
  g_assert_false (json_object_has_member (json_node_get_object (n2), "ext_metrics"));
}

static void
test_json_round_trip (void)
{
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_new ();
  g_autoptr (GError) error = NULL;
  KtstrCgroupStats *c = make_cgroup (3, 2, 4.25, 77, 6, 123.5, 0.75, 333.0);
  double v = 9.5;
  c->avg_off_cpu_pct = 1.25;
  c->min_off_cpu_pct = 0.5;
  c->max_off_cpu_pct = 4.75;
  c->ext_metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (c->ext_metrics, g_strdup ("m"), g_memdup2 (&v, sizeof v));
  ktstr_scenario_stats_add_cgroup (s, c);
  g_autoptr (JsonNode) n = ktstr_scenario_stats_to_json (s);
  g_autoptr (KtstrScenarioStats) back = ktstr_scenario_stats_from_json (n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->cgroups->len, ==, 1);
  KtstrCgroupStats *bc = g_ptr_array_index (back->cgroups, 0);
  g_assert_cmpuint (bc->num_workers, ==, 3);
  g_assert_cmpuint (bc->num_cpus, ==, 2);
  g_assert_cmpfloat (bc->avg_off_cpu_pct, ==, 1.25);
  g_assert_cmpfloat (bc->min_off_cpu_pct, ==, 0.5);
  g_assert_cmpfloat (bc->max_off_cpu_pct, ==, 4.75);
  g_assert_cmpfloat (bc->spread, ==, 4.25);
  g_assert_cmpuint (bc->max_gap_ms, ==, 77);
  g_assert_cmpuint (bc->max_gap_cpu, ==, 6);
  g_assert_cmpfloat (bc->page_locality, ==, 0.75);
  g_assert_cmpfloat (bc->iterations_per_worker, ==, 333.0);
  g_assert_cmpfloat (*(double *)g_hash_table_lookup (bc->ext_metrics, "m"), ==, 9.5);
  g_assert_cmpuint (back->total_workers, ==, 3);
  g_assert_cmpuint (back->worst_gap_ms, ==, 77);
  g_assert_cmpuint (back->worst_gap_cpu, ==, 6);
  g_assert_cmpfloat (back->worst_p99_wake_latency_us, ==, 123.5);
  g_assert_cmpfloat (back->worst_page_locality, ==, 0.75);
  g_assert_cmpfloat (*(double *)g_hash_table_lookup (back->ext_metrics, "m"), ==, 9.5);
}

static void
test_json_tolerant (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) n = json_from_string ("{\"total_workers\": 5, \"unknown\": true}", &error);
  g_assert_no_error (error);
  g_autoptr (KtstrScenarioStats) s = ktstr_scenario_stats_from_json (n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->total_workers, ==, 5);
  g_assert_cmpuint (s->cgroups->len, ==, 0);
  g_assert_cmpfloat (s->worst_spread, ==, 0.0);
  g_assert_null (s->ext_metrics);

  g_autoptr (JsonNode) arr = json_from_string ("[1]", NULL);
  g_assert_null (ktstr_scenario_stats_from_json (arr, &error));
  g_assert_error (error, KTSTR_SCENARIO_STATS_ERROR, KTSTR_SCENARIO_STATS_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenario-stats/merge/worst-and-sums", test_merge_worst_and_sums);
  g_test_add_func ("/scenario-stats/merge/gap-cpu-follows-gap", test_merge_gap_cpu_follows_gap);
  g_test_add_func ("/scenario-stats/merge/ext-metrics", test_merge_ext_metrics);
  g_test_add_func ("/scenario-stats/json/field-order", test_json_field_order);
  g_test_add_func ("/scenario-stats/json/ext-metrics", test_json_ext_metrics_sorted_last);
  g_test_add_func ("/scenario-stats/json/round-trip", test_json_round_trip);
  g_test_add_func ("/scenario-stats/json/tolerant", test_json_tolerant);
  return g_test_run ();
}
