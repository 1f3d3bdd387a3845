/* Noise-aware compare and the noise report on synthetic pools of repeated
 * trials (tests/test-stats-trials.c): an A/A pool must come out clean
 * although the gates alone fire on its noise, a 30 % throughput drop at 5
 * trials a side must be found, and single trials keep the gates' verdict,
 * marked unconfirmed. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/compare-render.h"
#include "stats/compare.h"
#include "stats/noise.h"
#include "stats/pool.h"
#include "tests/test-stats-trials.h"
#include "tests/test-stats-util.h"

#define SEED 20260110

typedef struct
{
  char *dir;
  KtstrStatsPool *pool;
  GPtrArray *groups_a;
  GPtrArray *groups_b;
  KtstrStatsReport *report;
} Trials;

static void
trials_clear (Trials *t)
{
  g_clear_pointer (&t->report, ktstr_stats_report_free);
  g_clear_pointer (&t->groups_a, g_ptr_array_unref);
  g_clear_pointer (&t->groups_b, g_ptr_array_unref);
  g_clear_pointer (&t->pool, ktstr_stats_pool_free);
  if (t->dir != NULL)
    stats_test_rm_rf (t->dir);
  g_clear_pointer (&t->dir, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Trials, trials_clear)

static GPtrArray *
rows_of_commit (KtstrStatsPool *pool, const char *commit)
{
  GPtrArray *rows = g_ptr_array_new ();
  for (guint i = 0; i < pool->rows->len; i++)
    {
      KtstrStatsRow *row = g_ptr_array_index (pool->rows, i);
      if (g_strcmp0 (row->project_commit, commit) == 0)
        g_ptr_array_add (rows, row);
    }
  return rows;
}

static GPtrArray *
group_rows (GPtrArray *groups)
{
  GPtrArray *rows = g_ptr_array_new ();
  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (rows, ((KtstrStatsGroup *)g_ptr_array_index (groups, i))->row);
  return rows;
}

/* Writes a pool, averages each side per key and compares aaaaaaa with
 * bbbbbbb; SIGNIFICANCE NULL = the gates alone. */
static void
trials_compare (Trials *t, guint trials, double drop, const KtstrStatsSignificance *significance)
{
  gboolean slicing[KTSTR_DIM_COUNT] = { FALSE };
  KtstrStatsPolicy policy;

  t->dir = g_dir_make_tmp ("ktstr-stats-trials-XXXXXX", NULL);
  g_assert_nonnull (t->dir);
  stats_test_write_trial_pool (t->dir, SEED, trials, drop);
  t->pool = ktstr_stats_pool_load_root (t->dir, FALSE);
  g_assert_cmpuint (t->pool->rows->len, ==, 2 * 6 * trials);
  g_autoptr (GPtrArray) a = rows_of_commit (t->pool, "aaaaaaa");
  g_autoptr (GPtrArray) b = rows_of_commit (t->pool, "bbbbbbb");
  slicing[KTSTR_DIM_PROJECT_COMMIT] = TRUE;
  t->groups_a = ktstr_stats_group_and_average (a, slicing);
  t->groups_b = ktstr_stats_group_and_average (b, slicing);
  g_autoptr (GPtrArray) ra = group_rows (t->groups_a);
  g_autoptr (GPtrArray) rb = group_rows (t->groups_b);
  ktstr_stats_policy_init (&policy);
  t->report = ktstr_stats_compare_rows (ra, rb, slicing, NULL, &policy, significance);
}

static const KtstrStatsSignificance defaults = { KTSTR_DEFAULT_ALPHA, KTSTR_DEFAULT_FDR };

static gboolean
is_throughput (const KtstrMetricDef *m)
{
  return m->id == KTSTR_METRIC_TOTAL_ITERATIONS
         || m->id == KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER;
}

static void
test_averaging_keeps_samples (void)
{
  g_auto (Trials) t = { 0 };

  trials_compare (&t, 5, 0.0, NULL);
  g_assert_cmpuint (t.groups_a->len, ==, 6);
  const KtstrStatsGroup *g = g_ptr_array_index (t.groups_a, 0);
  g_assert_cmpuint (ktstr_stats_row_n_samples (g->row), ==, 5);
  /* The averaged value is still the mean of the samples (rounded for
   * integer counters). */
  double sum = 0.0;
  for (guint i = 0; i < 5; i++)
    sum += ktstr_stats_row_sample (g->row, i)->metrics[KTSTR_METRIC_WORST_SPREAD];
  g_assert_cmpfloat_with_epsilon (g->row->metrics[KTSTR_METRIC_WORST_SPREAD], sum / 5, 1e-9);
  /* A sidecar's own row is its single sample. */
  const KtstrStatsRow *raw = g_ptr_array_index (t.pool->rows, 0);
  g_assert_cmpuint (ktstr_stats_row_n_samples (raw), ==, 1);
  g_assert_true (ktstr_stats_row_sample (raw, 0) == raw);
  /* Without significance nothing is tested. */
  g_assert_false (t.report->has_significance);
  g_assert_cmpuint (t.report->tests, ==, 0);
}

