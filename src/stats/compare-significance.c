/* The significance half of `compare`: each metric's Welch test on the
 * trials behind the two averaged rows, Benjamini–Hochberg over the
 * report, and the verdicts that follow (see compare.h and significance.h
 * for the rules and why they were chosen). */
#include "config.h"

#include <float.h>
#include <math.h>

#include "stats/compare.h"

/* METRIC's registry reading of each of ROW's samples; a derived metric's
 * absent readings are left out (the others read an absent value as 0). */
static void
read_samples (const KtstrStatsRow *row, const KtstrMetricDef *metric, GArray *out)
{
  guint n = ktstr_stats_row_n_samples (row);

  g_array_set_size (out, 0);
  for (guint i = 0; i < n; i++)
    {
      double v;
      if (ktstr_stats_row_read_metric (ktstr_stats_row_sample (row, i), metric, &v)
          || !metric->is_derived)
        g_array_append_val (out, v);
    }
}

static gboolean
all_positive (const GArray *values)
{
  for (guint i = 0; i < values->len; i++)
    if (!(g_array_index (values, double, i) > 0.0))
      return FALSE;
  return TRUE;
}

static void
log_in_place (GArray *values)
{
  for (guint i = 0; i < values->len; i++)
    g_array_index (values, double, i) = log (g_array_index (values, double, i));
}

void
ktstr_stats_metric_result_test (KtstrStatsMetricResult *r, const KtstrStatsRow *a,
                                const KtstrStatsRow *b, double alpha)
{
  g_autoptr (GArray) va = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) vb = g_array_new (FALSE, FALSE, sizeof (double));

  r->gate_verdict = r->verdict;
  r->q = NAN;
  r->ci_rel_low = r->ci_rel_high = NAN;
  r->effect_size = NAN;
  read_samples (a, r->metric, va);
  read_samples (b, r->metric, vb);
  ktstr_sample_summarize ((const double *)va->data, va->len, &r->sample_a);
  ktstr_sample_summarize ((const double *)vb->data, vb->len, &r->sample_b);
  if (r->sample_a.n < 2 || r->sample_b.n < 2)
    return;

  KtstrSampleSummary test_a = r->sample_a, test_b = r->sample_b;
  r->log_scale = r->metric->scale == KTSTR_SCALE_LOG && all_positive (va) && all_positive (vb);
  if (r->log_scale)
    {
      log_in_place (va);
      log_in_place (vb);
      ktstr_sample_summarize ((const double *)va->data, va->len, &test_a);
      ktstr_sample_summarize ((const double *)vb->data, vb->len, &test_b);
    }
  r->tested = ktstr_welch_test (&test_a, &test_b, alpha, &r->welch);
  if (!r->tested)
    return;

  double pooled = sqrt ((test_a.stddev * test_a.stddev + test_b.stddev * test_b.stddev) / 2.0);
  r->effect_size = pooled > 0.0 ? fabs (r->welch.diff) / pooled : INFINITY;
  if (r->log_scale)
    {
      /* exp(interval of ln B - ln A) - 1: the interval of B / A - 1. */
      r->ci_rel_low = expm1 (r->welch.ci_low);
      r->ci_rel_high = expm1 (r->welch.ci_high);
    }
  else if (r->sample_a.mean != 0.0)
    {
      r->ci_rel_low = r->welch.ci_low / fabs (r->sample_a.mean);
      r->ci_rel_high = r->welch.ci_high / fabs (r->sample_a.mean);
    }
}

gboolean
ktstr_stats_metric_result_is_within_noise (const KtstrStatsMetricResult *r)
{
  return r->tested && r->gate_verdict != KTSTR_VERDICT_UNCHANGED
         && r->verdict == KTSTR_VERDICT_UNCHANGED;
}

gboolean
ktstr_stats_metric_result_is_unconfirmed (const KtstrStatsMetricResult *r)
{
  return r->metric != NULL && !r->tested && r->gate_verdict != KTSTR_VERDICT_UNCHANGED;
}

/* Trials a side to confirm an untested gate verdict: the observed change
 * against the metric's typical noise from the registry. */
static guint
trials_from_registry (const KtstrStatsMetricResult *r, double level)
{
  double cv = r->metric->typical_cv;
  double change, sigma;

  if (!(cv >= 0.0))
    return 0;
  if (r->metric->scale == KTSTR_SCALE_LOG && r->a > 0.0 && r->b > 0.0)
    {
      change = fabs (log (r->b / r->a));
      sigma = ktstr_log_sigma_from_cv (cv);
    }
  else
    {
      if (fabs (r->a) < DBL_EPSILON)
        return 0;
      change = fabs (r->delta / r->a);
      sigma = cv;
    }
  return ktstr_trials_needed (sigma > 0.0 ? change / sigma : INFINITY, level);
}

void
ktstr_stats_report_apply_significance (KtstrStatsReport *report,
                                       const KtstrStatsSignificance *significance)
{
  g_autoptr (GPtrArray) tested = g_ptr_array_new ();
  guint family = 0;

  report->has_significance = TRUE;
  report->significance = *significance;
  for (guint i = 0; i < report->pairs->len; i++)
    {
      const KtstrStatsPair *pair = g_ptr_array_index (report->pairs, i);
      for (guint j = 0; pair->metrics != NULL && j < pair->metrics->len; j++)
        {
          KtstrStatsMetricResult *r = &g_array_index (pair->metrics, KtstrStatsMetricResult, j);
          family++;
          if (r->tested)
            g_ptr_array_add (tested, r);
        }
    }
  report->tests = tested->len;

  if (significance->fdr > 0.0 && tested->len > 0)
    {
      g_autofree double *p = g_new (double, tested->len);
      g_autofree double *q = g_new (double, tested->len);
      for (guint i = 0; i < tested->len; i++)
        p[i] = ((KtstrStatsMetricResult *)g_ptr_array_index (tested, i))->welch.p;
      ktstr_bh_adjust (p, tested->len, q);
      for (guint i = 0; i < tested->len; i++)
        ((KtstrStatsMetricResult *)g_ptr_array_index (tested, i))->q = q[i];
    }

  /* Trial estimates aim at the level a change needs when it is the only
   * discovery of a report this size: an honest upper bound. */
  double level = ktstr_discovery_level (significance->alpha, significance->fdr, family);
  for (guint i = 0; i < report->pairs->len; i++)
    {
      const KtstrStatsPair *pair = g_ptr_array_index (report->pairs, i);
      for (guint j = 0; pair->metrics != NULL && j < pair->metrics->len; j++)
        {
          KtstrStatsMetricResult *r = &g_array_index (pair->metrics, KtstrStatsMetricResult, j);
          if (r->tested)
            r->significant = r->welch.p <= significance->alpha
                             && (significance->fdr <= 0.0 || r->q <= significance->fdr);
          if (r->gate_verdict == KTSTR_VERDICT_UNCHANGED)
            continue;
          if (!r->tested)
            {
              report->unconfirmed++;
              r->trials_to_confirm = trials_from_registry (r, level);
              continue;
            }
          /* The test runs on the samples (a geometric mean on the log
           * scale), the gate on the rounded arithmetic means: both must
           * point the same way. */
          gboolean same_direction = (r->welch.diff > 0.0) == (r->delta > 0.0);
          if (r->significant && same_direction)
            continue;
          r->verdict = KTSTR_VERDICT_UNCHANGED;
          report->within_noise++;
          r->trials_to_confirm = same_direction ? ktstr_trials_needed (r->effect_size, level) : 0;
        }
    }
}
