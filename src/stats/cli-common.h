/* What the ktstr-stats commands and their callers share: the exit
 * statuses (one set with ktstr's, util/exit-status.h) and whether to
 * colour output.  Defined in cli-common.c with the commands' private
 * helpers (cli-private.h). */
#ifndef KTSTR_STATS_CLI_COMMON_H
#define KTSTR_STATS_CLI_COMMON_H

#include <glib.h>

#include "util/exit-status.h"

G_BEGIN_DECLS

/* Colour only on a terminal and only when NO_COLOR is not set. */
gboolean ktstr_stats_use_color (int fd);

G_END_DECLS

#endif
