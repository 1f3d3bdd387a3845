#include "config.h"

#include <string.h>

#include "stats/compare-render.h"
#include "stats/hostdelta.h"
#include "stats/html.h"
#include "stats/report-draw.h"
#include "stats/report-labels.h"
#include "stats/report-model.h"

/* The console lines shown for a failure whose sidecar kept no report. */
#define CONSOLE_TAIL_LINES 60

static const char css[]
    = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
      "color:#1d2330;background:#f5f6f8}"
      "main{max-width:1360px;margin:0 auto;padding:20px 24px 60px}"
      "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;"
      "border-bottom:1px solid #d6dae1}h3{font-size:15px;margin:18px 0 6px}"
      "nav a{margin-right:14px}a{color:#1f5fa8}"
      ".muted{color:#5b6573}.small{font-size:12px}"
      ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}"
      ".card{background:#fff;border:1px solid #d6dae1;border-radius:6px;padding:8px 14px;"
      "min-width:120px}.card b{display:block;font-size:20px}"
      "table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0}"
      "th,td{padding:4px 8px;border-bottom:1px solid #e4e7ec;text-align:left;vertical-align:top}"
      "th{background:#eef0f4;font-weight:600}td.num{text-align:right;"
      "font-variant-numeric:tabular-nums;white-space:nowrap}"
      ".regression{color:#b3261e;font-weight:700}.improvement{color:#1e7b34;font-weight:700}"
      ".noise{color:#5b6573}.pass{color:#1e7b34}.fail{color:#b3261e;font-weight:600}"
      ".skip{color:#8a6a00}"
      "pre{background:#12161d;color:#e8ebf0;padding:10px 12px;overflow:auto;font-size:12px;"
      "max-height:520px;border-radius:4px}"
      "pre.plain{background:#fff;color:#1d2330;border:1px solid #d6dae1;max-height:none}"
      "details{background:#fff;border:1px solid #d6dae1;border-radius:6px;margin:6px 0;"
      "padding:6px 10px}summary{cursor:pointer}"
      "figure{background:#fff;border:1px solid #d6dae1;border-radius:6px;padding:8px 12px;"
      "margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}"
      /* The charts' defaults are inherited from the <svg>: a rule on the
       * text itself would override every fill and font-size attribute the
       * charts set (CSS beats presentation attributes, inheritance does
       * not), greying out verdict colours and muted labels alike. */
      "svg.chart{display:block;max-width:100%;height:auto;font-family:system-ui,-apple-system,"
      "'Segoe UI',Roboto,sans-serif;font-size:11px;fill:#333}"
      ".key-a{color:" KTSTR_REPORT_COLOR_A ";font-weight:700}.key-b{color:" KTSTR_REPORT_COLOR_B
      ";font-weight:700}"
      ".warn{background:#fff8e1;border:1px solid #e6c65c;border-radius:6px;padding:6px 10px}"
      ".warn li{white-space:pre-line}"
      ".scroll{overflow-x:auto;max-width:100%}td.key{max-width:240px}"
      "div.note{font-size:11px;color:#5b6573;min-width:160px;max-width:240px}"
      "table.cmp{font-size:12px}th.metric{min-width:150px}td.run{white-space:nowrap}";

/* Distinct non-NULL strings in first-seen order. */
static void
add_distinct (GPtrArray *set, const char *value)
{
  if (value == NULL)
    return;
  for (guint i = 0; i < set->len; i++)
    if (strcmp (g_ptr_array_index (set, i), value) == 0)
      return;
  g_ptr_array_add (set, (gpointer)value);
}

static char *
join_set (GPtrArray *set)
{
  if (set->len == 0)
    return g_strdup ("-");
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < set->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index (set, i));
  return g_string_free (s, FALSE);
}

typedef struct
{
  char *name;
  GPtrArray *sidecars; /* const KtstrSidecar* */
} RunGroup;

