/* The monitor's summary of a run: the sidecar's "monitor" object, in Rust
 * ktstr's MonitorSummary schema, computed from the sample series.
 *
 *   total_samples         every sample taken
 *   max_imbalance_ratio   peak of max(nr_running)/max(1, min(nr_running)),
 *                         never below 1.0
 *   max_local_dsq_depth   deepest local DSQ of any CPU in any sample
 *   stall_detected        some CPU was stuck (evaluate.h) between two
 *                         consecutive valid samples
 *   avg_imbalance_ratio   mean over the valid samples
 *   avg_nr_running, avg_local_dsq_depth
 *                         means over every CPU reading of the valid samples
 *   event_deltas          (only when samples carry sched_ext event counters)
 *                         last minus first, summed over CPUs, rates per
 *                         second of that span, the largest one-interval
 *                         burst of select_cpu fallbacks
 *   schedstat_deltas      (only with runqueue schedstats) the same for the
 *                         schedstat counters
 *   prog_stats_deltas     (only with struct_ops programs) per program, the
 *                         calls and run time between the first and last
 *                         reading, and ns per call
 * A sample is valid when it has CPUs and no local DSQ beyond
 * KTSTR_MONITOR_DSQ_CEILING.  Counter deltas never go below zero (a
 * counter can restart with its scheduler). */
#ifndef KTSTR_MONITOR_SUMMARY_H
#define KTSTR_MONITOR_SUMMARY_H

#include <glib.h>

#include "monitor/sample.h"
#include "record/sidecar.h"

G_BEGIN_DECLS

/* A struct_ops program's cumulative run statistics (bpf_stats_enabled). */
typedef struct
{
  char *name;
  guint64 cnt;   /* run_cnt */
  guint64 nsecs; /* run_time_ns */
} KtstrMonitorProgStat;

KtstrMonitorProgStat *ktstr_monitor_prog_stat_new (const char *name, guint64 cnt, guint64 nsecs);
void ktstr_monitor_prog_stat_free (KtstrMonitorProgStat *stat);

/* The summary of SAMPLES (KtstrMonitorSample, in time order), NULL when
 * there are none.  PROG_FIRST / PROG_LAST (KtstrMonitorProgStat*, may be
 * NULL) are the program statistics at the start and the end of the
 * window; prog_stats_deltas lists the programs of PROG_LAST. */
KtstrMonitorSummary *ktstr_monitor_summarize (const GArray *samples,
                                              guint64 preemption_threshold_ns,
                                              const GPtrArray *prog_first,
                                              const GPtrArray *prog_last);

G_END_DECLS

#endif
