/* The statistics of noise-aware compare against known values.
 *
 * Golden numbers: means, variances, t statistics and Welch degrees of
 * freedom were computed in exact rational arithmetic (Python fractions);
 * tail probabilities by integrating the Student t density numerically at
 * 50 significant digits (mpmath 1.3 quad), quantiles by root-finding on
 * that integral, I_x(a, b) by integrating t^(a-1) (1-t)^(b-1) directly,
 * and the power of the t-test by integrating the normal tails over the
 * chi-square law.  None of these shares code or method with
 * src/stats/tdist.c (continued fraction, Newton, a series of incomplete
 * betas), so agreement tests both.  The trial counts for effect sizes 0.5, 1 and 2 are Cohen's
 * published sample sizes (64, 17 and 6 a group for 80 % power, two-sided
 * alpha 0.05). */
#include "config.h"

#include <math.h>

#include "stats/significance.h"
#include "stats/tdist.h"

/* Relative agreement with a golden value. */
#define assert_close(actual, expected, rel)                                                        \
  g_assert_cmpfloat_with_epsilon ((actual), (expected), (rel)*fabs (expected) + 1e-300)

static void
test_incbeta (void)
{
  assert_close (ktstr_incbeta (2.5, 0.5, 0.3), 0.018927124071945654, 1e-12);
  assert_close (ktstr_incbeta (0.5, 0.5, 0.9), 0.79516723530086655, 1e-12);
  assert_close (ktstr_incbeta (50, 0.5, 0.98), 0.15624350786681811, 1e-11);
  assert_close (ktstr_incbeta (3, 4, 0.999), 0.99999999998502399, 1e-14);
  /* I_0.4(2, 3) = 0.5248 exactly (a polynomial for integer a and b). */
  assert_close (ktstr_incbeta (2, 3, 0.4), 0.5248, 1e-14);
  g_assert_cmpfloat (ktstr_incbeta (2, 3, 0.0), ==, 0.0);
  g_assert_cmpfloat (ktstr_incbeta (2, 3, 1.0), ==, 1.0);
  g_assert_true (isnan (ktstr_incbeta (2, 3, 1.5)));
  g_assert_true (isnan (ktstr_incbeta (-1, 3, 0.5)));
  g_assert_true (isnan (ktstr_incbeta (2, 3, NAN)));
}

static void
test_t_tail (void)
{
  assert_close (ktstr_t_two_sided_p (0.5, 3), 0.65144796484815099, 1e-12);
  assert_close (ktstr_t_two_sided_p (3, 7.5), 0.01839093860820451, 1e-12);
  assert_close (ktstr_t_two_sided_p (-12, 2), 0.0068729336771584601, 1e-12);
  assert_close (ktstr_t_two_sided_p (1e-6, 10), 0.99999922178323207, 1e-14);
  assert_close (ktstr_t_two_sided_p (2.5, 200), 0.013223172641700791, 1e-10);
  /* The normal limit: P(|Z| >= 1.959963984540054) = 0.05. */
  assert_close (ktstr_t_two_sided_p (1.959963984540054, INFINITY), 0.05, 1e-13);
  g_assert_cmpfloat (ktstr_t_two_sided_p (0, 4), ==, 1.0);
  g_assert_cmpfloat (ktstr_t_two_sided_p (INFINITY, 4), ==, 0.0);
  g_assert_cmpfloat (ktstr_t_two_sided_p (-INFINITY, 4), ==, 0.0);
  g_assert_true (isnan (ktstr_t_two_sided_p (NAN, 4)));
  g_assert_true (isnan (ktstr_t_two_sided_p (1, 0)));
  assert_close (ktstr_t_cdf (-3, 7.5), 0.01839093860820451 / 2, 1e-12);
  assert_close (ktstr_t_cdf (3, 7.5), 1 - 0.01839093860820451 / 2, 1e-14);
}

