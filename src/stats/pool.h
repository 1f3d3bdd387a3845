/* The sidecar pool ktstr-stats reads: every sidecar of every run directory
 * under a root (`list-values`, `compare`), or of one run directory (bare
 * `ktstr-stats`, `show-host`), with one KtstrStatsRow per sidecar.
 *
 * Loading goes through the records module (ktstr_sidecar_collect_dir: the
 * directory plus one level of non-dot subdirectories, `.ktstr.` + `.json`
 * names).  A corrupt sidecar does not stop the walk: it is reported as a
 * warning naming the file and the parse error. */
#ifndef KTSTR_STATS_POOL_H
#define KTSTR_STATS_POOL_H

#include <glib.h>

#include "record/sidecar.h"
#include "stats/row.h"

G_BEGIN_DECLS

typedef struct
{
  char *root;
  GPtrArray *sidecars; /* KtstrSidecar*, owned, in walk order */
  GPtrArray *rows;     /* KtstrStatsRow*, owned; rows[i] comes from sidecars[i] */
  GPtrArray *warnings; /* char*, one line each, for stderr */
} KtstrStatsPool;

void ktstr_stats_pool_free (KtstrStatsPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrStatsPool, ktstr_stats_pool_free)

/* Every run directory (non-dot subdirectory, by name) under ROOT.  A
 * missing ROOT gives an empty pool.  With IS_ARCHIVE (`--dir`), every
 * sidecar's run_source is rewritten to "archive" in memory. */
KtstrStatsPool *ktstr_stats_pool_load_root (const char *root, gboolean is_archive);
/* One run directory.  Fails only when DIR cannot be listed. */
KtstrStatsPool *ktstr_stats_pool_load_run (const char *dir, GError **error);

/* The comparable row of SIDECAR (borrowed by the row as its source):
 * monitor metrics read 0 without a monitor, non-finite values read 0,
 * non-finite ext_metrics are dropped.  `ktstr test --repeat auto` reads
 * its trials with it. */
KtstrStatsRow *ktstr_stats_row_from_sidecar (const KtstrSidecar *sidecar);

/* Run directories under ROOT (names not starting with '.'), sorted by
 * name; empty when ROOT is missing. */
GPtrArray *ktstr_stats_list_run_dirs (const char *root);

G_END_DECLS

#endif
