/* `ktstr-stats report`: the HTML helpers, the monitor series reader, and
 * the page end to end over the fixture pool, a synthetic A/B pool of
 * trials and a real monitored run (tests/data/stats/report).  The page
 * in a real browser is tests/test-report-browser.sh. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "stats/html.h"
#include "stats/monitor-series.h"
#include "tests/test-stats-trials.h"
#include "tests/test-stats-util.h"

/* --- Helpers ---------------------------------------------------------------- */

static void
test_html_escape (void)
{
  g_autoptr (GString) s = g_string_new (NULL);
  ktstr_html_escape (s, "<a href=\"x\">O'Neil & co</a>");
  g_assert_cmpstr (s->str, ==, "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
  g_string_truncate (s, 0);
  ktstr_html_printf (s, "<b>%s</b> %u", "<script>", 3u);
  g_assert_cmpstr (s->str, ==, "<b>&lt;script&gt;</b> 3");
}

static void
test_html_breakable (void)
{
  g_autoptr (GString) s = g_string_new (NULL);
  ktstr_html_escape_breakable (s, "a/b<c>/", "/");
  g_assert_cmpstr (s->str, ==, "a/<wbr>b&lt;c&gt;/"); /* none after the last */
  g_string_truncate (s, 0);
  ktstr_html_escape_breakable (s, "worst_p99", "_/");
  g_assert_cmpstr (s->str, ==, "worst_<wbr>p99");
  g_string_truncate (s, 0);
  ktstr_html_escape_breakable (s, NULL, "_");
  g_assert_cmpstr (s->str, ==, "");
}

static void
test_html_clean_text (void)
{
  /* Colours, a cursor move, an OSC title and stray controls go; lines stay. */
  g_autofree char *a = ktstr_html_clean_text ("\033[31mred\033[0m\r\n\033[2Kok\t1\a\n"
                                              "\033]0;title\007after\x01\n");
  g_assert_cmpstr (a, ==, "red\nok\t1\nafter\n");
  /* Invalid UTF-8 becomes valid (the replacement character). */
  g_autofree char *b = ktstr_html_clean_text ("bad \xff byte");
  g_assert_true (g_utf8_validate (b, -1, NULL));
  g_assert_true (g_str_has_prefix (b, "bad "));
  g_autofree char *c = ktstr_html_clean_text ("cut \033[");
  g_assert_cmpstr (c, ==, "cut ");
}

static void
test_format (void)
{
  static const struct
  {
    double v;
    const char *compact;
  } cases[] = {
    { 0.0, "0" },         { 12.5, "12.5" },     { 1234.0, "1234" },   { 12000.0, "12k" },
    { 12500.0, "12.5k" }, { 4.5e6, "4.5M" },    { 0.0123, "0.0123" }, { -3.0, "-3" },
    { 2e-5, "2e-05" },    { 100000.0, "100k" }, { NAN, "-" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ktstr_format_compact (cases[i].v);
      g_assert_cmpstr (got, ==, cases[i].compact);
    }
  g_autofree char *p = ktstr_format_precise (12345.678);
  g_assert_cmpstr (p, ==, "12345.7");
  g_autofree char *q = ktstr_format_precise (0.1);
  g_assert_cmpstr (q, ==, "0.1");
}

static void
test_nice_ticks (void)
{
  double lo = 3.2, hi = 97.0;
  g_autoptr (GArray) t = ktstr_nice_ticks (&lo, &hi, 5);
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 100.0);
  g_assert_cmpuint (t->len, ==, 6); /* 0 20 40 60 80 100 */
  g_assert_cmpfloat (g_array_index (t, double, 1), ==, 20.0);

  /* Steps of 0.1 come out as round decimals, not 0.30000000000000004. */
  double lo2 = 0.0, hi2 = 0.5;
  g_autoptr (GArray) t2 = ktstr_nice_ticks (&lo2, &hi2, 5);
  g_autofree char *third = ktstr_format_compact (g_array_index (t2, double, 3));
  g_assert_cmpstr (third, ==, "0.3");

  /* One value: a range around it. */
  double lo3 = 5.0, hi3 = 5.0;
  g_autoptr (GArray) t3 = ktstr_nice_ticks (&lo3, &hi3, 4);
  g_assert_cmpfloat (lo3, <, 5.0);
  g_assert_cmpfloat (hi3, >, 5.0);
  g_assert_cmpuint (t3->len, >=, 2);

  KtstrScale s = { 0.0, 10.0, 100.0, 200.0 };
  g_assert_cmpfloat (ktstr_scale_map (&s, 5.0), ==, 150.0);
}

/* --- The monitor series ------------------------------------------------------ */

static char *
report_data (const char *name)
{
  g_autofree char *rel = g_build_filename ("report", name, NULL);
  return stats_test_data_path (rel);
}

static void
test_series_real (void)
{
  /* A real series of `steady` under EEVDF on 2 vCPUs, 100 ms apart, whose
   * scenario started 640 ms after the monitor. */
  g_autofree char *path = report_data ("6.12.117-3a196be/steady-95a98c5ff09ebdcf.monitor.jsonl");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrMonitorSeries) s = ktstr_monitor_series_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->sampler, ==, "host-memory");
  g_assert_cmpuint (s->interval_ms, ==, 100);
  g_assert_true (s->has_scenario_start);
  g_assert_cmpint (s->scenario_start_ms, ==, 640);
  g_assert_cmpuint (s->n_cpus, ==, 2);
  g_assert_cmpuint (s->n_samples, ==, 37);
  g_assert_cmpint (s->t_ms[0], ==, -640); /* on the scenario's clock */
  g_assert_true (s->has_nr_running);
  g_assert_true (s->has_dsq_depth);
  g_assert_cmpint (s->nr_running[0], ==, 1); /* cpu0 of the first sample */
  g_assert_cmpint (s->nr_running[1], ==, 0); /* cpu1 */
  g_assert_true (s->has_scx_enabled);        /* every sample says ... */
  g_assert_false (s->any_scx_enabled);       /* ... that EEVDF ran it */

  g_autofree char *sidecar = report_data ("6.12.117-3a196be/steady-95a98c5ff09ebdcf.ktstr.json");
  g_autofree char *beside = ktstr_monitor_series_path (sidecar);
  g_assert_cmpstr (beside, ==, path);
  g_assert_null (ktstr_monitor_series_path ("notes.json"));
  /* A trial of a repeated run keeps its series beside its own sidecar. */
  g_autofree char *trial
      = ktstr_monitor_series_path ("/r/steady-95a98c5ff09ebdcf-trial2.ktstr.json");
  g_assert_cmpstr (trial, ==, "/r/steady-95a98c5ff09ebdcf-trial2.monitor.jsonl");
}

