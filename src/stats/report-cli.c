/* `ktstr-stats report`: the command line.  Per-side filters make it a
 * comparison (compare's options and rules); without them it reports one
 * selection: --run, else the pool the shared filters select, else what
 * bare ktstr-stats analyses. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/rundir.h"
#include "stats/analysis.h"
#include "stats/cli-common.h"
#include "stats/cli-options.h"
#include "stats/cli-private.h"
#include "stats/compare-cmd.h"
#include "stats/list.h"
#include "stats/report-model.h"

typedef struct
{
  KtstrStatsFilterOptions filters;
  char *substring;
  char *threshold;
  char *policy_path;
  char *dir;
  char *alpha;
  char *fdr;
  char *run;
  char *output;
  char **timeline;
  gboolean no_average;
  gboolean no_stats;
} ReportArgs;

static void
report_args_clear (ReportArgs *a)
{
  ktstr_stats_filter_options_clear (&a->filters);
  g_free (a->substring);
  g_free (a->threshold);
  g_free (a->policy_path);
  g_free (a->dir);
  g_free (a->alpha);
  g_free (a->fdr);
  g_free (a->run);
  g_free (a->output);
  g_strfreev (a->timeline);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReportArgs, report_args_clear)

static gboolean
any_shared_filter (const KtstrStatsFilter *f)
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    if (f->values[d]->len > 0)
      return TRUE;
  return FALSE;
}

/* The command line, quoted where a shell would need it. */
static char *
command_line (const char *program, int argc, char **argv)
{
  GString *s = g_string_new (program);
  for (int i = 0; i < argc; i++)
    {
      gboolean plain = argv[i][0] != '\0';
      for (const char *p = argv[i]; *p && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("-_./=:,+~@", *p) != NULL;
      g_autofree char *quoted = plain ? g_strdup (argv[i]) : g_shell_quote (argv[i]);
      g_string_append_printf (s, " %s", quoted);
    }
  return g_string_free (s, FALSE);
}

/* The compare options of ARGS; FALSE with *MESSAGE on a bad value. */
static gboolean
compare_options (ReportArgs *a, KtstrStatsCompareOptions *o, char **message)
{
  GError *error = NULL;
  ktstr_stats_policy_init (&o->policy);
  if (a->threshold != NULL && a->policy_path != NULL)
    {
      *message = g_strdup ("--threshold and --policy exclude each other; put default_percent "
                           "in the policy file instead");
      return FALSE;
    }
  if (a->no_stats && (a->alpha != NULL || a->fdr != NULL))
    {
      *message = g_strdup ("--no-stats turns the significance tests off, so --alpha and --fdr "
                           "do not apply; drop one or the other");
      return FALSE;
    }
  if (!ktstr_stats_parse_significance (a->alpha, a->fdr, &o->significance, message))
    return FALSE;
  double pct;
  if (a->threshold != NULL
      && (!ktstr_stats_parse_percent ("--threshold", a->threshold, &pct, message)))
    return FALSE;
  if (a->threshold != NULL && !ktstr_stats_policy_init_uniform (&o->policy, pct, &error))
    {
      *message = g_strdup (error->message);
      g_error_free (error);
      return FALSE;
    }
  if (a->policy_path != NULL && !ktstr_stats_policy_load_file (&o->policy, a->policy_path, &error))
    {
      *message = g_strdup (error->message);
      g_error_free (error);
      return FALSE;
    }
  o->substring = a->substring;
  o->is_archive = a->dir != NULL;
  o->no_average = a->no_average;
  o->no_stats = a->no_stats;
  return TRUE;
}

/* Side A and B select from ROOT; when one side selects nothing the page
 * still shows the other, with a warning. */
static KtstrReport *
build_comparison (ReportArgs *a, KtstrStatsCompareOptions *o, const char *const *timeline,
                  GPtrArray *warnings, GError **error)
{
  g_autoptr (GError) local = NULL;
  KtstrStatsComparison *c = ktstr_stats_comparison_new (o, warnings, &local);
  if (c != NULL)
    return ktstr_report_new_comparison (c, a->substring, timeline);
  if (!g_error_matches (local, KTSTR_STATS_COMPARE_ERROR, KTSTR_STATS_COMPARE_ERROR_NO_MATCH))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  /* One side is missing: report the other, saying so. */
  KtstrStatsPool *pool = ktstr_stats_pool_load_root (o->root, o->is_archive);
  gboolean slicing[KTSTR_DIM_COUNT];
  ktstr_stats_derive_slicing (o->a, o->b, slicing);
  g_autofree char *label_a = ktstr_stats_side_label (o->a, slicing, "A");
  g_autofree char *label_b = ktstr_stats_side_label (o->b, slicing, "B");
  guint n_a = 0;
  for (guint i = 0; i < pool->rows->len; i++)
    n_a += ktstr_stats_filter_matches (o->a, g_ptr_array_index (pool->rows, i)) ? 1 : 0;
  gboolean a_missing = n_a == 0;
  g_autofree char *scope = g_strdup_printf (
      "Side %s (%s) only: side %s (%s) selected no sidecar, so nothing is compared.",
      a_missing ? "B" : "A", a_missing ? label_b : label_a, a_missing ? "A" : "B",
      a_missing ? label_a : label_b);
  g_ptr_array_add (warnings, g_strdup (local->message));
  KtstrReport *r = ktstr_report_new_selection (pool, FALSE, a_missing ? o->b : o->a, a->substring,
                                               timeline, scope);
  if (r->sides[0].rows->len == 0)
    {
      ktstr_report_free (r);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return r;
}

/* One selection.  NULL with *MESSAGE when there is nothing to report. */
static KtstrReport *
build_selection (ReportArgs *a, const KtstrStatsFilter *filter, const char *const *timeline,
                 GPtrArray *warnings, char **message)
{
  g_autofree char *root = a->dir ? g_strdup (a->dir) : ktstr_runs_root ();
  g_autoptr (GError) error = NULL;
  KtstrStatsPool *pool = NULL;
  g_autofree char *scope = NULL;
  gboolean is_run = FALSE;

  if (a->run != NULL)
    {
      g_autofree char *path = ktstr_stats_find_run (root, a->run, &error);
      if (path == NULL || (pool = ktstr_stats_pool_load_run (path, &error)) == NULL)
        {
          *message = g_strdup (error->message);
          return NULL;
        }
      scope = g_strdup_printf ("The run %s (%s).", a->run, path);
      is_run = TRUE;
    }
  else if (any_shared_filter (filter) || a->dir != NULL)
    {
      pool = ktstr_stats_pool_load_root (root, a->dir != NULL);
      scope = g_strdup_printf ("The sidecars the filters select under %s.", root);
    }
  else
    {
      g_autofree char *dir = ktstr_stats_analysis_dir (root);
      if (dir != NULL)
        pool = ktstr_stats_pool_load_run (dir, &error);
      if (pool == NULL)
        {
          *message = g_strdup_printf ("no sidecar data found under %s (nor in "
                                      "$KTSTR_SIDECAR_DIR); run `ktstr test`, or name a run "
                                      "with --run or a tree with --dir",
                                      root);
          return NULL;
        }
      scope
          = g_strdup_printf ("The newest run directory, %s, as bare ktstr-stats analyses it.", dir);
      is_run = TRUE;
    }
  for (guint i = 0; i < pool->warnings->len; i++)
    g_ptr_array_add (warnings, g_strdup (g_ptr_array_index (pool->warnings, i)));
  KtstrReport *r = ktstr_report_new_selection (pool, is_run, filter, a->substring, timeline, scope);
  if (r->sides[0].rows->len == 0)
    {
      *message = g_strdup_printf ("the selection holds no sidecar (%s); check the filters with "
                                  "`ktstr-stats list-values`",
                                  pool->root);
      ktstr_report_free (r);
      return NULL;
    }
  return r;
}

/* Writes TEXT to PATH atomically (a temporary file renamed over it), or to
 * standard output for "-". */
static gboolean
write_page (const char *path, const char *text, GError **error)
{
  if (strcmp (path, "-") == 0)
    {
      ktstr_stats_cli_print_out (text);
      return TRUE;
    }
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

int
ktstr_stats_cli_report (const char *program, int argc, char **argv)
{
  g_auto (ReportArgs) a = { 0 };
  GOptionEntry entries[KTSTR_STATS_FILTER_OPTION_COUNT (TRUE) + 13];
  guint n = 0;

  ktstr_stats_filter_options_init (&a.filters);
  ktstr_stats_filter_options_add (&a.filters, entries, &n, TRUE);
  ktstr_stats_option_entry (entries, &n, "output", 'o', G_OPTION_ARG_FILENAME, &a.output,
                            "Write the HTML page to FILE (- for standard output)", "FILE");
  ktstr_stats_option_entry (entries, &n, "timeline", 0, G_OPTION_ARG_STRING_ARRAY, &a.timeline,
                            "Draw the timeline of every sidecar of test NAME (repeatable; "
                            "default: every failed sidecar)",
                            "NAME");
  ktstr_stats_option_entry (entries, &n, "run", 0, G_OPTION_ARG_STRING, &a.run,
                            "Without per-side filters: report this run directory", "RUN");
  ktstr_stats_option_entry (
      entries, &n, "filter", 'E', G_OPTION_ARG_STRING, &a.substring,
      "Keep rows whose \"scenario topology scheduler work_type flags\" contains SUBSTR", "SUBSTR");
  ktstr_stats_option_entry (entries, &n, "threshold", 0, G_OPTION_ARG_STRING, &a.threshold,
                            "Comparison: relative gate in percent for every metric", "PCT");
  ktstr_stats_option_entry (entries, &n, "policy", 0, G_OPTION_ARG_FILENAME, &a.policy_path,
                            "Comparison: JSON {default_percent, per_metric_percent}", "FILE");
  ktstr_stats_option_entry (entries, &n, "alpha", 0, G_OPTION_ARG_STRING, &a.alpha,
                            "Comparison: significance level of each test (default 0.05)", "P");
  ktstr_stats_option_entry (entries, &n, "fdr", 0, G_OPTION_ARG_STRING, &a.fdr,
                            "Comparison: false discovery rate (default 0.05), or 'off'", "Q");
  ktstr_stats_option_entry (entries, &n, "no-stats", 0, G_OPTION_ARG_NONE, &a.no_stats,
                            "Comparison: judge on the gates alone", NULL);
  ktstr_stats_option_entry (entries, &n, "no-average", 0, G_OPTION_ARG_NONE, &a.no_average,
                            "Comparison: sidecars one to one instead of averaged per key", NULL);
  ktstr_stats_option_entry (entries, &n, "dir", 0, G_OPTION_ARG_FILENAME, &a.dir,
                            "Pool run directories under DIR (run_source reads 'archive')", "DIR");
  ktstr_stats_option_entry (entries, &n, NULL, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL);
  g_assert (n <= G_N_ELEMENTS (entries));

  int rc = ktstr_stats_cli_parse_command (
      program, "report",
      "Write one self-contained HTML page (no script, nothing fetched) about the runs: with "
      "per-side filters the comparison of A with B (compare's rules) with every trial of each "
      "metric drawn against its gate; without them one selection (--run, the pool the shared "
      "filters select, else the newest run). Both show the runs (kernel, commits, host, "
      "accelerator, pass/fail/skip), each failure's verdict and report, and the timelines of "
      "the failed tests (or --timeline NAME), with the monitor's runqueues when its series is "
      "beside the sidecar.  Exit status 0 when the page is written, whatever it shows: use "
      "compare to gate.",
      entries, argc, argv);
  if (rc >= 0)
    return rc;

  g_autofree char *message = NULL;
  if (a.output == NULL)
    return ktstr_stats_cli_fail (program, "report",
                                 "--output FILE (-o) is required: the page is written there; "
                                 "give - for standard output");
  if (!ktstr_stats_filter_options_expand_revisions (&a.filters, &message))
    return ktstr_stats_cli_fail (program, "report", message);

  g_autoptr (KtstrStatsFilter) fa = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) fb = ktstr_stats_filter_new ();
  ktstr_stats_filter_options_resolve (&a.filters, KTSTR_FILTER_SIDE_A, fa);
  ktstr_stats_filter_options_resolve (&a.filters, KTSTR_FILTER_SIDE_B, fb);
  gboolean slicing[KTSTR_DIM_COUNT];
  gboolean is_comparison = ktstr_stats_derive_slicing (fa, fb, slicing) > 0;
  const char *const *timeline = (const char *const *)a.timeline;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (KtstrReport) report = NULL;
  g_autofree char *root = a.dir ? g_strdup (a.dir) : ktstr_runs_root ();

  if (is_comparison)
    {
      KtstrStatsCompareOptions o = { 0 };
      if (a.run != NULL)
        return ktstr_stats_cli_fail (program, "report",
                                     "--run names one run to report; with per-side filters the "
                                     "sides select from every run: drop one or the other");
      if (!compare_options (&a, &o, &message))
        return ktstr_stats_cli_fail (program, "report", message);
      o.a = fa;
      o.b = fb;
      o.root = root;
      g_autoptr (GError) error = NULL;
      report = build_comparison (&a, &o, timeline, warnings, &error);
      if (report == NULL)
        {
          ktstr_stats_cli_print_warnings (program, warnings);
          return ktstr_stats_cli_fail (program, "report", error->message);
        }
    }
  else
    {
      if (a.threshold || a.policy_path || a.alpha || a.fdr || a.no_stats || a.no_average)
        return ktstr_stats_cli_fail (program, "report",
                                     "--threshold, --policy, --alpha, --fdr, --no-stats and "
                                     "--no-average shape a comparison; give per-side filters "
                                     "(e.g. --a-kernel 6.12 --b-kernel 6.13) to compare");
      report = build_selection (&a, fa, timeline, warnings, &message);
      if (report == NULL)
        {
          ktstr_stats_cli_print_warnings (program, warnings);
          return ktstr_stats_cli_fail (program, "report", message);
        }
    }
  ktstr_stats_cli_print_warnings (program, warnings);
  for (guint i = 0; i < warnings->len; i++)
    g_ptr_array_add (report->warnings, g_strdup (g_ptr_array_index (warnings, i)));
  for (guint i = 0; i < report->unmatched->len; i++)
    fprintf (stderr, "%s report: warning: --timeline %s: no selected sidecar has this test name\n",
             program, (const char *)g_ptr_array_index (report->unmatched, i));
  report->command = command_line (program, argc, argv);

  g_autofree char *page = ktstr_report_render_html (report);
  g_autoptr (GError) error = NULL;
  if (!write_page (a.output, page, &error))
    {
      g_autofree char *msg
          = g_strdup_printf ("cannot write %s: %s; check that its directory exists and is "
                             "writable",
                             a.output, error->message);
      return ktstr_stats_cli_fail (program, "report", msg);
    }
  if (strcmp (a.output, "-") != 0)
    fprintf (stderr, "%s report: wrote %s (%zu KiB)\n", program, a.output,
             (strlen (page) + 1023) / 1024);
  return KTSTR_EXIT_OK;
}
