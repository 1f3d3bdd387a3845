#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/metrics.h"
#include "util/json-util.h"
#include "util/table.h"

#define LOWER KTSTR_POLARITY_LOWER_BETTER
#define HIGHER KTSTR_POLARITY_HIGHER_BETTER
#define LIN KTSTR_SCALE_LINEAR
#define LOGS KTSTR_SCALE_LOG

/* The derived metrics' typical CVs, measured with `ktstr-stats noise` on
 * the A/A runs of the six built-ins behind README's trials figures (QEMU
 * TCG, fixture kernel 6.12, the 2-core host at load 7 to 12, 5 trials per
 * side): the median over 12 configurations (6 tests x 2 sides).  The raw
 * counts of the same trials varied with a median CV of 47 % and 33 %. */
#define TYPICAL_CV_TOTAL_PER_VCPU_S 0.16
#define TYPICAL_CV_WORKER_PER_VCPU_S 0.13

/* Same order, names, polarities and gates as the metric registry of the
 * Rust ktstr, so policies carry over (doc/compatibility.md); the registry
 * and where each metric comes from: doc/stats-compare.md.
 * Log scale: the metrics whose noise multiplies them (rates, durations,
 * counts of events, ratios of positive quantities); linear: bounded
 * fractions, percentage-point spreads and small maxima or indicators,
 * which are often 0 and whose noise does not grow with their level.
 *
 * The typical CV (the ninth field) of the Rust metrics was measured with `ktstr-stats noise` under
 * QEMU TCG on a 2-core host shared with other work (load 0.5 to 5.3):
 * six built-in tests (steady, steady_mixed, futex_ping_pong, pipe_io,
 * perf_wake_latency, oversubscribed) 10 trials each under EEVDF, steady,
 * pipe_io and futex_ping_pong 5 trials each under scx_qmap, cpuset_numa 5
 * trials; each value is the median CV over the configurations where the
 * metric varied (page locality only varies on the NUMA test).  The monitor
 * metrics' CVs come from later trials with the host-memory sampler on
 * (steady and pipe_io, 5 trials each under EEVDF and under scx_qmap on the
 * same shared host; the DSQ and BPF metrics from the scx_qmap ones only).  NAN: no
 * run varied the metric (no stall in a healthy run, no SCX_EV_* counters
 * in 6.12 for fallbacks and keep-last, cross-node migrations stayed 0), so
 * compare cannot estimate their trials and says so.  After the Rust
 * registry's 19 come the monitor metrics ktstr adds.  Under KVM, or on a
 * quiet host, the noise is lower: measure yours with `ktstr-stats noise`. */
