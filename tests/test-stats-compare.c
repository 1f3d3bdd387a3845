/* The comparison core on hand-built rows: pairing keys, averaging, the
 * dual gate and polarity, and the skipped / new / removed accounting. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/compare.h"

static KtstrStatsRow *
make_row (const char *scenario, const char *kernel, const char *commit, gboolean passed,
          double spread, double iterations)
{
  KtstrStatsRow *row = ktstr_stats_row_new ();
  row->scenario = g_strdup (scenario);
  row->topology = g_strdup ("1n2l4c1t");
  row->scheduler = g_strdup ("scx_rusty");
  row->work_type = g_strdup ("CpuSpin");
  row->kernel_version = g_strdup (kernel);
  row->project_commit = g_strdup (commit);
  row->run_source = g_strdup ("local");
  row->passed = passed;
  row->metrics[KTSTR_METRIC_WORST_SPREAD] = spread;
  row->metrics[KTSTR_METRIC_TOTAL_ITERATIONS] = iterations;
  return row;
}

static void
slice_on (gboolean slicing[KTSTR_DIM_COUNT], KtstrStatsDim dim)
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    slicing[d] = d == dim;
}

static GPtrArray *
rows_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
}

static void
test_pairing_key_strips_dirty_and_sorts_flags (void)
{
  g_autoptr (KtstrStatsRow) row = make_row ("s", "6.14.2", "abc1234-dirty", TRUE, 1, 1);
  gboolean slicing[KTSTR_DIM_COUNT];

  g_strfreev (row->flags);
  row->flags = g_strsplit ("steal,llc", ",", -1);
  row->kernel_commit = g_strdup ("fff0000-dirty");
  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_autofree char *key = ktstr_stats_pairing_key (row, slicing, '/');
  g_assert_cmpstr (key, ==, "s/scx_rusty/1n2l4c1t/CpuSpin/abc1234/fff0000/local/llc|steal");

  /* Null kernel in a pairing dimension reads as "". */
  slice_on (slicing, KTSTR_DIM_SCHEDULER);
  g_clear_pointer (&row->kernel_version, g_free);
  g_autofree char *key2 = ktstr_stats_pairing_key (row, slicing, '/');
  g_assert_cmpstr (key2, ==, "s//1n2l4c1t/CpuSpin/abc1234/fff0000/local/llc|steal");
}

static void
test_average_over_passing_runs (void)
{
  g_autoptr (GPtrArray) rows = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];

  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (rows, make_row ("s", "6.14.2", "abc1234", TRUE, 10, 101));
  g_ptr_array_add (rows, make_row ("s", "6.14.3", "abc1234", TRUE, 20, 102));
  g_ptr_array_add (rows, make_row ("s", "6.14.2", "abc1234", FALSE, 90, 0));
  g_ptr_array_add (rows, make_row ("t", "6.14.2", "abc1234", TRUE, 5, 7));

  g_autoptr (GPtrArray) groups = ktstr_stats_group_and_average (rows, slicing);
  g_assert_cmpuint (groups->len, ==, 2);
  const KtstrStatsGroup *s = g_ptr_array_index (groups, 0);
  g_assert_cmpstr (s->row->scenario, ==, "s");
  g_assert_cmpuint (s->passes_observed, ==, 2);
  g_assert_cmpuint (s->total_observed, ==, 3);
  /* The failed run is left out of the mean, but fails the group. */
  g_assert_cmpfloat_with_epsilon (s->row->metrics[KTSTR_METRIC_WORST_SPREAD], 15.0, 1e-9);
  g_assert_false (s->row->passed);
  /* Integer counters are rounded: (101 + 102) / 2 = 101.5 -> 102. */
  g_assert_cmpfloat (s->row->metrics[KTSTR_METRIC_TOTAL_ITERATIONS], ==, 102.0);
  const KtstrStatsGroup *t = g_ptr_array_index (groups, 1);
  g_assert_true (t->row->passed);
}

static void
test_average_skipped_excluded (void)
{
  g_autoptr (GPtrArray) rows = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  KtstrStatsRow *skipped = make_row ("s", "6.14.2", NULL, TRUE, 99, 0);

  skipped->skipped = TRUE;
  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (rows, make_row ("s", "6.14.2", NULL, TRUE, 4, 0));
  g_ptr_array_add (rows, skipped);
  g_autoptr (GPtrArray) groups = ktstr_stats_group_and_average (rows, slicing);
  const KtstrStatsGroup *g = g_ptr_array_index (groups, 0);
  g_assert_cmpfloat (g->row->metrics[KTSTR_METRIC_WORST_SPREAD], ==, 4.0);
  g_assert_true (g->row->skipped);
  g_assert_false (g->row->passed);
  g_assert_cmpuint (g->passes_observed, ==, 1);
}

