#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "stats/significance.h"
#include "stats/tdist.h"

void
ktstr_sample_summarize (const double *values, guint n, KtstrSampleSummary *out)
{
  /* Welford's update: no catastrophic cancellation for large, close
   * values such as iteration counts. */
  double mean = 0.0, m2 = 0.0;
  guint k = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!isfinite (values[i]))
        continue;
      k++;
      double delta = values[i] - mean;
      mean += delta / k;
      m2 += delta * (values[i] - mean);
    }
  out->n = k;
  out->mean = k > 0 ? mean : NAN;
  out->stddev = k > 1 ? sqrt (MAX (m2, 0.0) / (k - 1)) : NAN;
  out->cv = k > 1 && mean != 0.0 ? out->stddev / fabs (mean) : NAN;
}

gboolean
ktstr_welch_test (const KtstrSampleSummary *a, const KtstrSampleSummary *b, double alpha,
                  KtstrWelchResult *out)
{
  if (a->n < 2 || b->n < 2 || !(alpha > 0.0 && alpha < 1.0))
    return FALSE;

  double va = a->stddev * a->stddev / a->n;
  double vb = b->stddev * b->stddev / b->n;
  out->diff = b->mean - a->mean;
  out->se = sqrt (va + vb);

  if (out->se == 0.0)
    {
      /* Both sides repeated one value each: nothing is uncertain. */
      out->df = (double)(a->n + b->n - 2);
      out->t = out->diff == 0.0 ? 0.0 : copysign (INFINITY, out->diff);
      out->p = out->diff == 0.0 ? 1.0 : 0.0;
      out->ci_low = out->ci_high = out->diff;
      return TRUE;
    }

  /* Welch–Satterthwaite; with one side constant it is the other side's
   * n - 1, as it should be. */
  out->df = (va + vb) * (va + vb) / (va * va / (a->n - 1) + vb * vb / (b->n - 1));
  out->t = out->diff / out->se;
  out->p = ktstr_t_two_sided_p (out->t, out->df);
  double half = ktstr_t_two_sided_quantile (alpha, out->df) * out->se;
  out->ci_low = out->diff - half;
  out->ci_high = out->diff + half;
  return TRUE;
}

typedef struct
{
  double p;
  guint index;
} RankedP;

static int
compare_ranked (const void *pa, const void *pb)
{
  const RankedP *a = pa, *b = pb;
  if (a->p != b->p)
    return a->p < b->p ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

void
ktstr_bh_adjust (const double *p, guint n, double *q)
{
  g_autofree RankedP *ranked = g_new (RankedP, n > 0 ? n : 1);
  guint m = 0;

  for (guint i = 0; i < n; i++)
    {
      q[i] = NAN;
      if (!isnan (p[i]))
        ranked[m++] = (RankedP){ CLAMP (p[i], 0.0, 1.0), i };
    }
  qsort (ranked, m, sizeof *ranked, compare_ranked);

  /* q(k) = min over j >= k of m p(j) / j, walking from the largest p down. */
  double running = 1.0;
  for (guint k = m; k > 0; k--)
    {
      double candidate = ranked[k - 1].p * m / k;
      running = MIN (running, candidate);
      q[ranked[k - 1].index] = running;
    }
}

double
ktstr_discovery_level (double alpha, double fdr, guint family)
{
  if (fdr <= 0.0 || family == 0)
    return alpha;
  return MIN (alpha, fdr / family);
}

/* Critical values of the balanced test (df = 2 n - 2) at one level,
 * remembered: a noise report or a compare asks for thousands of powers at
 * the same level and a handful of n, and the quantile is the costly part.
 * The lock keeps the memo safe should two threads ever share it. */
static double
critical_value (double alpha, guint n)
{
  G_LOCK_DEFINE_STATIC (memo);
  static double memo_alpha = NAN;
  static double memo[KTSTR_MAX_TRIALS + 1];
  double crit;

  if (n > KTSTR_MAX_TRIALS)
    return ktstr_t_two_sided_quantile (alpha, 2.0 * n - 2.0);
  G_LOCK (memo);
  if (memo_alpha != alpha)
    {
      for (guint i = 0; i <= KTSTR_MAX_TRIALS; i++)
        memo[i] = NAN;
      memo_alpha = alpha;
    }
  if (isnan (memo[n]))
    memo[n] = ktstr_t_two_sided_quantile (alpha, 2.0 * n - 2.0);
  crit = memo[n];
  G_UNLOCK (memo);
  return crit;
}

double
ktstr_power_at (double effect, guint n, double alpha)
{
  if (n < 2 || !(alpha > 0.0 && alpha < 1.0))
    return NAN;
  return ktstr_t_test_power_critical (effect * sqrt (n / 2.0), 2.0 * n - 2.0,
                                      critical_value (alpha, n));
}

guint
ktstr_trials_needed (double effect, double alpha)
{
  if (!(effect > 0.0))
    return 0;
  if (isinf (effect))
    return 2; /* no noise at all: two trials a side already show it */
  /* Start from the normal approximation n = 2 ((z_{alpha/2} + z_power) /
   * effect)^2, then walk to the first n whose t-test power reaches the
   * target (power grows with n): a step or two, as the t-test needs a
   * little more than the normal approximation says. */
  double z = ktstr_t_two_sided_quantile (alpha, INFINITY)
             + ktstr_t_quantile (KTSTR_TARGET_POWER, INFINITY);
  double guess = 2.0 * (z / effect) * (z / effect);
  guint n = (guint)CLAMP (ceil (guess), 2.0, (double)KTSTR_MAX_TRIALS);
  while (n > 2 && ktstr_power_at (effect, n - 1, alpha) >= KTSTR_TARGET_POWER)
    n--;
  while (ktstr_power_at (effect, n, alpha) < KTSTR_TARGET_POWER)
    if (++n > KTSTR_MAX_TRIALS)
      return KTSTR_MAX_TRIALS + 1;
  return n;
}

double
ktstr_log_sigma_from_cv (double cv)
{
  return sqrt (log1p (cv * cv));
}
