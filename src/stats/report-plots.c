/* Per metric, one figure with a row per test configuration and every
 * trial a dot.
 *
 * In a comparison each row has A's trials above B's, both means as ticks,
 * and the gate as a band around A's mean: B's mean inside the band cannot
 * pass the gates (|B - A| < max(abs, rel x |A|)); outside it passes them,
 * and the verdict at the right says whether the trials confirmed it.  Each
 * row has its own axis: the question is how far B moved against that
 * row's gate and noise, and configurations of one metric differ by orders
 * of magnitude (a 2-CPU and a 16-CPU test's iterations).
 *
 * For one selection the rows share one axis, so configurations compare
 * with each other (a logarithmic one when the values span more than two
 * decades).
 *
 * Rows are labelled by what differs between them; what every row shares
 * (the kernel, the scheduler, ...) is said once above the figures. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/html.h"
#include "stats/report-draw.h"
#include "stats/report-labels.h"

/* A figure draws at most this many rows; the rest are counted. */
#define MAX_ROWS 30

#define WIDTH 1000.0
#define LABEL_X 8.0
#define PLOT_X0 330.0
#define PLOT_X1 880.0
#define VERDICT_X 892.0
#define LEGEND_H 26.0
#define ROW_H_PAIR 50.0
#define ROW_H_ONE 24.0
#define AXIS_H 16.0
#define KEY_CHARS 50

char *
ktstr_report_metric_anchor (const char *metric)
{
  return g_strconcat ("m-", metric, NULL);
}

/* --- Drawing pieces ------------------------------------------------------ */

/* The values of METRIC over ROW's trials (0 where absent, as compare
 * reads them). */
static GArray *
trial_values (const KtstrStatsRow *row, const KtstrMetricDef *metric)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (double));
  guint n = ktstr_stats_row_n_samples (row);
  for (guint i = 0; i < n; i++)
    {
      double v = 0.0;
      if (!ktstr_stats_row_read_metric (ktstr_stats_row_sample (row, i), metric, &v))
        v = 0.0;
      g_array_append_val (out, v);
    }
  return out;
}

static double
mean_of (GArray *v)
{
  double sum = 0.0;
  for (guint i = 0; i < v->len; i++)
    sum += g_array_index (v, double, i);
  return v->len ? sum / v->len : NAN;
}

typedef struct
{
  GString *out;
  guint marks;
  gboolean is_log; /* the x scale maps log10(value) */
} Canvas;

static double
xmap (const Canvas *cv, const KtstrScale *sc, double v)
{
  if (cv->is_log)
    return ktstr_scale_map (sc, log10 (MAX (v, 1e-300)));
  return ktstr_scale_map (sc, v);
}

static void
axis (Canvas *cv, const KtstrScale *sc, GArray *ticks, double y_top, double y_axis)
{
  for (guint t = 0; t < ticks->len; t++)
    {
      double v = g_array_index (ticks, double, t);
      double x = ktstr_scale_map (sc, v);
      g_autofree char *label = ktstr_format_compact (cv->is_log ? pow (10.0, v) : v);
      g_string_append_printf (cv->out,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#e6e8ec\"/>",
                              x, y_top, x, y_axis);
      ktstr_html_printf (cv->out,
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\" "
                         "fill=\"#6b7480\">%s</text>",
                         x, y_axis + 9.0, label);
    }
}

static void
dots (Canvas *cv, const KtstrReport *r, const KtstrScale *sc, const KtstrStatsRow *row,
      GArray *values, double y, const char *color, const char *side, const char *unit)
{
  for (guint i = 0; i < values->len; i++)
    {
      double v = g_array_index (values, double, i);
      /* Equal values would hide each other: spread them a little. */
      double dy = ((double)(i % 3) - 1.0) * 3.0;
      g_autofree char *text = ktstr_format_precise (v);
      const KtstrSidecar *sc_src = ktstr_stats_row_sample (row, i)->source;
      g_autofree char *run = sc_src ? ktstr_report_sidecar_origin (r, sc_src) : g_strdup ("-");
      g_string_append_printf (cv->out,
                              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.4\" fill=\"%s\" "
                              "fill-opacity=\"0.75\">",
                              xmap (cv, sc, v), y + dy, color);
      ktstr_html_printf (cv->out, "<title>%strial %u of %u: %s%s (%s)</title></circle>", side,
                         i + 1, values->len, text, unit, run);
      cv->marks++;
    }
}

