/* The monitor's figures in ktstr-stats (src/monitor writes them into the
 * sidecar's "monitor" object; doc/stats-compare.md lists the metrics):
 *   - the values of the metrics ktstr adds to the Rust ktstr's registry
 *     (doc/compatibility.md), which has none for them (metrics.h, after
 *     its 19):
 *       avg_imbalance_ratio   monitor.avg_imbalance_ratio        lower better
 *       avg_dsq_depth         monitor.avg_local_dsq_depth        lower better
 *       run_delay_ms_per_s    monitor.schedstat_deltas.run_delay_rate / 1e6:
 *                             ms of runqueue wait per second, all CPUs
 *                             together                            lower better
 *       bpf_ns_per_call       total nsecs / total cnt of the scheduler's
 *                             struct_ops programs                 lower better
 *     each 0 without a monitor (or without the underlying delta), as the
 *     Rust registry reads its own monitor metrics;
 *   - the MONITOR section of the bare analysis: per test its sampler,
 *     samples, peak and average imbalance, deepest local DSQ, stall flag,
 *     the watchdog override and the monitor's violations. */
#ifndef KTSTR_STATS_MONITOR_STATS_H
#define KTSTR_STATS_MONITOR_STATS_H

#include <glib.h>

#include "record/sidecar.h"

G_BEGIN_DECLS

double ktstr_stats_monitor_avg_imbalance (const KtstrMonitorSummary *monitor);
double ktstr_stats_monitor_avg_dsq_depth (const KtstrMonitorSummary *monitor);
double ktstr_stats_monitor_run_delay_ms_per_s (const KtstrMonitorSummary *monitor);
double ktstr_stats_monitor_bpf_ns_per_call (const KtstrMonitorSummary *monitor);

/* "\n=== MONITOR ===\n..." for the sidecars that have a monitor summary;
 * "" when none has. */
char *ktstr_stats_format_monitor (GPtrArray *sidecars);

G_END_DECLS

#endif