static void
test_series_partial_fields (void)
{
  /* The guest sampler cannot see the local DSQ; no scenario start. */
  static const char text[] = "{\"monitor\":\"ktstr\",\"version\":1,\"sampler\":\"guest\","
                             "\"interval_ms\":50,\"scenario_start_ms\":null}\n"
                             "{\"elapsed_ms\":0,\"cpus\":[{\"nr_running\":2},{}]}\n"
                             "\n"
                             "{\"elapsed_ms\":50,\"cpus\":[{\"nr_running\":3},{\"nr_running\":1},"
                             "{\"nr_running\":0}],\"unknown\":true}\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrMonitorSeries) s = ktstr_monitor_series_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_false (s->has_scenario_start);
  g_assert_cmpuint (s->n_samples, ==, 2);
  g_assert_cmpuint (s->n_cpus, ==, 3); /* the most any sample had */
  g_assert_cmpint (s->t_ms[1], ==, 50);
  g_assert_cmpint (s->nr_running[0 * 3 + 1], ==, -1); /* not seen */
  g_assert_cmpint (s->nr_running[0 * 3 + 2], ==, -1); /* no such CPU then */
  g_assert_cmpint (s->nr_running[1 * 3 + 2], ==, 0);
  g_assert_false (s->has_dsq_depth);
  g_assert_false (s->has_scx_enabled); /* not said: the DSQ panel is not ruled out */

  /* A scenario that started before the sampler did is on its clock too. */
  static const char late[]
      = "{\"monitor\":\"ktstr\",\"version\":1,\"scenario_start_ms\":-50}\n"
        "{\"elapsed_ms\":0,\"scx_enabled\":true,\"cpus\":[{\"nr_running\":1}]}\n";
  g_autoptr (KtstrMonitorSeries) l = ktstr_monitor_series_parse (late, strlen (late), &error);
  g_assert_no_error (error);
  g_assert_true (l->has_scenario_start);
  g_assert_cmpint (l->t_ms[0], ==, 50);
  g_assert_true (l->has_scx_enabled && l->any_scx_enabled);
}

