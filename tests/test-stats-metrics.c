/* The metric registry (doc/stats-compare.md) and `list-metrics`. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "stats/metrics.h"
#include "stats/monitor-stats.h"
#include "tests/test-stats-util.h"

static void
test_registry_matches_reference (void)
{
  static const struct
  {
    const char *name;
    KtstrPolarity polarity;
    double abs, rel;
    const char *unit;
    KtstrMetricScale scale;
    gboolean measured; /* has a typical CV */
  } expected[] = {
    { "worst_spread", KTSTR_POLARITY_LOWER_BETTER, 5.0, 0.25, "%", KTSTR_SCALE_LINEAR, TRUE },
    { "worst_gap_ms", KTSTR_POLARITY_LOWER_BETTER, 500.0, 0.50, "ms", KTSTR_SCALE_LOG, TRUE },
    { "total_migrations", KTSTR_POLARITY_LOWER_BETTER, 10.0, 0.30, "", KTSTR_SCALE_LOG, TRUE },
    { "worst_migration_ratio", KTSTR_POLARITY_LOWER_BETTER, 0.05, 0.20, "", KTSTR_SCALE_LOG, TRUE },
    { "max_imbalance_ratio", KTSTR_POLARITY_LOWER_BETTER, 1.0, 0.25, "x", KTSTR_SCALE_LOG, TRUE },
    { "max_dsq_depth", KTSTR_POLARITY_LOWER_BETTER, 10.0, 0.50, "", KTSTR_SCALE_LINEAR, TRUE },
    { "stall_count", KTSTR_POLARITY_LOWER_BETTER, 1.0, 0.50, "", KTSTR_SCALE_LINEAR, FALSE },
    { "total_fallback", KTSTR_POLARITY_LOWER_BETTER, 5.0, 0.30, "", KTSTR_SCALE_LOG, FALSE },
    { "total_keep_last", KTSTR_POLARITY_LOWER_BETTER, 5.0, 0.30, "", KTSTR_SCALE_LOG, FALSE },
    { "worst_p99_wake_latency_us", KTSTR_POLARITY_LOWER_BETTER, 50.0, 0.25, "µs", KTSTR_SCALE_LOG,
      TRUE },
    { "worst_median_wake_latency_us", KTSTR_POLARITY_LOWER_BETTER, 20.0, 0.25, "µs",
      KTSTR_SCALE_LOG, TRUE },
    { "worst_wake_latency_cv", KTSTR_POLARITY_LOWER_BETTER, 0.10, 0.25, "", KTSTR_SCALE_LOG, TRUE },
    { "total_iterations", KTSTR_POLARITY_HIGHER_BETTER, 100.0, 0.10, "", KTSTR_SCALE_LOG, TRUE },
    { "worst_mean_run_delay_us", KTSTR_POLARITY_LOWER_BETTER, 50.0, 0.25, "µs", KTSTR_SCALE_LOG,
      TRUE },
    { "worst_run_delay_us", KTSTR_POLARITY_LOWER_BETTER, 100.0, 0.50, "µs", KTSTR_SCALE_LOG, TRUE },
    { "worst_wake_latency_tail_ratio", KTSTR_POLARITY_LOWER_BETTER, 0.5, 0.25, "x", KTSTR_SCALE_LOG,
      TRUE },
    { "worst_iterations_per_worker", KTSTR_POLARITY_HIGHER_BETTER, 10.0, 0.10, "", KTSTR_SCALE_LOG,
      TRUE },
    { "worst_page_locality", KTSTR_POLARITY_HIGHER_BETTER, 0.05, 0.10, "", KTSTR_SCALE_LINEAR,
      TRUE },
    { "worst_cross_node_migration_ratio", KTSTR_POLARITY_LOWER_BETTER, 0.05, 0.20, "",
      KTSTR_SCALE_LINEAR, FALSE },
    /* ktstr's monitor metrics, after the Rust registry's 19. */
    { "avg_imbalance_ratio", KTSTR_POLARITY_LOWER_BETTER, 0.25, 0.25, "x", KTSTR_SCALE_LOG, TRUE },
    { "avg_dsq_depth", KTSTR_POLARITY_LOWER_BETTER, 1.0, 0.50, "", KTSTR_SCALE_LINEAR, TRUE },
    { "run_delay_ms_per_s", KTSTR_POLARITY_LOWER_BETTER, 10.0, 0.25, "ms/s", KTSTR_SCALE_LOG,
      TRUE },
    { "bpf_ns_per_call", KTSTR_POLARITY_LOWER_BETTER, 200.0, 0.25, "ns", KTSTR_SCALE_LOG, TRUE },
    /* Ours, derived from vcpu_host, after the Rust registry. */
    { "total_iterations_per_vcpu_s", KTSTR_POLARITY_HIGHER_BETTER, 50.0, 0.10, "/s",
      KTSTR_SCALE_LOG, TRUE },
    { "worst_iterations_per_worker_per_vcpu_s", KTSTR_POLARITY_HIGHER_BETTER, 5.0, 0.10, "/s",
      KTSTR_SCALE_LOG, TRUE },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (expected) == KTSTR_METRIC_COUNT);
  for (guint i = 0; i < KTSTR_METRIC_COUNT; i++)
    {
      const KtstrMetricDef *m = ktstr_metrics_get (i);
      g_assert_cmpuint (m->id, ==, i);
      g_assert_cmpstr (m->name, ==, expected[i].name);
      g_assert_cmpint (m->polarity, ==, expected[i].polarity);
      g_assert_cmpfloat (m->default_abs, ==, expected[i].abs);
      g_assert_cmpfloat (m->default_rel, ==, expected[i].rel);
      g_assert_cmpstr (m->unit, ==, expected[i].unit);
      g_assert_cmpint (m->scale, ==, expected[i].scale);
      /* A measured CV is a fraction; an unmeasured one is NAN, never a
       * made-up number. */
      if (expected[i].measured)
        g_assert_true (m->typical_cv > 0.0 && m->typical_cv < 2.0);
      else
        g_assert_true (isnan (m->typical_cv));
      g_assert_true (ktstr_metrics_lookup (expected[i].name) == m);
      /* The Rust registry's 19 first, then ours. */
      g_assert_cmpint (m->is_derived, ==, i >= KTSTR_METRIC_TOTAL_ITERATIONS_PER_VCPU_S);
    }
  g_assert_null (ktstr_metrics_lookup ("worst_sprad"));
}

