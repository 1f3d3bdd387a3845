#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/noise.h"
#include "util/json-util.h"
#include "util/table.h"

static void
noise_row_clear (gpointer p)
{
  g_free (((KtstrNoiseRow *)p)->key);
}

void
ktstr_noise_report_free (KtstrNoiseReport *report)
{
  if (report == NULL)
    return;
  g_array_unref (report->rows);
  g_array_unref (report->metrics);
  g_free (report);
}

/* The change as a distance on the test's scale, in the metric's bad
 * direction (a drop for higher-is-better metrics, a rise otherwise). */
static double
change_distance (const KtstrMetricDef *metric, gboolean log_scale, double change)
{
  if (!log_scale)
    return change;
  if (metric->polarity == KTSTR_POLARITY_HIGHER_BETTER)
    return change >= 1.0 ? INFINITY : -log1p (-change);
  return log1p (change);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  guint n = values->len;
  double *v = (double *)values->data;
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Fills ROW from the trials of GROUP for its metric; FALSE when the metric
 * is 0 in every trial (nothing to gate on, as in compare) or, derived,
 * present in fewer than two. */
static gboolean
measure (KtstrNoiseRow *row, const KtstrStatsRow *group, GArray *scratch)
{
  gboolean all_zero = TRUE, all_positive = TRUE;
  guint n = ktstr_stats_row_n_samples (group);

  g_array_set_size (scratch, 0);
  for (guint i = 0; i < n; i++)
    {
      double v;
      /* A derived metric is measured over the trials that have it. */
      if (!ktstr_stats_row_read_metric (ktstr_stats_row_sample (group, i), row->metric, &v)
          && row->metric->is_derived)
        continue;
      all_zero &= fabs (v) < DBL_EPSILON;
      all_positive &= v > 0.0;
      g_array_append_val (scratch, v);
    }
  if (all_zero || scratch->len < 2)
    return FALSE;
  ktstr_sample_summarize ((const double *)scratch->data, scratch->len, &row->sample);
  row->log_scale = row->metric->scale == KTSTR_SCALE_LOG && all_positive;
  if (row->log_scale)
    {
      for (guint i = 0; i < scratch->len; i++)
        g_array_index (scratch, double, i) = log (g_array_index (scratch, double, i));
      KtstrSampleSummary logs;
      ktstr_sample_summarize ((const double *)scratch->data, scratch->len, &logs);
      row->sigma = logs.stddev;
    }
  else
    row->sigma = row->sample.stddev == 0.0 ? 0.0 : row->sample.cv;
  return TRUE;
}

static gint
compare_rows_by_key (gconstpointer a, gconstpointer b)
{
  const KtstrNoiseRow *x = a, *y = b;
  int c = strcmp (x->key, y->key);
  return c != 0 ? c : (int)x->metric->id - (int)y->metric->id;
}

KtstrNoiseReport *
ktstr_noise_report_new (GPtrArray *rows, const char *substring,
                        const KtstrStatsSignificance *significance, double change,
                        const KtstrStatsPolicy *policy)
{
  KtstrNoiseReport *report = g_new0 (KtstrNoiseReport, 1);
  gboolean no_slicing[KTSTR_DIM_COUNT] = { FALSE };
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  g_autoptr (GArray) scratch = g_array_new (FALSE, FALSE, sizeof (double));

  report->rows = g_array_new (FALSE, TRUE, sizeof (KtstrNoiseRow));
  g_array_set_clear_func (report->rows, noise_row_clear);
  report->metrics = g_array_new (FALSE, TRUE, sizeof (KtstrNoiseMetricSummary));
  report->significance = *significance;
  report->change = change;

  for (guint i = 0; i < rows->len; i++)
    {
      KtstrStatsRow *row = g_ptr_array_index (rows, i);
      g_autofree char *text = substring ? ktstr_stats_row_filter_text (row) : NULL;
      if (text == NULL || strstr (text, substring) != NULL)
        g_ptr_array_add (kept, row);
    }
  g_autoptr (GPtrArray) groups = ktstr_stats_group_and_average (kept, no_slicing);

  for (guint g = 0; g < groups->len; g++)
    {
      const KtstrStatsRow *group = ((KtstrStatsGroup *)g_ptr_array_index (groups, g))->row;
      guint n = ktstr_stats_row_n_samples (group);
      if (n < 2)
        {
          report->single_trial++;
          continue;
        }
      report->configurations++;
      report->min_trials = report->configurations == 1 ? n : MIN (report->min_trials, n);
      report->max_trials = MAX (report->max_trials, n);
      g_autofree char *key = ktstr_stats_pairing_key (group, no_slicing, '/');
      for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
        {
          KtstrNoiseRow row = { 0 };
          row.metric = ktstr_metrics_get (m);
          if (!measure (&row, group, scratch))
            continue;
          row.key = g_strdup (key);
          row.change
              = change >= 0.0 ? change : ktstr_stats_policy_rel_threshold (policy, row.metric);
          g_array_append_val (report->rows, row);
        }
    }
  g_array_sort (report->rows, compare_rows_by_key);

  /* A compare of these configurations would test every row at once. */
  report->level = ktstr_discovery_level (significance->alpha, significance->fdr, report->rows->len);
  for (guint i = 0; i < report->rows->len; i++)
    {
      KtstrNoiseRow *row = &g_array_index (report->rows, KtstrNoiseRow, i);
      double distance = change_distance (row->metric, row->log_scale, row->change);
      double effect = row->sigma > 0.0 ? distance / row->sigma : INFINITY;
      if (distance == 0.0)
        effect = 0.0;
      row->power = isinf (effect) ? 1.0 : ktstr_power_at (effect, row->sample.n, report->level);
      row->trials = ktstr_trials_needed (effect, report->level);
    }

  g_autoptr (GArray) cvs = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint m = 0; m < KTSTR_METRIC_COUNT; m++)
    {
      KtstrNoiseMetricSummary summary = { ktstr_metrics_get (m), 0, NAN, NAN };
      g_array_set_size (cvs, 0);
      for (guint i = 0; i < report->rows->len; i++)
        {
          const KtstrNoiseRow *row = &g_array_index (report->rows, KtstrNoiseRow, i);
          if (row->metric->id == m && !isnan (row->sample.cv))
            g_array_append_val (cvs, row->sample.cv);
        }
      if (cvs->len == 0)
        continue;
      summary.configurations = cvs->len;
      summary.median_cv = median (cvs);
      summary.max_cv = g_array_index (cvs, double, cvs->len - 1);
      g_array_append_val (report->metrics, summary);
    }
  return report;
}

