/* `ktstr-stats report`: what one HTML page shows about a set of runs.
 *
 * Two shapes, chosen by the command line as `compare` and bare
 * `ktstr-stats` choose theirs:
 *  - a comparison (per-side filters given): the computed comparison of
 *    compare-cmd.h, both sides' sidecars, and per metric every trial of
 *    both sides against the gate;
 *  - one selection (no per-side filter): the sidecars of one run
 *    directory or of the filtered pool, every trial per test
 *    configuration, and the bare analysis.
 * Either way: the runs behind the sidecars (kernel, commits, host,
 * accelerator, pass/fail/skip counts), each failure's verdict and report,
 * and the timelines of the tests picked (all failed ones by default):
 * stimulus events and, where the monitor left its series beside the
 * sidecar, the runqueues over time.
 *
 * This module gathers; report-html.c, report-plots.c and
 * report-timeline.c draw.  Nothing here needs a metric, a side or the
 * monitor to be present. */
#ifndef KTSTR_STATS_REPORT_MODEL_H
#define KTSTR_STATS_REPORT_MODEL_H

#include <glib.h>

#include "stats/compare-render.h"
#include "stats/filter.h"
#include "stats/pool.h"

G_BEGIN_DECLS

/* A report draws at most this many timelines; more picked sidecars are
 * counted and named as left out. */
#define KTSTR_REPORT_MAX_TIMELINES 24

typedef struct
{
  const char *label; /* the side label, or NULL for a single selection */
  GPtrArray *rows;   /* KtstrStatsRow*, borrowed: every sidecar of the side -E keeps */
} KtstrReportSide;

typedef struct
{
  char *scope;   /* what the page covers, one sentence */
  char *command; /* the command line that made it */
  /* Exactly one of these is set. */
  KtstrStatsComparison *comparison; /* owned */
  KtstrStatsPool *pool;             /* owned: a single selection's */
  const char *root;                 /* run names are shown relative to this */
  gboolean root_is_run;             /* ROOT is one run directory, not a runs root */
  guint n_sides;
  KtstrReportSide sides[2];
  /* A single selection: its rows grouped per test configuration (nothing
   * sliced), KtstrStatsGroup*, owned; the bare analysis text. */
  GPtrArray *groups;
  char *analysis;
  GPtrArray *picked;     /* const KtstrSidecar*: the timelines to draw */
  guint picked_left_out; /* picked beyond KTSTR_REPORT_MAX_TIMELINES */
  GPtrArray *unmatched;  /* char*: --timeline names that matched no sidecar */
  GPtrArray *warnings;   /* char*: shown on the page as on stderr */
} KtstrReport;

void ktstr_report_free (KtstrReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrReport, ktstr_report_free)

/* A report over COMPARISON (taken).  SUBSTRING: compare's -E, also applied
 * to the sides' sidecar lists.  TIMELINE: test names to draw timelines of
 * (NULL or empty: every failed sidecar). */
KtstrReport *ktstr_report_new_comparison (KtstrStatsComparison *comparison, const char *substring,
                                          const char *const *timeline);

/* A report over the rows of POOL (taken) that FILTER (may be NULL) and
 * SUBSTRING keep, with the bare analysis of them; IS_RUN: POOL is one run
 * directory (ktstr_stats_pool_load_run), else a runs root; SCOPE says
 * what was selected. */
KtstrReport *ktstr_report_new_selection (KtstrStatsPool *pool, gboolean is_run,
                                         const KtstrStatsFilter *filter, const char *substring,
                                         const char *const *timeline, const char *scope);

/* The run a sidecar belongs to, for display: its directory relative to
 * the report's root ("6.12-abc1234", "ci/job-0"), or the directory's name
 * when it is the root itself. */
char *ktstr_report_run_name (const KtstrReport *report, const KtstrSidecar *sidecar);

/* Where a sidecar came from, for display: its run name, and for a trial
 * of `ktstr test --repeat` (whose trials share their run) which trial:
 * "6.12-abc1234, trial 2". */
char *ktstr_report_sidecar_origin (const KtstrReport *report, const KtstrSidecar *sidecar);

/* Which side of a comparison SIDECAR is on: 0 (A), 1 (B), or -1 (a
 * single selection, or on neither side). */
int ktstr_report_side_of (const KtstrReport *report, const KtstrSidecar *sidecar);

/* The whole page: one self-contained HTML document (no script, no
 * external resource), report-html.c. */
char *ktstr_report_render_html (const KtstrReport *report);

G_END_DECLS

#endif
