/* The listing commands of ktstr-stats (ktstr-stats(1)):
 * `list` (runs under the runs root), `list-values` (distinct values per
 * dimension across the pool) and `show-host` (a run's host context). */
#ifndef KTSTR_STATS_LIST_H
#define KTSTR_STATS_LIST_H

#include <glib.h>

#include "stats/pool.h"

G_BEGIN_DECLS

#define KTSTR_STATS_LIST_ERROR (ktstr_stats_list_error_quark ())
GQuark ktstr_stats_list_error_quark (void);

typedef enum
{
  KTSTR_STATS_LIST_ERROR_UNKNOWN_RUN, /* no such run directory */
  KTSTR_STATS_LIST_ERROR_NO_SIDECARS, /* the run holds no sidecar */
  KTSTR_STATS_LIST_ERROR_NO_HOST,     /* no sidecar of the run has a host context */
} KtstrStatsListError;

/* `list`: a RUN TESTS DATE ARCH table of the run directories under ROOT,
 * newest directory mtime first (ties and unreadable mtimes by name), or
 * with AS_JSON an array of {run, tests, date, arch} in the same order.
 * Returns NULL when there is no run (JSON: "[]"); corrupt sidecars add to
 * WARNINGS. */
char *ktstr_stats_format_runs (const char *root, gboolean as_json, GPtrArray *warnings);

/* `list-values`: distinct kernel, commit, kernel_commit, source, scheduler,
 * topology, work_type and flags values of POOL; null reads `unknown` in
 * text and null in JSON, and sorts first. */
char *ktstr_stats_format_values (const KtstrStatsPool *pool, gboolean as_json);

/* ROOT/RUN when RUN names a run directory under ROOT; else NULL with a
 * KTSTR_STATS_LIST_ERROR_UNKNOWN_RUN that names the closest run. */
char *ktstr_stats_find_run (const char *root, const char *run, GError **error);

/* `show-host`: KtstrHostContext format_human of the first sidecar of
 * ROOT/RUN that has a host context; with AS_JSON an object {run, sidecar
 * (its file name), host (the sidecar's host object)}. */
char *ktstr_stats_show_host (const char *root, const char *run, gboolean as_json,
                             GPtrArray *warnings, GError **error);

G_END_DECLS

#endif