static const KtstrMetricDef registry[KTSTR_METRIC_COUNT] = {
  { KTSTR_METRIC_WORST_SPREAD, "worst_spread", LOWER, 5.0, 0.25, "%", FALSE, LIN, 0.70, FALSE },
  { KTSTR_METRIC_WORST_GAP_MS, "worst_gap_ms", LOWER, 500.0, 0.50, "ms", TRUE, LOGS, 0.53, FALSE },
  { KTSTR_METRIC_TOTAL_MIGRATIONS, "total_migrations", LOWER, 10.0, 0.30, "", TRUE, LOGS, 0.60,
    FALSE },
  { KTSTR_METRIC_WORST_MIGRATION_RATIO, "worst_migration_ratio", LOWER, 0.05, 0.20, "", FALSE, LOGS,
    0.68, FALSE },
  { KTSTR_METRIC_MAX_IMBALANCE_RATIO, "max_imbalance_ratio", LOWER, 1.0, 0.25, "x", FALSE, LOGS,
    0.38, FALSE },
  { KTSTR_METRIC_MAX_DSQ_DEPTH, "max_dsq_depth", LOWER, 10.0, 0.50, "", TRUE, LIN, 0.80, FALSE },
  { KTSTR_METRIC_STALL_COUNT, "stall_count", LOWER, 1.0, 0.50, "", TRUE, LIN, NAN, FALSE },
  { KTSTR_METRIC_TOTAL_FALLBACK, "total_fallback", LOWER, 5.0, 0.30, "", TRUE, LOGS, NAN, FALSE },
  { KTSTR_METRIC_TOTAL_KEEP_LAST, "total_keep_last", LOWER, 5.0, 0.30, "", TRUE, LOGS, NAN, FALSE },
  { KTSTR_METRIC_WORST_P99_WAKE_LATENCY_US, "worst_p99_wake_latency_us", LOWER, 50.0, 0.25,
    "\302\265s", FALSE, LOGS, 0.73, FALSE },
  { KTSTR_METRIC_WORST_MEDIAN_WAKE_LATENCY_US, "worst_median_wake_latency_us", LOWER, 20.0, 0.25,
    "\302\265s", FALSE, LOGS, 0.26, FALSE },
  { KTSTR_METRIC_WORST_WAKE_LATENCY_CV, "worst_wake_latency_cv", LOWER, 0.10, 0.25, "", FALSE, LOGS,
    0.45, FALSE },
  { KTSTR_METRIC_TOTAL_ITERATIONS, "total_iterations", HIGHER, 100.0, 0.10, "", TRUE, LOGS, 0.28,
    FALSE },
  { KTSTR_METRIC_WORST_MEAN_RUN_DELAY_US, "worst_mean_run_delay_us", LOWER, 50.0, 0.25, "\302\265s",
    FALSE, LOGS, 0.018, FALSE },
  { KTSTR_METRIC_WORST_RUN_DELAY_US, "worst_run_delay_us", LOWER, 100.0, 0.50, "\302\265s", FALSE,
    LOGS, 0.019, FALSE },
  { KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO, "worst_wake_latency_tail_ratio", LOWER, 0.5, 0.25,
    "x", FALSE, LOGS, 0.68, FALSE },
  { KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER, "worst_iterations_per_worker", HIGHER, 10.0, 0.10, "",
    FALSE, LOGS, 0.27, FALSE },
  { KTSTR_METRIC_WORST_PAGE_LOCALITY, "worst_page_locality", HIGHER, 0.05, 0.10, "", FALSE, LIN,
    0.71, FALSE },
  { KTSTR_METRIC_WORST_CROSS_NODE_MIGRATION_RATIO, "worst_cross_node_migration_ratio", LOWER, 0.05,
    0.20, "", FALSE, LIN, NAN, FALSE },
  /* ktstr's monitor metrics, which the Rust registry lacks.  Gates: a
   * quarter of an even load, one task of DSQ backlog on average, 10 ms of
   * runqueue wait per second, 200 ns per BPF callback. */
  { KTSTR_METRIC_AVG_IMBALANCE_RATIO, "avg_imbalance_ratio", LOWER, 0.25, 0.25, "x", FALSE, LOGS,
    0.047, FALSE },
  { KTSTR_METRIC_AVG_DSQ_DEPTH, "avg_dsq_depth", LOWER, 1.0, 0.50, "", FALSE, LIN, 0.97, FALSE },
  { KTSTR_METRIC_RUN_DELAY_MS_PER_S, "run_delay_ms_per_s", LOWER, 10.0, 0.25, "ms/s", FALSE, LOGS,
    0.099, FALSE },
  { KTSTR_METRIC_BPF_NS_PER_CALL, "bpf_ns_per_call", LOWER, 200.0, 0.25, "ns", FALSE, LOGS, 0.20,
    FALSE },
  /* Ours, derived: an iteration count over the host CPU time the VM's vCPU
   * threads had during the scenario (vcpu_host.run_ns).  Under TCG a busy
   * host slows the guest's CPUs without the guest seeing it, so the raw
   * counts follow the host's load; per vCPU-second they follow the work an
   * iteration costs.  They do not replace the raw counts: a scheduler that
   * leaves CPUs idle lowers both iterations and CPU time. */
  { KTSTR_METRIC_TOTAL_ITERATIONS_PER_VCPU_S, "total_iterations_per_vcpu_s", HIGHER, 50.0, 0.10,
    "/s", FALSE, LOGS, TYPICAL_CV_TOTAL_PER_VCPU_S, TRUE },
  { KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER_PER_VCPU_S, "worst_iterations_per_worker_per_vcpu_s",
    HIGHER, 5.0, 0.10, "/s", FALSE, LOGS, TYPICAL_CV_WORKER_PER_VCPU_S, TRUE },
};

