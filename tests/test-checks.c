/* Checks: defaults, merge order, GKeyFile overrides, every evaluation rule
 * at its boundary with the exact failure text, and the topology check. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "eval/aggregate.h"
#include "eval/checks.h"
#include "util/cpulist.h"

/* ---- helpers ---- */

static KtstrWorkerReport *
worker (guint index, guint64 wall_ns, guint64 off_ns)
{
  KtstrWorkerReport *w = ktstr_worker_report_new ();
  w->cgroup = g_strdup ("cg_0");
  w->index = index;
  w->pid = 100 + index;
  w->work_type = g_strdup ("CpuSpin");
  w->exit_info = g_strdup ("ok");
  w->completed = TRUE;
  w->work_units = 1000;
  w->iterations = 100;
  w->wall_time_ns = wall_ns;
  w->off_cpu_ns = off_ns;
  w->cpu_time_ns = wall_ns - off_ns;
  return w;
}

static GPtrArray *
reports_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_worker_report_free);
}

/* Aggregates REPORTS as the runner does and evaluates CHECKS on them;
 * returns the details and sets *passed. */
static GPtrArray *
evaluate (const KtstrChecks *checks, const char *cpuset, GPtrArray *reports, gboolean *passed)
{
  g_autoptr (KtstrCgroupStats) stats = ktstr_aggregate_cgroup ("cg_0", reports);
  GPtrArray *details = ktstr_details_new ();
  *passed = ktstr_checks_evaluate (checks, "cg_0", cpuset, reports, stats, details);
  g_assert_cmpint (*passed, ==, details->len == 0);
  return details;
}

static void
assert_one_detail (GPtrArray *details, KtstrDetailKind kind, const char *message)
{
  g_assert_cmpuint (details->len, ==, 1);
  const KtstrDetail *d = details->pdata[0];
  g_assert_cmpstr (ktstr_detail_kind_to_string (d->kind), ==, ktstr_detail_kind_to_string (kind));
  g_assert_cmpstr (d->message, ==, message);
}

/* Only the checks named by the test: nothing by default. */
static KtstrChecks
no_checks (void)
{
  return (KtstrChecks){ 0 };
}

/* ---- defaults, merge, overrides ---- */

static void
test_default (void)
{
  KtstrChecks c = ktstr_checks_default ();
  g_assert_true (c.not_starved.is_set && c.not_starved.value);
  g_assert_true (c.max_spread_pct.is_set);
  g_assert_cmpfloat (c.max_spread_pct.value, ==, 15.0);
  g_assert_true (c.max_gap_ms.is_set);
  g_assert_cmpuint (c.max_gap_ms.value, ==, 2000);
  g_assert_cmpfloat (c.max_imbalance_ratio.value, ==, 4.0);
  g_assert_cmpuint (c.max_local_dsq_depth.value, ==, 50);
  g_assert_true (c.fail_on_stall.is_set && c.fail_on_stall.value);
  g_assert_cmpuint (c.sustained_samples.value, ==, 5);
  g_assert_cmpfloat (c.max_fallback_rate.value, ==, 200.0);
  g_assert_cmpfloat (c.max_keep_last_rate.value, ==, 100.0);
  /* Opt-in checks are off. */
  g_assert_false (c.isolation.is_set);
  g_assert_false (c.max_throughput_cv.is_set);
  g_assert_false (c.max_p99_wake_latency_ns.is_set);
  g_assert_false (c.max_migration_ratio.is_set);
  g_assert_false (c.min_page_locality.is_set);
  g_assert_false (c.max_slow_tier_ratio.is_set);
}

static void
test_merge (void)
{
  KtstrChecks c = ktstr_checks_default ();
  KtstrChecks sched = no_checks (), test = no_checks ();
  sched.max_spread_pct = (KtstrCheckDouble){ TRUE, 25.0 };
  sched.isolation = (KtstrCheckBool){ TRUE, TRUE };
  test.max_spread_pct = (KtstrCheckDouble){ TRUE, 40.0 };
  test.isolation = (KtstrCheckBool){ TRUE, FALSE };
  test.max_gap_ms = (KtstrCheckU64){ TRUE, 0 };

  ktstr_checks_merge (&c, &sched);
  g_assert_cmpfloat (c.max_spread_pct.value, ==, 25.0);
  g_assert_true (c.isolation.value);

  ktstr_checks_merge (&c, &test);
  g_assert_cmpfloat (c.max_spread_pct.value, ==, 40.0);
  /* A set FALSE or 0 is a value, not "unset": it wins too. */
  g_assert_true (c.isolation.is_set);
  g_assert_false (c.isolation.value);
  g_assert_true (c.max_gap_ms.is_set);
  g_assert_cmpuint (c.max_gap_ms.value, ==, 0);
  /* Fields no later layer sets keep the default. */
  g_assert_true (c.not_starved.value);
  g_assert_cmpuint (c.sustained_samples.value, ==, 5);
  g_assert_false (c.max_throughput_cv.is_set);
}

