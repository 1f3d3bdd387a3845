#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/rundir.h"
#include "stats/cli-options.h"
#include "stats/cli-private.h"
#include "stats/compare-cmd.h"
#include "stats/stats-cli.h"

static gboolean
parse_percent (const char *text, double *out)
{
  char *end = NULL;
  if (text == NULL || *text == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0';
}

int
ktstr_stats_cli_compare (const char *program, int argc, char **argv)
{
  KtstrStatsFilterOptions filters;
  g_autofree char *substring = NULL;
  g_autofree char *threshold = NULL;
  g_autofree char *policy_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *alpha = NULL;
  g_autofree char *fdr = NULL;
  gboolean no_average = FALSE, no_stats = FALSE, as_json = FALSE;
  GOptionEntry entries[KTSTR_STATS_FILTER_OPTION_COUNT (TRUE) + 10];
  guint n = 0;

  ktstr_stats_filter_options_init (&filters);
  ktstr_stats_filter_options_add (&filters, entries, &n, TRUE);
  ktstr_stats_option_entry (
      entries, &n, "filter", 'E', G_OPTION_ARG_STRING, &substring,
      "Keep rows whose \"scenario topology scheduler work_type flags\" contains SUBSTR", "SUBSTR");
  ktstr_stats_option_entry (entries, &n, "threshold", 0, G_OPTION_ARG_STRING, &threshold,
                            "Relative gate in percent for every metric", "PCT");
  ktstr_stats_option_entry (entries, &n, "policy", 0, G_OPTION_ARG_FILENAME, &policy_path,
                            "JSON {default_percent, per_metric_percent} thresholds", "FILE");
  ktstr_stats_option_entry (entries, &n, "alpha", 0, G_OPTION_ARG_STRING, &alpha,
                            "Significance level of each test, and 1 - the confidence of the "
                            "intervals (default 0.05)",
                            "P");
  ktstr_stats_option_entry (entries, &n, "fdr", 0, G_OPTION_ARG_STRING, &fdr,
                            "Benjamini-Hochberg false discovery rate over all tests of the "
                            "comparison (default 0.05), or 'off'",
                            "Q");
  ktstr_stats_option_entry (entries, &n, "no-stats", 0, G_OPTION_ARG_NONE, &no_stats,
                            "Judge on the gates alone, even with several trials per key", NULL);
  ktstr_stats_option_entry (entries, &n, "dir", 0, G_OPTION_ARG_FILENAME, &dir,
                            "Pool run directories under DIR (run_source reads 'archive')", "DIR");
  ktstr_stats_option_entry (entries, &n, "no-average", 0, G_OPTION_ARG_NONE, &no_average,
                            "Compare sidecars one to one instead of averaging per key", NULL);
  ktstr_stats_option_entry (entries, &n, "json", 0, G_OPTION_ARG_NONE, &as_json,
                            "Print a machine-readable JSON report", NULL);
  ktstr_stats_option_entry (entries, &n, NULL, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL);
  g_assert (n == G_N_ELEMENTS (entries));

  int rc = ktstr_stats_cli_parse_command (
      program, "compare",
      "Compare side A with side B of the sidecar pool.  Per-side --a-X/--b-X filters replace the "
      "shared --X for their side; the dimensions where A and B differ slice, the others pair "
      "rows by scenario.  A change must pass both the metric's absolute gate and the relative "
      "gate (--threshold, --policy or the registry default); when a key has several trials a "
      "side it must also be statistically significant (Welch's t-test, false discovery rate "
      "controlled over the comparison).",
      entries, argc, argv);

  g_autoptr (KtstrStatsFilter) a = ktstr_stats_filter_new ();
  g_autoptr (KtstrStatsFilter) b = ktstr_stats_filter_new ();
  KtstrStatsCompareOptions options = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *message = NULL;

  if (rc < 0)
    {
      ktstr_stats_policy_init (&options.policy);
      if (!ktstr_stats_filter_options_expand_revisions (&filters, &message))
        rc = ktstr_stats_cli_fail (program, "compare", message);
      else if (threshold != NULL && policy_path != NULL)
        rc = ktstr_stats_cli_fail (program, "compare",
                                   "--threshold and --policy exclude each other; put "
                                   "default_percent in the policy file instead");
      else if (no_stats && (alpha != NULL || fdr != NULL))
        rc = ktstr_stats_cli_fail (program, "compare",
                                   "--no-stats turns the significance tests off, so --alpha and "
                                   "--fdr do not apply; drop one or the other");
      else if (!ktstr_stats_parse_significance (alpha, fdr, &options.significance, &message))
        rc = ktstr_stats_cli_fail (program, "compare", message);
    }
  if (rc < 0 && threshold != NULL)
    {
      double pct;
      if (!parse_percent (threshold, &pct))
        {
          g_autofree char *msg = g_strdup_printf ("--threshold '%s' is not a number; give a "
                                                  "percentage such as 10 or 2.5",
                                                  threshold);
          rc = ktstr_stats_cli_fail (program, "compare", msg);
        }
      else if (!ktstr_stats_policy_init_uniform (&options.policy, pct, &error))
        rc = ktstr_stats_cli_fail (program, "compare", error->message);
    }
  if (rc < 0 && policy_path != NULL
      && !ktstr_stats_policy_load_file (&options.policy, policy_path, &error))
    rc = ktstr_stats_cli_fail (program, "compare", error->message);

  if (rc < 0)
    {
      ktstr_stats_filter_options_resolve (&filters, KTSTR_FILTER_SIDE_A, a);
      ktstr_stats_filter_options_resolve (&filters, KTSTR_FILTER_SIDE_B, b);
      root = dir ? g_strdup (dir) : ktstr_runs_root ();
      options.a = a;
      options.b = b;
      options.substring = substring;
      options.root = root;
      options.is_archive = dir != NULL;
      options.no_average = no_average;
      options.no_stats = no_stats;
      options.as_json = as_json;
      options.use_color = !as_json && ktstr_stats_use_color (STDOUT_FILENO);

      GString *out = g_string_new (NULL);
      g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      rc = ktstr_stats_compare_run (&options, out, warnings, &error);
      ktstr_stats_cli_print_warnings (program, warnings);
      if (rc < 0)
        rc = ktstr_stats_cli_fail (program, "compare", error->message);
      else
        ktstr_stats_cli_print_out (out->str);
      g_string_free (out, TRUE);
    }

  ktstr_stats_filter_options_clear (&filters);
  return rc;
}
