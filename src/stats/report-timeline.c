/* One test run over time, on the scenario's clock (0 = ScenarioStart):
 *  - the stimulus events (steps, ops) as lines through every panel;
 *  - the workers' cumulative iterations where the events carry them;
 *  - from the monitor's series beside the sidecar, when there is one:
 *    each CPU's runqueue length as a heat strip (where work piled up),
 *    and the imbalance (max / max(1, min) runnable) and the deepest local
 *    DSQ over time.
 * Equal neighbouring samples of a CPU are drawn as one cell, so a long
 * series stays a small page. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/html.h"
#include "stats/monitor-series.h"
#include "stats/report-draw.h"

#define WIDTH 1000.0
#define X0 120.0
#define X1 980.0
#define EVENTS_H 64.0
#define LINE_H 84.0
#define GAP 20.0
/* Room for a panel's two label lines. */
#define MIN_PANEL_H 32.0
#define MAX_HEAT_ROW_H 16.0
#define MIN_HEAT_ROW_H 3.0
#define HEAT_H_BUDGET 220.0

typedef struct
{
  GString *out;
  guint marks;
  KtstrScale x;
} Canvas;

static void
panel_label (Canvas *cv, double y, const char *text, const char *sub)
{
  ktstr_html_printf (cv->out, "<text x=\"6\" y=\"%.1f\" font-weight=\"600\">%s</text>", y, text);
  if (sub != NULL)
    ktstr_html_printf (cv->out,
                       "<text x=\"6\" y=\"%.1f\" font-size=\"10\" fill=\"#6b7480\">%s</text>",
                       y + 13.0, sub);
}

static void
time_axis (Canvas *cv, GArray *ticks, double y_top, double y_bottom)
{
  for (guint i = 0; i < ticks->len; i++)
    {
      double t = g_array_index (ticks, double, i);
      double x = ktstr_scale_map (&cv->x, t);
      g_autofree char *label = ktstr_format_compact (t / 1000.0);
      g_string_append_printf (cv->out,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#eceef2\"/>",
                              x, y_top, x, y_bottom);
      ktstr_html_printf (cv->out,
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\" "
                         "fill=\"#6b7480\">%s s</text>",
                         x, y_bottom + 10.0, label);
    }
}

static void
events (Canvas *cv, const KtstrSidecar *sc, double y, double y_bottom)
{
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      const KtstrStimulusEvent *ev = g_ptr_array_index (sc->stimulus_events, i);
      double x = ktstr_scale_map (&cv->x, (double)ev->elapsed_ms);
      double ly = y + 12.0 + (i % 3) * 14.0;
      GString *tip = g_string_new (NULL);
      g_string_append_printf (tip, "+%" G_GUINT64_FORMAT " ms %s", ev->elapsed_ms, ev->label);
      if (ev->op_kind != NULL)
        g_string_append_printf (tip, ", op %s", ev->op_kind);
      if (ev->detail != NULL)
        g_string_append_printf (tip, ": %s", ev->detail);
      if (ev->has_total_iterations)
        g_string_append_printf (tip, ", %" G_GUINT64_FORMAT " iterations", ev->total_iterations);
      g_string_append_printf (cv->out,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#8a4fbf\" stroke-dasharray=\"3 3\" stroke-opacity=\"0.6\">",
                              x, y + 2.0, x, y_bottom);
      ktstr_html_printf (cv->out, "<title>%s</title></line>", tip->str);
      /* Near the right edge the label ends at its line instead. */
      gboolean at_end = x > X1 - 90.0;
      g_string_append_printf (cv->out,
                              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                              "fill=\"#5a2d87\" text-anchor=\"%s\">",
                              at_end ? x - 3.0 : x + 3.0, ly, at_end ? "end" : "start");
      ktstr_html_printf (cv->out, "<title>%s</title>%s</text>", tip->str, ev->label);
      g_string_free (tip, TRUE);
      cv->marks++;
    }
}

/* Whether the readings at T_PREV and T_NEXT are too far apart to join:
 * more than GAP_FACTOR sampling intervals means readings were missed (the
 * guest sampler competes with the test for CPU), and a line or cell
 * drawn across them would show values nobody read.  GAP_MS 0: never. */
