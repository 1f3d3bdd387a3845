/* The significance part of the compare report: the extra table columns
 * (N, CV, confidence interval, q-value, NOTE), the header and summary
 * lines, and the additive JSON members.  With --no-stats none of it is
 * printed, so that report reads exactly as before trials existed. */
#include "config.h"

#include <math.h>

#include "stats/compare-render.h"
#include "util/json-util.h"

gboolean
ktstr_stats_result_is_listed (const KtstrStatsMetricResult *m)
{
  return m->verdict != KTSTR_VERDICT_UNCHANGED || ktstr_stats_metric_result_is_within_noise (m);
}

void
ktstr_stats_noise_columns (const KtstrStatsReport *r, gboolean *with_test, gboolean *with_note)
{
  *with_test = FALSE;
  *with_note = FALSE;
  if (!r->has_significance)
    return;
  for (guint i = 0; i < r->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (r->pairs, i);
      for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          if (!ktstr_stats_result_is_listed (m))
            continue;
          *with_test |= r->tests > 0;
          *with_note |= ktstr_stats_metric_result_is_unconfirmed (m)
                        || ktstr_stats_metric_result_is_within_noise (m);
        }
    }
}

char *
ktstr_stats_ci_header (const KtstrStatsReport *r)
{
  return g_strdup_printf ("%g%% CI", 100.0 * (1.0 - r->significance.alpha));
}

static char *
format_cv (const KtstrSampleSummary *s)
{
  return isnan (s->cv) ? g_strdup ("-") : g_strdup_printf ("%.1f%%", s->cv * 100.0);
}

static char *
format_trials (guint trials, const KtstrMetricDef *metric)
{
  if (trials == 0)
    return g_strdup_printf ("noise of %s unknown", metric->name);
  if (trials > KTSTR_MAX_TRIALS)
    return g_strdup_printf ("more than %u trials a side needed", KTSTR_MAX_TRIALS);
  return g_strdup_printf ("~%u trials a side to confirm", trials);
}

char *
ktstr_stats_note (const KtstrStatsMetricResult *m)
{
  if (ktstr_stats_metric_result_is_unconfirmed (m))
    {
      g_autofree char *trials = format_trials (m->trials_to_confirm, m->metric);
      return g_strdup_printf ("unconfirmed (%u/%u trials); %s", m->sample_a.n, m->sample_b.n,
                              trials);
    }
  if (!ktstr_stats_metric_result_is_within_noise (m))
    return g_strdup ("");
  const char *gate = m->gate_verdict == KTSTR_VERDICT_REGRESSION ? "regression" : "improvement";
  /* On the log scale the test compares geometric means, the gates
   * arithmetic ones: an outlier can make them point opposite ways. */
  if (m->welch.diff == 0.0)
    return g_strdup_printf ("gates: %s; the trials' typical value did not move", gate);
  if ((m->welch.diff > 0.0) != (m->delta > 0.0))
    return g_strdup_printf ("gates: %s; the trials' typical value moved the other way", gate);
  g_autofree char *trials = format_trials (m->trials_to_confirm, m->metric);
  return g_strdup_printf ("gates: %s; %s", gate, trials);
}

void
ktstr_stats_noise_cells (const KtstrStatsReport *r, const KtstrStatsMetricResult *m, char **n,
                         char **cv, char **ci, char **q)
{
  g_autofree char *cv_a = format_cv (&m->sample_a);
  g_autofree char *cv_b = format_cv (&m->sample_b);

  *n = g_strdup_printf ("%u/%u", m->sample_a.n, m->sample_b.n);
  *cv = g_strdup_printf ("%s/%s", cv_a, cv_b);
  if (!m->tested)
    *ci = g_strdup ("-");
  else if (!isnan (m->ci_rel_low))
    *ci = g_strdup_printf ("[%+.1f%%, %+.1f%%]", m->ci_rel_low * 100.0, m->ci_rel_high * 100.0);
  else
    *ci = g_strdup_printf ("[%+.2f, %+.2f]%s", m->welch.ci_low, m->welch.ci_high, m->metric->unit);
  if (!m->tested)
    *q = g_strdup ("-");
  else
    *q = g_strdup_printf ("%.2g", r->significance.fdr > 0.0 ? m->q : m->welch.p);
}

void
ktstr_stats_significance_header (const KtstrStatsReport *r, GString *out)
{
  if (!r->has_significance || r->tests == 0)
    return;
  g_string_append_printf (out,
                          "significance: Welch's t-test per metric (log scale for rates and "
                          "durations), alpha %g, ",
                          r->significance.alpha);
  if (r->significance.fdr > 0.0)
    g_string_append_printf (out, "Benjamini-Hochberg FDR %g over %u tests\n", r->significance.fdr,
                            r->tests);
  else
    g_string_append_printf (out, "no false-discovery correction (%u tests)\n", r->tests);
}