static char *
keyfile_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "eval", "checks.ini", NULL);
}

static GKeyFile *
load_keyfile (void)
{
  g_autofree char *path = keyfile_path ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&kf);
}

static void
test_keyfile_valid (void)
{
  g_autoptr (GKeyFile) kf = load_keyfile ();
  g_autoptr (GError) error = NULL;
  KtstrChecks over;
  g_assert_true (ktstr_checks_from_keyfile (kf, NULL, "checks", &over, &error));
  g_assert_no_error (error);
  g_assert_true (over.max_spread_pct.is_set);
  g_assert_cmpfloat (over.max_spread_pct.value, ==, 40.0);
  g_assert_cmpuint (over.max_gap_ms.value, ==, 3000);
  g_assert_true (over.isolation.is_set && over.isolation.value);
  g_assert_cmpuint (over.max_p99_wake_latency_ns.value, ==, 5000000);
  g_assert_false (over.not_starved.is_set);

  /* default -> override: the file's values win, the rest stays default. */
  KtstrChecks c = ktstr_checks_default ();
  ktstr_checks_merge (&c, &over);
  g_assert_cmpfloat (c.max_spread_pct.value, ==, 40.0);
  g_assert_cmpuint (c.max_gap_ms.value, ==, 3000);
  g_assert_true (c.not_starved.value);
}

static void
test_keyfile_missing_group (void)
{
  g_autoptr (GKeyFile) kf = load_keyfile ();
  g_autoptr (GError) error = NULL;
  KtstrChecks over = ktstr_checks_default (); /* must be cleared */
  g_assert_true (ktstr_checks_from_keyfile (kf, NULL, "no-such-group", &over, &error));
  g_assert_no_error (error);
  g_assert_false (over.not_starved.is_set);
  g_assert_false (over.max_spread_pct.is_set);
}