static void
test_series_invalid (void)
{
  static const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "", "line 1: the file is empty" },
    { "{\"monitor\":\"other\",\"version\":1}\n", "line 1: not a ktstr monitor series" },
    { "{\"monitor\":\"ktstr\",\"version\":2}\n", "line 1: series version 2 is not one" },
    { "{\"monitor\":\"ktstr\",\"version\":1}\n{\"elapsed_ms\":-1,\"cpus\":[]}\n",
      "line 2: a sample without a non-negative integer elapsed_ms" },
    { "{\"monitor\":\"ktstr\",\"version\":1}\n{\"elapsed_ms\":1}\n",
      "line 2: a sample without a cpus array" },
    { "{\"monitor\":\"ktstr\",\"version\":1}\n{\"elapsed_ms\":1,\"cpus\":[1]}\n",
      "line 2: a CPU entry is not a JSON object" },
    { "{\"monitor\":\"ktstr\",\"version\":1}\n\n{\"elapsed_ms\":\n", "line 3: " },
    { "[1]\n", "line 1: the header is not a JSON object" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (ktstr_monitor_series_parse (cases[i].text, strlen (cases[i].text), &error));
      g_assert_error (error, KTSTR_MONITOR_SERIES_ERROR, KTSTR_MONITOR_SERIES_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, cases[i].message));
    }
  g_autoptr (GError) io = NULL;
  g_assert_null (ktstr_monitor_series_load ("/nonexistent/x.monitor.jsonl", &io));
  g_assert_error (io, KTSTR_MONITOR_SERIES_ERROR, KTSTR_MONITOR_SERIES_ERROR_IO);
}

/* --- The page ------------------------------------------------------------------ */

static guint
count (const char *text, const char *what)
{
  guint n = 0;
  for (const char *p = strstr (text, what); p != NULL; p = strstr (p + 1, what))
    n++;
  return n;
}

/* The value of NAME="…" in the first element of PAGE that has FROM. */
static char *
attr_after (const char *page, const char *from, const char *name)
{
  const char *at = strstr (page, from);
  g_assert_nonnull (at);
  g_autofree char *needle = g_strdup_printf (" %s=\"", name);
  const char *end_tag = strchr (at, '>');
  const char *v = strstr (at, needle);
  g_assert_true (v != NULL && v < end_tag);
  v += strlen (needle);
  return g_strndup (v, strchr (v, '"') - v);
}

/* What every page must be: one document, self-contained, its chart count
 * in its meta, every chart with marks. */
static void
assert_page (const char *page)
{
  g_assert_true (g_str_has_prefix (page, "<!DOCTYPE html>\n<html lang=\"en\">"));
  g_assert_true (g_str_has_suffix (page, "</html>\n"));
  /* Nothing to fetch, nothing to run. */
  g_assert_null (strstr (page, "<script"));
  g_assert_null (strstr (page, "src="));
  g_assert_null (strstr (page, "<link"));
  g_assert_null (strstr (page, "href=\"http"));
  g_assert_null (strstr (page, "url("));
  g_autofree char *charts = attr_after (page, "<meta name=\"ktstr-charts\"", "content");
  g_assert_cmpuint (count (page, "<svg class=\"chart"), ==, atoi (charts));
  for (const char *p = strstr (page, "<svg class=\"chart"); p != NULL;
       p = strstr (p + 1, "<svg class=\"chart"))
    {
      g_autofree char *marks = attr_after (p, "<svg class=\"chart", "data-marks");
      g_assert_cmpint (atoi (marks), >, 0);
    }
  /* Attributes are written, never escaped into text (a browser ignores
   * an attribute like text-anchor=&quot;end&quot; without a word). */
  g_assert_null (strstr (page, "=&quot;"));
  g_assert_true (g_utf8_validate (page, -1, NULL));
}