static char *
format_percent (double fraction)
{
  if (isnan (fraction))
    return g_strdup ("-");
  return g_strdup_printf ("%.1f%%", fraction * 100.0);
}

/* Two decimals, more for small values (ratios such as 0.0045). */
static char *
format_value (double v)
{
  int decimals = 2;
  if (v != 0.0 && fabs (v) < 1.0)
    decimals = CLAMP (2 - (int)floor (log10 (fabs (v))), 2, 6);
  return g_strdup_printf ("%.*f", decimals, v);
}

static char *
format_trials (guint trials)
{
  if (trials == 0)
    return g_strdup ("-");
  if (trials > KTSTR_MAX_TRIALS)
    return g_strdup_printf (">%u", KTSTR_MAX_TRIALS);
  return g_strdup_printf ("%u", trials);
}

static char *
format_level (const KtstrNoiseReport *r, guint tests)
{
  if (r->significance.fdr <= 0.0)
    return g_strdup_printf ("p <= %.2g (alpha %g, no false-discovery correction)", r->level,
                            r->significance.alpha);
  return g_strdup_printf ("p <= %.2g (alpha %g, FDR %g over %u tests, as the only discovery)",
                          r->level, r->significance.alpha, r->significance.fdr, tests);
}

static void
format_text (const KtstrNoiseReport *r, GString *out)
{
  static const KtstrAlign align[] = { KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_RIGHT,
                                      KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT,
                                      KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT };
  static const char *const headers[]
      = { "TEST", "METRIC", "N", "MEAN", "STDDEV", "CV", "CHANGE", "POWER", "TRIALS" };

  if (r->configurations == 0)
    g_string_append (out, "noise: no test configuration has 2 or more passing trials\n");
  else if (r->min_trials == r->max_trials)
    g_string_append_printf (out, "noise across trials: %u test configuration(s), %u trials each\n",
                            r->configurations, r->min_trials);
  else
    g_string_append_printf (out,
                            "noise across trials: %u test configuration(s), %u-%u trials each\n",
                            r->configurations, r->min_trials, r->max_trials);
  if (r->single_trial > 0)
    g_string_append_printf (out,
                            "  %u configuration(s) with a single passing trial left out: run "
                            "them again to measure their noise\n",
                            r->single_trial);
  if (r->rows->len == 0)
    return;

  g_autofree char *level = format_level (r, r->rows->len);
  if (r->change >= 0.0)
    g_string_append_printf (out, "TRIALS: trials a side to find a %g %% change", r->change * 100.0);
  else
    g_string_append (out, "TRIALS: trials a side to find a change of each metric's relative gate");
  g_string_append_printf (out, " with %.0f %% power,\n  at %s\n\n", KTSTR_TARGET_POWER * 100.0,
                          level);

  g_autoptr (KtstrTable) table = ktstr_table_new (G_N_ELEMENTS (headers), headers, align);
  for (guint i = 0; i < r->rows->len; i++)
    {
      const KtstrNoiseRow *row = &g_array_index (r->rows, KtstrNoiseRow, i);
      g_autofree char *n = g_strdup_printf ("%u", row->sample.n);
      g_autofree char *mean = format_value (row->sample.mean);
      g_autofree char *sd = format_value (row->sample.stddev);
      g_autofree char *cv = format_percent (row->sample.cv);
      g_autofree char *change = format_percent (row->change);
      g_autofree char *power
          = isnan (row->power) ? g_strdup ("-") : g_strdup_printf ("%.0f%%", row->power * 100.0);
      g_autofree char *trials = format_trials (row->trials);
      const char *cells[] = { row->key, row->metric->name, n, mean, sd, cv, change, power, trials };
      ktstr_table_add_row (table, cells);
    }
  ktstr_table_render (table, out, FALSE);

  static const char *const m_headers[]
      = { "METRIC", "CONFIGS", "MEDIAN_CV", "MAX_CV", "TYPICAL_CV" };
  static const KtstrAlign m_align[] = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT,
                                        KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT };
  g_autoptr (KtstrTable) metrics = ktstr_table_new (G_N_ELEMENTS (m_headers), m_headers, m_align);
  for (guint i = 0; i < r->metrics->len; i++)
    {
      const KtstrNoiseMetricSummary *s = &g_array_index (r->metrics, KtstrNoiseMetricSummary, i);
      g_autofree char *configs = g_strdup_printf ("%u", s->configurations);
      g_autofree char *med = format_percent (s->median_cv);
      g_autofree char *max = format_percent (s->max_cv);
      g_autofree char *typical = format_percent (s->metric->typical_cv);
      const char *cells[] = { s->metric->name, configs, med, max, typical };
      ktstr_table_add_row (metrics, cells);
    }
  g_string_append (out, "\nby metric (CV across trials; TYPICAL_CV is what compare assumes for "
                        "a single trial):\n");
  ktstr_table_render (metrics, out, FALSE);
}

