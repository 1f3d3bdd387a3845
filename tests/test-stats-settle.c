/* When `ktstr test --repeat auto` stops adding trials: the relative
 * standard error of each gated metric against a quarter of its relative
 * gate, or its standard error against a quarter of its absolute gate.
 * The expected figures are worked out by hand in the comments. */
#include "config.h"

#include <math.h>

#include "stats/row.h"
#include "stats/settle.h"

/* Rows whose metrics are all 0 except those set by the caller. */
static GPtrArray *
rows_new (guint n)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (rows, ktstr_stats_row_new ());
  return rows;
}

static void
set (GPtrArray *rows, KtstrMetricId id, const double *values)
{
  for (guint i = 0; i < rows->len; i++)
    ((KtstrStatsRow *)rows->pdata[i])->metrics[id] = values[i];
}

/* total_iterations (log scale, gates 100 and 10 %) at 9000 and 11000:
 * CV = 1414.21 / 10000 = 0.141421; sigma of ln = sqrt(ln(1.02)) =
 * 0.1407218; RSE = 0.1407218 / sqrt 2 = 0.0995053 against 0.025 (ratio
 * 3.980214); SE 1000 against 25 (ratio 40): not settled. */
static void
test_log_metric_unsettled (void)
{
  g_autoptr (GPtrArray) rows = rows_new (2);
  set (rows, KTSTR_METRIC_TOTAL_ITERATIONS, (const double[]){ 9000, 11000 });
  KtstrSettle w;
  g_assert_false (ktstr_trials_settled (rows, &w));
  g_assert_true (w.metric == ktstr_metrics_get (KTSTR_METRIC_TOTAL_ITERATIONS));
  g_assert_cmpuint (w.n, ==, 2);
  g_assert_cmpfloat_with_epsilon (w.rse, 0.0995053, 1e-6);
  g_assert_cmpfloat_with_epsilon (w.target, 0.025, 1e-12);
  g_assert_cmpfloat_with_epsilon (w.ratio, 3.980214, 1e-6);
}

/* A non-finite value is no trial: the same two samples as above. */
static void
test_nan_left_out (void)
{
  g_autoptr (GPtrArray) rows = rows_new (3);
  set (rows, KTSTR_METRIC_TOTAL_ITERATIONS, (const double[]){ 9000, NAN, 11000 });
  KtstrSettle w;
  g_assert_false (ktstr_trials_settled (rows, &w));
  g_assert_cmpuint (w.n, ==, 2);
  g_assert_cmpfloat_with_epsilon (w.rse, 0.0995053, 1e-6);
}

/* Identical trials (ties, zero spread): settled at ratio 0. */
static void
test_zero_spread (void)
{
  g_autoptr (GPtrArray) rows = rows_new (3);
  set (rows, KTSTR_METRIC_TOTAL_ITERATIONS, (const double[]){ 10000, 10000, 10000 });
  KtstrSettle w;
  g_assert_true (ktstr_trials_settled (rows, &w));
  g_assert_true (w.metric == ktstr_metrics_get (KTSTR_METRIC_TOTAL_ITERATIONS));
  g_assert_cmpfloat (w.rse, ==, 0.0);
  g_assert_cmpfloat (w.ratio, ==, 0.0);
}

/* worst_spread (linear, gates 5 and 25 %) at 10, 14, 18: CV = 4 / 14 =
 * 0.285714, RSE = 0.164957 against 0.0625 (ratio 2.639); SE = 2.309401
 * against 1.25 (ratio 1.847521): the smaller ratio decides, unsettled;
 * total_iterations, constant, is not the worst. */
static void
test_linear_metric_worst (void)
{
  g_autoptr (GPtrArray) rows = rows_new (3);
  set (rows, KTSTR_METRIC_TOTAL_ITERATIONS, (const double[]){ 10000, 10000, 10000 });
  set (rows, KTSTR_METRIC_WORST_SPREAD, (const double[]){ 10, 14, 18 });
  KtstrSettle w;
  g_assert_false (ktstr_trials_settled (rows, &w));
  g_assert_true (w.metric == ktstr_metrics_get (KTSTR_METRIC_WORST_SPREAD));
  g_assert_cmpfloat_with_epsilon (w.rse, 0.164957, 1e-6);
  g_assert_cmpfloat_with_epsilon (w.target, 0.0625, 1e-12);
  g_assert_cmpfloat_with_epsilon (w.ratio, 1.847521, 1e-6);
}

/* stall_count (linear, gates 1 and 50 %), a counter mostly 0: at 0, 0, 1
 * its RSE is 1.0 against 0.125 (ratio 8) and its SE 0.57735 / sqrt 3 =
 * 0.333333 against 0.25 (ratio 1.333333); at
 * five 0s and a 1 it is 0.408248 / sqrt 6 = 0.166667 (ratio 0.666667):
 * settled by the absolute gate although its RSE (1.0) never will be. */
static void
test_counter_settles_on_absolute_gate (void)
{
  g_autoptr (GPtrArray) three = rows_new (3);
  set (three, KTSTR_METRIC_STALL_COUNT, (const double[]){ 0, 0, 1 });
  KtstrSettle w;
  g_assert_false (ktstr_trials_settled (three, &w));
  g_assert_true (w.metric == ktstr_metrics_get (KTSTR_METRIC_STALL_COUNT));
  g_assert_cmpfloat_with_epsilon (w.ratio, 1.333333, 1e-6);

  g_autoptr (GPtrArray) six = rows_new (6);
  set (six, KTSTR_METRIC_STALL_COUNT, (const double[]){ 0, 0, 0, 0, 0, 1 });
  g_assert_true (ktstr_trials_settled (six, &w));
  g_assert_cmpfloat_with_epsilon (w.ratio, 0.666667, 1e-6);
}

/* One trial shows no noise: never settled.  Metrics that are 0 in every
 * trial have nothing to estimate: settled, with no metric named. */
static void
test_edges (void)
{
  g_autoptr (GPtrArray) one = rows_new (1);
  set (one, KTSTR_METRIC_TOTAL_ITERATIONS, (const double[]){ 10000 });
  KtstrSettle w;
  g_assert_false (ktstr_trials_settled (one, &w));
  g_assert_null (w.metric);
  g_assert_cmpuint (w.n, ==, 1);

  g_autoptr (GPtrArray) zeros = rows_new (3);
  g_assert_true (ktstr_trials_settled (zeros, &w));
  g_assert_null (w.metric);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/settle/log-metric-unsettled", test_log_metric_unsettled);
  g_test_add_func ("/stats/settle/nan-left-out", test_nan_left_out);
  g_test_add_func ("/stats/settle/zero-spread", test_zero_spread);
  g_test_add_func ("/stats/settle/linear-metric-worst", test_linear_metric_worst);
  g_test_add_func ("/stats/settle/counter-absolute-gate", test_counter_settles_on_absolute_gate);
  g_test_add_func ("/stats/settle/edges", test_edges);
  return g_test_run ();
}