static void
mean_tick (Canvas *cv, const KtstrScale *sc, double mean, double y, const char *color)
{
  if (!isfinite (mean))
    return;
  double x = xmap (cv, sc, mean);
  g_string_append_printf (cv->out,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"2.5\"/>",
                          x, y - 7.0, x, y + 7.0, color);
  cv->marks++;
}

static void
row_label (Canvas *cv, double y, const char *label, const char *full_key, const char *sub)
{
  g_autofree char *shown = NULL;
  if (g_utf8_strlen (label, -1) > KEY_CHARS)
    {
      g_autofree char *head = g_utf8_substring (label, 0, KEY_CHARS - 1);
      shown = g_strconcat (head, "…", NULL);
    }
  else
    shown = g_strdup (label);
  ktstr_html_printf (cv->out, "<text x=\"%.1f\" y=\"%.1f\"><title>%s</title>%s</text>", LABEL_X, y,
                     full_key, shown);
  if (sub != NULL)
    ktstr_html_printf (cv->out,
                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#6b7480\">%s</text>",
                       LABEL_X, y + 13.0, sub);
}

static void
figure_open (GString *out, const KtstrMetricDef *metric, const char *what)
{
  g_autofree char *anchor = ktstr_report_metric_anchor (metric->name);
  ktstr_html_printf (out,
                     "<figure id=\"%s\"><figcaption>%s%s%s%s <span class=\"muted small\">%s is "
                     "better; %s</span></figcaption>\n",
                     anchor, metric->name, *metric->unit ? " (" : "", metric->unit,
                     *metric->unit ? ")" : "",
                     metric->polarity == KTSTR_POLARITY_LOWER_BETTER ? "lower" : "higher", what);
}

static void
svg_open (GString *out, const char *metric, double height, guint rows)
{
  ktstr_html_printf (out,
                     "<svg class=\"chart\" data-metric=\"%s\" data-rows=\"%u\" "
                     "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                     "width=\"%.0f\" height=\"%.0f\" role=\"img\">",
                     metric, rows, WIDTH, height, WIDTH, height);
}

/* Closes the SVG opened at SVG_START, whose marks are counted now that
 * they are drawn. */
static void
svg_close (GString *out, gsize svg_start, guint marks)
{
  g_autofree char *attr = g_strdup_printf (" data-marks=\"%u\"", marks);
  g_string_insert (out, (gssize)(svg_start + strlen ("<svg class=\"chart\"")), attr);
  g_string_append (out, "</svg>\n");
}

static void
legend (Canvas *cv, const char *label_a, const char *label_b, const char *scale_note)
{
  double x = PLOT_X0;
  if (label_a != NULL)
    {
      ktstr_html_printf (cv->out,
                         "<circle cx=\"%.1f\" cy=\"12\" r=\"4\" fill=\"" KTSTR_REPORT_COLOR_A
                         "\"/><text x=\"%.1f\" y=\"16\">A: %s</text>",
                         x, x + 8.0, label_a);
      x += 30.0 + 6.5 * g_utf8_strlen (label_a, -1);
      ktstr_html_printf (cv->out,
                         "<circle cx=\"%.1f\" cy=\"12\" r=\"4\" fill=\"" KTSTR_REPORT_COLOR_B
                         "\"/><text x=\"%.1f\" y=\"16\">B: %s</text>",
                         x, x + 8.0, label_b);
      x += 30.0 + 6.5 * g_utf8_strlen (label_b, -1);
    }
  else
    {
      g_string_append_printf (cv->out,
                              "<circle cx=\"%.1f\" cy=\"12\" r=\"4\" fill=\"" KTSTR_REPORT_COLOR_A
                              "\"/><text x=\"%.1f\" y=\"16\">a trial</text>",
                              x, x + 8.0);
      x += 70.0;
    }
  g_string_append_printf (cv->out,
                          "<line x1=\"%.1f\" y1=\"6\" x2=\"%.1f\" y2=\"18\" stroke=\"#333\" "
                          "stroke-width=\"2.5\"/><text x=\"%.1f\" y=\"16\">mean</text>",
                          x, x, x + 6.0);
  x += 50.0;
  if (label_a != NULL)
    g_string_append_printf (cv->out,
                            "<rect x=\"%.1f\" y=\"5\" width=\"18\" height=\"14\" fill=\"#dfe3ea\"/>"
                            "<text x=\"%.1f\" y=\"16\">gate: B's mean in here does not pass</text>",
                            x, x + 24.0);
  if (scale_note != NULL)
    ktstr_html_printf (cv->out,
                       "<text x=\"%.1f\" y=\"16\" text-anchor=\"end\" fill=\"#6b7480\">%s</text>",
                       WIDTH - 8.0, scale_note);
}

