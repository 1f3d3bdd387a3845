/* ktstr: boots kernels in VMs, runs scheduler scenarios in them, records
 * the results.  This file only dispatches to the subcommands. */
#include "config.h"

#include <glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "stats/stats-cli.h"

static const struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "test", ktstr_cmd_test, "boot a kernel per test, run the scenario, write sidecars" },
  { "run", ktstr_cmd_run, "boot a VM as for a test and run one command in it (run -- CMD)" },
  { "shell", ktstr_cmd_shell, "boot a VM as for a test with an interactive shell on its console" },
  { "verifier", ktstr_cmd_verifier,
    "load a scheduler in a VM and print its BPF programs' verified instruction counts" },
  { "list", ktstr_cmd_list, "list the built-in tests" },
  { "show-host", ktstr_cmd_show_host, "print this host's context (as recorded in sidecars)" },
  { "show-thresholds", ktstr_cmd_show_thresholds,
    "print a test's check thresholds and the layer each comes from" },
  { "locks", ktstr_cmd_locks,
    "show the host CPUs, run directories and kernel cache entries ktstr processes hold" },
  { "kernel", ktstr_cmd_kernel, "build, list and clean cached kernels (ktstr kernel --help)" },
  { "cleanup", ktstr_cmd_cleanup,
    "remove what killed runs left: cgroups, work directories, temp files, locks" },
  { "stats", ktstr_stats_main, "list, analyse and compare run directories (ktstr-stats)" },
};

static void
usage (FILE *to)
{
  fprintf (to, "Usage: ktstr COMMAND [OPTION…]\n\n"
               "Test harness for Linux process schedulers.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (to, "\nRun 'ktstr COMMAND --help' for a command's options; see ktstr(1).\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Output piped into head must end quietly, not with EPIPE errors. */
  signal (SIGPIPE, SIG_DFL);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? KTSTR_EXIT_USAGE : KTSTR_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("ktstr %s\n", PACKAGE_VERSION);
      return KTSTR_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("ktstr %s", commands[i].name);
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, "ktstr: unknown command '%s'\n\n", argv[1]);
  usage (stderr);
  return KTSTR_EXIT_USAGE;
}
