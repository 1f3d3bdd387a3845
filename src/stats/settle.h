/* Whether the trials of one test configuration have settled, for
 * `ktstr test --repeat auto`: a trial at a time is added until the mean of
 * every metric the registry gates on is known well enough to compare.
 *
 * A metric has settled when the relative standard error of its mean over
 * the trials, RSE = sigma / sqrt(n), is at most a quarter of its relative
 * gate (KtstrMetricDef.default_rel), or its standard error sd / sqrt(n)
 * at most a quarter of its absolute gate (default_abs).  sigma is the
 * noise on the scale `compare` tests the metric on (significance.h): the
 * spread of ln(value) for log-scale metrics (from the CV, as for a
 * log-normal variable), the CV for linear ones.  Why a quarter: `compare`
 * reports a change only past both gates, so such a change is then at
 * least 1 / (0.25 * sqrt 2) = 2.8 standard errors of the difference of
 * two such sides (1.96 + 0.84), which Welch's t at alpha 0.05 finds with
 * about 80 % power, before any correction for the many tests of a
 * comparison.  (The absolute gate is what lets a counter that is mostly 0,
 * such as stall_count, settle: its relative error stays large.)  A metric
 * that is 0 (or absent) in every trial has nothing to estimate and is
 * left out. */
#ifndef KTSTR_STATS_SETTLE_H
#define KTSTR_STATS_SETTLE_H

#include <glib.h>

#include "stats/metrics.h"

G_BEGIN_DECLS

/* The target RSE as a fraction of the metric's relative gate. */
#define KTSTR_SETTLE_GATE_FRACTION 0.25

typedef struct
{
  const KtstrMetricDef *metric; /* furthest from its target; NULL when none was measured */
  guint n;                      /* its trials */
  double rse;                   /* relative standard error of its mean (a fraction) */
  double target;                /* KTSTR_SETTLE_GATE_FRACTION x its relative gate */
  /* How far from settled: the smaller of rse / target and the standard
   * error over its absolute target; <= 1 means settled. */
  double ratio;
} KtstrSettle;

/* ROWS: the passing trials of one configuration (KtstrStatsRow*).  TRUE
 * when every measured metric's RSE is at or under its target (also when
 * none could be measured); FALSE with fewer than 2 rows.  *WORST gets the
 * metric furthest from settled (the largest ratio). */
gboolean ktstr_trials_settled (GPtrArray *rows, KtstrSettle *worst);

G_END_DECLS

#endif