static void
test_keyfile_unknown_key (void)
{
  g_autoptr (GKeyFile) kf = load_keyfile ();
  g_autoptr (GError) error = NULL;
  KtstrChecks over;
  g_autofree char *path = keyfile_path ();
  g_assert_false (ktstr_checks_from_keyfile (kf, path, "checks-typo", &over, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_UNKNOWN_KEY);
  g_autofree char *want = g_strdup_printf (
      "%s:12: [checks-typo] max_sprad_pct: unknown key (valid keys: not_starved, "
      "max_spread_pct, max_gap_ms, isolation, max_throughput_cv, min_work_rate, "
      "max_p99_wake_latency_ns, max_wake_latency_cv, min_iteration_rate, "
      "max_migration_ratio, max_imbalance_ratio, max_local_dsq_depth, fail_on_stall, "
      "sustained_samples, max_fallback_rate, max_keep_last_rate, min_page_locality, "
      "max_cross_node_migration_ratio, max_slow_tier_ratio, watchdog_timeout_s)",
      path);
  g_assert_cmpstr (error->message, ==, want);

  /* Without the file's path the message still names group and key. */
  g_clear_error (&error);
  g_assert_false (ktstr_checks_from_keyfile (kf, NULL, "checks-typo", &over, &error));
  g_assert_true (g_str_has_prefix (error->message, "[checks-typo] max_sprad_pct: unknown key"));
}

static void
test_keyfile_bad_values (void)
{
  g_autoptr (GKeyFile) kf = load_keyfile ();
  KtstrChecks over;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = keyfile_path ();
  g_assert_false (ktstr_checks_from_keyfile (kf, path, "checks-bad-number", &over, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_INVALID_VALUE);
  g_autofree char *want = g_strdup_printf ("%s:15: [checks-bad-number] max_spread_pct: 'forty' is "
                                           "not a non-negative number (e.g. 40 or 0.25)",
                                           path);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  g_assert_false (ktstr_checks_from_keyfile (kf, NULL, "checks-negative", &over, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_INVALID_VALUE);
  g_assert_cmpstr (error->message, ==,
                   "[checks-negative] max_gap_ms: '-1' is not a non-negative integer "
                   "(e.g. 3000)");
  g_clear_error (&error);

  /* A bad escape: GLib returns a value and sets an error; that error is
   * the one reported, not a second set over it (GLib warns about that,
   * fatal under the G_DEBUG=fatal-warnings of make check). */
  g_autoptr (GKeyFile) escaped = g_key_file_new ();
  g_assert_true (
      g_key_file_load_from_data (escaped, "[c]\nmax_gap_ms=5\\q\n", -1, G_KEY_FILE_NONE, NULL));
  g_assert_false (ktstr_checks_from_keyfile (escaped, NULL, "c", &over, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "[c] max_gap_ms: "));
}

static void
test_set_values (void)
{
  KtstrChecks c = no_checks ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_checks_set (&c, "not_starved", "false", &error));
  g_assert_true (c.not_starved.is_set && !c.not_starved.value);
  g_assert_true (ktstr_checks_set (&c, "isolation", "1", &error));
  g_assert_true (c.isolation.value);
  g_assert_true (ktstr_checks_set (&c, "max_migration_ratio", "0.25", &error));
  g_assert_cmpfloat (c.max_migration_ratio.value, ==, 0.25);
  g_assert_true (ktstr_checks_set (&c, "max_local_dsq_depth", "18446744073709551615", &error));
  g_assert_cmpuint (c.max_local_dsq_depth.value, ==, G_MAXUINT64);
  g_assert_no_error (error);

  static const char *const bad[][2] = {
    { "isolation", "yes" },      { "max_gap_ms", "1.5" },     { "max_gap_ms", "" },
    { "max_spread_pct", "-3" },  { "max_spread_pct", "nan" }, { "max_spread_pct", "inf" },
    { "max_spread_pct", "4 0" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_assert_false (ktstr_checks_set (&c, bad[i][0], bad[i][1], &e));
      g_assert_error (e, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_INVALID_VALUE);
    }
  /* Failures leave the previous value alone. */
  g_assert_true (c.isolation.value);
  g_assert_false (c.max_gap_ms.is_set);
}

/* ---- not_starved: starvation, fairness, gap ---- */

static void
test_starved (void)
{
  KtstrChecks c = ktstr_checks_default ();
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 1000, 100));
  g_ptr_array_add (reports, worker (1, 1000, 100));
  gboolean passed;

  /* One work unit is progress. */
  ((KtstrWorkerReport *)reports->pdata[1])->work_units = 1;
  g_autoptr (GPtrArray) ok = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  KtstrWorkerReport *w = reports->pdata[1];
  w->work_units = 0;
  g_free (w->exit_info);
  w->exit_info = g_strdup ("signaled:9");
  g_autoptr (GPtrArray) details = evaluate (&c, "", reports, &passed);
  g_assert_false (passed);
  assert_one_detail (details, KTSTR_DETAIL_STARVED,
                     "cgroup cg_0 worker 1 (pid 101) starved: 0 work units (exit: signaled:9)");
}

/* Off-CPU 0 % and 15 %: spread exactly 15, the default threshold. */
static GPtrArray *
spread_reports (guint64 high_off_ns)
{
  GPtrArray *reports = reports_new ();
  for (guint i = 0; i < 2; i++)
    {
      KtstrWorkerReport *w = worker (i, 100, i == 0 ? 0 : high_off_ns);
      g_array_append_val (w->cpus_used, i);
      g_ptr_array_add (reports, w);
    }
  return reports;
}

static void
test_unfair_boundary (void)
{
  KtstrChecks c = ktstr_checks_default ();
  gboolean passed;

  g_autoptr (GPtrArray) at = spread_reports (15);
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", at, &passed);
  g_assert_true (passed);

  g_autoptr (GPtrArray) above = spread_reports (16);
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", above, &passed);
  g_assert_false (passed);
  assert_one_detail (d_above, KTSTR_DETAIL_UNFAIR,
                     "unfair cgroup cg_0: spread=16% (0-16%) 2 workers on 2 cpus (threshold 15%)");
}

static void
test_unfair_message (void)
{
  /* The example of the spec: 4 workers on 4 cpus, 8-50 %. */
  static const guint64 off[] = { 8, 20, 33, 50 };
  KtstrChecks c = ktstr_checks_default ();
  g_autoptr (GPtrArray) reports = reports_new ();
  for (guint i = 0; i < 4; i++)
    {
      KtstrWorkerReport *w = worker (i, 100, off[i]);
      g_array_append_val (w->cpus_used, i);
      g_ptr_array_add (reports, w);
    }
  gboolean passed;
  g_autoptr (GPtrArray) details = evaluate (&c, "", reports, &passed);
  assert_one_detail (details, KTSTR_DETAIL_UNFAIR,
                     "unfair cgroup cg_0: spread=42% (8-50%) 4 workers on 4 cpus (threshold 15%)");
}

static void
test_unfair_override (void)
{
  KtstrChecks c = ktstr_checks_default (), over = no_checks ();
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_checks_set (&over, "max_spread_pct", "40", &error));
  ktstr_checks_merge (&c, &over);
  gboolean passed;

  g_autoptr (GPtrArray) at = spread_reports (40);
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", at, &passed);
  g_assert_true (passed);

  g_autoptr (GPtrArray) above = spread_reports (41);
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", above, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_UNFAIR,
                     "unfair cgroup cg_0: spread=41% (0-41%) 2 workers on 2 cpus (threshold 40%)");
}

static void
test_unfair_needs_two_measured (void)
{
  KtstrChecks c = ktstr_checks_default ();
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 100, 90));
  g_ptr_array_add (reports, worker (1, 0, 0)); /* no wall time: not measured */
  g_autoptr (KtstrCgroupStats) stats = ktstr_aggregate_cgroup ("cg_0", reports);
  /* Even a stale spread in the stats must not count with one measurement. */
  stats->spread = 90;
  g_autoptr (GPtrArray) details = ktstr_details_new ();
  g_assert_true (ktstr_checks_evaluate (&c, "cg_0", "", reports, stats, details));
  g_assert_cmpuint (details->len, ==, 0);
}