static void
test_t_quantile (void)
{
  assert_close (ktstr_t_quantile (0.975, 1), 12.706204736174705, 1e-12);
  assert_close (ktstr_t_quantile (0.975, 2.5), 3.5746548420036832, 1e-12);
  assert_close (ktstr_t_quantile (0.995, 30), 2.7499956535672253, 1e-12);
  assert_close (ktstr_t_quantile (0.025, 1), -12.706204736174705, 1e-12);
  /* Far tails through the two-sided form, where 1 - alpha / 2 would round. */
  assert_close (ktstr_t_two_sided_quantile (5e-4, 7.3), 5.9232882470652084, 1e-12);
  assert_close (ktstr_t_two_sided_quantile (1e-12, 4), 1565.08351516786, 1e-12);
  g_assert_cmpfloat (ktstr_t_quantile (0.5, 3), ==, 0.0);
  g_assert_true (isinf (ktstr_t_quantile (1.0, 3)) && ktstr_t_quantile (1.0, 3) > 0);
  g_assert_true (isinf (ktstr_t_quantile (0.0, 3)) && ktstr_t_quantile (0.0, 3) < 0);
  g_assert_true (isnan (ktstr_t_quantile (1.5, 3)));
  g_assert_true (isnan (ktstr_t_quantile (0.9, -1)));
  g_assert_true (isinf (ktstr_t_two_sided_quantile (0.0, 3)));
  /* Round trip through the tail. */
  for (double df = 0.5; df < 500; df *= 3)
    assert_close (ktstr_t_two_sided_p (ktstr_t_two_sided_quantile (0.01, df), df), 0.01, 1e-12);
}

static void
test_summary (void)
{
  const double values[] = { 1, NAN, 2, 3, INFINITY, -INFINITY };
  KtstrSampleSummary s;

  /* Non-finite samples are left out. */
  ktstr_sample_summarize (values, G_N_ELEMENTS (values), &s);
  g_assert_cmpuint (s.n, ==, 3);
  g_assert_cmpfloat (s.mean, ==, 2.0);
  g_assert_cmpfloat (s.stddev, ==, 1.0);
  g_assert_cmpfloat (s.cv, ==, 0.5);

  /* One sample: a mean, no spread. */
  ktstr_sample_summarize (values, 1, &s);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpfloat (s.mean, ==, 1.0);
  g_assert_true (isnan (s.stddev) && isnan (s.cv));
  ktstr_sample_summarize (values, 0, &s);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_true (isnan (s.mean));

  /* Large close values (iteration counts) keep their precision. */
  const double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
  ktstr_sample_summarize (big, 3, &s);
  g_assert_cmpfloat (s.stddev, ==, 1.0);
  /* A zero mean has no CV. */
  const double centred[] = { -1, 1 };
  ktstr_sample_summarize (centred, 2, &s);
  g_assert_true (isnan (s.cv));
}

typedef struct
{
  const char *name;
  double a[6];
  guint na;
  double b[6];
  guint nb;
  double alpha;
  gboolean log_scale;
  double diff, t, df, p, lo, hi;
} WelchCase;

static const WelchCase welch_cases[] = {
  { "basic",
    { 10.1, 9.8, 10.3, 10.0, 9.9 },
    5,
    { 12.0, 11.5, 12.4, 11.8, 12.1 },
    5,
    0.05,
    FALSE,
    1.94,
    11.20059522227874,
    6.3658226057433859,
    2.0047648518536166e-5,
    1.5220168191475843,
    2.3579831808524155 },
  { "ci99",
    { 10.1, 9.8, 10.3, 10.0, 9.9 },
    5,
    { 12.0, 11.5, 12.4, 11.8, 12.1 },
    5,
    0.01,
    FALSE,
    1.94,
    11.20059522227874,
    6.3658226057433859,
    2.0047648518536166e-5,
    1.3127358985090277,
    2.5672641014909721 },
  { "unequal",
    { 1, 2, 3, 4, 5, 6 },
    6,
    { 2, 4, 9, 12, 20 },
    5,
    0.05,
    FALSE,
    5.9,
    1.800041368849262,
    4.4607396999443037,
    0.13878898714739449,
    -2.8413817286675824,
    14.641381728667582 },
  /* Ties within and across the sides: a rank test would need corrections,
   * the t-test needs none. */
  { "ties",
    { 5, 5, 5, 6, 6 },
    5,
    { 6, 6, 7, 7, 7 },
    5,
    0.05,
    FALSE,
    1.2,
    3.4641016151377546,
    8.0,
    0.0085162633709012774,
    0.40117673507249052,
    1.9988232649275095 },
  /* One side constant: df falls to the other side's n - 1. */
  { "one-side-constant",
    { 3, 3, 3, 3 },
    4,
    { 3.5, 4, 4.5, 5 },
    4,
    0.05,
    FALSE,
    1.25,
    3.8729833462074169,
    3.0,
    0.030466291662170991,
    0.22286987161973899,
    2.277130128380261 },
  /* NaN and inf are dropped: this is {1, 2, 3} against {2, 3, 4, 5}. */
  { "non-finite-dropped",
    { 1, NAN, 2, 3, INFINITY },
    5,
    { 2, 3, -INFINITY, 4, 5 },
    5,
    0.05,
    FALSE,
    1.5,
    1.7320508075688773,
    4.9591836734693878,
    0.14429304308394376,
    -0.73171148133878843,
    3.7317114813387884 },
  /* A 30 % throughput drop with 8 % noise, on ln(value). */
  { "log-scale",
    { 14229, 12270, 13100, 15010, 13800 },
    5,
    { 9960, 8589, 9170, 10507, 9660 },
    5,
    0.05,
    TRUE,
    -0.3566809679443954,
    -7.2935167996771973,
    7.9999999780590905,
    8.4415342526317038e-5,
    -0.46945342189383441,
    -0.24390851399495639 },
};

