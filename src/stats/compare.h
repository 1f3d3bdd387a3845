/* The comparison core of `stats compare` (doc/stats-compare.md): pairing
 * keys, averaging a side's rows per key, the dual-gate per-metric verdicts
 * and, when a key has several trials a side, the significance tests that
 * must confirm them (compare-significance.c; the statistics are in significance.h).
 * Loading the pool, filters and output live in compare-cmd.c; this file
 * works on rows only, so tests can drive it with hand-built rows. */
#ifndef KTSTR_STATS_COMPARE_H
#define KTSTR_STATS_COMPARE_H

#include <glib.h>

#include "stats/policy.h"
#include "stats/row.h"
#include "stats/significance.h"

G_BEGIN_DECLS

#define KTSTR_STATS_COMPARE_ERROR (ktstr_stats_compare_error_quark ())
GQuark ktstr_stats_compare_error_quark (void);

typedef enum
{
  KTSTR_STATS_COMPARE_ERROR_IDENTICAL_SIDES, /* no dimension separates A from B */
  KTSTR_STATS_COMPARE_ERROR_NO_DATA,         /* the pool is empty */
  KTSTR_STATS_COMPARE_ERROR_NO_MATCH,        /* a side selects no sidecar */
  KTSTR_STATS_COMPARE_ERROR_DUPLICATE_KEY,   /* --no-average with repeated keys */
} KtstrStatsCompareError;

/* Pairing key of ROW over the dimensions not marked in SLICING: scenario,
 * then each pairing dimension's value (null -> "", commits with "-dirty"
 * stripped, flags sorted and joined by '|'), joined by SEPARATOR. */
char *ktstr_stats_pairing_key (const KtstrStatsRow *row, const gboolean slicing[KTSTR_DIM_COUNT],
                               char separator);

typedef struct
{
  KtstrStatsRow *row;    /* owned: the averaged row */
  guint passes_observed; /* contributors that passed and were not skipped */
  guint total_observed;
} KtstrStatsGroup;

/* Groups ROWS (KtstrStatsRow*) by pairing key in first-seen order and
 * averages every metric over the passing, non-skipped contributors
 * (integer counters are rounded, as the sidecar stores them: the averages
 * match the Rust ktstr's, doc/compatibility.md).  A group
 * passed only if every contributor passed and none was skipped.  A commit
 * column mixing clean and -dirty contributors reads "{hex}+mixed".  The
 * averaged row keeps its contributors as samples (row->samples, borrowed
 * from ROWS) for the significance tests.
 * Returns KtstrStatsGroup*, owned. */
GPtrArray *ktstr_stats_group_and_average (GPtrArray *rows, const gboolean slicing[KTSTR_DIM_COUNT]);

/* --no-average: fails when two rows of one side share a pairing key. */
gboolean ktstr_stats_check_unique_keys (GPtrArray *rows, const gboolean slicing[KTSTR_DIM_COUNT],
                                        const char *side, GError **error);

typedef enum
{
  KTSTR_VERDICT_UNCHANGED,
  KTSTR_VERDICT_REGRESSION,
  KTSTR_VERDICT_IMPROVEMENT,
} KtstrVerdict;

/* Significance settings of one comparison (`compare --alpha/--fdr`). */
typedef struct
{
  double alpha; /* level of each test; the intervals are 1 - alpha */
  double fdr;   /* Benjamini–Hochberg level over the comparison; 0: off */
} KtstrStatsSignificance;

typedef struct
{
  const KtstrMetricDef *metric;
  double a, b, delta;
  double rel_delta; /* |delta| / |a|; 0 when a is 0 */
  double rel_threshold;
  KtstrVerdict verdict; /* the final verdict */

  /* What follows is filled only when the comparison tests significance. */
  KtstrVerdict gate_verdict;   /* the dual gate's verdict on the means */
  KtstrSampleSummary sample_a; /* each side's trials, plain scale */
  KtstrSampleSummary sample_b;
  gboolean tested;        /* both sides had at least 2 trials */
  gboolean log_scale;     /* the test ran on ln(value) */
  KtstrWelchResult welch; /* on the test's scale (a log ratio when log_scale) */
  double q;               /* BH-adjusted p-value; NAN untested or --fdr off */
  gboolean significant;   /* p <= alpha and q <= fdr */
  double ci_rel_low;      /* the interval as a relative change from A; */
  double ci_rel_high;     /* NAN when A's mean is 0 on the plain scale */
  double effect_size;     /* |diff| / pooled stddev on the test's scale */
  /* For a gate verdict the test did not confirm (one trial a side, or
   * within noise): trials a side that would confirm the change if it is
   * what was observed; 0 = no noise estimate, KTSTR_MAX_TRIALS + 1 = more
   * than that. */
  guint trials_to_confirm;
} KtstrStatsMetricResult;