static void
test_list_text_golden (void)
{
  g_autofree char *text = ktstr_metrics_format_list (FALSE);
  stats_test_assert_golden (text, "list-metrics.txt");
}

static void
test_list_json_golden (void)
{
  g_autofree char *json = ktstr_metrics_format_list (TRUE);
  g_autoptr (JsonParser) parser = json_parser_new ();

  stats_test_assert_golden (json, "list-metrics.json");
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  JsonArray *array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, KTSTR_METRIC_COUNT);
  JsonObject *first = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "polarity"), ==, "LowerBetter");
  g_assert_false (json_object_has_member (first, "accessor"));
  g_assert_cmpstr (json_object_get_string_member (first, "scale"), ==, "linear");
  g_assert_cmpfloat (json_object_get_double_member (first, "typical_cv"), ==, 0.70);
  JsonObject *stall = json_array_get_object_element (array, KTSTR_METRIC_STALL_COUNT);
  g_assert_true (json_object_get_null_member (stall, "typical_cv"));
}

static void
test_monitor_metric_values (void)
{
  g_assert_cmpfloat (ktstr_stats_monitor_avg_imbalance (NULL), ==, 0.0);
  g_assert_cmpfloat (ktstr_stats_monitor_bpf_ns_per_call (NULL), ==, 0.0);
  g_autoptr (KtstrMonitorSummary) m = ktstr_monitor_summary_new ();
  m->avg_imbalance_ratio = 1.25;
  m->avg_local_dsq_depth = 0.5;
  g_assert_cmpfloat (ktstr_stats_monitor_avg_imbalance (m), ==, 1.25);
  g_assert_cmpfloat (ktstr_stats_monitor_avg_dsq_depth (m), ==, 0.5);
  g_assert_cmpfloat (ktstr_stats_monitor_run_delay_ms_per_s (m), ==, 0.0); /* no schedstat */
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, "{\"run_delay_rate\": 25000000.0}", -1, NULL));
  m->schedstat_deltas = json_node_copy (json_parser_get_root (p));
  g_assert_cmpfloat (ktstr_stats_monitor_run_delay_ms_per_s (m), ==, 25.0);
  g_assert_true (json_parser_load_from_data (
      p,
      "[{\"name\":\"a\",\"cnt\":100,\"nsecs\":30000},{\"name\":\"b\",\"cnt\":300,"
      "\"nsecs\":10000},{\"name\":\"c\",\"cnt\":0,\"nsecs\":0}]",
      -1, NULL));
  m->prog_stats_deltas = json_node_copy (json_parser_get_root (p));
  /* All calls together: 40000 ns over 400 calls. */
  g_assert_cmpfloat (ktstr_stats_monitor_bpf_ns_per_call (m), ==, 100.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/metrics/registry", test_registry_matches_reference);
  g_test_add_func ("/stats/metrics/list-text", test_list_text_golden);
  g_test_add_func ("/stats/metrics/list-json", test_list_json_golden);
  g_test_add_func ("/stats/metrics/monitor-values", test_monitor_metric_values);
  return g_test_run ();
}
