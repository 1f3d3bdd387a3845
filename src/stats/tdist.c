#include "config.h"

#include <math.h>

#include "stats/tdist.h"

#define CF_MAX_TERMS 10000
#define CF_EPSILON 1e-15
#define CF_TINY 1e-300

/* ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b); every argument is
 * positive, so lgamma's sign is never needed. */
static double
log_beta (double a, double b)
{
  return lgamma (a) + lgamma (b) - lgamma (a + b);
}

/* The continued fraction of I_x(a, b) (DLMF 8.17.22),
 *
 *   I_x(a, b) = x^a y^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...)))
 *
 *   d(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
 *   d(2m)   = m (b - m) x / ((a + 2m - 1)(a + 2m))
 *
 * evaluated front to back with the modified Lentz method.  It converges
 * fast for x < (a + 1) / (a + b + 2); the caller flips the other half.
 * Y is 1 - x, passed separately because the caller often knows it more
 * precisely than 1 - x would give. */
static double
incbeta_fraction (double a, double b, double x, double y)
{
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (fabs (d) < CF_TINY)
    d = CF_TINY;
  d = 1.0 / d;
  double c = 1.0;
  double f = d;

  for (int m = 1; m <= CF_MAX_TERMS; m++)
    {
      double two_m = 2.0 * m;
      double even = m * (b - m) * x / ((a + two_m - 1.0) * (a + two_m));
      d = 1.0 + even * d;
      if (fabs (d) < CF_TINY)
        d = CF_TINY;
      c = 1.0 + even / c;
      if (fabs (c) < CF_TINY)
        c = CF_TINY;
      d = 1.0 / d;
      f *= d * c;

      double odd = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1.0));
      d = 1.0 + odd * d;
      if (fabs (d) < CF_TINY)
        d = CF_TINY;
      c = 1.0 + odd / c;
      if (fabs (c) < CF_TINY)
        c = CF_TINY;
      d = 1.0 / d;
      double step = d * c;
      f *= step;
      if (fabs (step - 1.0) < CF_EPSILON)
        break;
    }
  double log_front = a * log (x) + b * log (y) - log (a) - log_beta (a, b);
  return exp (log_front) * f;
}

/* I_x(a, b) with y = 1 - x given. */
static double
incbeta_xy (double a, double b, double x, double y)
{
  if (x <= 0.0)
    return 0.0;
  if (y <= 0.0)
    return 1.0;
  /* I_x(a, b) = 1 - I_y(b, a): use the half where the fraction converges. */
  if (x > (a + 1.0) / (a + b + 2.0))
    return 1.0 - incbeta_fraction (b, a, y, x);
  return incbeta_fraction (a, b, x, y);
}

double
ktstr_incbeta (double a, double b, double x)
{
  if (isnan (a) || isnan (b) || isnan (x) || a <= 0.0 || b <= 0.0 || x < 0.0 || x > 1.0 || isinf (a)
      || isinf (b))
    return NAN;
  return incbeta_xy (a, b, x, 1.0 - x);
}

/* Standard normal upper tail Q(z) = P(Z > z). */
static double
normal_upper (double z)
{
  return 0.5 * erfc (z / M_SQRT2);
}

double
ktstr_t_two_sided_p (double t, double df)
{
  if (isnan (t) || isnan (df) || df <= 0.0)
    return NAN;
  if (isinf (t))
    return 0.0;
  if (t == 0.0)
    return 1.0;
  if (isinf (df))
    return 2.0 * normal_upper (fabs (t));
  /* P(|T| >= t) = I_{df / (df + t^2)}(df / 2, 1 / 2); the complement
   * t^2 / (df + t^2) is formed directly, not as 1 - x, so small t keeps
   * its precision. */
  double t2 = t * t;
  double x, y;
  if (isinf (t2))
    {
      x = df / fabs (t) / fabs (t);
      y = 1.0;
    }
  else
    {
      x = df / (df + t2);
      y = t2 / (df + t2);
    }
  double p = incbeta_xy (df / 2.0, 0.5, x, y);
  return CLAMP (p, 0.0, 1.0);
}

double
ktstr_t_cdf (double t, double df)
{
  double p = ktstr_t_two_sided_p (t, df);
  if (isnan (p))
    return NAN;
  return t < 0.0 ? p / 2.0 : 1.0 - p / 2.0;
}

