#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/rundir.h"
#include "stats/analysis.h"
#include "stats/compare-cmd.h"
#include "stats/compare.h"
#include "stats/list.h"
#include "stats/metrics.h"
#include "stats/pool.h"
#include "stats/cli-private.h"
#include "stats/stats-cli.h"

static void
print_usage (const char *program)
{
  fprintf (stdout,
           "Usage:\n"
           "  %s [COMMAND] [OPTION…]\n\n"
           "List, analyse and compare ktstr run directories ({CARGO_TARGET_DIR or\n"
           "\"target\"}/ktstr/{kernel}-{project_commit}/*.ktstr.json).\n\n"
           "Commands:\n"
           "  (none)           analyse the newest run directory, or $KTSTR_SIDECAR_DIR\n"
           "  list             list run directories, newest first\n"
           "  list-metrics     list the metrics compare gates on\n"
           "  list-values      list the distinct values of each dimension\n"
           "  show-host        show the host context recorded by a run\n"
           "  explain-sidecar  say why a run's sidecar fields are null\n"
           "  compare          compare two slices of the sidecar pool\n"
           "  noise            show each metric's noise across repeated trials\n"
           "  report           write an HTML page of the runs or of a comparison, with plots\n"
           "  help [COMMAND]   show this help, or a command's options\n\n"
           "Run '%s COMMAND --help' for a command's options.\n\n" KTSTR_STATS_EXIT_STATUS_HELP,
           program, program);
}

static int
cmd_analysis (const char *program)
{
  g_autofree char *root = ktstr_runs_root ();
  g_autofree char *dir = ktstr_stats_analysis_dir (root);
  g_autoptr (KtstrStatsPool) pool = NULL;
  g_autoptr (GError) error = NULL;

  if (dir != NULL)
    pool = ktstr_stats_pool_load_run (dir, &error);
  if (pool != NULL)
    ktstr_stats_cli_print_warnings (program, pool->warnings);
  if (pool == NULL || pool->rows->len == 0)
    {
      fprintf (stderr, "%s: no sidecar data found (skipped)\n", program);
      return KTSTR_EXIT_OK;
    }
  g_autofree char *report = ktstr_stats_format_analysis (pool->rows, pool->sidecars);
  ktstr_stats_cli_print_out (report);
  return KTSTR_EXIT_OK;
}

static int
cmd_list (const char *program, int argc, char **argv)
{
  gboolean as_json = FALSE;
  const GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
                                     "Print a JSON array of {run, tests, date, arch}", NULL },
                                   G_OPTION_ENTRY_NULL };
  int rc = ktstr_stats_cli_parse_command (
      program, "list", "List run directories, newest mtime first.", entries, argc, argv);
  if (rc >= 0)
    return rc;
  g_autofree char *root = ktstr_runs_root ();
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *table = ktstr_stats_format_runs (root, as_json, warnings);
  ktstr_stats_cli_print_warnings (program, warnings);
  if (table == NULL)
    fprintf (stderr, "no runs found at %s. Run `ktstr test` to generate sidecar data.\n", root);
  else
    ktstr_stats_cli_print_out (table);
  return KTSTR_EXIT_OK;
}

static int
cmd_list_metrics (const char *program, int argc, char **argv)
{
  gboolean as_json = FALSE;
  const GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL },
          G_OPTION_ENTRY_NULL };
  int rc = ktstr_stats_cli_parse_command (
      program, "list-metrics",
      "List the metrics compare gates on: name, polarity, default absolute "
      "and relative thresholds, unit.",
      entries, argc, argv);
  if (rc >= 0)
    return rc;
  g_autofree char *text = ktstr_metrics_format_list (as_json);
  ktstr_stats_cli_print_out (text);
  return KTSTR_EXIT_OK;
}