static void
test_stuck_boundary (void)
{
  KtstrChecks c = ktstr_checks_default ();
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 100, 0));
  g_ptr_array_add (reports, worker (1, 100, 0));
  KtstrWorkerReport *w = reports->pdata[1];
  w->max_gap_cpu = 2;
  w->max_gap_at_ms = 3200;
  gboolean passed;

  w->max_gap_ms = 2000;
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  w->max_gap_ms = 4500;
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", reports, &passed);
  g_assert_false (passed);
  assert_one_detail (d_above, KTSTR_DETAIL_STUCK,
                     "cgroup cg_0 worker 1 stuck 4500ms on cpu2 at +3200ms (threshold 2000ms)");

  /* Unset thresholds fall back to the defaults. */
  KtstrChecks bare = no_checks ();
  bare.not_starved = (KtstrCheckBool){ TRUE, TRUE };
  w->max_gap_ms = 2001;
  g_autoptr (GPtrArray) d_bare = evaluate (&bare, "", reports, &passed);
  assert_one_detail (d_bare, KTSTR_DETAIL_STUCK,
                     "cgroup cg_0 worker 1 stuck 2001ms on cpu2 at +3200ms (threshold 2000ms)");
}

static void
test_not_starved_off (void)
{
  KtstrChecks c = ktstr_checks_default (), over = no_checks ();
  over.not_starved = (KtstrCheckBool){ TRUE, FALSE };
  ktstr_checks_merge (&c, &over);
  g_autoptr (GPtrArray) reports = spread_reports (90);
  KtstrWorkerReport *w = reports->pdata[0];
  w->work_units = 0;
  w->max_gap_ms = 9000;
  gboolean passed;
  g_autoptr (GPtrArray) details = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);
}

/* ---- isolation ---- */

static void
test_isolation (void)
{
  static const guint in[] = { 0, 1 }, out[] = { 1, 2, 3 };
  KtstrChecks c = no_checks ();
  c.isolation = (KtstrCheckBool){ TRUE, TRUE };
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 100, 0), *b = worker (1, 100, 0);
  g_array_append_vals (a->cpus_used, in, 2);
  g_array_append_vals (b->cpus_used, out, 3);
  g_ptr_array_add (reports, a);
  gboolean passed;

  g_autoptr (GPtrArray) d_ok = evaluate (&c, "0-1", reports, &passed);
  g_assert_true (passed);

  g_ptr_array_add (reports, b);
  g_autoptr (GPtrArray) d_bad = evaluate (&c, "0-1", reports, &passed);
  g_assert_false (passed);
  assert_one_detail (d_bad, KTSTR_DETAIL_ISOLATION,
                     "cgroup cg_0 worker 1 (pid 101) ran on cpus 2-3 outside its cpuset 0-1");

  /* Unrestricted cgroups and isolation off: nothing to check. */
  g_autoptr (GPtrArray) d_all = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);
  KtstrChecks off = no_checks ();
  g_autoptr (GPtrArray) d_off = evaluate (&off, "0-1", reports, &passed);
  g_assert_true (passed);

  g_autoptr (GPtrArray) d_garbage = evaluate (&c, "0-x", reports, &passed);
  assert_one_detail (d_garbage, KTSTR_DETAIL_ISOLATION,
                     "cgroup cg_0: cannot check isolation: invalid CPU list '0-x' (expected e.g. "
                     "0-3,6 with CPUs up to 65535)");
}

/* ---- benchmark gates ---- */

static void
test_throughput_cv (void)
{
  /* Rates 1000 and 3000 work units per cpu-second: mean 2000, CV 0.5. */
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000000000, 0), *b = worker (1, 1000000000, 0);
  a->work_units = 1000;
  b->work_units = 3000;
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  gboolean passed;

  c.max_throughput_cv = (KtstrCheckDouble){ TRUE, 0.5 };
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.max_throughput_cv.value = 0.49;
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_BENCHMARK,
                     "cgroup cg_0: throughput CV 0.500 exceeds limit 0.490 (mean 2000 work units "
                     "per cpu-second over 2 workers)");

  /* One worker has no spread to measure. */
  g_ptr_array_remove_index (reports, 1);
  g_autoptr (GPtrArray) d_one = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);
}

static void
test_min_work_rate (void)
{
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 2000000000, 0); /* 1000 units in 2 cpu-s: 500/s */
  g_ptr_array_add (reports, a);
  gboolean passed;

  c.min_work_rate = (KtstrCheckDouble){ TRUE, 500 };
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.min_work_rate.value = 501;
  g_autoptr (GPtrArray) d_below = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_below, KTSTR_DETAIL_BENCHMARK,
                     "cgroup cg_0 worker 0 (pid 100): throughput 500 work units per cpu-second "
                     "below floor 501");
}