static void
test_aa_is_clean (void)
{
  g_auto (Trials) gates = { 0 };
  g_auto (Trials) tested = { 0 };

  /* The gates alone see regressions in noise... */
  trials_compare (&gates, 5, 0.0, NULL);
  g_assert_cmpuint (gates.report->regressions + gates.report->improvements, >, 0);
  /* ...the tests turn every one of them down. */
  trials_compare (&tested, 5, 0.0, &defaults);
  g_test_message ("A/A: the gates alone: %u regressions, %u improvements; with the tests: %u "
                  "within noise of %u tests",
                  gates.report->regressions, gates.report->improvements,
                  tested.report->within_noise, tested.report->tests);
  g_assert_cmpuint (tested.report->regressions, ==, 0);
  g_assert_cmpuint (tested.report->improvements, ==, 0);
  g_assert_cmpuint (tested.report->within_noise, ==,
                    gates.report->regressions + gates.report->improvements);
  g_assert_cmpuint (tested.report->unconfirmed, ==, 0);
  g_assert_cmpuint (tested.report->tests, ==,
                    tested.report->unchanged + tested.report->regressions
                        + tested.report->improvements);
  /* Within-noise results say how many trials would settle them. */
  for (guint i = 0; i < tested.report->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (tested.report->pairs, i);
      for (guint j = 0; j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          g_assert_true (m->tested);
          g_assert_true (m->welch.p >= 0.0 && m->welch.p <= 1.0);
          g_assert_true (m->q >= m->welch.p);
          if (ktstr_stats_metric_result_is_within_noise (m))
            g_assert_cmpuint (m->trials_to_confirm, >, 5);
        }
    }
}

static void
test_ab_30_percent_found (void)
{
  g_auto (Trials) t = { 0 };
  guint found = 0;

  trials_compare (&t, 5, 0.30, &defaults);
  for (guint i = 0; i < t.report->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (t.report->pairs, i);
      for (guint j = 0; j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          if (m->verdict != KTSTR_VERDICT_REGRESSION)
            continue;
          /* Only the planted drop is reported, on the log scale, with an
           * interval below zero. */
          g_assert_true (is_throughput (m->metric));
          g_assert_true (m->log_scale);
          g_assert_true (m->significant);
          g_assert_cmpfloat (m->q, <=, KTSTR_DEFAULT_FDR);
          g_assert_cmpfloat (m->ci_rel_high, <, 0.0);
          g_assert_cmpfloat (m->ci_rel_low, <, -0.15);
          found++;
        }
    }
  g_test_message ("A/B 30 %% drop: %u of 12 planted regressions found", found);
  /* 6 tests x 2 throughput metrics were slowed down. */
  g_assert_cmpuint (found, >=, 10);
  g_assert_cmpuint (t.report->regressions, ==, found);
  g_assert_cmpuint (t.report->improvements, ==, 0);
}

static void
test_single_trial_unconfirmed (void)
{
  g_auto (Trials) gates = { 0 };
  g_auto (Trials) tested = { 0 };

  trials_compare (&gates, 1, 0.30, NULL);
  trials_compare (&tested, 1, 0.30, &defaults);
  /* One trial a side: the gates decide exactly as without statistics. */
  g_assert_cmpuint (tested.report->regressions, ==, gates.report->regressions);
  g_assert_cmpuint (tested.report->improvements, ==, gates.report->improvements);
  g_assert_cmpuint (tested.report->unchanged, ==, gates.report->unchanged);
  g_assert_cmpuint (tested.report->tests, ==, 0);
  g_assert_cmpuint (tested.report->unconfirmed, ==,
                    tested.report->regressions + tested.report->improvements);
  g_assert_cmpuint (tested.report->unconfirmed, >, 0);
  for (guint i = 0; i < tested.report->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (tested.report->pairs, i);
      for (guint j = 0; j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          g_assert_false (m->tested);
          g_assert_cmpuint (m->sample_a.n, ==, 1);
          if (!ktstr_stats_metric_result_is_unconfirmed (m))
            continue;
          /* The registry's typical noise gives an estimate (or says it
           * has none), never fewer than the 2 trials a test needs. */
          g_assert_true (m->trials_to_confirm == 0 || m->trials_to_confirm >= 2);
          if (is_throughput (m->metric))
            g_assert_cmpuint (m->trials_to_confirm, >=, 2);
        }
    }
}