/* Each timeline's data-marks is what it drew: its dots, cells, lines and
 * event lines (the browser test counts the same in Chromium). */
static void
assert_timeline_marks (const char *page)
{
  for (const char *p = strstr (page, "<svg class=\"chart timeline\""); p != NULL;
       p = strstr (p + 1, "<svg class=\"chart timeline\""))
    {
      g_autofree char *svg = g_strndup (p, strstr (p, "</svg>") - p);
      g_autofree char *marks = attr_after (svg, "<svg class=\"chart timeline\"", "data-marks");
      guint drawn = count (svg, "<circle") + count (svg, "<rect") + count (svg, "<polyline")
                    + count (svg, "stroke-dasharray");
      g_assert_cmpuint (atoi (marks), ==, drawn);
    }
}

typedef struct
{
  char *target;
  char *out; /* the page's path */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->target = stats_test_make_target ();
  f->out = g_build_filename (f->target, "report.html", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->target);
  g_free (f->target);
  g_free (f->out);
}

static char *
read_page (const char *path)
{
  g_autofree char *page = NULL;
  g_assert_true (g_file_get_contents (path, &page, NULL, NULL));
  return g_steal_pointer (&page);
}

static void
test_page_comparison (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, f->target, NULL, "report", "--a-kernel", "6.14", "--b-kernel", "6.15",
                  "--project-commit", "abc1234", "-o", f->out, NULL);
  g_assert_cmpint (run.status, ==, 0); /* a regression is shown, not an exit status */
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "ktstr-stats report: wrote "));
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  g_assert_nonnull (strstr (page, "<title>ktstr comparison: 6.14 vs 6.15</title>"));
  /* The terminal's verdicts and colours. */
  g_assert_nonnull (strstr (page, "<td class=\"regression\">REGRESSION<div class=\"note\">"));
  g_assert_nonnull (strstr (page, "<td class=\"improvement\">improvement<div class=\"note\">"));
  /* The terminal's note under the verdict it explains, identifiers that
   * may wrap at their separators. */
  g_assert_nonnull (strstr (page, "REGRESSION<div class=\"note\">unconfirmed (1/1 trials); ~"));
  g_assert_null (strstr (page, "<th>note</th>"));
  g_assert_nonnull (strstr (page, ">worst_<wbr>spread</a></td>"));
  /* Every section, and the run's facts. */
  for (const char *id = "comparison\0metrics\0runs\0failures\0timelines\0"; *id;
       id += strlen (id) + 1)
    {
      g_autofree char *h2 = g_strdup_printf ("<h2 id=\"%s\">", id);
      g_assert_nonnull (strstr (page, h2));
    }
  g_assert_nonnull (
      strstr (page, "<td class=\"run\">6.14-abc1234</td><td>6.14.2</td><td>abc1234</td>"));
  g_assert_nonnull (strstr (page, "AMD EPYC 7B13 64-Core Processor"));
  /* 6.14's sched_steady failed: its failure and its timeline. */
  g_assert_nonnull (strstr (page, "<span class=\"fail\">FAIL</span> <b>sched_steady</b>"));
  g_assert_nonnull (strstr (page, "data-test=\"sched_steady\""));
  g_assert_nonnull (strstr (page, "No monitor series beside this sidecar"));
  /* A figure per metric with data, linked from the table. */
  g_assert_nonnull (strstr (page, "<a href=\"#m-worst_spread\">worst_<wbr>spread</a>"));
  g_assert_nonnull (strstr (page, "<figure id=\"m-worst_spread\">"));
  g_assert_nonnull (strstr (page, "host delta"));
}

