/* The derived metrics: iteration counts per second of host CPU the VM's
 * vCPUs had (the sidecar's vcpu_host).  They must be absent, not 0, where
 * a sidecar cannot give them, averaged over the trials that can, judged
 * only where both sides have them, and they must take the host's share of
 * the CPU out of a throughput figure (a host that gave the VM less CPU is
 * no regression) while a change in the work an iteration costs remains. */
#include "config.h"

#include <math.h>

#include "record/scenario-stats.h"
#include "record/sidecar.h"
#include "stats/compare.h"
#include "stats/noise.h"
#include "stats/pool.h"

#define TOTAL_PER_S KTSTR_METRIC_TOTAL_ITERATIONS_PER_VCPU_S
#define WORKER_PER_S KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER_PER_VCPU_S

/* One trial of "steady" at COMMIT: 4 workers doing ITERATIONS in all;
 * RUN_S seconds of vCPU host CPU, or none recorded when RUN_S < 0. */
static KtstrSidecar *
make_sidecar (const char *commit, guint64 iterations, double run_s)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  KtstrCgroupStats *cg = ktstr_cgroup_stats_new ();

  sc->test_name = g_strdup ("steady");
  sc->topology = g_strdup ("1n1l2c1t");
  sc->scheduler = g_strdup ("eevdf");
  sc->work_type = g_strdup ("CpuSpin");
  sc->kernel_version = g_strdup ("6.12.117");
  sc->project_commit = g_strdup (commit);
  sc->run_source = g_strdup ("local");
  sc->passed = TRUE;
  cg->num_workers = 4;
  cg->num_cpus = 2;
  cg->total_iterations = iterations;
  cg->iterations_per_worker = iterations / 4.0;
  ktstr_scenario_stats_add_cgroup (sc->stats, cg);
  if (run_s >= 0.0)
    {
      sc->has_vcpu_host = TRUE;
      sc->vcpu_host_threads = 2;
      sc->vcpu_host_span_ms = 3000;
      sc->vcpu_host_run_ns = (guint64)llround (run_s * 1e9);
      sc->vcpu_host_wait_ns = 1000000000;
    }
  sc->timestamp = g_strdup ("2026-01-10T08:00:00Z");
  sc->run_id = g_strdup ("20260110T080000Z-1");
  return sc;
}

static void
test_from_sidecar (void)
{
  g_autoptr (KtstrSidecar) with = make_sidecar ("aaaaaaa", 10000, 2.0);
  g_autoptr (KtstrSidecar) without = make_sidecar ("aaaaaaa", 10000, -1.0);
  g_autoptr (KtstrSidecar) no_cpu = make_sidecar ("aaaaaaa", 10000, 0.0);
  g_autoptr (KtstrStatsRow) row = ktstr_stats_row_from_sidecar (with);
  g_autoptr (KtstrStatsRow) absent = ktstr_stats_row_from_sidecar (without);
  g_autoptr (KtstrStatsRow) zero = ktstr_stats_row_from_sidecar (no_cpu);
  double v = -1.0;

  /* 10000 iterations over 2 s of vCPU time; 2500 per worker. */
  g_assert_true (ktstr_stats_row_read_metric (row, ktstr_metrics_get (TOTAL_PER_S), &v));
  g_assert_cmpfloat_with_epsilon (v, 5000.0, 1e-9);
  g_assert_true (ktstr_stats_row_read_metric (row, ktstr_metrics_get (WORKER_PER_S), &v));
  g_assert_cmpfloat_with_epsilon (v, 1250.0, 1e-9);

  /* No vcpu_host (a Rust or older sidecar), or no CPU time to divide by:
   * absent, read as 0 with FALSE, while the raw count is there. */
  g_assert_false (ktstr_stats_row_read_metric (absent, ktstr_metrics_get (TOTAL_PER_S), &v));
  g_assert_cmpfloat (v, ==, 0.0);
  g_assert_true (isnan (absent->metrics[TOTAL_PER_S]));
  g_assert_false (ktstr_stats_row_read_metric (absent, ktstr_metrics_get (WORKER_PER_S), &v));
  g_assert_false (ktstr_stats_row_read_metric (zero, ktstr_metrics_get (TOTAL_PER_S), &v));
  g_assert_true (
      ktstr_stats_row_read_metric (absent, ktstr_metrics_get (KTSTR_METRIC_TOTAL_ITERATIONS), &v));
  g_assert_cmpfloat (v, ==, 10000.0);
}

/* Rows of a sidecar list, which must outlive them. */
static GPtrArray *
rows_of (GPtrArray *sidecars)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_stats_row_free);
  for (guint i = 0; i < sidecars->len; i++)
    g_ptr_array_add (rows, ktstr_stats_row_from_sidecar (g_ptr_array_index (sidecars, i)));
  return rows;
}

static GPtrArray *
sidecars_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_sidecar_free);
}

static void
slice_on_commit (gboolean slicing[KTSTR_DIM_COUNT])
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    slicing[d] = d == KTSTR_DIM_PROJECT_COMMIT;
}