static void
list_not_drawn (GString *out, GPtrArray *empty, const char *why)
{
  if (empty->len == 0)
    return;
  ktstr_html_printf (out, "<p class=\"small muted\">Not drawn (%s): ", why);
  for (guint i = 0; i < empty->len; i++)
    ktstr_html_printf (out, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index (empty, i));
  g_string_append (out, ".</p>\n");
}

/* --- A comparison ---------------------------------------------------------- */

typedef struct
{
  const KtstrStatsPair *pair;
  const KtstrStatsMetricResult *result;
  guint order; /* position in the report, to keep the sort stable */
} PairRow;

/* Listed verdicts first (regressions, improvements, within noise), then
 * the rest in report order. */
static gint
rank (const KtstrStatsMetricResult *m)
{
  if (m->verdict == KTSTR_VERDICT_REGRESSION)
    return 0;
  if (m->verdict == KTSTR_VERDICT_IMPROVEMENT)
    return 1;
  return ktstr_stats_metric_result_is_within_noise (m) ? 2 : 3;
}

static gint
compare_pair_rows (gconstpointer pa, gconstpointer pb)
{
  const PairRow *a = pa, *b = pb;
  gint by_rank = rank (a->result) - rank (b->result);
  return by_rank != 0 ? by_rank : (a->order < b->order ? -1 : a->order > b->order);
}

static const char *
verdict_word (const KtstrStatsMetricResult *m, const char **color)
{
  if (m->verdict == KTSTR_VERDICT_REGRESSION)
    return *color = "#b3261e", "REGRESSION";
  if (m->verdict == KTSTR_VERDICT_IMPROVEMENT)
    return *color = "#1e7b34", "improvement";
  if (ktstr_stats_metric_result_is_within_noise (m))
    return *color = "#5b6573", "within noise";
  return *color = "#5b6573", "unchanged";
}

/* The scale of one row: every value, and the gate band's edges when they
 * are finite. */
static void
row_scale (KtstrScale *sc, GArray *ticks_out, GArray *a, GArray *b, double band_lo, double band_hi)
{
  double lo = INFINITY, hi = -INFINITY;
  GArray *sides[] = { a, b };
  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < sides[s]->len; i++)
      {
        double v = g_array_index (sides[s], double, i);
        lo = MIN (lo, v);
        hi = MAX (hi, v);
      }
  /* A metric that is never negative (every one in the registry) gets no
   * axis below 0 for a gate band that reaches past it. */
  gboolean non_negative = lo >= 0.0;
  if (isfinite (band_lo) && isfinite (band_hi))
    {
      lo = MIN (lo, non_negative ? MAX (band_lo, 0.0) : band_lo);
      hi = MAX (hi, band_hi);
    }
  g_autoptr (GArray) ticks = ktstr_nice_ticks (&lo, &hi, 4);
  if (non_negative && lo < 0.0)
    {
      /* The nice ticks widened past 0: start at 0. */
      lo = 0.0;
      while (ticks->len > 0 && g_array_index (ticks, double, 0) < 0.0)
        g_array_remove_index (ticks, 0);
    }
  g_array_append_vals (ticks_out, ticks->data, ticks->len);
  *sc = (KtstrScale){ lo, hi, PLOT_X0, PLOT_X1 };
}