static void
test_min_iteration_rate (void)
{
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 4000000000, 0)); /* 100 iterations in 4 s */
  gboolean passed;

  c.min_iteration_rate = (KtstrCheckDouble){ TRUE, 25 };
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.min_iteration_rate.value = 25.5;
  g_autoptr (GPtrArray) d_below = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_below, KTSTR_DETAIL_BENCHMARK,
                     "cgroup cg_0 worker 0 (pid 100): iteration rate 25.0/s below floor 25.5/s");
}

static GPtrArray *
latency_reports (void)
{
  /* 1..100 µs: p99 = 99 µs. */
  GPtrArray *reports = reports_new ();
  KtstrWorkerReport *w = worker (0, 1000, 0);
  for (guint64 v = 1; v <= 100; v++)
    {
      guint64 ns = v * 1000;
      g_array_append_val (w->lat_ns, ns);
    }
  g_ptr_array_add (reports, w);
  return reports;
}

static void
test_p99_latency (void)
{
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = latency_reports ();
  gboolean passed;

  c.max_p99_wake_latency_ns = (KtstrCheckU64){ TRUE, 99000 };
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.max_p99_wake_latency_ns.value = 98999;
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_BENCHMARK,
                     "cgroup cg_0: p99 wake latency 99000ns exceeds limit 98999ns (100 samples)");
}

static void
test_wake_cv (void)
{
  /* Samples 1 and 3 µs: mean 2, population stddev 1, CV 0.5. */
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *w = worker (0, 1000, 0);
  guint64 s1 = 1000, s3 = 3000;
  g_array_append_val (w->lat_ns, s1);
  g_ptr_array_add (reports, w);
  gboolean passed;

  c.max_wake_latency_cv = (KtstrCheckDouble){ TRUE, 0.0 };
  g_autoptr (GPtrArray) d_one = evaluate (&c, "", reports, &passed);
  g_assert_true (passed); /* needs two samples */

  g_array_append_val (w->lat_ns, s3);
  c.max_wake_latency_cv.value = 0.5;
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.max_wake_latency_cv.value = 0.45;
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_BENCHMARK,
                     "cgroup cg_0: wake latency CV 0.500 exceeds limit 0.450 (2 samples)");
}

static void
test_migration_ratio (void)
{
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0);
  a->migration_count = 10, a->iterations = 100;
  b->migration_count = 40, b->iterations = 100;
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  gboolean passed;

  c.max_migration_ratio = (KtstrCheckDouble){ TRUE, 0.25 };
  g_autoptr (GPtrArray) d_at = evaluate (&c, "", reports, &passed);
  g_assert_true (passed);

  c.max_migration_ratio.value = 0.1;
  g_autoptr (GPtrArray) d_above = evaluate (&c, "", reports, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_MIGRATION,
                     "cgroup cg_0: migration ratio 0.250 (50 migrations / 200 iterations) "
                     "exceeds limit 0.100");
}

/* N pages on each node 0 .. n-1 (0 for none). */
static void
set_pages (KtstrWorkerReport *w, const guint64 *pages, guint n)
{
  w->has_numa_pages = TRUE;
  g_array_set_size (w->numa_pages, 0);
  g_array_append_vals (w->numa_pages, pages, n);
}

/* evaluate () with page locality against NODES, as the verdict does. */
static GPtrArray *
evaluate_numa (const KtstrChecks *checks, GArray *nodes, GPtrArray *reports, gboolean *passed)
{
  g_autoptr (KtstrCgroupStats) stats = ktstr_aggregate_cgroup ("cg_0", reports);
  ktstr_aggregate_page_locality (stats, reports, nodes);
  GPtrArray *details = ktstr_details_new ();
  *passed = ktstr_checks_evaluate (checks, "cg_0", "0-1", reports, stats, details);
  g_assert_cmpint (*passed, ==, details->len == 0);
  return details;
}

static void
test_numa_no_pages (void)
{
  /* A worker without numa_pages (an older agent, a kernel without
   * NUMA) is fully local and migrates nothing: perfect gates pass. */
  KtstrChecks c = no_checks ();
  c.min_page_locality = (KtstrCheckDouble){ TRUE, 1.0 };
  c.max_cross_node_migration_ratio = (KtstrCheckDouble){ TRUE, 0.0 };
  g_autoptr (GPtrArray) reports = reports_new ();
  g_ptr_array_add (reports, worker (0, 1000, 0));
  g_autoptr (GArray) nodes = g_array_new (FALSE, FALSE, sizeof (guint));
  guint node0 = 0;
  g_array_append_val (nodes, node0);
  gboolean passed;
  g_autoptr (GPtrArray) d = evaluate_numa (&c, nodes, reports, &passed);
  g_assert_true (passed);
}