#define GAP_FACTOR 3
static gboolean
is_gap (gint64 t_prev, gint64 t_next, guint gap_ms)
{
  return gap_ms > 0 && t_next - t_prev > (gint64)gap_ms;
}

/* (T[i], V[i]) as lines with their own value axis in [Y0, Y1], broken
 * where readings are missing (GAP_MS, 0: never). */
static void
line_panel (Canvas *cv, double y0, double y1, const gint64 *t, const double *v, guint n,
            guint gap_ms, const char *color, const char *unit)
{
  double lo = 0.0, hi = 0.0;
  for (guint i = 0; i < n; i++)
    hi = MAX (hi, v[i]);
  /* All zero (an empty DSQ all along): still an axis from 0 up. */
  if (hi <= 0.0)
    hi = 1.0;
  g_autoptr (GArray) ticks = ktstr_nice_ticks (&lo, &hi, 3);
  KtstrScale ys = { lo, hi, y1, y0 };
  for (guint i = 0; i < ticks->len; i++)
    {
      double tv = g_array_index (ticks, double, i);
      double y = ktstr_scale_map (&ys, tv);
      g_autofree char *label = ktstr_format_compact (tv);
      g_string_append_printf (cv->out,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#eceef2\"/>",
                              X0, y, X1, y);
      ktstr_html_printf (cv->out,
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"9\" "
                         "fill=\"#6b7480\">%s</text>",
                         X0 - 4.0, y + 3.0, label);
    }
  /* Dots where there are few points (each one is a reading worth a
   * tooltip), and always for a reading with no neighbour to join. */
  gboolean all_dots = n <= 40;
  guint start = 0;
  while (start < n)
    {
      guint end = start + 1;
      while (end < n && !is_gap (t[end - 1], t[end], gap_ms))
        end++;
      if (end - start >= 2)
        {
          GString *pts = g_string_new (NULL);
          for (guint i = start; i < end; i++)
            g_string_append_printf (pts, "%s%.1f,%.1f", i > start ? " " : "",
                                    ktstr_scale_map (&cv->x, (double)t[i]),
                                    ktstr_scale_map (&ys, v[i]));
          g_string_append_printf (cv->out,
                                  "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                                  "stroke-width=\"1.6\"/>",
                                  pts->str, color);
          g_string_free (pts, TRUE);
          cv->marks++;
        }
      for (guint i = start; i < end; i++)
        {
          if (!all_dots && end - start >= 2)
            continue;
          g_autofree char *val = ktstr_format_precise (v[i]);
          g_string_append_printf (cv->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\">",
                                  ktstr_scale_map (&cv->x, (double)t[i]),
                                  ktstr_scale_map (&ys, v[i]), color);
          ktstr_html_printf (cv->out, "<title>%+" G_GINT64_FORMAT " ms: %s%s</title></circle>",
                             t[i], val, unit);
          cv->marks++;
        }
      start = end;
    }
}

static void
heat_color (double frac, char out[8])
{
  /* From near-white to a deep blue, so that an idle CPU reads as empty. */
  static const double from[3] = { 0xf1, 0xf3, 0xf7 };
  static const double to[3] = { 0x0d, 0x3b, 0x75 };
  frac = CLAMP (frac, 0.0, 1.0);
  g_snprintf (out, 8, "#%02x%02x%02x", (int)round (from[0] + (to[0] - from[0]) * frac),
              (int)round (from[1] + (to[1] - from[1]) * frac),
              (int)round (from[2] + (to[2] - from[2]) * frac));
}