static void
run_group_clear (gpointer p)
{
  RunGroup *g = p;
  g_free (g->name);
  g_ptr_array_unref (g->sidecars);
}

/* A sidecar timestamp is "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
static gboolean
is_timestamp (const char *t)
{
  return strlen (t) == 20 && t[4] == '-' && t[10] == 'T' && t[19] == 'Z';
}

/* When a run's sidecars were written, from FIRST to LAST (either may be
 * NULL): "2026-12-04 08:21:50 – 08:23:29" within one day, the date and
 * time of each end otherwise, as written when they are not timestamps. */
static char *
date_span (const char *first, const char *last)
{
  if (first == NULL || last == NULL)
    return g_strdup ("-");
  if (!is_timestamp (first) || !is_timestamp (last))
    return strcmp (first, last) == 0 ? g_strdup (first) : g_strdup_printf ("%s – %s", first, last);
  if (strcmp (first, last) == 0)
    return g_strdup_printf ("%.10s %.8s", first, first + 11);
  if (strncmp (first, last, 10) == 0)
    return g_strdup_printf ("%.10s %.8s – %.8s", first, first + 11, last + 11);
  return g_strdup_printf ("%.10s %.8s – %.10s %.8s", first, first + 11, last, last + 11);
}

/* The side's sidecars per run directory, runs in first-seen order. */
static GArray *
group_by_run (const KtstrReport *r, const KtstrReportSide *side)
{
  GArray *runs = g_array_new (FALSE, TRUE, sizeof (RunGroup));
  g_array_set_clear_func (runs, run_group_clear);
  for (guint i = 0; i < side->rows->len; i++)
    {
      const KtstrSidecar *sc = ((const KtstrStatsRow *)g_ptr_array_index (side->rows, i))->source;
      g_autofree char *name = ktstr_report_run_name (r, sc);
      RunGroup *g = NULL;
      for (guint k = 0; k < runs->len && g == NULL; k++)
        if (strcmp (g_array_index (runs, RunGroup, k).name, name) == 0)
          g = &g_array_index (runs, RunGroup, k);
      if (g == NULL)
        {
          RunGroup fresh = { g_steal_pointer (&name), g_ptr_array_new () };
          g_array_append_val (runs, fresh);
          g = &g_array_index (runs, RunGroup, runs->len - 1);
        }
      g_ptr_array_add (g->sidecars, (gpointer)sc);
    }
  return runs;
}

static char *
host_text (const KtstrHostContext *h)
{
  if (h == NULL)
    return g_strdup ("-");
  GString *s = g_string_new (NULL);
  if (h->cpu_model != NULL)
    g_string_append (s, h->cpu_model);
  if (h->has_online_cpus)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT " CPUs", s->len ? ", " : "", h->online_cpus);
  if (h->has_total_memory_kb)
    g_string_append_printf (s, "%s%.1f GiB", s->len ? ", " : "",
                            h->total_memory_kb / (1024.0 * 1024.0));
  if (h->kernel_release != NULL)
    g_string_append_printf (s, "%sLinux %s", s->len ? ", " : "", h->kernel_release);
  if (h->arch != NULL)
    g_string_append_printf (s, "%s%s", s->len ? ", " : "", h->arch);
  if (s->len == 0)
    g_string_append (s, "-");
  return g_string_free (s, FALSE);
}

static void
count_outcomes (GPtrArray *sidecars, guint *pass, guint *fail, guint *skip)
{
  *pass = *fail = *skip = 0;
  for (guint i = 0; i < sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (sidecars, i);
      if (sc->skipped)
        (*skip)++;
      else if (sc->passed)
        (*pass)++;
      else
        (*fail)++;
    }
}

static void
side_heading (GString *out, const KtstrReportSide *side, guint index)
{
  if (side->label == NULL)
    return;
  ktstr_html_printf (out, "<h3>Side <span class=\"key-%s\">%s</span>: %s</h3>\n",
                     index == 0 ? "a" : "b", index == 0 ? "A" : "B", side->label);
}