static void
test_average_over_present (void)
{
  g_autoptr (GPtrArray) sidecars = sidecars_new ();
  gboolean slicing[KTSTR_DIM_COUNT];
  double v;

  /* 4000/s and 6000/s, and a trial without vcpu_host: the mean is 5000,
   * not (4000 + 6000 + 0) / 3. */
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 8000, 2.0));
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 12000, 2.0));
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 10000, -1.0));
  g_autoptr (GPtrArray) rows = rows_of (sidecars);
  slice_on_commit (slicing);
  g_autoptr (GPtrArray) groups = ktstr_stats_group_and_average (rows, slicing);
  g_assert_cmpuint (groups->len, ==, 1);
  const KtstrStatsRow *avg = ((KtstrStatsGroup *)g_ptr_array_index (groups, 0))->row;
  g_assert_true (ktstr_stats_row_read_metric (avg, ktstr_metrics_get (TOTAL_PER_S), &v));
  g_assert_cmpfloat_with_epsilon (v, 5000.0, 1e-9);
  g_assert_true (
      ktstr_stats_row_read_metric (avg, ktstr_metrics_get (KTSTR_METRIC_TOTAL_ITERATIONS), &v));
  g_assert_cmpfloat (v, ==, 10000.0);

  /* No trial has it: the average has none either. */
  g_autoptr (GPtrArray) bare = sidecars_new ();
  g_ptr_array_add (bare, make_sidecar ("aaaaaaa", 8000, -1.0));
  g_ptr_array_add (bare, make_sidecar ("aaaaaaa", 12000, -1.0));
  g_autoptr (GPtrArray) bare_rows = rows_of (bare);
  g_autoptr (GPtrArray) bare_groups = ktstr_stats_group_and_average (bare_rows, slicing);
  avg = ((KtstrStatsGroup *)g_ptr_array_index (bare_groups, 0))->row;
  g_assert_false (ktstr_stats_row_read_metric (avg, ktstr_metrics_get (TOTAL_PER_S), &v));
}

/* The result of METRIC in REPORT's only pair, or NULL when not judged. */
static const KtstrStatsMetricResult *
find_result (const KtstrStatsReport *report, KtstrMetricId metric)
{
  g_assert_cmpuint (report->pairs->len, ==, 1);
  const KtstrStatsPair *pair = g_ptr_array_index (report->pairs, 0);
  for (guint j = 0; pair->metrics != NULL && j < pair->metrics->len; j++)
    {
      const KtstrStatsMetricResult *r = &g_array_index (pair->metrics, KtstrStatsMetricResult, j);
      if (r->metric->id == metric)
        return r;
    }
  return NULL;
}

/* A comparison and what it borrows from: the sidecars, their rows and
 * each side's averaged group. */
typedef struct
{
  GPtrArray *sidecars;
  GPtrArray *rows;
  GPtrArray *groups_a;
  GPtrArray *groups_b;
  KtstrStatsReport *report;
} Sides;

