/* Student's t distribution for the significance tests of ktstr-stats:
 * the regularized incomplete beta function it rests on, the two-sided
 * tail probability, the quantile, and the power of a two-sample t-test
 * (through the noncentral t distribution).
 *
 * Everything is computed here from the definitions (continued fraction of
 * the incomplete beta, Newton's method on the tail, the noncentral t as a
 * Poisson-weighted series of incomplete betas) so that ktstr needs no
 * statistics library.  Results are accurate to about 1e-12 relative
 * (tails above 1e-300), far more than a p-value or a trial count needs;
 * the unit tests hold them to golden values computed independently in
 * high precision. */
#ifndef KTSTR_STATS_TDIST_H
#define KTSTR_STATS_TDIST_H

#include <glib.h>

G_BEGIN_DECLS

/* I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and 0 <= x <= 1; NAN
 * outside that domain. */
double ktstr_incbeta (double a, double b, double x);

/* P(|T| >= |t|) for T ~ t(df), df > 0 (df = INFINITY: the normal
 * distribution).  1 at t = 0, 0 at t = +-inf, NAN for a NAN input. */
double ktstr_t_two_sided_p (double t, double df);

/* P(T <= t). */
double ktstr_t_cdf (double t, double df);

/* The t >= 0 with P(|T| >= t) = ALPHA, for 0 <= ALPHA <= 1 (+inf at 0):
 * the critical value of a two-sided test at level ALPHA.  Taking the tail
 * itself, not 1 - ALPHA / 2, keeps small levels exact. */
double ktstr_t_two_sided_quantile (double alpha, double df);

/* The t with P(T <= t) = P, for 0 < P < 1; -inf/+inf at P = 0/1, NAN
 * outside [0, 1] or for df <= 0. */
double ktstr_t_quantile (double p, double df);

/* Probability that a two-sided t-test at level ALPHA rejects when the
 * statistic follows a noncentral t with DF degrees of freedom and
 * noncentrality NCP: P(|T'| > t_{1-alpha/2}). */
double ktstr_t_test_power (double ncp, double df, double alpha);
/* The same with the critical value CRIT = ktstr_t_two_sided_quantile
 * (alpha, df) given, for callers that evaluate many powers at one level. */
double ktstr_t_test_power_critical (double ncp, double df, double crit);

G_END_DECLS

#endif