static void
render_runs (const KtstrReport *r, GString *out)
{
  g_string_append (out, "<h2 id=\"runs\">Runs</h2>\n");
  for (guint s = 0; s < r->n_sides; s++)
    {
      const KtstrReportSide *side = &r->sides[s];
      side_heading (out, side, s);
      if (side->rows->len == 0)
        {
          g_string_append (out, "<p class=\"muted\">No sidecar is selected.</p>\n");
          continue;
        }
      g_autoptr (GArray) runs = group_by_run (r, side);
      g_string_append (out, "<table><tr><th>run</th><th>kernel</th><th>project commit</th>"
                            "<th>kernel commit</th><th>scheduler</th><th>host</th>"
                            "<th>accel</th><th>pass</th><th>fail</th><th>skip</th>"
                            "<th>date (UTC)</th></tr>\n");
      for (guint k = 0; k < runs->len; k++)
        {
          const RunGroup *g = &g_array_index (runs, RunGroup, k);
          g_autoptr (GPtrArray) kernels = g_ptr_array_new ();
          g_autoptr (GPtrArray) commits = g_ptr_array_new ();
          g_autoptr (GPtrArray) kcommits = g_ptr_array_new ();
          g_autoptr (GPtrArray) scheds = g_ptr_array_new ();
          g_autoptr (GPtrArray) accels = g_ptr_array_new ();
          const KtstrHostContext *host = NULL;
          const char *first = NULL, *last = NULL;
          for (guint i = 0; i < g->sidecars->len; i++)
            {
              const KtstrSidecar *sc = g_ptr_array_index (g->sidecars, i);
              add_distinct (kernels, sc->kernel_version);
              add_distinct (commits, sc->project_commit);
              add_distinct (kcommits, sc->kernel_commit);
              add_distinct (scheds, sc->scheduler);
              add_distinct (accels, sc->accel);
              if (host == NULL)
                host = sc->host;
              if (sc->timestamp != NULL && *sc->timestamp != '\0')
                {
                  if (first == NULL || strcmp (sc->timestamp, first) < 0)
                    first = sc->timestamp;
                  if (last == NULL || strcmp (sc->timestamp, last) > 0)
                    last = sc->timestamp;
                }
            }
          guint pass, fail, skip;
          count_outcomes (g->sidecars, &pass, &fail, &skip);
          g_autofree char *k_text = join_set (kernels);
          g_autofree char *c_text = join_set (commits);
          g_autofree char *kc_text = join_set (kcommits);
          g_autofree char *s_text = join_set (scheds);
          g_autofree char *a_text = join_set (accels);
          g_autofree char *h_text = host_text (host);
          g_autofree char *dates = date_span (first, last);
          ktstr_html_printf (out,
                             "<tr><td class=\"run\">%s</td><td>%s</td><td>%s</td><td>%s</td>"
                             "<td>%s</td><td>%s</td><td>%s</td><td class=\"num pass\">%u</td>"
                             "<td class=\"num%s\">%u</td><td class=\"num%s\">%u</td>"
                             "<td class=\"small\">%s</td></tr>\n",
                             g->name, k_text, c_text, kc_text, s_text, h_text, a_text, pass,
                             fail ? " fail" : "", fail, skip ? " skip" : "", skip, dates);
        }
      g_string_append (out, "</table>\n");
    }
}

/* The last N lines of the console log beside SC, or NULL. */
static char *
console_tail (const KtstrSidecar *sc, guint n)
{
  static const char suffix[] = ".ktstr.json";
  if (sc->path == NULL || !g_str_has_suffix (sc->path, suffix))
    return NULL;
  g_autofree char *stem = g_strndup (sc->path, strlen (sc->path) - strlen (suffix));
  g_autofree char *path = g_strconcat (stem, ".console.log", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL) || *text == '\0')
    return NULL;
  const char *start = text + strlen (text);
  guint lines = 0;
  while (start > text && lines <= n)
    if (*--start == '\n' && start[1] != '\0')
      lines++;
  if (lines > n)
    start++;
  return g_strdup (start);
}

