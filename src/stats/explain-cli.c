#include "config.h"

#include "stats/cli-common.h"
#include "stats/cli-private.h"
#include "stats/explain.h"
#include "stats/list.h"

int
ktstr_stats_cli_explain_sidecar (const char *program, int argc, char **argv)
{
  g_autofree char *run = NULL;
  g_autofree char *root = NULL;
  gboolean as_json;
  int rc = ktstr_stats_cli_parse_run (
      program, "explain-sidecar",
      "For each nullable sidecar field, how many of a run's sidecars have it null, why "
      "(expected, or actionable with a fix), and which files are corrupt or unreadable.",
      "Print a JSON object", argc, argv, &run, &root, &as_json);
  if (rc >= 0)
    return rc;
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
