/* `stats compare` end to end (doc/stats-compare.md): load the pool,
 * select the two sides, average, compare, and render the report as text
 * (plain aligned table, see table.h) or JSON. */
#ifndef KTSTR_STATS_COMPARE_CMD_H
#define KTSTR_STATS_COMPARE_CMD_H

#include <glib.h>

#include "stats/compare-render.h"
#include "stats/compare.h"
#include "stats/filter.h"
#include "stats/policy.h"

G_BEGIN_DECLS

typedef struct
{
  KtstrStatsFilter *a; /* resolved per-side filters (shared values merged in) */
  KtstrStatsFilter *b;
  const char *substring; /* -E, or NULL */
  KtstrStatsPolicy policy;
  const char *root;    /* runs root, or --dir */
  gboolean is_archive; /* --dir given: run_source reads "archive" */
  gboolean no_average;
  gboolean no_stats; /* --no-stats: the dual gate alone, as before trials */
  KtstrStatsSignificance significance;
  gboolean as_json;
  gboolean use_color;
} KtstrStatsCompareOptions;

/* Loads the pool, selects both sides, averages and compares them, for any
 * renderer.  Warnings (one line each, no program prefix) go to WARNINGS.
 * NULL with ERROR set (KTSTR_STATS_COMPARE_ERROR) when the comparison
 * cannot be made. */
KtstrStatsComparison *ktstr_stats_comparison_new (const KtstrStatsCompareOptions *options,
                                                  GPtrArray *warnings, GError **error);

/* Runs the comparison and appends the report to OUT and warnings (one line
 * each, no program prefix) to WARNINGS.  Returns 0 (no regression) or 1
 * (regressions), or -1 with ERROR set (KTSTR_STATS_COMPARE_ERROR). */
int ktstr_stats_compare_run (const KtstrStatsCompareOptions *options, GString *out,
                             GPtrArray *warnings, GError **error);

G_END_DECLS

#endif
