#include "config.h"

#include <string.h>

#include "record/rundir.h"
#include "stats/cli-options.h"
#include "stats/cli-private.h"
#include "stats/noise.h"
#include "stats/pool.h"
#include "stats/cli-common.h"

static GPtrArray *
select_rows (const KtstrStatsPool *pool, const KtstrStatsFilter *filter)
{
  GPtrArray *rows = g_ptr_array_new ();
  for (guint i = 0; i < pool->rows->len; i++)
    if (ktstr_stats_filter_matches (filter, g_ptr_array_index (pool->rows, i)))
      g_ptr_array_add (rows, g_ptr_array_index (pool->rows, i));
  return rows;
}

int
ktstr_stats_cli_noise (const char *program, int argc, char **argv)
{
  KtstrStatsFilterOptions filters;
  g_autofree char *substring = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *alpha = NULL;
  g_autofree char *fdr = NULL;
  g_autofree char *change_text = NULL;
  g_autofree char *policy_path = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[KTSTR_STATS_FILTER_OPTION_COUNT (FALSE) + 8];
  guint n = 0;

  ktstr_stats_filter_options_init (&filters);
  ktstr_stats_filter_options_add (&filters, entries, &n, FALSE);
  ktstr_stats_option_entry (
      entries, &n, "filter", 'E', G_OPTION_ARG_STRING, &substring,
      "Keep rows whose \"scenario topology scheduler work_type flags\" contains SUBSTR", "SUBSTR");
  ktstr_stats_option_entry (entries, &n, "change", 0, G_OPTION_ARG_STRING, &change_text,
                            "Relative change in percent to detect (default: each metric's "
                            "relative gate)",
                            "PCT");
  ktstr_stats_option_entry (entries, &n, "policy", 0, G_OPTION_ARG_FILENAME, &policy_path,
                            "Take each metric's relative gate from a compare policy FILE", "FILE");
  ktstr_stats_option_entry (entries, &n, "alpha", 0, G_OPTION_ARG_STRING, &alpha,
                            "Significance level of each test, as in compare (default 0.05)", "P");
  ktstr_stats_option_entry (entries, &n, "fdr", 0, G_OPTION_ARG_STRING, &fdr,
                            "False discovery rate, as in compare (default 0.05), or 'off'", "Q");
  ktstr_stats_option_entry (entries, &n, "dir", 0, G_OPTION_ARG_FILENAME, &dir,
                            "Pool run directories under DIR (run_source reads 'archive')", "DIR");
  ktstr_stats_option_entry (entries, &n, "json", 0, G_OPTION_ARG_NONE, &as_json,
                            "Print a JSON object", NULL);
  ktstr_stats_option_entry (entries, &n, NULL, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL);
  g_assert (n == G_N_ELEMENTS (entries));

  int rc = ktstr_stats_cli_parse_command (
      program, "noise",
      "Show how much each metric of each test configuration varies across repeated trials "
      "(N, mean, standard deviation, coefficient of variation) and how many trials a side "
      "compare needs to detect a given relative change, so you see which metrics are too noisy "
      "to gate on.",
      entries, argc, argv);

  g_autoptr (KtstrStatsFilter) filter = ktstr_stats_filter_new ();
  KtstrStatsSignificance significance;
  KtstrStatsPolicy policy;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  double change = -1.0;

  ktstr_stats_policy_init (&policy);
  if (rc < 0)
    {
      if (!ktstr_stats_filter_options_expand_revisions (&filters, &message))
        rc = ktstr_stats_cli_fail (program, "noise", message);
      else if (change_text != NULL && policy_path != NULL)
        rc = ktstr_stats_cli_fail (program, "noise",
                                   "--change and --policy exclude each other: --change sets one "
                                   "change for every metric, --policy one per metric");
      else if (!ktstr_stats_parse_significance (alpha, fdr, &significance, &message))
        rc = ktstr_stats_cli_fail (program, "noise", message);
      else if (change_text != NULL
               && !ktstr_stats_parse_percent ("--change", change_text, &change, &message))
        rc = ktstr_stats_cli_fail (program, "noise", message);
      else if (policy_path != NULL && !ktstr_stats_policy_load_file (&policy, policy_path, &error))
        rc = ktstr_stats_cli_fail (program, "noise", error->message);
    }
  if (rc < 0)
    {
      ktstr_stats_filter_options_resolve (&filters, KTSTR_FILTER_SHARED, filter);
      g_autofree char *root = dir ? g_strdup (dir) : ktstr_runs_root ();
      g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_root (root, dir != NULL);
      ktstr_stats_cli_print_warnings (program, pool->warnings);
      if (pool->rows->len == 0)
        {
          g_autofree char *msg
              = g_strdup_printf ("no sidecar data found under %s. Run `ktstr test` to generate "
                                 "runs, or pass --dir to point at an archived sidecar tree.",
                                 root);
          rc = ktstr_stats_cli_fail (program, "noise", msg);
        }
      else
        {
          g_autoptr (GPtrArray) rows = select_rows (pool, filter);
          g_autoptr (KtstrNoiseReport) report = ktstr_noise_report_new (
              rows, substring, &significance, change >= 0.0 ? change / 100.0 : -1.0, &policy);
          g_autofree char *text = ktstr_noise_report_format (report, as_json);
          ktstr_stats_cli_print_out (text);
          rc = KTSTR_EXIT_OK;
        }
    }
  ktstr_stats_filter_options_clear (&filters);
  return rc;
}