static void
pair_row (Canvas *cv, const KtstrReport *r, const KtstrReportLabels *labels, const PairRow *pr,
          double y)
{
  const KtstrStatsMetricResult *m = pr->result;
  const KtstrMetricDef *metric = m->metric;
  g_autoptr (GArray) a = trial_values (pr->pair->a, metric);
  g_autoptr (GArray) b = trial_values (pr->pair->b, metric);
  /* The gate around A's mean: what B's mean must leave to pass both. */
  double half = fabs (m->a) > 0.0        ? MAX (metric->default_abs, m->rel_threshold * fabs (m->a))
                : m->rel_threshold > 0.0 ? INFINITY
                                         : metric->default_abs;
  double band_lo = m->a - half, band_hi = m->a + half;
  KtstrScale sc;
  g_autoptr (GArray) ticks = g_array_new (FALSE, FALSE, sizeof (double));
  row_scale (&sc, ticks, a, b, band_lo, band_hi);

  double x0 = isfinite (band_lo) ? MAX (PLOT_X0, ktstr_scale_map (&sc, band_lo)) : PLOT_X0;
  double x1 = isfinite (band_hi) ? MIN (PLOT_X1, ktstr_scale_map (&sc, band_hi)) : PLOT_X1;
  g_string_append_printf (cv->out,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"32\" "
                          "fill=\"#dfe3ea\">",
                          x0, y + 2.0, MAX (x1 - x0, 1.0));
  if (isfinite (half))
    {
      g_autofree char *gate_text = ktstr_format_precise (half);
      ktstr_html_printf (cv->out, "<title>gate: A's mean ± %s%s</title></rect>", gate_text,
                         metric->unit);
    }
  else
    g_string_append (cv->out, "<title>gate: A's mean is 0, so no relative change can pass "
                              "it</title></rect>");
  cv->marks++;
  axis (cv, &sc, ticks, y + 2.0, y + 36.0);
  dots (cv, r, &sc, pr->pair->a, a, y + 11.0, KTSTR_REPORT_COLOR_A, "A ", metric->unit);
  dots (cv, r, &sc, pr->pair->b, b, y + 26.0, KTSTR_REPORT_COLOR_B, "B ", metric->unit);
  mean_tick (cv, &sc, mean_of (a), y + 11.0, KTSTR_REPORT_COLOR_A);
  mean_tick (cv, &sc, mean_of (b), y + 26.0, KTSTR_REPORT_COLOR_B);

  g_autofree char *label = ktstr_report_labels_of (labels, pr->pair->a);
  g_autofree char *trials = g_strdup_printf ("%u / %u trials", a->len, b->len);
  row_label (cv, y + 16.0, label, pr->pair->key, trials);
  const char *color;
  const char *word = verdict_word (m, &color);
  g_autofree char *rel = fabs (m->a) > 0.0
                             ? g_strdup_printf ("%+.1f%%", 100.0 * m->delta / fabs (m->a))
                             : g_strdup_printf ("%+g%s", m->delta, metric->unit);
  ktstr_html_printf (cv->out,
                     "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-weight=\"700\">%s</text>"
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#6b7480\">%s</text>",
                     VERDICT_X, y + 16.0, color, word, VERDICT_X, y + 29.0, rel);
}