static void
heat_panel (Canvas *cv, const KtstrMonitorSeries *s, double y0, double row_h, gint32 max_nr,
            guint gap_ms)
{
  for (guint c = 0; c < s->n_cpus; c++)
    {
      double y = y0 + c * row_h;
      guint i = 0;
      while (i < s->n_samples)
        {
          gint32 v = s->nr_running[(gsize)i * s->n_cpus + c];
          guint j = i + 1;
          while (j < s->n_samples && s->nr_running[(gsize)j * s->n_cpus + c] == v
                 && !is_gap (s->t_ms[j - 1], s->t_ms[j], gap_ms))
            j++;
          /* A cell lasts until the next differing sample; the last one,
           * and one before missed readings, for one sampling interval. */
          gboolean joined = j < s->n_samples && !is_gap (s->t_ms[j - 1], s->t_ms[j], gap_ms);
          double t0 = (double)s->t_ms[i];
          double t1
              = joined ? (double)s->t_ms[j] : (double)s->t_ms[j - 1] + MAX (s->interval_ms, 1);
          double x0 = ktstr_scale_map (&cv->x, t0), x1 = ktstr_scale_map (&cv->x, t1);
          if (v >= 0)
            {
              char color[8];
              heat_color (max_nr > 0 ? (double)v / max_nr : 0.0, color);
              g_string_append_printf (cv->out,
                                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                                      "fill=\"%s\"><title>CPU %u: %d runnable, %+" G_GINT64_FORMAT
                                      " to %+" G_GINT64_FORMAT " ms</title></rect>",
                                      x0, y, MAX (x1 - x0, 0.5), row_h - 1.0, color, c, v,
                                      s->t_ms[i], (gint64)t1);
              cv->marks++;
            }
          i = j;
        }
      if (row_h >= 9.0)
        g_string_append_printf (cv->out,
                                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"9\" "
                                "fill=\"#6b7480\">cpu%u</text>",
                                X0 - 4.0, y + row_h - 2.0, c);
    }
}

/* Per sample: max over CPUs of nr_running / max(1, min), and the deepest
 * local DSQ; -1 where no CPU had the field. */
static void
derived_series (const KtstrMonitorSeries *s, double *imbalance, double *dsq, gint32 *max_nr)
{
  *max_nr = 0;
  for (guint i = 0; i < s->n_samples; i++)
    {
      gint32 hi = -1, lo = G_MAXINT32, dq = -1;
      for (guint c = 0; c < s->n_cpus; c++)
        {
          gint32 v = s->nr_running[(gsize)i * s->n_cpus + c];
          if (v >= 0)
            {
              hi = MAX (hi, v);
              lo = MIN (lo, v);
            }
          dq = MAX (dq, s->dsq_depth[(gsize)i * s->n_cpus + c]);
        }
      imbalance[i] = hi < 0 ? 0.0 : hi == 0 ? 0.0 : (double)hi / MAX (1, lo);
      dsq[i] = MAX (dq, 0);
      *max_nr = MAX (*max_nr, hi);
    }
}

/* "; readings missed 2 times, at most 2200 ms without one (…)", or "". */
static char *
gaps_text (const KtstrMonitorSeries *s)
{
  guint gap_ms = GAP_FACTOR * s->interval_ms;
  guint n = 0;
  gint64 longest = 0;
  for (guint i = 1; i < s->n_samples; i++)
    if (is_gap (s->t_ms[i - 1], s->t_ms[i], gap_ms))
      {
        n++;
        longest = MAX (longest, s->t_ms[i] - s->t_ms[i - 1]);
      }
  if (n == 0)
    return g_strdup ("");
  return g_strdup_printf (
      "; readings were missed %u time(s), at most %" G_GINT64_FORMAT
      " ms without one, left blank%s",
      n, longest,
      g_strcmp0 (s->sampler, "guest") == 0
          ? " (the guest sampler runs in the guest and competes with the test for CPU)"
          : "");
}