static void
render_failure (const KtstrReport *r, GString *out, const KtstrSidecar *sc, gboolean open)
{
  g_autofree char *run = ktstr_report_sidecar_origin (r, sc);
  ktstr_html_printf (out,
                     "<details%s><summary><span class=\"fail\">FAIL</span> <b>%s</b> "
                     "<span class=\"muted\">%s · %s · %s · %s</span><br>%s</summary>\n",
                     open ? " open" : "", sc->test_name, sc->topology, sc->scheduler, sc->work_type,
                     run,
                     sc->verdict_summary ? sc->verdict_summary
                                         : "(no verdict recorded: a sidecar of the Rust ktstr or "
                                           "an older ktstr)");
  if (sc->verdict_report != NULL)
    {
      g_autofree char *clean = ktstr_html_clean_text (sc->verdict_report);
      ktstr_html_printf (out, "<pre>%s</pre>\n", clean);
    }
  else
    {
      g_autofree char *tail = console_tail (sc, CONSOLE_TAIL_LINES);
      g_autofree char *clean = tail ? ktstr_html_clean_text (tail) : NULL;
      if (clean != NULL)
        ktstr_html_printf (out,
                           "<p class=\"small muted\">No report in the sidecar; the last %u "
                           "lines of its console log:</p><pre>%s</pre>\n",
                           CONSOLE_TAIL_LINES, clean);
      else
        g_string_append (out, "<p class=\"small muted\">No report in the sidecar and no "
                              "console log beside it.</p>\n");
    }
  g_string_append (out, "</details>\n");
}

static void
render_failures (const KtstrReport *r, GString *out)
{
  g_string_append (out, "<h2 id=\"failures\">Failures and skips</h2>\n");
  for (guint s = 0; s < r->n_sides; s++)
    {
      const KtstrReportSide *side = &r->sides[s];
      side_heading (out, side, s);
      guint failures = 0;
      g_autoptr (GPtrArray) skips = g_ptr_array_new ();
      for (guint i = 0; i < side->rows->len; i++)
        {
          const KtstrSidecar *sc
              = ((const KtstrStatsRow *)g_ptr_array_index (side->rows, i))->source;
          if (sc->skipped)
            g_ptr_array_add (skips, (gpointer)sc);
          else if (!sc->passed)
            render_failure (r, out, sc, failures++ < 3);
        }
      if (failures == 0)
        g_string_append (out, "<p class=\"pass\">No test failed.</p>\n");
      if (skips->len == 0)
        continue;
      g_string_append (out, "<table><tr><th>skipped</th><th>topology</th><th>run</th>"
                            "<th>reason</th></tr>\n");
      for (guint i = 0; i < skips->len; i++)
        {
          const KtstrSidecar *sc = g_ptr_array_index (skips, i);
          g_autofree char *run = ktstr_report_sidecar_origin (r, sc);
          ktstr_html_printf (out,
                             "<tr><td class=\"skip\">%s</td><td>%s</td><td>%s</td><td>%s</td>"
                             "</tr>\n",
                             sc->test_name, sc->topology, run,
                             sc->verdict_summary ? sc->verdict_summary : "(not recorded)");
        }
      g_string_append (out, "</table>\n");
    }
}

static void
card (GString *out, const char *what, guint value, const char *cls)
{
  ktstr_html_printf (out, "<div class=\"card\"><b class=\"%s\">%u</b>%s</div>", cls, value, what);
}

