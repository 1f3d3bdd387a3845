/* Aggregation: the worker reports of one cgroup folded into the
 * KtstrCgroupStats of the sidecar schema (ktstr-features.md §3.2,
 * ktstr-internals.md §3.4).
 *
 *   off-CPU %        off_cpu_ns / wall_time_ns * 100, over workers with
 *                    wall time > 0; avg, min, max and spread = max - min
 *   max_gap_ms/cpu   from the worker with the longest gap (first on a tie)
 *   num_cpus         size of the union of every worker's cpus_used
 *   migration_ratio  sum(migrations) / sum(iterations), 0 without iterations
 *   wake latency     all workers' samples pooled and sorted (nearest rank):
 *                    p99 = element ceil(n*0.99)-1, median = element n/2,
 *                    CV = population stddev / mean, tail = p99 / median;
 *                    reported in microseconds, 0 without samples
 *   run delay        mean and max over workers of each worker's schedstat
 *                    run_delay_ns, in microseconds (see aggregate.c for why
 *                    this is the total per worker, not the delay per run)
 *   NUMA             page_locality 1.0 and cross_node_migration_ratio 0.0:
 *                    workers do not measure pages yet
 *
 * Scenario-level folding (worst-of, sums) is ktstr_scenario_stats_add_cgroup. */
#ifndef KTSTR_AGGREGATE_H
#define KTSTR_AGGREGATE_H

#include <glib.h>

#include "report.h"
#include "scenario-stats.h"

G_BEGIN_DECLS

/* REPORTS: KtstrWorkerReport*, the workers of cgroup NAME (may be empty). */
KtstrCgroupStats *ktstr_aggregate_cgroup (const char *name, GPtrArray *reports);

/* Nearest-rank index of percentile PCT (0 < PCT <= 100) in N sorted
 * samples: ceil(N * PCT / 100) - 1.  N must be > 0. */
guint ktstr_percentile_index (guint n, guint pct);

G_END_DECLS

#endif