/* "trials_needed": N, or null with "trials_reason". */
static void
json_trials (JsonBuilder *w, const char *name, guint trials)
{
  json_builder_set_member_name (w, name);
  if (trials > 0 && trials <= KTSTR_MAX_TRIALS)
    {
      json_builder_add_int_value (w, trials);
      return;
    }
  json_builder_add_null_value (w);
  g_autofree char *reason_name = g_strdup_printf ("%s_reason", name);
  g_autofree char *reason = trials == 0
                                ? g_strdup ("no change to detect")
                                : g_strdup_printf ("more than %u trials a side", KTSTR_MAX_TRIALS);
  ktstr_json_member_string (w, reason_name, reason);
}

static char *
format_json (const KtstrNoiseReport *r)
{
  JsonBuilder *w = json_builder_new ();

  json_builder_begin_object (w);
  ktstr_json_member_double (w, "alpha", r->significance.alpha);
  ktstr_json_member_statistic (w, "fdr", r->significance.fdr > 0.0 ? r->significance.fdr : NAN);
  ktstr_json_member_statistic (w, "level", r->level);
  ktstr_json_member_double (w, "power_target", KTSTR_TARGET_POWER);
  ktstr_json_member_statistic (w, "change", r->change >= 0.0 ? r->change : NAN);
  ktstr_json_member_int (w, "configurations", r->configurations);
  ktstr_json_member_int (w, "single_trial_configurations", r->single_trial);
  json_builder_set_member_name (w, "rows");
  json_builder_begin_array (w);
  for (guint i = 0; i < r->rows->len; i++)
    {
      const KtstrNoiseRow *row = &g_array_index (r->rows, KtstrNoiseRow, i);
      json_builder_begin_object (w);
      ktstr_json_member_string (w, "key", row->key);
      ktstr_json_member_string (w, "metric", row->metric->name);
      ktstr_json_member_string (w, "unit", row->metric->unit);
      ktstr_json_member_int (w, "n", row->sample.n);
      ktstr_json_member_statistic (w, "mean", row->sample.mean);
      ktstr_json_member_statistic (w, "stddev", row->sample.stddev);
      ktstr_json_member_statistic (w, "cv", row->sample.cv);
      ktstr_json_member_string (w, "scale", row->log_scale ? "log" : "linear");
      ktstr_json_member_statistic (w, "sigma", row->sigma);
      ktstr_json_member_double (w, "change", row->change);
      ktstr_json_member_statistic (w, "power", row->power);
      json_trials (w, "trials_needed", row->trials);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  json_builder_set_member_name (w, "metrics");
  json_builder_begin_array (w);
  for (guint i = 0; i < r->metrics->len; i++)
    {
      const KtstrNoiseMetricSummary *s = &g_array_index (r->metrics, KtstrNoiseMetricSummary, i);
      json_builder_begin_object (w);
      ktstr_json_member_string (w, "metric", s->metric->name);
      ktstr_json_member_int (w, "configurations", s->configurations);
      ktstr_json_member_statistic (w, "median_cv", s->median_cv);
      ktstr_json_member_statistic (w, "max_cv", s->max_cv);
      ktstr_json_member_statistic (w, "typical_cv", s->metric->typical_cv);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  json_builder_end_object (w);
  return ktstr_json_builder_finish (w);
}

char *
ktstr_noise_report_format (const KtstrNoiseReport *report, gboolean as_json)
{
  if (as_json)
    return format_json (report);
  GString *out = g_string_new (NULL);
  format_text (report, out);
  return g_string_free (out, FALSE);
}
