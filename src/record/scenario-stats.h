/* Aggregated worker telemetry: the CgroupStats and ScenarioStats of the
 * sidecar schema (doc/sidecar-schema.md), their JSON form (field names and
 * order exactly as the schema, so the Rust ktstr and ktstr-stats read them), and
 * the scenario-level merge (worst of spread, gap, latency, run delay and
 * migration ratio; sums of counters). */
#ifndef KTSTR_SCENARIO_STATS_H
#define KTSTR_SCENARIO_STATS_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KTSTR_SCENARIO_STATS_ERROR (ktstr_scenario_stats_error_quark ())
GQuark ktstr_scenario_stats_error_quark (void);

typedef enum
{
  KTSTR_SCENARIO_STATS_ERROR_INVALID, /* not an object, or a cgroup entry that is not one */
} KtstrScenarioStatsError;

typedef struct
{
  char *name; /* not serialized in the schema; kept for reports */
  guint64 num_workers;
  guint64 num_cpus; /* distinct CPUs used */
  double avg_off_cpu_pct;
  double min_off_cpu_pct;
  double max_off_cpu_pct;
  double spread; /* max - min off-CPU % */
  guint64 max_gap_ms;
  guint64 max_gap_cpu;
  guint64 total_migrations;
  double migration_ratio; /* migrations / iterations */
  double p99_wake_latency_us;
  double median_wake_latency_us;
  double wake_latency_cv;
  guint64 total_iterations;
  double mean_run_delay_us;
  double worst_run_delay_us;
  double page_locality; /* 0..1; 1.0 when there are no pages */
  double cross_node_migration_ratio;
  double wake_latency_tail_ratio;
  double iterations_per_worker;
  GHashTable *ext_metrics; /* char* -> double*; NULL or empty = omitted */
} KtstrCgroupStats;

typedef struct
{
  GPtrArray *cgroups; /* KtstrCgroupStats*, owned */
  guint64 total_workers;
  guint64 total_cpus;
  guint64 total_migrations;
  double worst_spread;
  guint64 worst_gap_ms;
  guint64 worst_gap_cpu;
  double worst_migration_ratio;
  double worst_p99_wake_latency_us;
  double worst_median_wake_latency_us;
  double worst_wake_latency_cv;
  guint64 total_iterations;
  double worst_mean_run_delay_us;
  double worst_run_delay_us;
  double worst_page_locality;
  double worst_cross_node_migration_ratio;
  double worst_wake_latency_tail_ratio;
  double worst_iterations_per_worker;
  GHashTable *ext_metrics; /* char* -> double*; NULL or empty = omitted */
} KtstrScenarioStats;

KtstrCgroupStats *ktstr_cgroup_stats_new (void);
void ktstr_cgroup_stats_free (KtstrCgroupStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCgroupStats, ktstr_cgroup_stats_free)

KtstrScenarioStats *ktstr_scenario_stats_new (void);
void ktstr_scenario_stats_free (KtstrScenarioStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrScenarioStats, ktstr_scenario_stats_free)

/* Appends CG (taking ownership) and folds it into the scenario totals. */
void ktstr_scenario_stats_add_cgroup (KtstrScenarioStats *stats, KtstrCgroupStats *cg);

/* JSON in schema order.  from_json is tolerant: missing numeric keys read as
 * 0, unknown keys are ignored; it fails only when NODE is not an object. */
JsonNode *ktstr_scenario_stats_to_json (const KtstrScenarioStats *stats);
KtstrScenarioStats *ktstr_scenario_stats_from_json (JsonNode *node, GError **error);

G_END_DECLS

#endif