/* A gate verdict that the test turned down: within noise. */
gboolean ktstr_stats_metric_result_is_within_noise (const KtstrStatsMetricResult *r);
/* A gate verdict that stands without a test (fewer than 2 trials a side). */
gboolean ktstr_stats_metric_result_is_unconfirmed (const KtstrStatsMetricResult *r);

typedef enum
{
  KTSTR_PAIR_COMPARED,
  KTSTR_PAIR_SKIPPED_FAILED, /* one or both sides failed or were skipped */
  KTSTR_PAIR_NEW_IN_B,       /* B row with no A row of the same key */
  KTSTR_PAIR_REMOVED_FROM_A, /* A row with no B row of the same key */
} KtstrPairStatus;

typedef struct
{
  char *key; /* pairing key parts joined by '/' */
  KtstrPairStatus status;
  const KtstrStatsRow *a; /* borrowed; NULL for NEW_IN_B */
  const KtstrStatsRow *b; /* borrowed; NULL for REMOVED_FROM_A */
  GArray *metrics;        /* KtstrStatsMetricResult, COMPARED only; metrics that are 0 on
                           * both sides are left out */
} KtstrStatsPair;

typedef struct
{
  guint regressions;
  guint improvements;
  guint unchanged;
  guint skipped_failed;
  guint new_in_b;
  guint removed_from_a;
  GPtrArray *pairs; /* KtstrStatsPair*: B rows in order, then rows removed from A */
  /* Significance (zero without): */
  gboolean has_significance;
  KtstrStatsSignificance significance;
  guint tests;        /* metric results with a test (the BH family) */
  guint within_noise; /* gate verdicts the test turned down (counted unchanged) */
  guint unconfirmed;  /* gate verdicts without a test (counted as the gate says) */
} KtstrStatsReport;

void ktstr_stats_report_free (KtstrStatsReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrStatsReport, ktstr_stats_report_free)

/* Pairs ROWS_B with ROWS_A (KtstrStatsRow*, borrowed: they must outlive
 * the report) on the pairing key and judges every metric.  SUBSTRING, when
 * not NULL, keeps only rows whose ktstr_stats_row_filter_text contains it.
 *
 * With SIGNIFICANCE NULL the dual gate alone decides.  Otherwise a metric
 * whose two rows have at least 2 samples each is a regression or an
 * improvement only if the gate says so and its Welch test is significant
 * (p <= alpha and, unless fdr is 0, Benjamini–Hochberg q <= fdr over every
 * tested metric of the report) with the difference in the gate's
 * direction; metrics with fewer samples keep the gate's verdict, marked
 * unconfirmed. */
KtstrStatsReport *ktstr_stats_compare_rows (GPtrArray *rows_a, GPtrArray *rows_b,
                                            const gboolean slicing[KTSTR_DIM_COUNT],
                                            const char *substring, const KtstrStatsPolicy *policy,
                                            const KtstrStatsSignificance *significance);

/* Fills R's sample summaries and Welch test (when both sides have at
 * least 2 samples) from the samples of rows A and B; sets gate_verdict.
 * compare-significance.c; ktstr_stats_compare_rows calls it. */
void ktstr_stats_metric_result_test (KtstrStatsMetricResult *r, const KtstrStatsRow *a,
                                     const KtstrStatsRow *b, double alpha);
/* BH over every tested metric of REPORT, then the final verdicts and the
 * trial estimates of unconfirmed gate verdicts. */
void ktstr_stats_report_apply_significance (KtstrStatsReport *report,
                                            const KtstrStatsSignificance *significance);

/* Judges one metric with the dual gate and polarity. */
KtstrVerdict ktstr_stats_judge (const KtstrMetricDef *metric, double a, double b,
                                double rel_threshold, double *rel_delta);

G_END_DECLS

#endif
