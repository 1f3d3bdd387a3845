/* Aggregation: the worker reports of one cgroup folded into the
 * KtstrCgroupStats of the sidecar schema (doc/sidecar-schema.md,
 * doc/checks.md).
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
 *   page_locality    per worker, the fraction of its numa_pages on the NUMA
 *                    nodes the cgroup's cpuset spans (1.0 for a worker with
 *                    no pages); the cgroup's value is the WORST (lowest)
 *                    worker.  min_page_locality is a per-worker rule
 *                    (doc/checks.md), so the worst worker is the
 *                    one value for which "stat >= floor" means "every worker
 *                    passes"; a mean would let one remote worker hide behind
 *                    local ones.  ktstr_aggregate_cgroup leaves 1.0 (it does
 *                    not know the topology); ktstr_aggregate_page_locality
 *                    sets it.
 *   cross_node_migration_ratio
 *                    max over workers of vmstat_numa_pages_migrated, divided
 *                    by the sum of the workers' numa_pages; 0 without pages.
 *                    The vmstat counter is system-wide, so workers running
 *                    together each see the same migrations: summing them
 *                    would count each migration once per worker.
 *
 * Scenario-level folding (worst-of, sums) is ktstr_scenario_stats_add_cgroup. */
#ifndef KTSTR_AGGREGATE_H
#define KTSTR_AGGREGATE_H

#include <glib.h>

#include "eval/report.h"
#include "record/scenario-stats.h"

G_BEGIN_DECLS

/* REPORTS: KtstrWorkerReport*, the workers of cgroup NAME (may be empty). */
KtstrCgroupStats *ktstr_aggregate_cgroup (const char *name, GPtrArray *reports);

/* The NUMA node ids (ascending) with at least one CPU of CPUSET, a kernel
 * CPU list; NULL or "" is every CPU.  TOPO's numa groups are taken as
 * nodes 0, 1, ... in order (the guest lists them by ascending id, and
 * QEMU numbers them densely).  NULL when TOPO is NULL or has no nodes, or
 * CPUSET does not parse: the nodes are unknown. */
GArray *ktstr_cpuset_numa_nodes (const KtstrGuestTopo *topo, const char *cpuset);

/* W's pages on NODES (guint node ids) over its total pages; 1.0 when W
 * has no pages or NODES is NULL (unknown: nothing counts as remote). */
double ktstr_worker_page_locality (const KtstrWorkerReport *w, GArray *nodes);

/* Sets CG->page_locality to the lowest ktstr_worker_page_locality of
 * REPORTS (1.0 when there are none). */
void ktstr_aggregate_page_locality (KtstrCgroupStats *cg, GPtrArray *reports, GArray *nodes);

/* Nearest-rank index of percentile PCT (0 < PCT <= 100) in N sorted
 * samples: ceil(N * PCT / 100) - 1.  N must be > 0. */
guint ktstr_percentile_index (guint n, guint pct);

G_END_DECLS

#endif