static void
render_overview (const KtstrReport *r, GString *out)
{
  for (guint s = 0; s < r->n_sides; s++)
    {
      const KtstrReportSide *side = &r->sides[s];
      g_autoptr (GPtrArray) sidecars = g_ptr_array_new ();
      for (guint i = 0; i < side->rows->len; i++)
        g_ptr_array_add (
            sidecars, (gpointer)((const KtstrStatsRow *)g_ptr_array_index (side->rows, i))->source);
      guint pass, fail, skip;
      count_outcomes (sidecars, &pass, &fail, &skip);
      g_string_append (out, "<div class=\"cards\">");
      if (side->label != NULL)
        ktstr_html_printf (out, "<div class=\"card\"><b class=\"key-%s\">%s</b>%s</div>",
                           s == 0 ? "a" : "b", s == 0 ? "A" : "B", side->label);
      card (out, "sidecars", sidecars->len, "");
      card (out, "passed", pass, "pass");
      card (out, "failed", fail, fail ? "fail" : "");
      card (out, "skipped", skip, skip ? "skip" : "");
      g_string_append (out, "</div>\n");
    }
}

static void
append_dims (GString *out, const gboolean slicing[KTSTR_DIM_COUNT], gboolean want)
{
  gboolean first = TRUE;
  if (!want)
    {
      g_string_append (out, "scenario");
      first = FALSE;
    }
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    if (slicing[d] == want)
      {
        g_string_append_printf (out, "%s%s", first ? "" : ", ", ktstr_stats_dim_name (d));
        first = FALSE;
      }
}

/* One line of the comparison table, the terminal's columns and colours. */
static void
table_row (GString *out, const KtstrStatsReport *rep, const KtstrReportLabels *labels,
           const KtstrStatsPair *p, const KtstrStatsMetricResult *m, gboolean with_test,
           gboolean with_note)
{
  const char *cls = m->verdict == KTSTR_VERDICT_REGRESSION    ? "regression"
                    : m->verdict == KTSTR_VERDICT_IMPROVEMENT ? "improvement"
                                                              : "noise";
  const char *verdict = m->verdict == KTSTR_VERDICT_REGRESSION    ? "REGRESSION"
                        : m->verdict == KTSTR_VERDICT_IMPROVEMENT ? "improvement"
                                                                  : "within noise";
  g_autofree char *anchor = ktstr_report_metric_anchor (m->metric->name);
  g_autofree char *a = g_strdup_printf ("%.2f", m->a);
  g_autofree char *b = g_strdup_printf ("%.2f", m->b);
  g_autofree char *delta = g_strdup_printf ("%+.2f%s", m->delta, m->metric->unit);
  g_autofree char *label = ktstr_report_labels_of (labels, p->a);
  /* Identifiers wrap at their separators: the table is wide enough
   * without them, and it should fit a page. */
  ktstr_html_printf (out, "<tr><td class=\"key\" title=\"%s\">", p->key);
  ktstr_html_escape_breakable (out, label, "/");
  ktstr_html_printf (out, "</td><td><a href=\"#%s\">", anchor);
  ktstr_html_escape_breakable (out, m->metric->name, "_");
  ktstr_html_printf (out,
                     "</a></td><td class=\"num\">%s</td>"
                     "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                     "<td class=\"%s\">%s",
                     a, b, delta, cls, verdict);
  /* The terminal's NOTE column goes under the verdict it explains. */
  g_autofree char *note = with_note ? ktstr_stats_note (m) : NULL;
  if (note != NULL && *note != '\0')
    ktstr_html_printf (out, "<div class=\"note\">%s</div>", note);
  g_string_append (out, "</td>");
  if (with_test)
    {
      g_autofree char *n = NULL, *cv = NULL, *cint = NULL, *q = NULL;
      ktstr_stats_noise_cells (rep, m, &n, &cv, &cint, &q);
      ktstr_html_printf (out,
                         "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                         "<td class=\"num\">%s</td><td class=\"num\">%s</td>",
                         n, cv, cint, q);
    }
  g_string_append (out, "</tr>\n");
}