static void
caption (const KtstrReport *r, GString *out, const KtstrSidecar *sc, const char *monitor_note)
{
  g_autofree char *run = ktstr_report_sidecar_origin (r, sc);
  const char *outcome = sc->skipped ? "SKIP" : sc->passed ? "PASS" : "FAIL";
  const char *cls = sc->skipped ? "skip" : sc->passed ? "pass" : "fail";
  g_string_append (out, "<figure><figcaption>");
  /* In a comparison, whose it is, in the side's colour. */
  int side = ktstr_report_side_of (r, sc);
  if (side >= 0)
    g_string_append_printf (out, "<span class=\"key-%c\">%c</span> ", side ? 'b' : 'a',
                            side ? 'B' : 'A');
  ktstr_html_printf (out,
                     "<span class=\"%s\">%s</span> %s <span class=\"muted "
                     "small\">%s · %s · %s · %s</span></figcaption>\n",
                     cls, outcome, sc->test_name, sc->topology, sc->scheduler, sc->work_type, run);
  if (sc->verdict_summary != NULL)
    ktstr_html_printf (out, "<p class=\"small\">%s</p>\n", sc->verdict_summary);
  ktstr_html_printf (out, "<p class=\"small muted\">%s</p>\n", monitor_note);
}

/* Draws SC's timeline; FALSE when there is nothing to draw (no event and
 * no series: an empty frame would only pretend). */