static guint
draw_comparison (const KtstrReport *r, GString *out)
{
  const KtstrStatsComparison *c = r->comparison;
  const KtstrStatsReport *rep = c->report;
  g_autoptr (GPtrArray) empty = g_ptr_array_new ();
  g_auto (KtstrReportLabels) labels;
  guint charts = 0;

  ktstr_report_labels_init (&labels, c->slicing);
  for (guint i = 0; i < rep->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (rep->pairs, i);
      if (p->status == KTSTR_PAIR_COMPARED)
        ktstr_report_labels_add (&labels, p->a);
    }
  ktstr_report_labels_describe (&labels, out, "Hover a dot for its value and run.");

  for (guint id = 0; id < KTSTR_METRIC_COUNT; id++)
    {
      const KtstrMetricDef *metric = ktstr_metrics_get (id);
      g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (PairRow));
      for (guint i = 0; i < rep->pairs->len; i++)
        {
          const KtstrStatsPair *p = g_ptr_array_index (rep->pairs, i);
          for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
            {
              const KtstrStatsMetricResult *m
                  = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
              if (m->metric != metric)
                continue;
              PairRow pr = { p, m, rows->len };
              g_array_append_val (rows, pr);
            }
        }
      if (rows->len == 0)
        {
          g_ptr_array_add (empty, (gpointer)metric->name);
          continue;
        }
      g_array_sort (rows, compare_pair_rows);
      guint shown = MIN (rows->len, MAX_ROWS);
      g_autofree char *abs_text = ktstr_format_precise (metric->default_abs);
      g_autofree char *what
          = g_strdup_printf ("a change passes the gates at |B − A| ≥ %s%s and ≥ the relative "
                             "gate; %u configuration(s)",
                             abs_text, metric->unit, rows->len);
      figure_open (out, metric, what);
      double height = LEGEND_H + shown * ROW_H_PAIR + 4.0;
      gsize start = out->len;
      svg_open (out, metric->name, height, shown);
      Canvas cv = { out, 0, FALSE };
      legend (&cv, c->label_a, c->label_b, NULL);
      for (guint i = 0; i < shown; i++)
        pair_row (&cv, r, &labels, &g_array_index (rows, PairRow, i), LEGEND_H + i * ROW_H_PAIR);
      svg_close (out, start, cv.marks);
      if (rows->len > shown)
        ktstr_html_printf (out,
                           "<p class=\"small muted\">%u more configuration(s) not drawn; the "
                           "table and <code>compare --json</code> list them all.</p>\n",
                           rows->len - shown);
      g_string_append (out, "</figure>\n");
      charts++;
    }
  list_not_drawn (out, empty, "0 on both sides of every compared configuration");
  return charts;
}

/* --- One selection ----------------------------------------------------------- */

typedef struct
{
  const KtstrStatsGroup *group;
  GArray *values; /* owned */
} GroupRow;

static void
group_row_clear (gpointer p)
{
  g_array_unref (((GroupRow *)p)->values);
}

/* One axis for every row: linear, or log10 when all values are positive
 * and span more than two decades. */
static void
shared_scale (GArray *rows, KtstrScale *sc, GArray *ticks_out, gboolean *is_log)
{
  double lo = INFINITY, hi = -INFINITY, min_pos = INFINITY;
  gboolean all_pos = TRUE;
  for (guint i = 0; i < rows->len; i++)
    {
      GArray *v = g_array_index (rows, GroupRow, i).values;
      for (guint k = 0; k < v->len; k++)
        {
          double x = g_array_index (v, double, k);
          lo = MIN (lo, x);
          hi = MAX (hi, x);
          if (x > 0.0)
            min_pos = MIN (min_pos, x);
          else
            all_pos = FALSE;
        }
    }
  *is_log = all_pos && hi / min_pos > 100.0;
  if (*is_log)
    {
      lo = floor (log10 (min_pos));
      hi = ceil (log10 (hi));
      for (double t = lo; t <= hi + 1e-9; t += 1.0)
        g_array_append_val (ticks_out, t);
    }
  else
    {
      /* From 0 where the values are all on one side of it: lengths then
       * compare as well as positions. */
      lo = MIN (lo, 0.0);
      hi = MAX (hi, 0.0);
      g_autoptr (GArray) ticks = ktstr_nice_ticks (&lo, &hi, 6);
      g_array_append_vals (ticks_out, ticks->data, ticks->len);
    }
  *sc = (KtstrScale){ lo, hi, PLOT_X0, PLOT_X1 };
}