const KtstrMetricDef *
ktstr_metrics_get (KtstrMetricId id)
{
  g_return_val_if_fail (id < KTSTR_METRIC_COUNT, NULL);
  return &registry[id];
}

const KtstrMetricDef *
ktstr_metrics_lookup (const char *name)
{
  for (guint i = 0; i < KTSTR_METRIC_COUNT; i++)
    if (strcmp (registry[i].name, name) == 0)
      return &registry[i];
  return NULL;
}

char *
ktstr_metrics_names_joined (const char *separator)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < KTSTR_METRIC_COUNT; i++)
    {
      if (i > 0)
        g_string_append (s, separator);
      g_string_append (s, registry[i].name);
    }
  return g_string_free (s, FALSE);
}

/* "lower" / "higher", for the text table. */
static const char *
polarity_label (KtstrPolarity polarity)
{
  return polarity == KTSTR_POLARITY_HIGHER_BETTER ? "higher" : "lower";
}

/* "linear" / "log". */
static const char *
scale_name (KtstrMetricScale scale)
{
  return scale == KTSTR_SCALE_LOG ? "log" : "linear";
}

/* "LowerBetter" / "HigherBetter", the JSON names. */
static const char *
polarity_json_name (KtstrPolarity polarity)
{
  return polarity == KTSTR_POLARITY_HIGHER_BETTER ? "HigherBetter" : "LowerBetter";
}

static char *
format_list_json (void)
{
  JsonBuilder *w = json_builder_new ();
  json_builder_begin_array (w);
  for (guint i = 0; i < KTSTR_METRIC_COUNT; i++)
    {
      const KtstrMetricDef *m = &registry[i];
      json_builder_begin_object (w);
      json_builder_set_member_name (w, "name");
      ktstr_json_add_string (w, m->name);
      json_builder_set_member_name (w, "polarity");
      ktstr_json_add_string (w, polarity_json_name (m->polarity));
      json_builder_set_member_name (w, "default_abs");
      json_builder_add_double_value (w, m->default_abs);
      json_builder_set_member_name (w, "default_rel");
      json_builder_add_double_value (w, m->default_rel);
      json_builder_set_member_name (w, "display_unit");
      ktstr_json_add_string (w, m->unit);
      json_builder_set_member_name (w, "scale");
      ktstr_json_add_string (w, scale_name (m->scale));
      json_builder_set_member_name (w, "typical_cv");
      if (isnan (m->typical_cv))
        json_builder_add_null_value (w);
      else
        json_builder_add_double_value (w, m->typical_cv);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  return ktstr_json_builder_finish (w);
}

char *
ktstr_metrics_format_list (gboolean as_json)
{
  static const char *const headers[]
      = { "NAME", "POLARITY", "DEFAULT_ABS", "DEFAULT_REL", "UNIT", "SCALE", "TYPICAL_CV" };
  static const KtstrAlign align[]
      = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT,
          KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_RIGHT };

  if (as_json)
    return format_list_json ();

  g_autoptr (KtstrTable) table = ktstr_table_new (G_N_ELEMENTS (headers), headers, align);
  for (guint i = 0; i < KTSTR_METRIC_COUNT; i++)
    {
      const KtstrMetricDef *m = &registry[i];
      char abs_buf[G_ASCII_DTOSTR_BUF_SIZE], rel_buf[G_ASCII_DTOSTR_BUF_SIZE];
      char cv_buf[G_ASCII_DTOSTR_BUF_SIZE];
      const char *cells[] = { m->name,
                              polarity_label (m->polarity),
                              g_ascii_formatd (abs_buf, sizeof abs_buf, "%g", m->default_abs),
                              g_ascii_formatd (rel_buf, sizeof rel_buf, "%g", m->default_rel),
                              m->unit,
                              scale_name (m->scale),
                              isnan (m->typical_cv)
                                  ? "-"
                                  : g_ascii_formatd (cv_buf, sizeof cv_buf, "%g", m->typical_cv) };
      ktstr_table_add_row (table, cells);
    }
  GString *out = g_string_new (NULL);
  ktstr_table_render (table, out, FALSE);
  return g_string_free (out, FALSE);
}