static void
render_comparison (const KtstrReport *r, GString *out)
{
  const KtstrStatsComparison *c = r->comparison;
  const KtstrStatsReport *rep = c->report;
  gboolean with_test, with_note;
  g_autoptr (GString) dims = g_string_new ("slicing dimensions: ");
  append_dims (dims, c->slicing, TRUE);
  g_string_append (dims, "\npairing on: ");
  append_dims (dims, c->slicing, FALSE);
  g_string_append_c (dims, '\n');
  if (!c->no_average)
    g_string_append_printf (dims, "averaged across %u runs (%s) and %u runs (%s)\n", c->runs_a,
                            c->label_a, c->runs_b, c->label_b);
  ktstr_stats_significance_header (rep, dims);

  g_string_append (out, "<h2 id=\"comparison\">Comparison</h2>\n");
  g_string_append (out, "<div class=\"cards\">");
  card (out, "regressions", rep->regressions, rep->regressions ? "regression" : "");
  card (out, "improvements", rep->improvements, rep->improvements ? "improvement" : "");
  card (out, "unchanged", rep->unchanged, "");
  if (rep->has_significance)
    {
      card (out, "within noise", rep->within_noise, "noise");
      card (out, "unconfirmed", rep->unconfirmed, "noise");
    }
  card (out, "pairs skipped (a side failed)", rep->skipped_failed, "");
  card (out, "new in B", rep->new_in_b, "");
  card (out, "removed from A", rep->removed_from_a, "");
  g_string_append (out, "</div>\n");
  ktstr_html_printf (out, "<pre class=\"plain small\">%s</pre>\n", dims->str);

  ktstr_stats_noise_columns (rep, &with_test, &with_note);
  g_autofree char *ci = ktstr_stats_ci_header (rep);
  g_autoptr (GString) rows = g_string_new (NULL);
  g_auto (KtstrReportLabels) labels;
  ktstr_report_labels_init (&labels, c->slicing);
  for (guint i = 0; i < rep->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (rep->pairs, i);
      if (p->status == KTSTR_PAIR_COMPARED)
        ktstr_report_labels_add (&labels, p->a);
    }
  for (guint i = 0; i < rep->pairs->len; i++)
    {
      const KtstrStatsPair *p = g_ptr_array_index (rep->pairs, i);
      for (guint j = 0; p->metrics != NULL && j < p->metrics->len; j++)
        {
          const KtstrStatsMetricResult *m = &g_array_index (p->metrics, KtstrStatsMetricResult, j);
          if (ktstr_stats_result_is_listed (m))
            table_row (rows, rep, &labels, p, m, with_test, with_note);
        }
    }
  if (rows->len == 0)
    {
      g_string_append (out, "<p class=\"muted\">No metric moved past its gates.</p>\n");
    }
  else
    {
      ktstr_report_labels_describe (&labels, out, "Hover a row's test for its whole key.");
      /* The side labels ("eevdf:246bebb") head number columns: they wrap
       * at their separators rather than widen them. */
      g_string_append (out, "<div class=\"scroll\"><table class=\"cmp\"><tr><th>test</th>"
                            "<th class=\"metric\">metric</th><th class=\"key-a\">");
      ktstr_html_escape_breakable (out, c->label_a, ":-");
      g_string_append (out, "</th><th class=\"key-b\">");
      ktstr_html_escape_breakable (out, c->label_b, ":-");
      g_string_append (out, "</th><th>delta</th><th>verdict</th>");
      if (with_test)
        ktstr_html_printf (out, "<th>N</th><th>CV</th><th>%s</th><th>%s</th>", ci,
                           rep->significance.fdr > 0.0 ? "Q" : "P");
      g_string_append (out, "</tr>\n");
      g_string_append_len (out, rows->str, rows->len);
      g_string_append (out, "</table></div>\n");
    }
  g_autofree char *host
      = ktstr_stats_format_host_delta (c->host_a, c->host_b, c->label_a, c->label_b);
  if (host != NULL && *host != '\0')
    ktstr_html_printf (out, "<pre class=\"plain small\">%s</pre>\n", g_strchug (host));
}

