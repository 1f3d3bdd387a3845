/* The computed comparison (ktstr_stats_comparison_new in compare-cmd.c)
 * and its text and JSON renderers (see ktstr-stats(1) for both layouts);
 * the HTML report (report-html.c) reads the same structure. */
#ifndef KTSTR_STATS_COMPARE_RENDER_H
#define KTSTR_STATS_COMPARE_RENDER_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "record/hostctx.h"
#include "stats/compare.h"
#include "stats/pool.h"

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
  KtstrStatsPool *pool; /* owned: every row above and below is the pool's or a group's */
  GPtrArray *rows_a;    /* KtstrStatsRow*, borrowed: the sidecars each side selected */
  GPtrArray *rows_b;
} KtstrStatsComparison;

void ktstr_stats_comparison_free (KtstrStatsComparison *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrStatsComparison, ktstr_stats_comparison_free)

void ktstr_stats_comparison_render_text (const KtstrStatsComparison *c, GString *out);
void ktstr_stats_comparison_render_json (const KtstrStatsComparison *c, GString *out);

/* compare-render-stats.c: what significance adds to the report. */

/* The table lists regressions, improvements and changes within noise. */
gboolean ktstr_stats_result_is_listed (const KtstrStatsMetricResult *m);
/* Which extra columns the listed results need: N, CV, CI and Q when the
 * report ran tests, NOTE when a listed verdict is unconfirmed or within
 * noise.  Both FALSE without significance. */
void ktstr_stats_noise_columns (const KtstrStatsReport *r, gboolean *with_test,
                                gboolean *with_note);
char *ktstr_stats_ci_header (const KtstrStatsReport *r); /* "95% CI" */
void ktstr_stats_noise_cells (const KtstrStatsReport *r, const KtstrStatsMetricResult *m, char **n,
                              char **cv, char **ci, char **q);
char *ktstr_stats_note (const KtstrStatsMetricResult *m);
void ktstr_stats_significance_header (const KtstrStatsReport *r, GString *out);
void ktstr_stats_significance_summary (const KtstrStatsReport *r, GString *out);
/* Additive JSON members of a metric object, of the report, and of its
 * summary; nothing without significance. */
void ktstr_stats_json_noise_members (JsonBuilder *w, const KtstrStatsReport *r,
                                     const KtstrStatsMetricResult *m);
void ktstr_stats_json_significance (JsonBuilder *w, const KtstrStatsReport *r);
void ktstr_stats_json_significance_counts (JsonBuilder *w, const KtstrStatsReport *r);

G_END_DECLS

#endif
