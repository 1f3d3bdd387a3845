/* The charts of the HTML report, each an inline <svg class="chart"> the
 * page embeds (no script: it renders in any browser, a mail client or a
 * printout, and the same input always gives the same bytes).
 *
 * Every chart carries data-marks="N", the number of data marks it drew
 * (dots, bars, cells, event lines), so that a check in a real browser can
 * tell a chart that rendered its data from an empty frame.
 *
 *  - report-plots.c: per metric, every trial of each test configuration
 *    (both sides in a comparison, with the gate drawn around A's mean);
 *  - report-timeline.c: per picked sidecar, the stimulus events, the
 *    workers' iterations, and the monitor's per-CPU runqueues over time
 *    when its series is beside the sidecar. */
#ifndef KTSTR_STATS_REPORT_DRAW_H
#define KTSTR_STATS_REPORT_DRAW_H

#include <glib.h>

#include "stats/report-model.h"

G_BEGIN_DECLS

/* Colours shared by the page's CSS and the charts: side A, side B. */
#define KTSTR_REPORT_COLOR_A "#1f6fb5"
#define KTSTR_REPORT_COLOR_B "#e0701a"

/* Appends the metrics section's figures; returns how many charts. */
guint ktstr_report_draw_metrics (const KtstrReport *report, GString *out);

/* Appends one figure per picked sidecar; returns how many charts. */
guint ktstr_report_draw_timelines (const KtstrReport *report, GString *out);

/* The id of a metric's figure, for links from the comparison table. */
char *ktstr_report_metric_anchor (const char *metric);

G_END_DECLS

#endif
