/* What the ktstr-stats commands and their callers share: the exit
 * statuses (see stats-cli.h) and whether to colour output.  Defined in
 * cli-common.c with the commands' private helpers (cli-private.h). */
#ifndef KTSTR_STATS_CLI_COMMON_H
#define KTSTR_STATS_CLI_COMMON_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_STATS_EXIT_OK 0
#define KTSTR_STATS_EXIT_REGRESSION 1
#define KTSTR_STATS_EXIT_ERROR 2

/* Colour only on a terminal and only when NO_COLOR is not set. */
gboolean ktstr_stats_use_color (int fd);

G_END_DECLS

#endif