static guint
draw_selection (const KtstrReport *r, GString *out)
{
  g_autoptr (GPtrArray) empty = g_ptr_array_new ();
  gboolean none[KTSTR_DIM_COUNT] = { FALSE };
  g_auto (KtstrReportLabels) labels;
  guint charts = 0;

  ktstr_report_labels_init (&labels, none);
  for (guint i = 0; r->groups != NULL && i < r->groups->len; i++)
    {
      const KtstrStatsGroup *g = g_ptr_array_index (r->groups, i);
      if (g->passes_observed > 0)
        ktstr_report_labels_add (&labels, g->row);
    }
  ktstr_report_labels_describe (&labels, out, "Hover a dot for its value and run.");

  for (guint id = 0; id < KTSTR_METRIC_COUNT; id++)
    {
      const KtstrMetricDef *metric = ktstr_metrics_get (id);
      g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (GroupRow));
      g_array_set_clear_func (rows, group_row_clear);
      guint with_data = 0;
      for (guint i = 0; r->groups != NULL && i < r->groups->len; i++)
        {
          const KtstrStatsGroup *g = g_ptr_array_index (r->groups, i);
          if (g->passes_observed == 0)
            continue; /* no passing trial: nothing was measured */
          GArray *v = trial_values (g->row, metric);
          gboolean any = FALSE;
          for (guint k = 0; k < v->len && !any; k++)
            any = g_array_index (v, double, k) != 0.0;
          with_data += any ? 1 : 0;
          if (!any || rows->len >= MAX_ROWS)
            {
              g_array_unref (v);
              continue;
            }
          GroupRow gr = { g, v };
          g_array_append_val (rows, gr);
        }
      if (rows->len == 0)
        {
          g_ptr_array_add (empty, (gpointer)metric->name);
          continue;
        }
      KtstrScale sc;
      gboolean is_log;
      g_autoptr (GArray) ticks = g_array_new (FALSE, FALSE, sizeof (double));
      shared_scale (rows, &sc, ticks, &is_log);
      g_autofree char *what
          = g_strdup_printf ("%u configuration(s), every passing trial", with_data);
      figure_open (out, metric, what);
      double height = LEGEND_H + rows->len * ROW_H_ONE + AXIS_H + 4.0;
      gsize start = out->len;
      svg_open (out, metric->name, height, rows->len);
      Canvas cv = { out, 0, is_log };
      legend (&cv, NULL, NULL, is_log ? "logarithmic scale" : NULL);
      double y_axis = LEGEND_H + rows->len * ROW_H_ONE;
      axis (&cv, &sc, ticks, LEGEND_H, y_axis);
      for (guint i = 0; i < rows->len; i++)
        {
          const GroupRow *gr = &g_array_index (rows, GroupRow, i);
          double y = LEGEND_H + i * ROW_H_ONE + ROW_H_ONE / 2.0;
          if (i % 2 == 1)
            g_string_append_printf (out,
                                    "<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" "
                                    "fill=\"#f6f7f9\" fill-opacity=\"0.7\"/>",
                                    y - ROW_H_ONE / 2.0, WIDTH, ROW_H_ONE);
          dots (&cv, r, &sc, gr->group->row, gr->values, y, KTSTR_REPORT_COLOR_A, "", metric->unit);
          if (gr->values->len > 1)
            mean_tick (&cv, &sc, mean_of (gr->values), y, "#333");
          g_autofree char *label = ktstr_report_labels_of (&labels, gr->group->row);
          g_autofree char *key = ktstr_stats_pairing_key (gr->group->row, none, '/');
          KtstrSampleSummary sum;
          ktstr_sample_summarize ((const double *)gr->values->data, gr->values->len, &sum);
          row_label (&cv, y + 4.0, label, key, NULL);
          /* How many trials and how they spread, right of the plot where
           * a comparison puts its verdict, so the label keeps its room. */
          g_autofree char *spread
              = isnan (sum.cv)
                    ? g_strdup_printf ("%u trial", gr->values->len)
                    : g_strdup_printf ("%u trials, CV %.1f%%", gr->values->len, 100.0 * sum.cv);
          ktstr_html_printf (out,
                             "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                             "fill=\"#6b7480\">%s</text>",
                             VERDICT_X, y + 4.0, spread);
        }
      svg_close (out, start, cv.marks);
      if (with_data > rows->len)
        ktstr_html_printf (out,
                           "<p class=\"small muted\">%u more configuration(s) not "
                           "drawn.</p>\n",
                           with_data - rows->len);
      g_string_append (out, "</figure>\n");
      charts++;
    }
  list_not_drawn (out, empty, "0 or absent in every passing trial");
  return charts;
}

guint
ktstr_report_draw_metrics (const KtstrReport *r, GString *out)
{
  g_string_append (out, "<h2 id=\"metrics\">Metrics, trial by trial</h2>\n");
  if (r->comparison != NULL)
    return draw_comparison (r, out);
  return draw_selection (r, out);
}
