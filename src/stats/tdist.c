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
  if (!(alpha > 0.0 && alpha < 1.0))
    return NAN;
  return ktstr_t_test_power_critical (ncp, df, ktstr_t_two_sided_quantile (alpha, df));
}

/* P(T' <= t) for T' noncentral t(df, delta) and t >= 0, by the series of
 * incomplete beta functions (Lenth's algorithm AS 243, 1989):
 *
 *   P(T' <= t) = Phi(-delta)
 *              + 1/2 sum_j [ P_j I_x(j + 1/2, df/2) + Q_j I_x(j + 1, df/2) ]
 *
 * with x = t^2 / (t^2 + df), P_j = e^(-delta^2/2) (delta^2/2)^j / j! and
 * Q_j = delta e^(-delta^2/2) (delta^2/2)^j / (sqrt 2 Gamma(j + 3/2)).
 * Consecutive terms follow by recurrences (I_x(a + 1, b) = I_x(a, b) -
 * x^a (1 - x)^b / (a B(a, b))), so only the first two incomplete betas
 * are computed.  The sum stops when the Poisson mass left, times the
 * largest remaining beta, bounds the error below 1e-13. */
static double
noncentral_t_cdf (double t, double df, double delta)
{
  double t2 = t * t;
  double x = t2 / (t2 + df), y = df / (t2 + df);
  double lambda = delta * delta;
  double cdf = normal_upper (delta); /* Phi(-delta) */

  if (t <= 0.0 || x <= 0.0)
    return cdf;
  double b = df / 2.0;
  double log_y_b = b * log (y);
  double p = 0.5 * exp (-0.5 * lambda);
  double q = sqrt (2.0 / M_PI) * p * delta;
  double remaining = 0.5 - p;
  double a = 0.5;
  double log_beta_half = 0.5 * log (M_PI) + lgamma (b) - lgamma (0.5 + b);
  double odd = incbeta_xy (a, b, x, y);
  double odd_step = 2.0 * exp (a * log (x) + log_y_b - log_beta_half);
  double even = -expm1 (log_y_b); /* I_x(1, b) = 1 - (1 - x)^b */
  double even_step = b * x * exp (log_y_b);
  double sum = p * odd + q * even;

  for (int j = 1; j <= 5000; j++)
    {
      a += 1.0;
      odd -= odd_step;
      even -= even_step;
      odd_step *= x * (a + b - 1.0) / a;
      even_step *= x * (a + b - 0.5) / (a + 0.5);
      p *= lambda / (2.0 * j);
      q *= lambda / (2.0 * j + 1.0);
      remaining -= p;
      sum += p * odd + q * even;
      if (fabs (2.0 * remaining * (odd - odd_step)) < 1e-13)
        break;
    }
  return CLAMP (cdf + sum, 0.0, 1.0);
}

double
ktstr_t_test_power_critical (double ncp, double df, double crit)
{
  if (isnan (ncp) || isnan (df) || df <= 0.0 || !(crit >= 0.0))
    return NAN;
  ncp = fabs (ncp);
  /* Far from the null the series needs thousands of terms and the normal
   * law is exact to many digits (the same cut-offs R's pnt uses). */
  if (isinf (df) || df > 4e5 || ncp > 37.62)
    return normal_upper (crit - ncp) + normal_upper (crit + ncp);
  /* P(T' > c) + P(T' < -c), the second by symmetry: P(T'(delta) < -c) =
   * P(T'(-delta) > c). */
  double upper = 1.0 - noncentral_t_cdf (crit, df, ncp);
  double lower = 1.0 - noncentral_t_cdf (crit, df, -ncp);
  return CLAMP (upper + lower, 0.0, 1.0);
}
