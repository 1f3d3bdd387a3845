/* Private to compare-cmd.c: the computed comparison and its two renderers
 * (text and JSON).  See ktstr-stats(1) for both layouts. */
#ifndef KTSTR_STATS_COMPARE_RENDER_H
#define KTSTR_STATS_COMPARE_RENDER_H

#include <glib.h>

#include "record/hostctx.h"
#include "stats/compare.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean slicing[KTSTR_DIM_COUNT];
  gboolean no_average;
  gboolean use_color;
  const char *substring; /* -E: also narrows the per-group pass counts */
  char *label_a;
  char *label_b;
  guint runs_a; /* rows each side selected, before averaging */
  guint runs_b;
  GPtrArray *groups_a; /* KtstrStatsGroup*, or NULL with --no-average */
  GPtrArray *groups_b;
  KtstrStatsReport *report;
  const KtstrHostContext *host_a; /* first host context of each side, or NULL */
  const KtstrHostContext *host_b;
} KtstrStatsComparison;

void ktstr_stats_comparison_render_text (const KtstrStatsComparison *c, GString *out);
void ktstr_stats_comparison_render_json (const KtstrStatsComparison *c, GString *out);

G_END_DECLS

#endif