void
ktstr_stats_significance_summary (const KtstrStatsReport *r, GString *out)
{
  if (!r->has_significance)
    return;
  if (r->within_noise > 0)
    g_string_append_printf (out,
                            "  %u change(s) passed the gates but are within noise (not "
                            "significant; counted unchanged)\n",
                            r->within_noise);
  if (r->unconfirmed > 0)
    g_string_append_printf (out,
                            "  %u verdict(s) unconfirmed: fewer than 2 trials on a side, the "
                            "gates alone decided (see NOTE)\n",
                            r->unconfirmed);
}

static const char *
verdict_name (KtstrVerdict v)
{
  return v == KTSTR_VERDICT_REGRESSION    ? "regression"
         : v == KTSTR_VERDICT_IMPROVEMENT ? "improvement"
                                          : "unchanged";
}

static void
json_test (JsonBuilder *w, const KtstrStatsReport *r, const KtstrStatsMetricResult *m)
{
  json_builder_set_member_name (w, "test");
  if (!m->tested)
    {
      json_builder_add_null_value (w);
      return;
    }
  json_builder_begin_object (w);
  ktstr_json_member_string (w, "method", "welch_t");
  ktstr_json_member_string (w, "scale", m->log_scale ? "log" : "linear");
  ktstr_json_member_statistic (w, "t", m->welch.t);
  ktstr_json_member_statistic (w, "df", m->welch.df);
  ktstr_json_member_statistic (w, "p_value", m->welch.p);
  ktstr_json_member_statistic (w, "q_value", m->q);
  ktstr_json_member_statistic (w, "ci_low", m->welch.ci_low);
  ktstr_json_member_statistic (w, "ci_high", m->welch.ci_high);
  ktstr_json_member_statistic (w, "ci_rel_low", m->ci_rel_low);
  ktstr_json_member_statistic (w, "ci_rel_high", m->ci_rel_high);
  ktstr_json_member_statistic (w, "effect_size", m->effect_size);
  json_builder_set_member_name (w, "significant");
  json_builder_add_boolean_value (w, m->significant);
  json_builder_end_object (w);
}

static void
json_confirmation (JsonBuilder *w, const KtstrStatsMetricResult *m)
{
  gboolean unconfirmed = ktstr_stats_metric_result_is_unconfirmed (m);
  json_builder_set_member_name (w, "confirmation");
  if (!unconfirmed && !ktstr_stats_metric_result_is_within_noise (m))
    {
      json_builder_add_null_value (w);
      return;
    }
  json_builder_begin_object (w);
  ktstr_json_member_string (w, "status", unconfirmed ? "unconfirmed" : "within_noise");
  json_builder_set_member_name (w, "trials_per_side");
  if (m->trials_to_confirm > 0 && m->trials_to_confirm <= KTSTR_MAX_TRIALS)
    json_builder_add_int_value (w, m->trials_to_confirm);
  else
    json_builder_add_null_value (w);
  g_autofree char *note = ktstr_stats_note (m);
  ktstr_json_member_string (w, "note", note);
  json_builder_end_object (w);
}

static void
json_side (JsonBuilder *w, const char *side, const KtstrSampleSummary *s)
{
  g_autofree char *n = g_strdup_printf ("n_%s", side);
  g_autofree char *mean = g_strdup_printf ("mean_%s", side);
  g_autofree char *sd = g_strdup_printf ("stddev_%s", side);
  g_autofree char *cv = g_strdup_printf ("cv_%s", side);
  ktstr_json_member_int (w, n, s->n);
  ktstr_json_member_statistic (w, mean, s->mean);
  ktstr_json_member_statistic (w, sd, s->stddev);
  ktstr_json_member_statistic (w, cv, s->cv);
}

void
ktstr_stats_json_noise_members (JsonBuilder *w, const KtstrStatsReport *r,
                                const KtstrStatsMetricResult *m)
{
  if (!r->has_significance)
    return;
  ktstr_json_member_string (w, "gate_verdict", verdict_name (m->gate_verdict));
  json_side (w, "a", &m->sample_a);
  json_side (w, "b", &m->sample_b);
  json_test (w, r, m);
  json_confirmation (w, m);
}

void
ktstr_stats_json_significance (JsonBuilder *w, const KtstrStatsReport *r)
{
  if (!r->has_significance)
    return;
  json_builder_set_member_name (w, "significance");
  json_builder_begin_object (w);
  ktstr_json_member_string (w, "method", "welch_t");
  ktstr_json_member_double (w, "alpha", r->significance.alpha);
  ktstr_json_member_statistic (w, "fdr", r->significance.fdr > 0.0 ? r->significance.fdr : NAN);
  ktstr_json_member_int (w, "tests", r->tests);
  ktstr_json_member_double (w, "power_target", KTSTR_TARGET_POWER);
  json_builder_end_object (w);
}

void
ktstr_stats_json_significance_counts (JsonBuilder *w, const KtstrStatsReport *r)
{
  if (!r->has_significance)
    return;
  ktstr_json_member_int (w, "within_noise", r->within_noise);
  ktstr_json_member_int (w, "unconfirmed", r->unconfirmed);
}
