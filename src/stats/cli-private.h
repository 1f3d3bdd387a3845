/* Helpers shared by the ktstr-stats command implementations (stats-cli.c,
 * compare-cli.c, noise-cli.c), defined in cli-common.c; not part of the
 * library's interface. */
#ifndef KTSTR_STATS_CLI_PRIVATE_H
#define KTSTR_STATS_CLI_PRIVATE_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_STATS_EXIT_STATUS_HELP                                                               \
  "Exit status: 0 success (compare: no regression); 1 compare found regressions;\n"                \
  "2 usage or data error (bad flags, unknown run, bad policy, no rows matched).\n"                 \
  "Unlike the Rust ktstr, errors never exit 1, so a CI gate can tell a\n"                          \
  "regression from a comparison that could not run.\n"

/* Parses ARGV (ARGV[0] = the command) with ENTRIES (may be NULL) plus
 * --help.  Returns -1 to go on, else the exit status: help was printed, or
 * a usage error was reported on stderr. */
int ktstr_stats_cli_parse_command (const char *program, const char *command, const char *summary,
                                   const GOptionEntry *entries, int argc, char **argv);
/* "PROGRAM COMMAND: error: MESSAGE" on stderr; returns KTSTR_EXIT_USAGE. */
int ktstr_stats_cli_fail (const char *program, const char *command, const char *message);
/* The options of a command that reads one run (explain-sidecar,
 * show-host): --run RUN (required), --dir DIR and --json.  Parses ARGV
 * as ktstr_stats_cli_parse_command does, with JSON_HELP the --json
 * description; returns -1 to go on with *RUN and *ROOT (DIR, else the
 * runs root) set, else the exit status. */
int ktstr_stats_cli_parse_run (const char *program, const char *command, const char *summary,
                               const char *json_help, int argc, char **argv, char **run,
                               char **root, gboolean *as_json);
void ktstr_stats_cli_print_warnings (const char *program, GPtrArray *warnings);
void ktstr_stats_cli_print_out (const char *text);

int ktstr_stats_cli_compare (const char *program, int argc, char **argv);
int ktstr_stats_cli_noise (const char *program, int argc, char **argv);
int ktstr_stats_cli_explain_sidecar (const char *program, int argc, char **argv);
int ktstr_stats_cli_report (const char *program, int argc, char **argv);

G_END_DECLS

#endif