static void
render_warnings (const KtstrReport *r, GString *out)
{
  if (r->warnings->len == 0 && r->unmatched->len == 0 && r->picked_left_out == 0)
    return;
  g_string_append (out, "<div class=\"warn\" id=\"warnings\"><b>Warnings</b><ul>\n");
  for (guint i = 0; i < r->warnings->len; i++)
    ktstr_html_printf (out, "<li>%s</li>\n", (const char *)g_ptr_array_index (r->warnings, i));
  for (guint i = 0; i < r->unmatched->len; i++)
    ktstr_html_printf (out, "<li>--timeline %s: no selected sidecar has this test name</li>\n",
                       (const char *)g_ptr_array_index (r->unmatched, i));
  if (r->picked_left_out > 0)
    ktstr_html_printf (out, "<li>%u more timeline(s) not drawn: a page shows at most %u</li>\n",
                       r->picked_left_out, KTSTR_REPORT_MAX_TIMELINES);
  g_string_append (out, "</ul></div>\n");
}

char *
ktstr_report_render_html (const KtstrReport *r)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GString) body = g_string_new (NULL);

  if (r->comparison != NULL)
    render_comparison (r, body);
  guint charts = ktstr_report_draw_metrics (r, body);
  render_runs (r, body);
  render_failures (r, body);
  charts += ktstr_report_draw_timelines (r, body);
  if (r->analysis != NULL && *r->analysis != '\0')
    ktstr_html_printf (body, "<h2 id=\"analysis\">Analysis</h2>\n<pre class=\"plain\">%s</pre>\n",
                       r->analysis);

  const char *title = r->comparison != NULL ? "ktstr comparison" : "ktstr runs";
  g_string_append (out,
                   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  /* What a check can compare the rendered page with. */
  g_string_append_printf (out, "<meta name=\"ktstr-charts\" content=\"%u\">\n", charts);
  if (r->comparison != NULL)
    ktstr_html_printf (out, "<title>%s: %s vs %s</title>\n", title, r->comparison->label_a,
                       r->comparison->label_b);
  else
    ktstr_html_printf (out, "<title>%s</title>\n", title);
  g_string_append_printf (out, "<style>%s</style>\n</head>\n<body>\n<main>\n", css);
  if (r->comparison != NULL)
    ktstr_html_printf (out,
                       "<h1>ktstr: <span class=\"key-a\">%s</span> against <span "
                       "class=\"key-b\">%s</span></h1>\n",
                       r->comparison->label_a, r->comparison->label_b);
  else
    g_string_append (out, "<h1>ktstr runs</h1>\n");
  if (r->scope != NULL)
    ktstr_html_printf (out, "<p class=\"muted\">%s</p>\n", r->scope);
  if (r->command != NULL)
    ktstr_html_printf (out, "<p class=\"small muted\">Made by <code>%s</code> (ktstr %s).</p>\n",
                       r->command, PACKAGE_VERSION);
  g_string_append (out, "<nav class=\"small\">");
  if (r->comparison != NULL)
    g_string_append (out, "<a href=\"#comparison\">comparison</a>");
  g_string_append (out, "<a href=\"#metrics\">metrics</a><a href=\"#runs\">runs</a>"
                        "<a href=\"#failures\">failures</a><a href=\"#timelines\">timelines</a>");
  if (r->analysis != NULL && *r->analysis != '\0')
    g_string_append (out, "<a href=\"#analysis\">analysis</a>");
  g_string_append (out, "</nav>\n");
  render_warnings (r, out);
  render_overview (r, out);
  g_string_append_len (out, body->str, body->len);
  g_string_append (out, "</main>\n</body>\n</html>\n");
  return g_string_free (out, FALSE);
}