static int
cmd_list_values (const char *program, int argc, char **argv)
{
  gboolean as_json = FALSE;
  g_autofree char *dir = NULL;
  const GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL },
          { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
            "Read run directories under DIR instead of the runs root (run_source reads "
            "'archive')",
            "DIR" },
          G_OPTION_ENTRY_NULL };
  int rc = ktstr_stats_cli_parse_command (
      program, "list-values", "List the distinct values of each dimension across every run.",
      entries, argc, argv);
  if (rc >= 0)
    return rc;
  g_autofree char *root = dir ? g_strdup (dir) : ktstr_runs_root ();
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_root (root, dir != NULL);
  ktstr_stats_cli_print_warnings (program, pool->warnings);
  g_autofree char *text = ktstr_stats_format_values (pool, as_json);
  ktstr_stats_cli_print_out (text);
  return KTSTR_EXIT_OK;
}

static int
cmd_show_host (const char *program, int argc, char **argv)
{
  g_autofree char *run = NULL;
  g_autofree char *root = NULL;
  gboolean as_json;
  int rc = ktstr_stats_cli_parse_run (
      program, "show-host",
      "Show the host context recorded by the first sidecar of a run that has one.",
      "Print a JSON object {run, sidecar, host}", argc, argv, &run, &root, &as_json);
  if (rc >= 0)
    return rc;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = ktstr_stats_show_host (root, run, as_json, warnings, &error);
  ktstr_stats_cli_print_warnings (program, warnings);
  if (text == NULL)
    return ktstr_stats_cli_fail (program, "show-host", error->message);
  ktstr_stats_cli_print_out (text);
  return KTSTR_EXIT_OK;
}

static int
dispatch (const char *program, int argc, char **argv)
{
  if (argc < 2)
    return cmd_analysis (program);

  const char *command = argv[1];
  if (strcmp (command, "--help") == 0 || strcmp (command, "-h") == 0
      || (strcmp (command, "help") == 0 && argc == 2))
    {
      print_usage (program);
      return KTSTR_EXIT_OK;
    }
  if (strcmp (command, "help") == 0)
    {
      char *help_argv[] = { argv[0], argv[2], (char *)"--help", NULL };
      return dispatch (program, 3, help_argv);
    }
  if (strcmp (command, "list") == 0)
    return cmd_list (program, argc - 1, argv + 1);
  if (strcmp (command, "list-metrics") == 0)
    return cmd_list_metrics (program, argc - 1, argv + 1);
  if (strcmp (command, "list-values") == 0)
    return cmd_list_values (program, argc - 1, argv + 1);
  if (strcmp (command, "show-host") == 0)
    return cmd_show_host (program, argc - 1, argv + 1);
  if (strcmp (command, "explain-sidecar") == 0)
    return ktstr_stats_cli_explain_sidecar (program, argc - 1, argv + 1);
  if (strcmp (command, "compare") == 0)
    return ktstr_stats_cli_compare (program, argc - 1, argv + 1);
  if (strcmp (command, "report") == 0)
    return ktstr_stats_cli_report (program, argc - 1, argv + 1);
  if (strcmp (command, "noise") == 0)
    return ktstr_stats_cli_noise (program, argc - 1, argv + 1);
  fprintf (stderr, "%s: error: unknown command '%s'\nRun '%s --help' for the commands.\n", program,
           command, program);
  return KTSTR_EXIT_USAGE;
}

int
ktstr_stats_main (int argc, char **argv)
{
  /* The host CLI sets the program name to "ktstr stats" and passes
   * argv[0] = "stats"; the ktstr-stats binary leaves it unset. */
  const char *program = g_get_prgname ();
  if (program == NULL)
    program = argc > 0 && argv[0] != NULL ? argv[0] : "ktstr-stats";
  /* Reports must not depend on the user's decimal separator. */
  locale_t c_numeric = newlocale (LC_NUMERIC_MASK, "C", duplocale (LC_GLOBAL_LOCALE));
  locale_t previous = c_numeric != (locale_t)0 ? uselocale (c_numeric) : (locale_t)0;

  int rc = dispatch (program, argc, argv);

  if (c_numeric != (locale_t)0)
    {
      uselocale (previous);
      freelocale (c_numeric);
    }
  return rc;
}