static void
test_average_mixed_dirty (void)
{
  g_autoptr (GPtrArray) rows = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];

  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (rows, make_row ("s", "6.14.2", "abc1234-dirty", TRUE, 1, 1));
  g_ptr_array_add (rows, make_row ("s", "6.14.2", "abc1234", TRUE, 1, 1));
  g_ptr_array_add (rows, make_row ("u", "6.14.2", "def5678-dirty", TRUE, 1, 1));
  g_autoptr (GPtrArray) groups = ktstr_stats_group_and_average (rows, slicing);
  g_assert_cmpuint (groups->len, ==, 2);
  g_assert_cmpstr (((KtstrStatsGroup *)groups->pdata[0])->row->project_commit, ==, "abc1234+mixed");
  g_assert_cmpstr (((KtstrStatsGroup *)groups->pdata[1])->row->project_commit, ==, "def5678-dirty");
}

static void
test_dual_gate (void)
{
  const KtstrMetricDef *spread = ktstr_metrics_get (KTSTR_METRIC_WORST_SPREAD);
  double rel;

  /* abs 5, rel 25 %: both must trip. */
  g_assert_cmpint (ktstr_stats_judge (spread, 10, 14.9, 0.25, &rel), ==, KTSTR_VERDICT_UNCHANGED);
  g_assert_cmpint (ktstr_stats_judge (spread, 100, 110, 0.25, &rel), ==, KTSTR_VERDICT_UNCHANGED);
  g_assert_cmpfloat_with_epsilon (rel, 0.1, 1e-12);
  g_assert_cmpint (ktstr_stats_judge (spread, 10, 15, 0.25, &rel), ==, KTSTR_VERDICT_REGRESSION);
  g_assert_cmpint (ktstr_stats_judge (spread, 15, 10, 0.25, &rel), ==, KTSTR_VERDICT_IMPROVEMENT);
  /* A = 0: the relative delta is 0, so only a zero threshold lets it through. */
  g_assert_cmpint (ktstr_stats_judge (spread, 0, 50, 0.25, &rel), ==, KTSTR_VERDICT_UNCHANGED);
  g_assert_cmpfloat (rel, ==, 0.0);
  g_assert_cmpint (ktstr_stats_judge (spread, 0, 50, 0.0, &rel), ==, KTSTR_VERDICT_REGRESSION);
}

static void
test_polarity (void)
{
  const KtstrMetricDef *iters = ktstr_metrics_get (KTSTR_METRIC_TOTAL_ITERATIONS);
  g_assert_cmpint (iters->polarity, ==, KTSTR_POLARITY_HIGHER_BETTER);
  g_assert_cmpint (ktstr_stats_judge (iters, 1000, 500, 0.1, NULL), ==, KTSTR_VERDICT_REGRESSION);
  g_assert_cmpint (ktstr_stats_judge (iters, 500, 1000, 0.1, NULL), ==, KTSTR_VERDICT_IMPROVEMENT);
}

static void
test_compare_accounting (void)
{
  g_autoptr (GPtrArray) a = rows_new ();
  g_autoptr (GPtrArray) b = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  KtstrStatsPolicy policy;

  ktstr_stats_policy_init (&policy);
  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (a, make_row ("same", "6.14.2", NULL, TRUE, 10, 1000));
  g_ptr_array_add (a, make_row ("worse", "6.14.2", NULL, TRUE, 10, 1000));
  g_ptr_array_add (a, make_row ("failed", "6.14.2", NULL, FALSE, 10, 1000));
  g_ptr_array_add (a, make_row ("gone", "6.14.2", NULL, TRUE, 10, 1000));
  g_ptr_array_add (b, make_row ("same", "6.15.0", NULL, TRUE, 11, 1010));
  g_ptr_array_add (b, make_row ("worse", "6.15.0", NULL, TRUE, 30, 500));
  g_ptr_array_add (b, make_row ("failed", "6.15.0", NULL, TRUE, 10, 1000));
  g_ptr_array_add (b, make_row ("fresh", "6.15.0", NULL, TRUE, 10, 1000));

  g_autoptr (KtstrStatsReport) r = ktstr_stats_compare_rows (a, b, slicing, NULL, &policy, NULL);
  /* worse: spread up (regression), iterations down (regression). */
  g_assert_cmpuint (r->regressions, ==, 2);
  g_assert_cmpuint (r->improvements, ==, 0);
  /* same: spread and iterations within the gates; every other metric is 0
   * on both sides and is not counted at all. */
  g_assert_cmpuint (r->unchanged, ==, 2);
  g_assert_cmpuint (r->skipped_failed, ==, 1);
  g_assert_cmpuint (r->new_in_b, ==, 1);
  g_assert_cmpuint (r->removed_from_a, ==, 1);
  g_assert_cmpuint (r->pairs->len, ==, 5);
  const KtstrStatsPair *last = g_ptr_array_index (r->pairs, 4);
  g_assert_cmpint (last->status, ==, KTSTR_PAIR_REMOVED_FROM_A);
  g_assert_cmpstr (last->key, ==, "gone/scx_rusty/1n2l4c1t/CpuSpin///local/");
}

