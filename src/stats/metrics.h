/* The metric registry of ktstr-stats (doc/stats-compare.md): the metrics
 * `compare` gates on, in their canonical order, each with its polarity,
 * the dual-gate thresholds (absolute delta and relative delta, the latter
 * as a fraction) and the unit shown next to a delta.  The first 19 are the
 * Rust ktstr's registry; after them come the monitor metrics ktstr adds
 * where the Rust registry has none (stats/monitor-stats.h says what each
 * reads), then ktstr's own derived metrics, computed from sidecar fields a
 * run may lack.
 *
 * The registry order is part of the output contract: `list-metrics`,
 * `compare` and policy error messages all walk it front to back. */
#ifndef KTSTR_STATS_METRICS_H
#define KTSTR_STATS_METRICS_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KTSTR_POLARITY_LOWER_BETTER,  /* a rise is a regression */
  KTSTR_POLARITY_HIGHER_BETTER, /* a drop is a regression */
} KtstrPolarity;

/* Index of each metric in the registry and in KtstrStatsRow.metrics. */
typedef enum
{
  KTSTR_METRIC_WORST_SPREAD,
  KTSTR_METRIC_WORST_GAP_MS,
  KTSTR_METRIC_TOTAL_MIGRATIONS,
  KTSTR_METRIC_WORST_MIGRATION_RATIO,
  KTSTR_METRIC_MAX_IMBALANCE_RATIO,
  KTSTR_METRIC_MAX_DSQ_DEPTH,
  KTSTR_METRIC_STALL_COUNT,
  KTSTR_METRIC_TOTAL_FALLBACK,
  KTSTR_METRIC_TOTAL_KEEP_LAST,
  KTSTR_METRIC_WORST_P99_WAKE_LATENCY_US,
  KTSTR_METRIC_WORST_MEDIAN_WAKE_LATENCY_US,
  KTSTR_METRIC_WORST_WAKE_LATENCY_CV,
  KTSTR_METRIC_TOTAL_ITERATIONS,
  KTSTR_METRIC_WORST_MEAN_RUN_DELAY_US,
  KTSTR_METRIC_WORST_RUN_DELAY_US,
  KTSTR_METRIC_WORST_WAKE_LATENCY_TAIL_RATIO,
  KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER,
  KTSTR_METRIC_WORST_PAGE_LOCALITY,
  KTSTR_METRIC_WORST_CROSS_NODE_MIGRATION_RATIO,
  /* ktstr's additions, from the monitor. */
  KTSTR_METRIC_AVG_IMBALANCE_RATIO,
  KTSTR_METRIC_AVG_DSQ_DEPTH,
  KTSTR_METRIC_RUN_DELAY_MS_PER_S,
  KTSTR_METRIC_BPF_NS_PER_CALL,
  /* Derived (ours): the two iteration counts per second of host CPU the
   * VM's vCPUs had over the scenario (the sidecar's vcpu_host). */
  KTSTR_METRIC_TOTAL_ITERATIONS_PER_VCPU_S,
  KTSTR_METRIC_WORST_ITERATIONS_PER_WORKER_PER_VCPU_S,
  KTSTR_METRIC_COUNT
} KtstrMetricId;

/* The scale on which trial-to-trial noise is additive, and so the scale
 * of compare's significance test (see significance.h). */
typedef enum
{
  KTSTR_SCALE_LINEAR, /* fractions, percentages, small indicators */
  KTSTR_SCALE_LOG,    /* rates, durations, ratios of positive quantities */
} KtstrMetricScale;

typedef struct
{
  KtstrMetricId id;
  const char *name;
  KtstrPolarity polarity;
  double default_abs;
  double default_rel; /* fraction: 0.25 = 25 % */
  const char *unit;
  /* The sidecar field is an integer counter: averages are rounded to the
   * nearest integer, as the sidecar stores it in an integer field (and as
   * the Rust ktstr averages it, doc/compatibility.md). */
  gboolean is_integer;
  KtstrMetricScale scale;
  /* Coefficient of variation of the metric across trials of one test
   * configuration, as measured (see list-metrics): what `compare` assumes
   * when a side has one trial and cannot show its own noise.  NAN when it
   * could not be measured. */
  double typical_cv;
  /* Derived from sidecar fields a run may lack (vcpu_host): a row without
   * them has no value at all, not 0, and compare judges the metric only
   * where both sides have it (the Rust metrics read a missing value as 0,
   * as the Rust ktstr does). */
  gboolean is_derived;
} KtstrMetricDef;

/* Below this many iterations the p99/median tail ratio is noise: the
 * registry reads it as absent (then 0) rather than as the stored value. */
#define KTSTR_WAKE_LATENCY_TAIL_RATIO_MIN_ITERATIONS 100

const KtstrMetricDef *ktstr_metrics_get (KtstrMetricId id);
const KtstrMetricDef *ktstr_metrics_lookup (const char *name);
/* Comma-separated list of every metric name, in registry order. */
char *ktstr_metrics_names_joined (const char *separator);

/* `list-metrics` output (text table or JSON array), newline-terminated. */
char *ktstr_metrics_format_list (gboolean as_json);

G_END_DECLS

#endif