static void
test_numa_page_locality (void)
{
  /* Cpuset on node 0.  Worker 0: 80 of 100 pages local (0.8); worker 1:
   * all 100 local (1.0).  The cgroup's locality is the worst, 0.8. */
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0);
  const guint64 pa[] = { 80, 20 }, pb[] = { 100 };
  set_pages (a, pa, 2);
  set_pages (b, pb, 1);
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  g_autoptr (GArray) nodes = g_array_new (FALSE, FALSE, sizeof (guint));
  guint node0 = 0;
  g_array_append_val (nodes, node0);
  gboolean passed;

  c.min_page_locality = (KtstrCheckDouble){ TRUE, 0.8 };
  g_autoptr (GPtrArray) d_at = evaluate_numa (&c, nodes, reports, &passed);
  g_assert_true (passed);

  c.min_page_locality.value = 0.81;
  g_autoptr (GPtrArray) d_below = evaluate_numa (&c, nodes, reports, &passed);
  assert_one_detail (d_below, KTSTR_DETAIL_PAGE_LOCALITY,
                     "cgroup cg_0: page locality 0.800 (worst worker: share of its pages on the "
                     "cpuset's NUMA nodes) below floor 0.810");
}

static void
test_numa_cross_node (void)
{
  /* Both workers saw the same 10 system-wide migrations over 150 + 50
   * pages: 10 / 200 = 0.05. */
  KtstrChecks c = no_checks ();
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0), *b = worker (1, 1000, 0);
  const guint64 pa[] = { 150 }, pb[] = { 0, 50 };
  set_pages (a, pa, 1);
  set_pages (b, pb, 2);
  a->has_numa_migrated = b->has_numa_migrated = TRUE;
  a->numa_migrated = b->numa_migrated = 10;
  g_ptr_array_add (reports, a);
  g_ptr_array_add (reports, b);
  gboolean passed;

  c.max_cross_node_migration_ratio = (KtstrCheckDouble){ TRUE, 0.05 };
  g_autoptr (GPtrArray) d_at = evaluate_numa (&c, NULL, reports, &passed);
  g_assert_true (passed);

  c.max_cross_node_migration_ratio.value = 0.04;
  g_autoptr (GPtrArray) d_above = evaluate_numa (&c, NULL, reports, &passed);
  assert_one_detail (d_above, KTSTR_DETAIL_CROSS_NODE_MIGRATION,
                     "cgroup cg_0: cross-node migration ratio 0.050 (10 pages migrated / 200 "
                     "pages) exceeds limit 0.040");
}

static void
test_numa_cross_node_inconsistent (void)
{
  /* Migrations with no pages seen: a ratio of 0 would hide it. */
  KtstrChecks c = no_checks ();
  c.max_cross_node_migration_ratio = (KtstrCheckDouble){ TRUE, 0.5 };
  g_autoptr (GPtrArray) reports = reports_new ();
  KtstrWorkerReport *a = worker (0, 1000, 0);
  a->has_numa_migrated = TRUE;
  a->numa_migrated = 5;
  g_ptr_array_add (reports, a);
  gboolean passed;
  g_autoptr (GPtrArray) d = evaluate_numa (&c, NULL, reports, &passed);
  assert_one_detail (d, KTSTR_DETAIL_CROSS_NODE_MIGRATION,
                     "cgroup cg_0: inconsistent NUMA measurement: 5 pages migrated but 0 pages "
                     "observed in numa_maps");
}

static void
test_detail_kinds (void)
{
  g_assert_cmpstr (ktstr_detail_kind_to_string (KTSTR_DETAIL_STARVED), ==, "Starved");
  g_assert_cmpstr (ktstr_detail_kind_to_string (KTSTR_DETAIL_CROSS_NODE_MIGRATION), ==,
                   "CrossNodeMigration");
  g_assert_cmpstr (ktstr_detail_kind_to_string (KTSTR_DETAIL_SCHEDULER_DIED), ==, "SchedulerDied");
  g_assert_cmpstr (ktstr_detail_kind_to_string (KTSTR_DETAIL_OTHER), ==, "Other");
  g_assert_cmpstr (ktstr_detail_kind_to_string ((KtstrDetailKind)999), ==, "Other");
}

/* ---- topology ---- */

static KtstrGuestTopo *
guest_topo (guint cpus, const char *const *llcs, const char *const *nodes, guint smt)
{
  KtstrGuestTopo *t = ktstr_guest_topo_new ();
  t->cpus = cpus;
  t->smt = smt;
  for (; llcs != NULL && *llcs != NULL; llcs++)
    g_ptr_array_add (t->llcs, ktstr_cpulist_parse (*llcs, NULL));
  for (; nodes != NULL && *nodes != NULL; nodes++)
    g_ptr_array_add (t->numa, ktstr_cpulist_parse (*nodes, NULL));
  return t;
}

static void
test_topology_match (void)
{
  static const char *const llcs[] = { "0-1", "2-3", NULL }, *const node[] = { "0-3", NULL };
  KtstrTopology want;
  g_assert_cmpint (ktstr_topology_parse ("1n2l2c1t", &want, NULL, 0), ==, 0);
  g_autoptr (KtstrGuestTopo) seen = guest_topo (4, llcs, node, 1);
  char *msg = (char *)"untouched";
  g_assert_true (ktstr_topology_check (&want, seen, &msg));
  g_assert_null (msg);

  /* A guest without NUMA nodes in sysfs has one node. */
  g_autoptr (KtstrGuestTopo) no_numa = guest_topo (4, llcs, NULL, 1);
  g_assert_true (ktstr_topology_check (&want, no_numa, NULL));

  static const char *const smt_llcs[] = { "0-3", "4-7", NULL };
  static const char *const nodes2[] = { "0-3", "4-7", NULL };
  KtstrTopology want2;
  g_assert_cmpint (ktstr_topology_parse ("2n2l2c2t", &want2, NULL, 0), ==, 0);
  g_autoptr (KtstrGuestTopo) seen2 = guest_topo (8, smt_llcs, nodes2, 2);
  g_assert_true (ktstr_topology_check (&want2, seen2, NULL));
}