static gboolean
draw_one (const KtstrReport *r, GString *out, const KtstrSidecar *sc)
{
  g_autofree char *series_path = ktstr_monitor_series_path (sc->path);
  g_autoptr (KtstrMonitorSeries) series = NULL;
  g_autofree char *note = NULL;
  g_autoptr (GError) error = NULL;
  if (series_path != NULL && g_file_test (series_path, G_FILE_TEST_EXISTS))
    series = ktstr_monitor_series_load (series_path, &error);
  if (series != NULL && series->n_samples > 0 && series->has_nr_running)
    {
      g_autofree char *gaps = gaps_text (series);
      note = g_strdup_printf (
          "Monitor: %u samples every %u ms (%s sampler)%s%s%s.", series->n_samples,
          series->interval_ms, series->sampler ? series->sampler : "unknown",
          series->has_scenario_start ? ""
                                     : "; the series has no scenario start, so it is drawn on the "
                                       "monitor's own clock",
          series->has_scx_enabled && !series->any_scx_enabled
              ? "; no sched_ext scheduler was loaded, so there is no local DSQ to draw"
              : "",
          gaps);
    }
  else if (error != NULL)
    note = g_strdup_printf ("The monitor series beside this sidecar could not be read (%s).",
                            error->message);
  else if (series != NULL)
    note = g_strdup ("The monitor series beside this sidecar has no runqueue sample.");
  else
    note = g_strdup ("No monitor series beside this sidecar: the run had no monitor.");
  if (series != NULL && (series->n_samples == 0 || !series->has_nr_running))
    g_clear_pointer (&series, ktstr_monitor_series_free);
  caption (r, out, sc, note);
  if (sc->stimulus_events->len == 0 && series == NULL)
    {
      g_string_append (out, "<p class=\"small muted\">The sidecar recorded no stimulus event "
                            "(the run ended before its scenario started, or the writer keeps "
                            "none): there is no timeline to draw.</p>\n</figure>\n");
      return FALSE;
    }

  /* The time span: events and samples alike. */
  double t_lo = 0.0, t_hi = 1000.0;
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    t_hi = MAX (t_hi,
                ((KtstrStimulusEvent *)g_ptr_array_index (sc->stimulus_events, i))->elapsed_ms);
  if (series != NULL)
    {
      t_lo = MIN (t_lo, (double)series->t_ms[0]);
      t_hi = MAX (t_hi, (double)series->t_ms[series->n_samples - 1] + series->interval_ms);
    }
  g_autoptr (GArray) ticks = ktstr_nice_ticks (&t_lo, &t_hi, 8);

  /* Iterations at the events that carry them. */
  g_autoptr (GArray) it_t = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) it_v = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      const KtstrStimulusEvent *ev = g_ptr_array_index (sc->stimulus_events, i);
      if (!ev->has_total_iterations)
        continue;
      gint64 t = (gint64)ev->elapsed_ms;
      double v = (double)ev->total_iterations;
      g_array_append_val (it_t, t);
      g_array_append_val (it_v, v);
    }
  gboolean with_iterations = it_t->len >= 2;

  double heat_row = 0.0;
  if (series != NULL)
    heat_row = CLAMP (HEAT_H_BUDGET / MAX (series->n_cpus, 1), MIN_HEAT_ROW_H, MAX_HEAT_ROW_H);
  double y = 4.0;
  double y_events = y;
  y += EVENTS_H;
  double y_iter = y;
  if (with_iterations)
    y += LINE_H + GAP;
  double y_heat = y;
  double y_imb = 0.0, y_dsq = 0.0;
  /* The local DSQ is sched_ext's: under the kernel's own scheduler the
   * series holds zeros there, which would read as an empty queue. */
  gboolean with_dsq = series != NULL && series->has_dsq_depth
                      && (!series->has_scx_enabled || series->any_scx_enabled);
  if (series != NULL)
    {
      y += MAX (heat_row * series->n_cpus, MIN_PANEL_H) + GAP;
      y_imb = y;
      y += LINE_H + GAP;
      if (with_dsq)
        {
          y_dsq = y;
          y += LINE_H + GAP;
        }
    }
  double height = y + 14.0;

  gsize start = out->len;
  ktstr_html_printf (out,
                     "<svg class=\"chart timeline\" data-test=\"%s\" "
                     "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                     "width=\"%.0f\" height=\"%.0f\" role=\"img\">",
                     sc->test_name, WIDTH, height, WIDTH, height);
  Canvas cv = { out, 0, { t_lo, t_hi, X0, X1 } };
  time_axis (&cv, ticks, y_events, height - 14.0);
  panel_label (&cv, y_events + 14.0, "events", NULL);
  if (with_iterations)
    {
      panel_label (&cv, y_iter + 14.0, "iterations", "cumulative");
      line_panel (&cv, y_iter + 4.0, y_iter + LINE_H, (const gint64 *)it_t->data,
                  (const double *)it_v->data, it_t->len, 0, "#2e7d5b", "");
    }
  if (series != NULL)
    {
      g_autofree double *imbalance = g_new (double, series->n_samples);
      g_autofree double *dsq = g_new (double, series->n_samples);
      gint32 max_nr;
      derived_series (series, imbalance, dsq, &max_nr);
      g_autofree char *sub = g_strdup_printf ("0 to %d tasks", max_nr);
      panel_label (&cv, y_heat + 10.0, "runqueues", sub);
      guint gap_ms = GAP_FACTOR * series->interval_ms;
      heat_panel (&cv, series, y_heat, heat_row, max_nr, gap_ms);
      panel_label (&cv, y_imb + 14.0, "imbalance", "max/min runnable");
      line_panel (&cv, y_imb + 4.0, y_imb + LINE_H, series->t_ms, imbalance, series->n_samples,
                  gap_ms, "#b3261e", "x");
      if (with_dsq)
        {
          panel_label (&cv, y_dsq + 14.0, "local DSQ", "deepest, tasks");
          line_panel (&cv, y_dsq + 4.0, y_dsq + LINE_H, series->t_ms, dsq, series->n_samples,
                      gap_ms, "#6a3d9a", "");
        }
    }
  /* Events last: their lines run through every panel, above the cells. */
  events (&cv, sc, y_events, height - 14.0);
  /* The count belongs to the element, and is known only now. */
  g_autofree char *marks = g_strdup_printf (" data-marks=\"%u\"", cv.marks);
  g_string_insert (out, (gssize)(start + strlen ("<svg class=\"chart timeline\"")), marks);
  g_string_append (out, "</svg>\n</figure>\n");
  return TRUE;
}

guint
ktstr_report_draw_timelines (const KtstrReport *r, GString *out)
{
  g_string_append (out, "<h2 id=\"timelines\">Timelines</h2>\n");
  if (r->picked->len == 0)
    {
      g_string_append (out, "<p class=\"muted\">No timeline: no test failed (pick tests with "
                            "<code>--timeline TEST</code>).</p>\n");
      return 0;
    }
  g_string_append (out, "<p class=\"small muted\">Time since the scenario started. Dashed: "
                        "stimulus events (hover for details).</p>\n");
  guint charts = 0;
  for (guint i = 0; i < r->picked->len; i++)
    charts += draw_one (r, out, g_ptr_array_index (r->picked, i)) ? 1 : 0;
  return charts;
}
