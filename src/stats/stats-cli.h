/* The ktstr-stats command line: `ktstr-stats [COMMAND] [OPTION…]`, shared
 * by the ktstr-stats program and by `ktstr stats …` in the host CLI.
 *
 * Exit status: 0 success (and no regression), 1 `compare` found at least
 * one regression, 2 usage or data error.  This deliberately differs from
 * the Rust ktstr (doc/compatibility.md), where errors also exit 1: a CI gate can tell "slower"
 * from "could not compare". */
#ifndef KTSTR_STATS_CLI_H
#define KTSTR_STATS_CLI_H

#include <glib.h>

#include "stats/cli-common.h"

G_BEGIN_DECLS

/* ARGV[1] is the command, if any.  Messages name the program by
 * g_get_prgname() when it is set ("ktstr stats" from the host CLI), else
 * by ARGV[0] ("ktstr-stats").  Writes the report to stdout and diagnostics
 * to stderr. */
int ktstr_stats_main (int argc, char **argv);

G_END_DECLS

#endif