static void
test_fdr_off_tests_each_at_alpha (void)
{
  const KtstrStatsSignificance loose = { 0.05, 0.0 };
  g_auto (Trials) t = { 0 };

  trials_compare (&t, 5, 0.0, &loose);
  for (guint i = 0; i < t.report->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (t.report->pairs, i);
      for (guint j = 0; j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          g_assert_true (isnan (m->q));
          g_assert_cmpint (m->significant, ==, m->welch.p <= 0.05);
        }
    }
}

static KtstrStatsRow *
latency_row (const char *commit, double p99)
{
  KtstrStatsRow *row = ktstr_stats_row_new ();
  row->scenario = g_strdup ("s");
  row->topology = g_strdup ("1n1l2c1t");
  row->scheduler = g_strdup ("eevdf");
  row->work_type = g_strdup ("CpuSpin");
  row->project_commit = g_strdup (commit);
  row->passed = TRUE;
  row->metrics[KTSTR_METRIC_WORST_P99_WAKE_LATENCY_US] = p99;
  return row;
}

static void
test_outlier_direction (void)
{
  /* A's arithmetic mean (280) is above B's (200): the gates see a 29 %
   * improvement of a lower-is-better latency.  But A is 100 but for one
   * outlier, so on the log scale (geometric means 158 and 200) the trials
   * moved up: not an improvement, and the note says why. */
  const double a_values[] = { 100, 100, 100, 100, 1000 };
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
  g_autoptr (GPtrArray) b = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
  gboolean slicing[KTSTR_DIM_COUNT] = { FALSE };
  KtstrStatsPolicy policy;

  for (guint i = 0; i < G_N_ELEMENTS (a_values); i++)
    {
      g_ptr_array_add (a, latency_row ("aaaaaaa", a_values[i]));
      g_ptr_array_add (b, latency_row ("bbbbbbb", 200));
    }
  slicing[KTSTR_DIM_PROJECT_COMMIT] = TRUE;
  g_autoptr (GPtrArray) ga = ktstr_stats_group_and_average (a, slicing);
  g_autoptr (GPtrArray) gb = ktstr_stats_group_and_average (b, slicing);
  g_autoptr (GPtrArray) ra = group_rows (ga);
  g_autoptr (GPtrArray) rb = group_rows (gb);
  ktstr_stats_policy_init (&policy);
  g_autoptr (KtstrStatsReport) r
      = ktstr_stats_compare_rows (ra, rb, slicing, NULL, &policy, &defaults);
  const KtstrStatsPair *p = g_ptr_array_index (r->pairs, 0);
  g_assert_cmpuint (p->metrics->len, ==, 1);
  const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, 0);
  g_assert_cmpint (m->gate_verdict, ==, KTSTR_VERDICT_IMPROVEMENT);
  g_assert_true (m->log_scale);
  g_assert_cmpfloat (m->welch.diff, >, 0.0);
  g_assert_cmpint (m->verdict, ==, KTSTR_VERDICT_UNCHANGED);
  g_assert_true (ktstr_stats_metric_result_is_within_noise (m));
  g_assert_cmpuint (m->trials_to_confirm, ==, 0);
  g_autofree char *note = ktstr_stats_note (m);
  g_assert_cmpstr (note, ==, "gates: improvement; the trials' typical value moved the other way");
  g_assert_cmpuint (r->within_noise, ==, 1);
  g_assert_cmpuint (r->improvements, ==, 0);
}

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
  g_test_add_func ("/stats/noise/compare/averaging-keeps-samples", test_averaging_keeps_samples);
  g_test_add_func ("/stats/noise/compare/aa-clean", test_aa_is_clean);
  g_test_add_func ("/stats/noise/compare/ab-30-percent", test_ab_30_percent_found);
  g_test_add_func ("/stats/noise/compare/single-trial-unconfirmed", test_single_trial_unconfirmed);
  g_test_add_func ("/stats/noise/compare/fdr-off", test_fdr_off_tests_each_at_alpha);
  g_test_add_func ("/stats/noise/compare/outlier-direction", test_outlier_direction);
  g_test_add_func ("/stats/noise/report", test_noise_report);
  g_test_add_func ("/stats/noise/report/single-trials", test_noise_single_trials);
  return g_test_run ();
}