static void
test_welch (gconstpointer data)
{
  const WelchCase *c = data;
  double a[6], b[6];
  KtstrSampleSummary sa, sb;
  KtstrWelchResult r;

  for (guint i = 0; i < c->na; i++)
    a[i] = c->log_scale ? log (c->a[i]) : c->a[i];
  for (guint i = 0; i < c->nb; i++)
    b[i] = c->log_scale ? log (c->b[i]) : c->b[i];
  ktstr_sample_summarize (a, c->na, &sa);
  ktstr_sample_summarize (b, c->nb, &sb);
  g_assert_true (ktstr_welch_test (&sa, &sb, c->alpha, &r));
  assert_close (r.diff, c->diff, 1e-13);
  assert_close (r.t, c->t, 1e-12);
  assert_close (r.df, c->df, 1e-12);
  assert_close (r.p, c->p, 1e-10);
  assert_close (r.ci_low, c->lo, 1e-12);
  assert_close (r.ci_high, c->hi, 1e-12);
}

static void
test_welch_degenerate (void)
{
  const double same[] = { 7, 7, 7 };
  const double other[] = { 9, 9, 9, 9 };
  KtstrSampleSummary a, b, one;
  KtstrWelchResult r;

  ktstr_sample_summarize (same, 3, &a);
  /* Zero spread on both sides, equal means: no evidence of a change. */
  g_assert_true (ktstr_welch_test (&a, &a, 0.05, &r));
  g_assert_cmpfloat (r.p, ==, 1.0);
  g_assert_cmpfloat (r.t, ==, 0.0);
  g_assert_cmpfloat (r.ci_low, ==, 0.0);
  g_assert_cmpfloat (r.ci_high, ==, 0.0);
  /* Zero spread, different means: every trial agreed, the change is exact. */
  ktstr_sample_summarize (other, 4, &b);
  g_assert_true (ktstr_welch_test (&a, &b, 0.05, &r));
  g_assert_cmpfloat (r.p, ==, 0.0);
  g_assert_true (isinf (r.t) && r.t > 0);
  g_assert_cmpfloat (r.df, ==, 5.0);
  g_assert_cmpfloat (r.ci_low, ==, 2.0);
  g_assert_cmpfloat (r.ci_high, ==, 2.0);
  /* One sample a side cannot be tested; neither can a bad level. */
  ktstr_sample_summarize (same, 1, &one);
  r.p = -1;
  g_assert_false (ktstr_welch_test (&one, &b, 0.05, &r));
  g_assert_false (ktstr_welch_test (&a, &one, 0.05, &r));
  g_assert_false (ktstr_welch_test (&a, &b, 0.0, &r));
  g_assert_false (ktstr_welch_test (&a, &b, 1.0, &r));
  g_assert_cmpfloat (r.p, ==, -1.0);
}