static void
test_topology_mismatch (void)
{
  static const char *const one_llc[] = { "0-3", NULL }, *const node[] = { "0-3", NULL };
  KtstrTopology want;
  g_assert_cmpint (ktstr_topology_parse ("1n2l2c1t", &want, NULL, 0), ==, 0);
  g_autoptr (KtstrGuestTopo) seen = guest_topo (4, one_llc, node, 1);
  g_autofree char *msg = NULL;
  g_assert_false (ktstr_topology_check (&want, seen, &msg));
  g_assert_cmpstr (msg, ==,
                   "guest topology differs from the requested 1n2l2c1t (LLC count, LLC sizes): "
                   "requested 4 cpus, 2 LLCs of 2 cpus, 1 NUMA node, 1 thread per core; guest "
                   "has 4 cpus, 1 LLC [0-3], 1 NUMA node [0-3], 1 thread per core");

  static const char *const llcs[] = { "0-1", "2-3", NULL };
  static const char *const nodes2[] = { "0-1", "2-3", NULL };
  g_autoptr (KtstrGuestTopo) numa = guest_topo (4, llcs, nodes2, 1);
  g_autofree char *msg2 = NULL;
  g_assert_false (ktstr_topology_check (&want, numa, &msg2));
  g_assert_true (strstr (msg2, "(NUMA nodes)") != NULL);
  g_assert_true (strstr (msg2, "2 NUMA nodes [0-1] [2-3]") != NULL);

  g_autoptr (KtstrGuestTopo) smt = guest_topo (3, llcs, node, 2);
  g_autofree char *msg3 = NULL;
  g_assert_false (ktstr_topology_check (&want, smt, &msg3));
  g_assert_true (strstr (msg3, "(cpus, threads per core)") != NULL);
}

static GKeyFile *
keyfile_from (const char *text)
{
  GKeyFile *kf = g_key_file_new ();
  g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
  return kf;
}

