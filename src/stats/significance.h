/* The statistics behind noise-aware `compare` and the `noise` report:
 * sample summaries, Welch's two-sample t-test with its confidence
 * interval, Benjamini–Hochberg false-discovery-rate control over all the
 * tests of one comparison, and how many trials a change needs.
 *
 * Why Welch's t and not a rank or permutation test: with 5 trials a side a
 * rank test's smallest two-sided p-value is 2 / C(10, 5) = 0.0079, and a
 * comparison runs some 70 row × metric tests, so after a false discovery
 * rate correction at 0.05 (smallest threshold 0.05 / 70 = 0.0007) no rank
 * test could ever report anything.  The t-test uses the size of the
 * difference relative to the spread, not only its order, and reaches
 * small p-values at n = 5 when a change is large against the noise.
 * Welch's form does not assume equal variances.  Throughput and latency
 * metrics vary multiplicatively (a busier host slows every iteration by a
 * factor), so for the metrics the registry marks as log-scale the test
 * runs on ln(value): the difference becomes a ratio, the variances of the
 * two sides become comparable, and the interval reads as a relative
 * change.  A side with a value <= 0 falls back to the plain scale.
 *
 * Edge cases are defined rather than left to floating point:
 *   - non-finite samples are left out (n counts the finite ones);
 *   - fewer than 2 samples on a side: no test (the gate alone decides);
 *   - zero spread on both sides: equal means give p = 1 (no evidence of a
 *     change), different means give p = 0 (every trial reproduced its
 *     side's value exactly, so the difference is certain) and the interval
 *     collapses to the difference;
 *   - ties need nothing special: the test works on values, not ranks. */
#ifndef KTSTR_STATS_SIGNIFICANCE_H
#define KTSTR_STATS_SIGNIFICANCE_H

#include <glib.h>

G_BEGIN_DECLS

/* Defaults of `compare --alpha`, `--fdr` and of the trial estimates. */
#define KTSTR_DEFAULT_ALPHA 0.05
#define KTSTR_DEFAULT_FDR 0.05
#define KTSTR_TARGET_POWER 0.80
/* Trial estimates stop here: beyond it a metric is too noisy to gate on. */
#define KTSTR_MAX_TRIALS 100

typedef struct
{
  guint n;       /* finite samples */
  double mean;   /* NAN when n = 0 */
  double stddev; /* sample standard deviation (n - 1); NAN when n < 2 */
  double cv;     /* stddev / |mean|; NAN when n < 2 or mean = 0 */
} KtstrSampleSummary;

/* Summary of the finite values among VALUES[0..N). */
void ktstr_sample_summarize (const double *values, guint n, KtstrSampleSummary *out);

typedef struct
{
  double diff;   /* mean(b) - mean(a) */
  double se;     /* standard error of diff */
  double t;      /* diff / se; +-inf when se = 0 and diff != 0 */
  double df;     /* Welch–Satterthwaite degrees of freedom */
  double p;      /* two-sided p-value */
  double ci_low; /* (1 - alpha) confidence interval of diff */
  double ci_high;
} KtstrWelchResult;

/* Welch's test of B against A at level ALPHA (the interval's level is
 * 1 - ALPHA).  FALSE when a side has fewer than 2 samples or ALPHA is not
 * in (0, 1); OUT is then untouched. */
gboolean ktstr_welch_test (const KtstrSampleSummary *a, const KtstrSampleSummary *b, double alpha,
                           KtstrWelchResult *out);

/* Benjamini–Hochberg adjusted p-values: Q[i] is the smallest false
 * discovery rate at which test i is a discovery, so "q <= level" is the
 * BH procedure at that level.  NAN entries of P are not tests: they stay
 * NAN in Q and do not count in the family size. */
void ktstr_bh_adjust (const double *p, guint n, double *q);

/* The per-test level a discovery needs when it is the only one of
 * FAMILY tests: min(ALPHA, FDR / FAMILY), or ALPHA when FDR <= 0 (no
 * correction).  The trial estimates use it, so they hold even when the
 * change is the only one in the comparison. */
double ktstr_discovery_level (double alpha, double fdr, guint family);

/* Power of the two-sided two-sample t-test with N trials a side, level
 * ALPHA, for a true difference of EFFECT standard deviations. */
double ktstr_power_at (double effect, guint n, double alpha);

/* The fewest trials a side (>= 2) that give KTSTR_TARGET_POWER for EFFECT
 * standard deviations at level ALPHA (EFFECT = +inf, a change without
 * noise, needs 2).  KTSTR_MAX_TRIALS + 1 when more than KTSTR_MAX_TRIALS
 * would be needed; 0 when EFFECT is not a positive number. */
guint ktstr_trials_needed (double effect, double alpha);

/* The spread of ln(X) for a variable with coefficient of variation CV,
 * sqrt(ln(1 + CV^2)) (exact for a log-normal variable). */
double ktstr_log_sigma_from_cv (double cv);

G_END_DECLS

#endif
