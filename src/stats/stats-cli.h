/* The ktstr-stats command line: `ktstr-stats [COMMAND] [OPTION…]`, shared
 * by the ktstr-stats program and by `ktstr stats …` in the host CLI.
 *
 * Exit status: 0 success (and no regression), 1 `compare` found at least
 * one regression, 2 usage or data error.  This deliberately differs from
 * the Rust tool, where errors also exit 1: a CI gate can tell "slower"
 * from "could not compare". */
#ifndef KTSTR_STATS_CLI_H
#define KTSTR_STATS_CLI_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_STATS_EXIT_OK 0
#define KTSTR_STATS_EXIT_REGRESSION 1
#define KTSTR_STATS_EXIT_ERROR 2

/* ARGV[1] is the command, if any.  Messages name the program by
 * g_get_prgname() when it is set ("ktstr stats" from the host CLI), else
 * by ARGV[0] ("ktstr-stats").  Writes the report to stdout and diagnostics
 * to stderr. */
int ktstr_stats_main (int argc, char **argv);

/* Colour only on a terminal and only when NO_COLOR is not set. */
gboolean ktstr_stats_use_color (int fd);

G_END_DECLS

#endif