/* The one merge the verdict and show-thresholds share. */
static void
test_resolve_layers (void)
{
  g_autoptr (GKeyFile) sched = keyfile_from ("[checks]\nmax_gap_ms=2500\nisolation=true\n");
  g_autoptr (GKeyFile) test = keyfile_from ("[checks]\nmax_gap_ms=4000\nmin_work_rate=1.5\n");
  KtstrChecks c, layers[KTSTR_CHECKS_N_LAYERS];
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_checks_resolve (sched, "t.ktstr", test, &c, layers, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.max_gap_ms.value, ==, 4000); /* test over scheduler */
  g_assert_true (c.isolation.is_set && c.isolation.value);
  g_assert_cmpfloat (c.min_work_rate.value, ==, 1.5);
  g_assert_cmpfloat (c.max_spread_pct.value, ==, 15.0); /* default */
  g_autofree char *gap_s
      = ktstr_checks_get_text (&layers[KTSTR_CHECKS_LAYER_SCHEDULER], "max_gap_ms");
  g_autofree char *gap_t = ktstr_checks_get_text (&layers[KTSTR_CHECKS_LAYER_TEST], "max_gap_ms");
  g_autofree char *iso_t = ktstr_checks_get_text (&layers[KTSTR_CHECKS_LAYER_TEST], "isolation");
  g_assert_cmpstr (gap_s, ==, "2500");
  g_assert_cmpstr (gap_t, ==, "4000");
  g_assert_null (iso_t);
  g_assert_null (ktstr_checks_get_text (&c, "no_such_check"));
  g_assert_cmpstr (ktstr_checks_layer_to_string (KTSTR_CHECKS_LAYER_SCHEDULER), ==, "scheduler");

  /* No scheduler layer: defaults then the test. */
  g_assert_true (ktstr_checks_resolve (NULL, "t.ktstr", test, &c, NULL, &error));
  g_assert_false (c.isolation.is_set);

  /* Errors name their layer. */
  g_autoptr (GKeyFile) bad = keyfile_from ("[checks]\nmax_gap=1\n");
  g_assert_false (ktstr_checks_resolve (bad, "t.ktstr", test, &c, NULL, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_UNKNOWN_KEY);
  g_assert_true (
      g_str_has_prefix (error->message, "scheduler definition: [checks] max_gap: unknown key"));
  g_clear_error (&error);
  g_assert_false (ktstr_checks_resolve (sched, "t.ktstr", bad, &c, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "t.ktstr: [checks] max_gap: unknown key"));
}

/* What applies each check, as show-thresholds prints it: the monitor's
 * keys go to the monitor, max_slow_tier_ratio to no one, the rest to the
 * workers' checks; the monitor's keys are checked like every other key
 * (snake_case only). */
static void
test_applied_by (void)
{
  static const char *const monitor[]
      = { "max_imbalance_ratio", "max_local_dsq_depth", "fail_on_stall",     "sustained_samples",
          "max_fallback_rate",   "max_keep_last_rate",  "watchdog_timeout_s" };
  guint n_monitor = 0, n_nothing = 0, n_workers = 0;
  for (const char *const *name = ktstr_checks_names (); *name; name++)
    {
      const char *by = ktstr_checks_applied_by (*name);
      g_assert_nonnull (by);
      gboolean is_monitor = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (monitor); i++)
        is_monitor |= g_str_equal (*name, monitor[i]);
      if (is_monitor)
        g_assert_cmpstr (by, ==, "monitor");
      else if (g_str_equal (*name, "max_slow_tier_ratio"))
        g_assert_cmpstr (by, ==, "nothing");
      else
        g_assert_cmpstr (by, ==, "workers");
      n_monitor += g_str_equal (by, "monitor");
      n_nothing += g_str_equal (by, "nothing");
      n_workers += g_str_equal (by, "workers");
    }
  g_assert_cmpuint (n_monitor, ==, G_N_ELEMENTS (monitor));
  g_assert_cmpuint (n_nothing, ==, 1);
  g_assert_cmpuint (n_workers, ==, 12);
  g_assert_null (ktstr_checks_applied_by ("no_such_check"));

  g_autoptr (GKeyFile) ok
      = keyfile_from ("[checks]\nwatchdog_timeout_s=3\nmax_imbalance_ratio=2.5\n");
  KtstrChecks c;
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_checks_resolve (NULL, "t.ktstr", ok, &c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.watchdog_timeout_s.value, ==, 3);
  g_assert_cmpfloat (c.max_imbalance_ratio.value, ==, 2.5);
  g_autoptr (GKeyFile) dashed = keyfile_from ("[checks]\nwatchdog-timeout-s=3\n");
  g_assert_false (ktstr_checks_resolve (NULL, "t.ktstr", dashed, &c, NULL, &error));
  g_assert_error (error, KTSTR_CHECKS_ERROR, KTSTR_CHECKS_ERROR_UNKNOWN_KEY);
  g_assert_true (
      g_str_has_prefix (error->message, "t.ktstr: [checks] watchdog-timeout-s: unknown key"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checks/default", test_default);
  g_test_add_func ("/checks/merge/last-set-wins", test_merge);
  g_test_add_func ("/checks/resolve/layers", test_resolve_layers);
  g_test_add_func ("/checks/keyfile/valid", test_keyfile_valid);
  g_test_add_func ("/checks/keyfile/missing-group", test_keyfile_missing_group);
  g_test_add_func ("/checks/keyfile/unknown-key", test_keyfile_unknown_key);
  g_test_add_func ("/checks/keyfile/bad-values", test_keyfile_bad_values);
  g_test_add_func ("/checks/set/values", test_set_values);
  g_test_add_func ("/checks/starved", test_starved);
  g_test_add_func ("/checks/unfair/boundary", test_unfair_boundary);
  g_test_add_func ("/checks/unfair/message", test_unfair_message);
  g_test_add_func ("/checks/unfair/override", test_unfair_override);
  g_test_add_func ("/checks/unfair/needs-two-measured", test_unfair_needs_two_measured);
  g_test_add_func ("/checks/stuck/boundary", test_stuck_boundary);
  g_test_add_func ("/checks/not-starved-off", test_not_starved_off);
  g_test_add_func ("/checks/isolation", test_isolation);
  g_test_add_func ("/checks/benchmark/throughput-cv", test_throughput_cv);
  g_test_add_func ("/checks/benchmark/min-work-rate", test_min_work_rate);
  g_test_add_func ("/checks/benchmark/min-iteration-rate", test_min_iteration_rate);
  g_test_add_func ("/checks/benchmark/p99-wake-latency", test_p99_latency);
  g_test_add_func ("/checks/benchmark/wake-latency-cv", test_wake_cv);
  g_test_add_func ("/checks/migration-ratio", test_migration_ratio);
  g_test_add_func ("/checks/numa/no-pages", test_numa_no_pages);
  g_test_add_func ("/checks/numa/page-locality", test_numa_page_locality);
  g_test_add_func ("/checks/numa/cross-node", test_numa_cross_node);
  g_test_add_func ("/checks/numa/cross-node-inconsistent", test_numa_cross_node_inconsistent);
  g_test_add_func ("/checks/detail-kinds", test_detail_kinds);
  g_test_add_func ("/checks/applied-by", test_applied_by);
  g_test_add_func ("/topology/check/match", test_topology_match);
  g_test_add_func ("/topology/check/mismatch", test_topology_mismatch);
  return g_test_run ();
}