static void
test_page_trials (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *root = g_build_filename (f->target, "trials", NULL);
  stats_test_write_trial_pool (root, 11, 5, 0.30);
  stats_test_run (&run, f->target, NULL, "report", "--dir", root, "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", "--timeline", "steady", "-o", f->out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  /* total_iterations: six configurations, each with a gate band, 5 + 5
   * trials and two means: 13 marks a row. */
  g_autofree char *rows = attr_after (page, "data-metric=\"total_iterations\"", "data-rows");
  g_assert_cmpstr (rows, ==, "6");
  const char *fig = strstr (page, "<figure id=\"m-total_iterations\">");
  g_assert_nonnull (fig);
  g_autofree char *fig_marks = attr_after (fig, "<svg class=\"chart", "data-marks");
  g_assert_cmpint (atoi (fig_marks), ==, 6 * 13);
  /* Every trial is a dot with its value and run. */
  g_assert_nonnull (strstr (fig, "<title>A trial 1 of 5: "));
  g_assert_nonnull (strstr (fig, "(a-1)</title>"));
  g_assert_nonnull (strstr (fig, "(b-5)</title>"));
  /* The planted drop is a confirmed regression, drawn and tabled. */
  g_assert_nonnull (strstr (fig, ">REGRESSION</text>"));
  g_assert_nonnull (strstr (page, "<th>N</th><th>CV</th><th>95% CI</th><th>Q</th>"));
  /* Rows are labelled by what differs: the test alone here. */
  g_assert_nonnull (strstr (page, "Rows are labelled test; every row has kernel 6.12.117"));
  /* --timeline steady: both sides' five trials, whose synthetic sidecars
   * have no event to draw: said, not drawn as empty frames. */
  g_assert_cmpuint (count (page, "</span> steady <span"), ==, 10);
  g_assert_cmpuint (count (page, "there is no timeline to draw"), ==, 10);
  g_assert_null (strstr (page, "data-test=\"steady\""));
}

/* `ktstr test --repeat 3` on each side: the trials share their run
 * directory, so the page says which trial each dot, caption and run is. */
static void
test_page_repeated_runs (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) ab;
  g_auto (StatsTestRun) one;
  g_autofree char *root = g_build_filename (f->target, "repeated", NULL);
  stats_test_write_repeated_pool (root, 17, 3, 0.30);
  /* The monitor ran for B's second trial of steady only. */
  g_autofree char *b_dir = g_build_filename (root, "b", NULL);
  g_autoptr (GDir) dir = g_dir_open (b_dir, 0, NULL);
  g_autofree char *series_dest = NULL;
  for (const char *n = g_dir_read_name (dir); n != NULL; n = g_dir_read_name (dir))
    if (g_str_has_prefix (n, "steady-") && g_str_has_suffix (n, "-trial2.ktstr.json"))
      {
        g_autofree char *sidecar = g_build_filename (b_dir, n, NULL);
        series_dest = ktstr_monitor_series_path (sidecar);
      }
  g_assert_nonnull (series_dest);
  g_autofree char *series_src
      = report_data ("6.12.117-3a196be/steady-95a98c5ff09ebdcf.monitor.jsonl");
  g_autofree char *series = NULL;
  gsize series_len = 0;
  g_assert_true (g_file_get_contents (series_src, &series, &series_len, NULL));
  g_assert_true (g_file_set_contents (series_dest, series, (gssize)series_len, NULL));
  stats_test_run (&ab, f->target, NULL, "report", "--dir", root, "--a-project-commit", "aaaaaaa",
                  "--b-project-commit", "bbbbbbb", "--timeline", "steady", "-o", f->out, NULL);
  g_assert_cmpint (ab.status, ==, 0);
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  g_assert_nonnull (strstr (page, "Made by <code>ktstr-stats report --dir "));
  /* Two runs of 18 sidecars each, written over three minutes. */
  g_assert_nonnull (strstr (page, "<td class=\"run\">a</td>"));
  g_assert_nonnull (strstr (page, "<td class=\"run\">b</td>"));
  g_assert_cmpuint (count (page, "<td class=\"num pass\">18</td>"), ==, 2);
  g_assert_cmpuint (count (page, "2026-01-10 08:01:00 – 08:03:00"), ==, 2);
  /* The table labels a row by what differs (the test alone here), the
   * whole key on hover. */
  g_assert_nonnull (strstr (page, "\">steady</td><td><a href=\"#m-total_iterations\">total_<wbr>"
                                  "iterations</a></td>"));
  /* A verdict the gates alone decide has no note. */
  g_assert_nonnull (strstr (page, "<td class=\"regression\">REGRESSION</td>"));
  g_assert_nonnull (strstr (page, "<td class=\"key\" title=\"steady/"));
  /* Every trial is a dot, named by run and trial. */
  const char *fig = strstr (page, "<figure id=\"m-total_iterations\">");
  g_assert_nonnull (fig);
  g_assert_nonnull (strstr (fig, "<title>A trial 1 of 3: "));
  g_assert_nonnull (strstr (fig, "(a, trial 3)</title>"));
  g_assert_nonnull (strstr (fig, "(b, trial 2)</title>"));
  g_assert_nonnull (strstr (fig, ">REGRESSION</text>"));
  /* steady's six timelines, each captioned with its trial; the end event
   * sits at the right edge, so its label ends at its line. */
  g_assert_cmpuint (count (page, "data-test=\"steady\""), ==, 6);
  g_assert_nonnull (strstr (page, "· a, trial 1</span>"));
  g_assert_cmpuint (count (page, "<figure><figcaption><span class=\"key-a\">A</span> "), ==, 3);
  g_assert_cmpuint (count (page, "<figure><figcaption><span class=\"key-b\">B</span> "), ==, 3);
  g_assert_nonnull (strstr (page, "· b, trial 3</span>"));
  g_assert_nonnull (strstr (page, "text-anchor=\"end\"><title>+3000 ms ScenarioEnd"));
  /* Only that trial's timeline has the runqueues; the others say why not. */
  g_assert_cmpuint (count (page, "Monitor: 37 samples every 100 ms"), ==, 1);
  g_assert_cmpuint (count (page, "No monitor series beside this sidecar"), ==, 5);
  const char *b2 = strstr (page, "· b, trial 2</span>");
  g_assert_nonnull (b2);
  g_assert_true (strstr (b2, "Monitor: 37 samples") < strstr (b2, "</figure>"));
  g_assert_nonnull (strstr (b2, "<title>CPU 1: "));

  /* One side's run alone: each configuration's trials and their spread
   * right of the plot, the label whole. */
  stats_test_run (&one, f->target, NULL, "report", "--dir", root, "--run", "a", "--timeline",
                  "steady", "-o", f->out, NULL);
  g_assert_cmpint (one.status, ==, 0);
  g_autofree char *single = read_page (f->out);
  assert_page (single);
  g_assert_cmpuint (count (single, "3 trials, CV "), >=, 6);
  g_assert_nonnull (strstr (single, "(a, trial 2)</title>"));
  g_assert_cmpuint (count (single, "data-test=\"steady\""), ==, 3);
  g_assert_null (strstr (single, "<span class=\"key-a\">A</span>"));
}