static void
test_compare_substring_filter (void)
{
  g_autoptr (GPtrArray) a = rows_new ();
  g_autoptr (GPtrArray) b = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  KtstrStatsPolicy policy;

  ktstr_stats_policy_init (&policy);
  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (a, make_row ("cgroup_steady", "6.14.2", NULL, TRUE, 10, 0));
  g_ptr_array_add (a, make_row ("other", "6.14.2", NULL, TRUE, 10, 0));
  g_ptr_array_add (b, make_row ("cgroup_steady", "6.15.0", NULL, TRUE, 30, 0));
  g_ptr_array_add (b, make_row ("other", "6.15.0", NULL, TRUE, 30, 0));
  g_ptr_array_add (b, make_row ("new_other", "6.15.0", NULL, TRUE, 30, 0));

  g_autoptr (KtstrStatsReport) r
      = ktstr_stats_compare_rows (a, b, slicing, "steady", &policy, NULL);
  g_assert_cmpuint (r->regressions, ==, 1);
  g_assert_cmpuint (r->new_in_b, ==, 0);
  /* The substring also sees scheduler, topology, work type and flags. */
  g_autoptr (KtstrStatsReport) r2
      = ktstr_stats_compare_rows (a, b, slicing, "scx_rusty 1n2l", &policy, NULL);
  g_assert_cmpuint (r2->pairs->len, ==, 0);
  g_autoptr (KtstrStatsReport) r3
      = ktstr_stats_compare_rows (a, b, slicing, "1n2l4c1t scx_rusty CpuSpin", &policy, NULL);
  g_assert_cmpuint (r3->regressions, ==, 2);
}

static void
test_policy_threshold_applies (void)
{
  g_autoptr (GPtrArray) a = rows_new ();
  g_autoptr (GPtrArray) b = rows_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  KtstrStatsPolicy policy;

  slice_on (slicing, KTSTR_DIM_KERNEL);
  /* +20 % spread, +6 absolute: under the default 25 %, over a 10 % policy. */
  g_ptr_array_add (a, make_row ("s", "6.14.2", NULL, TRUE, 30, 0));
  g_ptr_array_add (b, make_row ("s", "6.15.0", NULL, TRUE, 36, 0));
  ktstr_stats_policy_init (&policy);
  g_autoptr (KtstrStatsReport) r = ktstr_stats_compare_rows (a, b, slicing, NULL, &policy, NULL);
  g_assert_cmpuint (r->regressions, ==, 0);
  g_assert_true (ktstr_stats_policy_init_uniform (&policy, 10.0, NULL));
  g_autoptr (KtstrStatsReport) r2 = ktstr_stats_compare_rows (a, b, slicing, NULL, &policy, NULL);
  g_assert_cmpuint (r2->regressions, ==, 1);
}

static void
test_tail_ratio_needs_iterations (void)
{
  g_autoptr (KtstrStatsRow) row = make_row ("s", NULL, NULL, TRUE, 0, 99);
  const KtstrMetricDef *tail = ktstr_metrics_get (KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO);
  double v;

  row->metrics[KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO] = 7.0;
  g_assert_false (ktstr_stats_row_read_metric (row, tail, &v));
  g_assert_cmpfloat (v, ==, 0.0);
  row->metrics[KTSTR_METRIC_TOTAL_ITERATIONS] = 100;
  g_assert_true (ktstr_stats_row_read_metric (row, tail, &v));
  g_assert_cmpfloat (v, ==, 7.0);
}

static void
test_no_average_duplicates (void)
{
  g_autoptr (GPtrArray) rows = rows_new ();
  g_autoptr (GError) error = NULL;
  gboolean slicing[KTSTR_DIM_COUNT];

  slice_on (slicing, KTSTR_DIM_KERNEL);
  g_ptr_array_add (rows, make_row ("s", "6.14.2", NULL, TRUE, 1, 1));
  g_ptr_array_add (rows, make_row ("s", "6.14.3", NULL, TRUE, 1, 1));
  g_assert_false (ktstr_stats_check_unique_keys (rows, slicing, "A", &error));
  g_assert_error (error, KTSTR_STATS_COMPARE_ERROR, KTSTR_STATS_COMPARE_ERROR_DUPLICATE_KEY);
  g_assert_nonnull (strstr (error->message, "--a-X"));
  g_clear_error (&error);
  g_ptr_array_remove_index (rows, 1);
  g_assert_true (ktstr_stats_check_unique_keys (rows, slicing, "A", &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/compare/pairing-key", test_pairing_key_strips_dirty_and_sorts_flags);
  g_test_add_func ("/stats/compare/average/passing-only", test_average_over_passing_runs);
  g_test_add_func ("/stats/compare/average/skipped", test_average_skipped_excluded);
  g_test_add_func ("/stats/compare/average/mixed-dirty", test_average_mixed_dirty);
  g_test_add_func ("/stats/compare/dual-gate", test_dual_gate);
  g_test_add_func ("/stats/compare/polarity", test_polarity);
  g_test_add_func ("/stats/compare/accounting", test_compare_accounting);
  g_test_add_func ("/stats/compare/substring", test_compare_substring_filter);
  g_test_add_func ("/stats/compare/policy-threshold", test_policy_threshold_applies);
  g_test_add_func ("/stats/compare/tail-ratio-floor", test_tail_ratio_needs_iterations);
  g_test_add_func ("/stats/compare/no-average-duplicates", test_no_average_duplicates);
  return g_test_run ();
}
