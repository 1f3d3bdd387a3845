/* Comparison policies: --threshold and --policy FILE (doc/stats-compare.md
 * §4.2, "Policy file"). */
#include "config.h"

#include <string.h>

#include "stats/policy.h"

static gboolean
load (KtstrStatsPolicy *p, const char *json, GError **error)
{
  return ktstr_stats_policy_load_data (p, json, -1, "'test.json'", error);
}

static void
test_resolution_order (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  const KtstrMetricDef *spread = ktstr_metrics_lookup ("worst_spread");
  const KtstrMetricDef *gap = ktstr_metrics_lookup ("worst_gap_ms");

  ktstr_stats_policy_init (&p);
  g_assert_cmpfloat (ktstr_stats_policy_rel_threshold (&p, gap), ==, 0.50);
  g_assert_true (load (&p,
                       "{\"default_percent\": 10, \"per_metric_percent\": "
                       "{\"worst_spread\": 5.5}}",
                       &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (ktstr_stats_policy_rel_threshold (&p, spread), 0.055, 1e-12);
  g_assert_cmpfloat_with_epsilon (ktstr_stats_policy_rel_threshold (&p, gap), 0.10, 1e-12);
}

static void
test_partial_and_empty (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  const KtstrMetricDef *gap = ktstr_metrics_lookup ("worst_gap_ms");

  g_assert_true (load (&p, "{}", &error));
  g_assert_cmpfloat (ktstr_stats_policy_rel_threshold (&p, gap), ==, 0.50);
  g_assert_true (load (&p, "{\"default_percent\": null}", &error));
  g_assert_false (p.has_default_percent);
  g_assert_true (load (&p, "{\"per_metric_percent\": {\"worst_gap_ms\": 0}}", &error));
  g_assert_cmpfloat (ktstr_stats_policy_rel_threshold (&p, gap), ==, 0.0);
}

static void
test_unknown_key (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  g_assert_false (load (&p, "{\"default_pct\": 10}", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_UNKNOWN_FIELD);
  g_assert_nonnull (strstr (error->message, "'default_pct'"));
  g_assert_nonnull (strstr (error->message, "'test.json'"));
}

static void
test_unknown_metric_lists_valid_names (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  g_assert_false (load (&p, "{\"per_metric_percent\": {\"worst_sprad\": 5}}", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_UNKNOWN_METRIC);
  g_assert_nonnull (strstr (error->message, "'worst_sprad'"));
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    g_assert_nonnull (strstr (error->message, ktstr_metrics_get (m)->name));
}

static void
test_negative_rejected (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;

  g_assert_false (load (&p, "{\"default_percent\": -1}", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (load (&p, "{\"per_metric_percent\": {\"stall_count\": -0.5}}", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "stall_count"));
  g_clear_error (&error);
  g_assert_false (ktstr_stats_policy_init_uniform (&p, -3, &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE);
}

static void
test_wrong_types (void)
{
  static const char *const bad[]
      = { "{\"default_percent\": \"10\"}", "{\"per_metric_percent\": [1]}",
          "{\"per_metric_percent\": {\"worst_spread\": true}}" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      KtstrStatsPolicy p;
      g_autoptr (GError) error = NULL;
      g_assert_false (load (&p, bad[i], &error));
      g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_INVALID_VALUE);
    }
}

static void
test_not_json (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  g_assert_false (load (&p, "{\"default_percent\": ", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_false (load (&p, "[10]", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_PARSE);
}

static void
test_missing_file (void)
{
  KtstrStatsPolicy p;
  g_autoptr (GError) error = NULL;
  g_assert_false (ktstr_stats_policy_load_file (&p, "/nonexistent/policy.json", &error));
  g_assert_error (error, KTSTR_STATS_POLICY_ERROR, KTSTR_STATS_POLICY_ERROR_READ);
  g_assert_nonnull (strstr (error->message, "/nonexistent/policy.json"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/policy/resolution-order", test_resolution_order);
  g_test_add_func ("/stats/policy/partial", test_partial_and_empty);
  g_test_add_func ("/stats/policy/unknown-key", test_unknown_key);
  g_test_add_func ("/stats/policy/unknown-metric", test_unknown_metric_lists_valid_names);
  g_test_add_func ("/stats/policy/negative", test_negative_rejected);
  g_test_add_func ("/stats/policy/wrong-types", test_wrong_types);
  g_test_add_func ("/stats/policy/not-json", test_not_json);
  g_test_add_func ("/stats/policy/missing-file", test_missing_file);
  return g_test_run ();
}