static void
test_page_selection_monitor (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *dir = report_data (NULL);
  stats_test_run (&run, f->target, NULL, "report", "--dir", dir, "--run", "6.12.117-3a196be",
                  "--timeline", "steady", "--timeline", "futex_ping_pong", "--timeline",
                  "oversubscribed", "--timeline", "pipe_io", "-o", f->out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  assert_timeline_marks (page);
  g_assert_nonnull (strstr (page, "<h1>ktstr runs</h1>"));
  g_assert_nonnull (strstr (page, "<h2 id=\"analysis\">"));
  /* The real series: its runqueue cells, on the scenario's clock. */
  const char *steady = strstr (page, "data-test=\"steady\"");
  g_assert_nonnull (steady);
  g_assert_nonnull (strstr (page, "Monitor: 37 samples every 100 ms (host-memory sampler); no "
                                  "sched_ext scheduler was loaded, so there is no local DSQ to "
                                  "draw."));
  const char *steady_end = strstr (steady, "</figure>");
  g_assert_true (strstr (steady, "<title>CPU 1: ") < steady_end);
  g_assert_true (strstr (steady, "runqueues") < steady_end);
  g_assert_true (strstr (steady, "imbalance") < steady_end);
  /* Under EEVDF the series' local DSQ is all zeros: not drawn as a queue. */
  const char *dsq = strstr (steady, "local DSQ");
  g_assert_true (dsq == NULL || dsq > steady_end);
  /* A series of another version is named, not drawn. */
  g_assert_nonnull (strstr (page, "could not be read"));
  g_assert_nonnull (strstr (page, "series version 7 is not one this ktstr-stats reads"));
  /* The failure's recorded report, and the older failure's console tail
   * without its escape sequences. */
  g_assert_nonnull (strstr (page, "cgroup 1: worker 3 starved: 0 iterations in 5000 ms"));
  g_assert_nonnull (strstr (page, "--- diagnostics ---"));
  g_assert_nonnull (strstr (page, "the last 60 lines of its console log"));
  g_assert_nonnull (strstr (page, "ktstr-init: worker 2 exited with status 1\n"));
  g_assert_null (strstr (page, "\033"));
  /* Failed runs measured nothing: they are not plotted as zeros. */
  g_assert_nonnull (strstr (page, "2 configuration(s), every passing trial"));
}

/* A real sched_ext run sampled in the guest, whose sampler missed
 * readings while the test held both vCPUs: the gaps are left blank and
 * said, there is no local DSQ to draw, and a long series has no dots. */
static void
test_page_guest_monitor (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_autofree char *dir = report_data (NULL);
  stats_test_run (&run, f->target, NULL, "report", "--dir", dir, "--run",
                  "6.12.117-scx-simple-monitor", "--timeline", "steady", "--timeline",
                  "oversubscribed", "-o", f->out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  assert_timeline_marks (page);
  g_assert_nonnull (strstr (page, "6.12.117-scx-simple-monitor, trial 1</span>"));
  g_assert_nonnull (strstr (page, "Monitor: 24 samples every 100 ms (guest sampler); readings "
                                  "were missed 2 time(s), at most 2254 ms without one, left "
                                  "blank (the guest sampler runs in the guest and competes with "
                                  "the test for CPU)."));
  g_assert_nonnull (strstr (page, "Monitor: 49 samples every 100 ms (guest sampler); readings "
                                  "were missed 1 time(s), at most 3170 ms without one"));
  g_assert_null (strstr (page, "no sched_ext scheduler was loaded"));
  g_assert_null (strstr (page, "local DSQ"));
  /* A cell ends one interval after the last reading before a gap, not at
   * the next reading seconds later. */
  const char *steady = strstr (page, "data-test=\"steady\"");
  g_assert_nonnull (steady);
  g_assert_nonnull (strstr (steady, "CPU 1: 1 runnable, -19 to +81 ms</title>"));
  /* 49 readings: lines without a dot each; a lone reading between gaps
   * is still a dot. */
  const char *over = strstr (page, "data-test=\"oversubscribed\"");
  g_assert_nonnull (over);
  g_autofree char *over_svg = g_strndup (over, strstr (over, "</svg>") - over);
  g_assert_cmpuint (count (over_svg, "<polyline"), >=, 2);
  g_assert_cmpuint (count (over_svg, "<circle"), <, 49);
}

static void
test_page_missing_side (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  stats_test_run (&run, f->target, NULL, "report", "--a-kernel", "6.14", "--b-kernel", "9.9", "-o",
                  f->out, NULL);
  /* The page is still written, saying what is missing. */
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "side B matched 0"));
  g_autofree char *page = read_page (f->out);
  assert_page (page);
  g_assert_nonnull (strstr (page, "Side A (6.14) only: side B (9.9) selected no sidecar"));
  g_assert_nonnull (strstr (page, "side B matched 0 of the"));
}