static void
sides_clear (Sides *s)
{
  g_clear_pointer (&s->report, ktstr_stats_report_free);
  g_clear_pointer (&s->groups_a, g_ptr_array_unref);
  g_clear_pointer (&s->groups_b, g_ptr_array_unref);
  g_clear_pointer (&s->rows, g_ptr_array_unref);
  g_clear_pointer (&s->sidecars, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sides, sides_clear)

/* Five trials a side: A at ITER_A iterations over RUN_A s of vCPU time
 * (RUN_A < 0: no vcpu_host), B likewise, each with ±2 % of noise in turn;
 * compared with the default significance settings. */
static void
compare_sides (Sides *s, guint64 iter_a, double run_a, guint64 iter_b, double run_b)
{
  static const double wobble[] = { 1.0, 1.02, 0.98, 1.01, 0.99 };
  KtstrStatsSignificance significance = { 0.05, 0.05 };
  KtstrStatsPolicy policy;
  gboolean slicing[KTSTR_DIM_COUNT];

  s->sidecars = sidecars_new ();
  for (guint i = 0; i < G_N_ELEMENTS (wobble); i++)
    {
      g_ptr_array_add (s->sidecars,
                       make_sidecar ("aaaaaaa", (guint64)llround (iter_a * wobble[i]), run_a));
      g_ptr_array_add (
          s->sidecars,
          make_sidecar ("bbbbbbb", (guint64)llround (iter_b * wobble[(i + 2) % 5]), run_b));
    }
  s->rows = rows_of (s->sidecars);
  g_autoptr (GPtrArray) a = g_ptr_array_new ();
  g_autoptr (GPtrArray) b = g_ptr_array_new ();
  for (guint i = 0; i < s->rows->len; i++)
    g_ptr_array_add (i % 2 == 0 ? a : b, g_ptr_array_index (s->rows, i));
  slice_on_commit (slicing);
  s->groups_a = ktstr_stats_group_and_average (a, slicing);
  s->groups_b = ktstr_stats_group_and_average (b, slicing);
  g_autoptr (GPtrArray) avg_a = g_ptr_array_new ();
  g_autoptr (GPtrArray) avg_b = g_ptr_array_new ();
  g_ptr_array_add (avg_a, ((KtstrStatsGroup *)g_ptr_array_index (s->groups_a, 0))->row);
  g_ptr_array_add (avg_b, ((KtstrStatsGroup *)g_ptr_array_index (s->groups_b, 0))->row);
  ktstr_stats_policy_init (&policy);
  s->report = ktstr_stats_compare_rows (avg_a, avg_b, slicing, NULL, &policy, &significance);
}

static void
test_compare (void)
{
  /* The host gave B's VM 40 % less CPU and its iterations fell with it: the
   * raw count regresses, the count per vCPU-second does not. */
  {
    g_auto (Sides) s = { 0 };
    compare_sides (&s, 60000, 2.0, 36000, 1.2);
    const KtstrStatsReport *r = s.report;
    const KtstrStatsMetricResult *raw = find_result (r, KTSTR_METRIC_TOTAL_ITERATIONS);
    const KtstrStatsMetricResult *per_s = find_result (r, TOTAL_PER_S);
    g_assert_nonnull (raw);
    g_assert_cmpint (raw->verdict, ==, KTSTR_VERDICT_REGRESSION);
    g_assert_nonnull (per_s);
    g_assert_cmpint (per_s->verdict, ==, KTSTR_VERDICT_UNCHANGED);
    g_assert_cmpfloat_with_epsilon (per_s->a, 30000.0, 300.0);
    g_assert_cmpfloat_with_epsilon (per_s->b, 30000.0, 300.0);
  }
  /* Same CPU, a third fewer iterations (work that costs more): both the raw
   * count and the count per vCPU-second regress, significantly. */
  {
    g_auto (Sides) s = { 0 };
    compare_sides (&s, 60000, 2.0, 40000, 2.0);
    const KtstrStatsReport *r = s.report;
    const KtstrStatsMetricResult *per_s = find_result (r, TOTAL_PER_S);
    const KtstrStatsMetricResult *worker = find_result (r, WORKER_PER_S);
    g_assert_nonnull (per_s);
    g_assert_cmpint (per_s->verdict, ==, KTSTR_VERDICT_REGRESSION);
    g_assert_true (per_s->tested && per_s->significant);
    g_assert_cmpuint (per_s->sample_a.n, ==, 5);
    g_assert_nonnull (worker);
    g_assert_cmpint (worker->verdict, ==, KTSTR_VERDICT_REGRESSION);
  }
  /* B's sidecars lack vcpu_host (say, written by the Rust ktstr): the
   * derived metrics are not judged at all (read as 0 they would be a
   * 100 % drop), the raw ones still are. */
  {
    g_auto (Sides) s = { 0 };
    compare_sides (&s, 60000, 2.0, 60000, -1.0);
    const KtstrStatsReport *r = s.report;
    g_assert_null (find_result (r, TOTAL_PER_S));
    g_assert_null (find_result (r, WORKER_PER_S));
    g_assert_nonnull (find_result (r, KTSTR_METRIC_TOTAL_ITERATIONS));
    g_assert_cmpuint (r->regressions, ==, 0);
  }
}

static void
test_noise (void)
{
  KtstrStatsSignificance significance = { 0.05, 0.05 };
  KtstrStatsPolicy policy;
  g_autoptr (GPtrArray) sidecars = sidecars_new ();

  /* Three trials, one without vcpu_host: the derived metric's noise is
   * measured over the two that have it; with one left, not at all. */
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 8000, 2.0));
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 12000, 2.0));
  g_ptr_array_add (sidecars, make_sidecar ("aaaaaaa", 10000, -1.0));
  g_autoptr (GPtrArray) rows = rows_of (sidecars);
  ktstr_stats_policy_init (&policy);
  g_autoptr (KtstrNoiseReport) report
      = ktstr_noise_report_new (rows, NULL, &significance, -1.0, &policy);
  gboolean seen = FALSE;
  for (guint i = 0; i < report->rows->len; i++)
    {
      const KtstrNoiseRow *row = &g_array_index (report->rows, KtstrNoiseRow, i);
      if (row->metric->id != TOTAL_PER_S)
        continue;
      seen = TRUE;
      g_assert_cmpuint (row->sample.n, ==, 2);
      g_assert_cmpfloat_with_epsilon (row->sample.mean, 5000.0, 1e-9);
    }
  g_assert_true (seen);

  g_ptr_array_remove_index (rows, 1);
  g_autoptr (KtstrNoiseReport) thin
      = ktstr_noise_report_new (rows, NULL, &significance, -1.0, &policy);
  for (guint i = 0; i < thin->rows->len; i++)
    g_assert_cmpint (g_array_index (thin->rows, KtstrNoiseRow, i).metric->id, !=, TOTAL_PER_S);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/derived/from-sidecar", test_from_sidecar);
  g_test_add_func ("/stats/derived/average-over-present", test_average_over_present);
  g_test_add_func ("/stats/derived/compare", test_compare);
  g_test_add_func ("/stats/derived/noise", test_noise);
  return g_test_run ();
}