/* Density of t(df) at t. */
static double
t_density (double t, double df)
{
  if (isinf (df))
    return exp (-0.5 * t * t) / sqrt (2.0 * M_PI);
  double log_norm = lgamma ((df + 1.0) / 2.0) - lgamma (df / 2.0) - 0.5 * log (df * M_PI);
  return exp (log_norm - (df + 1.0) / 2.0 * log1p (t * t / df));
}

double
ktstr_t_two_sided_quantile (double alpha, double df)
{
  if (isnan (alpha) || isnan (df) || alpha < 0.0 || alpha > 1.0 || df <= 0.0)
    return NAN;
  if (alpha == 0.0)
    return INFINITY;
  if (alpha == 1.0)
    return 0.0;

  double log_target = log (alpha);
  double lo = 0.0, hi = 1.0;
  while (ktstr_t_two_sided_p (hi, df) > alpha && hi < 1e300)
    {
      lo = hi;
      hi *= 2.0;
    }

  /* Newton's method on ln P(|T| >= t), whose slope -2 f(t) / P is known
   * in closed form, kept inside the bracket [lo, hi] (bisection when a
   * step would leave it).  The logarithm keeps steps sane in far tails. */
  double t = (lo + hi) / 2.0;
  for (int i = 0; i < 200; i++)
    {
      double tail = ktstr_t_two_sided_p (t, df);
      if (tail == alpha)
        break;
      if (tail > alpha)
        lo = t;
      else
        hi = t;
      double slope = -2.0 * t_density (t, df) / tail;
      double next = t - (log (tail) - log_target) / slope;
      if (!(next >= lo && next <= hi))
        next = (lo + hi) / 2.0;
      gboolean done = fabs (next - t) <= 1e-15 * next || hi - lo <= 1e-15 * hi;
      t = next;
      if (done)
        break;
    }
  return t;
}

double
ktstr_t_quantile (double p, double df)
{
  if (isnan (p) || isnan (df) || p < 0.0 || p > 1.0 || df <= 0.0)
    return NAN;
  if (p == 0.5)
    return 0.0;
  double t = ktstr_t_two_sided_quantile (2.0 * MIN (p, 1.0 - p), df);
  return p < 0.5 ? -t : t;
}

double
ktstr_t_test_power (double ncp, double df, double alpha)
{
  if (isnan (ncp) || isnan (df) || df <= 0.0 || !(alpha > 0.0 && alpha < 1.0))
    return NAN;
  double crit = ktstr_t_two_sided_quantile (alpha, df);
  if (isinf (df) || df > 1e6)
    return normal_upper (crit - ncp) + normal_upper (crit + ncp);

  /* T' = (Z + ncp) / S with S = sqrt(W / df), W ~ chi-square(df), so
   *   P(|T'| > c) = E_S[ Q(c S - ncp) + Q(c S + ncp) ],
   * integrated over S with Simpson's rule.  The density of S is
   *   f(s) = 2 df s g(df s^2),  g the chi-square density,
   * whose logarithm is split below into a constant and the terms in s.
   * The range keeps W within 10 standard deviations (sqrt(2 df)) of its
   * mean plus a margin for small df: less than 1e-10 of the mass is left
   * out. */
  double spread = 10.0 * sqrt (2.0 * df);
  double s_lo = sqrt (MAX (0.0, df - spread) / df);
  double s_hi = sqrt ((df + spread + 24.0) / df);
  double log_const
      = log (2.0 * df) + (df / 2.0 - 1.0) * log (df) - (df / 2.0) * M_LN2 - lgamma (df / 2.0);
  const int intervals = 240; /* even */
  double h = (s_hi - s_lo) / intervals;
  double sum = 0.0;

  for (int i = 0; i <= intervals; i++)
    {
      double s = s_lo + i * h;
      if (s <= 0.0)
        continue; /* the density is 0 there: df >= 2 in every use */
      double weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
      double log_density = log_const + (df - 1.0) * log (s) - df * s * s / 2.0;
      double value = normal_upper (crit * s - ncp) + normal_upper (crit * s + ncp);
      sum += weight * exp (log_density) * value;
    }
  return CLAMP (sum * h / 3.0, 0.0, 1.0);
}