static void
test_page_stdout_and_default_scope (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) env;
  /* Without a run or filter: the newest run, as bare ktstr-stats. */
  stats_test_run (&run, f->target, NULL, "report", "-o", "-", NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_page (run.out);
  g_assert_nonnull (strstr (run.out, "6.15-9999999-dirty"));
  g_assert_nonnull (strstr (run.out, "as bare ktstr-stats analyses it"));
  /* ... or $KTSTR_SIDECAR_DIR. */
  g_autofree char *root = stats_test_runs_root (f->target);
  g_autofree char *dir = g_build_filename (root, "ci-gauntlet", NULL);
  g_autofree char *kv = g_strdup_printf ("KTSTR_SIDECAR_DIR=%s", dir);
  const char *vars[] = { kv, NULL };
  stats_test_run (&env, f->target, vars, "report", "-o", "-", NULL);
  g_assert_cmpint (env.status, ==, 0);
  g_assert_nonnull (strstr (env.out, "ci-gauntlet/job-1"));
  g_assert_nonnull (strstr (env.out, "=== GAUNTLET ANALYSIS ==="));
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) no_out;
  g_auto (StatsTestRun) run_and_sides;
  g_auto (StatsTestRun) compare_only;
  g_auto (StatsTestRun) unwritable;
  g_auto (StatsTestRun) nothing;
  g_auto (StatsTestRun) empty;
  g_auto (StatsTestRun) unknown_run;
  g_auto (StatsTestRun) unmatched;

  stats_test_run (&no_out, f->target, NULL, "report", NULL);
  g_assert_cmpint (no_out.status, ==, 2);
  g_assert_nonnull (strstr (no_out.err, "--output FILE (-o) is required"));

  stats_test_run (&run_and_sides, f->target, NULL, "report", "--run", "6.14-abc1234", "--a-kernel",
                  "6.14", "--b-kernel", "6.15", "-o", f->out, NULL);
  g_assert_cmpint (run_and_sides.status, ==, 2);
  g_assert_nonnull (strstr (run_and_sides.err, "--run names one run to report"));

  stats_test_run (&compare_only, f->target, NULL, "report", "--threshold", "10", "-o", f->out,
                  NULL);
  g_assert_cmpint (compare_only.status, ==, 2);
  g_assert_nonnull (strstr (compare_only.err, "shape a comparison"));

  stats_test_run (&unwritable, f->target, NULL, "report", "-o", "/nonexistent-dir/r.html", NULL);
  g_assert_cmpint (unwritable.status, ==, 2);
  g_assert_nonnull (strstr (unwritable.err, "cannot write /nonexistent-dir/r.html"));

  stats_test_run (&nothing, "/nonexistent-target", NULL, "report", "-o", f->out, NULL);
  g_assert_cmpint (nothing.status, ==, 2);
  g_assert_nonnull (strstr (nothing.err, "no sidecar data found under /nonexistent-target"));

  stats_test_run (&empty, f->target, NULL, "report", "--kernel", "9.9", "-o", f->out, NULL);
  g_assert_cmpint (empty.status, ==, 2);
  g_assert_nonnull (strstr (empty.err, "the selection holds no sidecar"));

  stats_test_run (&unknown_run, f->target, NULL, "report", "--run", "6.14-abc123", "-o", f->out,
                  NULL);
  g_assert_cmpint (unknown_run.status, ==, 2);
  g_assert_nonnull (strstr (unknown_run.err, "Did you mean '6.14-abc1234'?"));
  /* No page was left behind by a failed command. */
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));

  stats_test_run (&unmatched, f->target, NULL, "report", "--run", "6.14-abc1234", "--timeline",
                  "no_such_test", "-o", f->out, NULL);
  g_assert_cmpint (unmatched.status, ==, 0);
  g_assert_nonnull (strstr (unmatched.err, "--timeline no_such_test: no selected sidecar"));
  g_autofree char *page = read_page (f->out);
  g_assert_nonnull (strstr (page, "--timeline no_such_test: no selected sidecar"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/report/html/escape", test_html_escape);
  g_test_add_func ("/stats/report/html/breakable", test_html_breakable);
  g_test_add_func ("/stats/report/html/clean-text", test_html_clean_text);
  g_test_add_func ("/stats/report/html/format", test_format);
  g_test_add_func ("/stats/report/html/nice-ticks", test_nice_ticks);
  g_test_add_func ("/stats/report/series/real", test_series_real);
  g_test_add_func ("/stats/report/series/partial-fields", test_series_partial_fields);
  g_test_add_func ("/stats/report/series/invalid", test_series_invalid);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/stats/report/page/comparison", test_page_comparison);
  ADD ("/stats/report/page/trials", test_page_trials);
  ADD ("/stats/report/page/repeated-runs", test_page_repeated_runs);
  ADD ("/stats/report/page/selection-monitor", test_page_selection_monitor);
  ADD ("/stats/report/page/guest-monitor", test_page_guest_monitor);
  ADD ("/stats/report/page/missing-side", test_page_missing_side);
  ADD ("/stats/report/page/stdout-and-default-scope", test_page_stdout_and_default_scope);
  ADD ("/stats/report/page/errors", test_errors);
  return g_test_run ();
}
