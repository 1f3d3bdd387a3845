/* Helpers every ktstr-stats command shares (cli-common.h, cli-private.h):
 * option parsing with --help, error and warning lines, output, colour.
 * Apart from the commands so that each command file depends on them, not
 * on the others. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record/rundir.h"
#include "stats/cli-common.h"
#include "stats/cli-private.h"

gboolean
ktstr_stats_use_color (int fd)
{
  return isatty (fd) && g_getenv ("NO_COLOR") == NULL;
}

void
ktstr_stats_cli_print_out (const char *text)
{
  fputs (text, stdout);
  fflush (stdout);
}

int
ktstr_stats_cli_fail (const char *program, const char *command, const char *message)
{
  fprintf (stderr, "%s%s%s: error: %s\n", program, command ? " " : "", command ? command : "",
           message);
  return KTSTR_EXIT_USAGE;
}

int
ktstr_stats_cli_parse_run (const char *program, const char *command, const char *summary,
                           const char *json_help, int argc, char **argv, char **run, char **root,
                           gboolean *as_json)
{
  g_autofree char *dir = NULL;
  *run = NULL;
  *root = NULL;
  *as_json = FALSE;
  const GOptionEntry entries[]
      = { { "run", 0, 0, G_OPTION_ARG_STRING, run, "Run directory name (see `list`)", "RUN" },
          { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
            "Look for RUN under DIR instead of the runs root", "DIR" },
          { "json", 0, 0, G_OPTION_ARG_NONE, as_json, json_help, NULL },
          G_OPTION_ENTRY_NULL };
  int rc = ktstr_stats_cli_parse_command (program, command, summary, entries, argc, argv);
  if (rc >= 0)
    return rc;
  if (*run == NULL)
    return ktstr_stats_cli_fail (program, command,
                                 "--run RUN is required; `ktstr-stats list` shows the runs");
  *root = dir ? g_steal_pointer (&dir) : ktstr_runs_root ();
  return -1;
}

void
ktstr_stats_cli_print_warnings (const char *program, GPtrArray *warnings)
{
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "%s: warning: %s\n", program, (const char *)g_ptr_array_index (warnings, i));
}

int
ktstr_stats_cli_parse_command (const char *program, const char *command, const char *summary,
                               const GOptionEntry *entries, int argc, char **argv)
{
  gboolean want_help = FALSE;
  const GOptionEntry help_entry[]
      = { { "help", 'h', 0, G_OPTION_ARG_NONE, &want_help, "Show this help", NULL },
          G_OPTION_ENTRY_NULL };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char **args = g_new0 (char *, argc + 1);
  int n = argc;

  memcpy (args, argv, argc * sizeof (char *));
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_set_summary (ctx, summary);
  g_option_context_set_description (ctx, KTSTR_STATS_EXIT_STATUS_HELP);
  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, help_entry, NULL);
  char **parse_argv = args;
  if (!g_option_context_parse (ctx, &n, &parse_argv, &error))
    {
      fprintf (stderr, "%s %s: error: %s\nTry '%s %s --help'.\n", program, command, error->message,
               program, command);
      return KTSTR_EXIT_USAGE;
    }
  if (want_help)
    {
      g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
      /* Replace GOption's "Usage: prgname [OPTION…]" with the command's own. */
      const char *rest = strstr (help, "\n\n");
      fprintf (stdout, "Usage:\n  %s %s [OPTION…]%s", program, command, rest ? rest : "\n");
      return KTSTR_EXIT_OK;
    }
  if (n > 1)
    {
      fprintf (stderr, "%s %s: error: unexpected argument '%s'\nTry '%s %s --help'.\n", program,
               command, parse_argv[1], program, command);
      return KTSTR_EXIT_USAGE;
    }
  return -1;
}
