/* The noise report on synthetic pools of repeated trials
 * (tests/test-stats-trials.c): what it measures per test configuration
 * and metric, and the trials it says a change needs. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/noise.h"
#include "stats/pool.h"
#include "tests/test-stats-trials.h"
#include "tests/test-stats-util.h"

#define SEED 20260110

static const KtstrStatsSignificance defaults = { KTSTR_DEFAULT_ALPHA, KTSTR_DEFAULT_FDR };

static void
test_noise_report (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-stats-noise-XXXXXX", NULL);
  KtstrStatsPolicy policy;
  const KtstrStatsSignificance off = { 0.05, 0.0 };

  stats_test_write_trial_pool (dir, SEED, 8, 0.0);
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_root (dir, FALSE);
  ktstr_stats_policy_init (&policy);
  g_autoptr (KtstrNoiseReport) r
      = ktstr_noise_report_new (pool->rows, NULL, &defaults, -1, &policy);

  /* Two commits x six tests, eight trials each. */
  g_assert_cmpuint (r->configurations, ==, 12);
  g_assert_cmpuint (r->min_trials, ==, 8);
  g_assert_cmpuint (r->max_trials, ==, 8);
  g_assert_cmpuint (r->single_trial, ==, 0);
  g_assert_cmpfloat_with_epsilon (r->level, 0.05 / r->rows->len, 1e-15);
  gboolean saw_iterations = FALSE;
  for (guint i = 0; i < r->rows->len; i++)
    {
      const KtstrNoiseRow *row = &g_array_index (r->rows, KtstrNoiseRow, i);
      g_assert_cmpuint (row->sample.n, ==, 8);
      g_assert_cmpfloat (row->change, ==, row->metric->default_rel);
      if (row->metric->id != KTSTR_METRIC_TOTAL_ITERATIONS)
        continue;
      /* The generator's 8 % throughput noise is what is measured, and a
       * 10 % gate at that noise needs more trials than a 30 % change. */
      saw_iterations = TRUE;
      g_assert_true (row->log_scale);
      g_assert_cmpfloat (row->sample.cv, >, 0.02);
      g_assert_cmpfloat (row->sample.cv, <, 0.2);
      g_assert_cmpuint (row->trials, >, 2);
    }
  g_assert_true (saw_iterations);

  /* A bigger change needs fewer trials; the page locality (always 1.0)
   * needs the minimum. */
  g_autoptr (KtstrNoiseReport) big
      = ktstr_noise_report_new (pool->rows, "steady", &off, 0.5, &policy);
  g_assert_cmpuint (big->configurations, ==, 4); /* steady and steady_mixed, two commits */
  for (guint i = 0; i < big->rows->len; i++)
    {
      const KtstrNoiseRow *row = &g_array_index (big->rows, KtstrNoiseRow, i);
      g_assert_cmpfloat (row->change, ==, 0.5);
      if (row->metric->id == KTSTR_METRIC_WORST_PAGE_LOCALITY)
        {
          g_assert_cmpfloat (row->sample.cv, ==, 0.0);
          g_assert_cmpuint (row->trials, ==, 2);
          g_assert_cmpfloat (row->power, ==, 1.0);
        }
    }

  /* The text and JSON forms carry the same rows. */
  g_autofree char *text = ktstr_noise_report_format (r, FALSE);
  g_assert_nonnull (
      strstr (text, "noise across trials: 12 test configuration(s), 8 trials each\n"));
  g_assert_nonnull (strstr (text, "TEST  "));
  g_autofree char *json = ktstr_noise_report_format (r, TRUE);
  g_assert_nonnull (strstr (json, "\"configurations\": 12"));
  stats_test_rm_rf (dir);
}

static void
test_noise_single_trials (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-stats-noise-XXXXXX", NULL);
  KtstrStatsPolicy policy;

  stats_test_write_trial_pool (dir, SEED, 1, 0.0);
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_root (dir, FALSE);
  ktstr_stats_policy_init (&policy);
  g_autoptr (KtstrNoiseReport) r
      = ktstr_noise_report_new (pool->rows, NULL, &defaults, -1, &policy);
  g_assert_cmpuint (r->configurations, ==, 0);
  g_assert_cmpuint (r->single_trial, ==, 12);
  g_assert_cmpuint (r->rows->len, ==, 0);
  g_autofree char *text = ktstr_noise_report_format (r, FALSE);
  g_assert_cmpstr (text, ==,
                   "noise: no test configuration has 2 or more passing trials\n"
                   "  12 configuration(s) with a single passing trial left out: run them again "
                   "to measure their noise\n");
  stats_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/noise/report", test_noise_report);
  g_test_add_func ("/stats/noise/report/single-trials", test_noise_single_trials);
  return g_test_run ();
}