static void
test_bh (void)
{
  /* Sorted: 0.005 0.01 0.03 0.04 0.5 (m = 5, the NaN is not a test);
   * m p / k = 0.025 0.025 0.05 0.05 0.5, then the running minimum from
   * the top. */
  const double p[] = { 0.01, 0.04, 0.03, 0.005, NAN, 0.5 };
  const double expected[] = { 0.025, 0.05, 0.05, 0.025, NAN, 0.5 };
  double q[G_N_ELEMENTS (p)];

  ktstr_bh_adjust (p, G_N_ELEMENTS (p), q);
  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    if (isnan (expected[i]))
      g_assert_true (isnan (q[i]));
    else
      assert_close (q[i], expected[i], 1e-15);

  /* Tied p-values share one q. */
  const double tied[] = { 0.02, 0.02, 0.02 };
  double tq[3];
  ktstr_bh_adjust (tied, 3, tq);
  for (guint i = 0; i < 3; i++)
    assert_close (tq[i], 0.02, 1e-15);

  /* A single test is its own q; an empty family is fine. */
  const double one[] = { 0.3 };
  double oq[1];
  ktstr_bh_adjust (one, 1, oq);
  g_assert_cmpfloat (oq[0], ==, 0.3);
  ktstr_bh_adjust (NULL, 0, NULL);
}

static void
test_power_and_trials (void)
{
  assert_close (ktstr_t_test_power (3, 8, 0.05), 0.74801709222947634, 1e-11);
  assert_close (ktstr_t_test_power (1.5, 4, 0.01), 0.05665251711901271, 1e-11);
  assert_close (ktstr_t_test_power (4, 30, 0.001), 0.63662076625140011, 1e-11);
  assert_close (ktstr_t_test_power (10, 20, 1e-6), 0.9821882937714123, 1e-11);
  assert_close (ktstr_t_test_power (0.5, 2, 0.05), 0.061507856556025048, 1e-11);
  /* The sign of the noncentrality does not matter to a two-sided test. */
  g_assert_cmpfloat (ktstr_t_test_power (-3, 8, 0.05), ==, ktstr_t_test_power (3, 8, 0.05));
  /* No effect: the test rejects at its level. */
  assert_close (ktstr_t_test_power (0, 8, 0.05), 0.05, 1e-9);

  g_assert_cmpuint (ktstr_trials_needed (0.5, 0.05), ==, 64);
  g_assert_cmpuint (ktstr_trials_needed (1.0, 0.05), ==, 17);
  g_assert_cmpuint (ktstr_trials_needed (2.0, 0.05), ==, 6);
  g_assert_cmpuint (ktstr_trials_needed (INFINITY, 0.05), ==, 2);
  g_assert_cmpuint (ktstr_trials_needed (0.1, 0.05), ==, KTSTR_MAX_TRIALS + 1);
  g_assert_cmpuint (ktstr_trials_needed (0.0, 0.05), ==, 0);
  g_assert_cmpuint (ktstr_trials_needed (NAN, 0.05), ==, 0);
  /* A stricter level needs more trials. */
  g_assert_cmpuint (ktstr_trials_needed (2.0, 0.05 / 70), >, 6);
  /* Power grows with n. */
  g_assert_cmpfloat (ktstr_power_at (1.0, 5, 0.05), <, ktstr_power_at (1.0, 10, 0.05));
  g_assert_true (isnan (ktstr_power_at (1.0, 1, 0.05)));
}

static void
test_levels_and_scale (void)
{
  assert_close (ktstr_discovery_level (0.05, 0.05, 70), 0.05 / 70, 1e-15);
  g_assert_cmpfloat (ktstr_discovery_level (0.01, 0.05, 2), ==, 0.01);
  g_assert_cmpfloat (ktstr_discovery_level (0.05, 0.0, 70), ==, 0.05);
  g_assert_cmpfloat (ktstr_discovery_level (0.05, 0.05, 0), ==, 0.05);
  /* sqrt(ln(1 + 0.25^2)) */
  assert_close (ktstr_log_sigma_from_cv (0.25), 0.24622067706923975, 1e-14);
  g_assert_cmpfloat (ktstr_log_sigma_from_cv (0.0), ==, 0.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/significance/incbeta", test_incbeta);
  g_test_add_func ("/stats/significance/t-tail", test_t_tail);
  g_test_add_func ("/stats/significance/t-quantile", test_t_quantile);
  g_test_add_func ("/stats/significance/summary", test_summary);
  for (guint i = 0; i < G_N_ELEMENTS (welch_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/stats/significance/welch/%s", welch_cases[i].name);
      g_test_add_data_func (path, &welch_cases[i], test_welch);
    }
  g_test_add_func ("/stats/significance/welch/degenerate", test_welch_degenerate);
  g_test_add_func ("/stats/significance/bh", test_bh);
  g_test_add_func ("/stats/significance/power-and-trials", test_power_and_trials);
  g_test_add_func ("/stats/significance/levels-and-scale", test_levels_and_scale);
  return g_test_run ();
}
