#include "config.h"

#include "record/rundir.h"
#include "stats/cli-common.h"
#include "stats/cli-private.h"
#include "stats/explain.h"
#include "stats/list.h"

int
ktstr_stats_cli_explain_sidecar (const char *program, int argc, char **argv)
{
  g_autofree char *run = NULL;
  g_autofree char *dir = NULL;
  gboolean as_json = FALSE;
  const GOptionEntry entries[]
      = { { "run", 0, 0, G_OPTION_ARG_STRING, &run, "Run directory name (see `list`)", "RUN" },
          { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
            "Look for RUN under DIR instead of the runs root", "DIR" },
          { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL },
          G_OPTION_ENTRY_NULL };
  int rc = ktstr_stats_cli_parse_command (
      program, "explain-sidecar",
      "For each nullable sidecar field, how many of a run's sidecars have it null, why "
      "(expected, or actionable with a fix), and which files are corrupt or unreadable.",
      entries, argc, argv);
  if (rc >= 0)
    return rc;
  if (run == NULL)
    return ktstr_stats_cli_fail (program, "explain-sidecar",
                                 "--run RUN is required; `ktstr-stats list` shows the runs");
  g_autofree char *root = dir ? g_strdup (dir) : ktstr_runs_root ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = ktstr_stats_find_run (root, run, &error);
  if (path == NULL)
    return ktstr_stats_cli_fail (program, "explain-sidecar", error->message);
  g_autoptr (KtstrExplainReport) report = ktstr_explain_run (path, &error);
  if (report == NULL)
    return ktstr_stats_cli_fail (program, "explain-sidecar", error->message);
  g_autofree char *text = ktstr_explain_format (report, run, as_json);
  ktstr_stats_cli_print_out (text);
  /* Corrupt files are findings of the report, not a failure to make it. */
  return KTSTR_EXIT_OK;
}
