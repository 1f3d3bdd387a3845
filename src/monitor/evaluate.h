/* The monitor's thresholds and how a series of samples is judged against
 * them.  One set of rules serves both uses: the verdict after the run
 * (ktstr_monitor_evaluate) and the watch during it that asks the guest for
 * a sched_ext dump the moment a violation has lasted long enough
 * (KtstrMonitorWatch).  Both walk the samples through the same trackers,
 * so the dump is never asked for on a state the verdict would accept.
 *
 * The rules (doc/monitor.md; the Rust ktstr's, doc/compatibility.md):
 *   - Only samples taken while a sched_ext scheduler was enabled count;
 *     without one (EEVDF) nothing is judged.
 *   - When more than KTSTR_MONITOR_WARMUP_SAMPLES remain, the first that
 *     many are dropped: while the scheduler settles in, a tick can be late
 *     for hundreds of milliseconds without anything being wrong.
 *   - Validity guards: a local DSQ deeper than KTSTR_MONITOR_DSQ_CEILING,
 *     or the same runqueue clock on every CPU in every sample, means the
 *     memory read was not a live kernel's; nothing is judged
 *     ("inconclusive").
 *   - Each check must hold for sustained_samples consecutive samples
 *     (imbalance, DSQ depth) or intervals (stall, per CPU; event rates).
 *   - imbalance: max(nr_running) / max(1, min(nr_running)) over the CPUs
 *     above max_imbalance_ratio.
 *   - DSQ depth: any CPU's local DSQ deeper than max_local_dsq_depth.
 *   - stall (fail_on_stall): a CPU whose runqueue clock is non-zero and
 *     did not move between two samples, unless it was idle in both
 *     (nr_running 0: with NO_HZ the tick stops) or its vCPU was preempted
 *     (the host thread ran less than 10 ticks of CPU time in between, so
 *     the guest could not have ticked).
 *   - fallback / keep-last rate: the per-interval rate of the summed
 *     select_cpu_fallback / dispatch_keep_last counters above
 *     max_fallback_rate / max_keep_last_rate (events per second).
 * Limits are exclusive: a value equal to its threshold passes. */
#ifndef KTSTR_MONITOR_EVALUATE_H
#define KTSTR_MONITOR_EVALUATE_H

#include <glib.h>

#include "monitor/sample.h"

G_BEGIN_DECLS

#define KTSTR_MONITOR_INTERVAL_MS 100
#define KTSTR_MONITOR_WARMUP_SAMPLES 20
#define KTSTR_MONITOR_DSQ_CEILING 10000
/* A vCPU counts as preempted when its thread ran less than this many
 * guest ticks of CPU time between two samples. */
#define KTSTR_MONITOR_PREEMPT_TICKS 10
/* The guest's HZ when it cannot be read: the longest common tick, so
 * the preemption exemption errs towards "preempted", never towards a
 * false stall. */
#define KTSTR_MONITOR_DEFAULT_HZ 250

typedef struct
{
  double max_imbalance_ratio;
  guint32 max_local_dsq_depth;
  gboolean fail_on_stall;
  guint sustained_samples;
  double max_fallback_rate;  /* events/s */
  double max_keep_last_rate; /* events/s */
  guint64 preemption_threshold_ns;
} KtstrMonitorThresholds;

/* The defaults (the Rust ktstr's, doc/compatibility.md): 4.0, 50, stall
 * on, 5 samples, 200/s, 100/s, and the preemption threshold for
 * KTSTR_MONITOR_DEFAULT_HZ. */
KtstrMonitorThresholds ktstr_monitor_thresholds_default (void);

/* KTSTR_MONITOR_PREEMPT_TICKS ticks at HZ, in ns (HZ 0: the default). */
guint64 ktstr_monitor_preemption_threshold_ns (guint hz);

typedef enum
{
  KTSTR_MONITOR_VIOLATION_IMBALANCE,
  KTSTR_MONITOR_VIOLATION_DSQ_DEPTH,
  KTSTR_MONITOR_VIOLATION_STALL,
  KTSTR_MONITOR_VIOLATION_FALLBACK_RATE,
  KTSTR_MONITOR_VIOLATION_KEEP_LAST_RATE,
} KtstrMonitorViolationKind;

typedef struct
{
  KtstrMonitorViolationKind kind;
  gint cpu;     /* the CPU (stall, DSQ depth), -1 for system-wide checks */
  double value; /* the value when the run reached its longest */
  double threshold;
  guint run;        /* consecutive samples (or intervals) in violation */
  guint64 start_ms; /* elapsed_ms of the run's first and last sample */
  guint64 end_ms;
} KtstrMonitorViolation;

/* "imbalance", "local_dsq_depth", "stall", "fallback_rate", "keep_last_rate". */
const char *ktstr_monitor_violation_kind_to_string (KtstrMonitorViolationKind kind);

/* One line with the CPU, the values, the threshold and the time, e.g.
 * "monitor: rq_clock stall on cpu1 for 5 consecutive intervals
 * (+2300..+2800 ms, clock 5246014388 ns)". */
char *ktstr_monitor_violation_describe (const KtstrMonitorViolation *v);

/* TRUE when CURR shows CPU stuck since PREV (see the rules above);
 * FIELDS: what both samples could see (no clock: never stuck). */
gboolean ktstr_monitor_cpu_is_stuck (const KtstrMonitorCpu *prev, const KtstrMonitorCpu *curr,
                                     KtstrMonitorFields fields, guint64 preemption_threshold_ns);

typedef enum
{
  KTSTR_MONITOR_EVAL_PASS,
  KTSTR_MONITOR_EVAL_FAIL,
  KTSTR_MONITOR_EVAL_INCONCLUSIVE,   /* a validity guard tripped; nothing judged */
  KTSTR_MONITOR_EVAL_NOT_APPLICABLE, /* no sample with a sched_ext scheduler enabled */
} KtstrMonitorEvalOutcome;

typedef struct
{
  KtstrMonitorEvalOutcome outcome;
  char *reason;       /* why, for INCONCLUSIVE and NOT_APPLICABLE */
  GArray *violations; /* KtstrMonitorViolation, in check order; never NULL */
  guint n_judged;     /* samples judged (after the warm-up drop) */
  guint n_dropped;    /* warm-up samples dropped */
} KtstrMonitorEval;

void ktstr_monitor_eval_free (KtstrMonitorEval *eval);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitorEval, ktstr_monitor_eval_free)

/* Judges SAMPLES (KtstrMonitorSample, in time order) against T. */
KtstrMonitorEval *ktstr_monitor_evaluate (const GArray *samples, const KtstrMonitorThresholds *t);

/* The watch during the run: fed every sample as it is taken, it reports
 * the first sustained imbalance, DSQ depth or stall violation once.
 * Samples without a sched_ext scheduler enabled reset it; the first
 * KTSTR_MONITOR_WARMUP_SAMPLES with one are not judged (the verdict drops
 * them too whenever the run is long enough to judge at all). */
typedef struct _KtstrMonitorWatch KtstrMonitorWatch;

KtstrMonitorWatch *ktstr_monitor_watch_new (const KtstrMonitorThresholds *t);
void ktstr_monitor_watch_free (KtstrMonitorWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitorWatch, ktstr_monitor_watch_free)

/* TRUE exactly once: when SAMPLE completes the first sustained
 * violation, described in *OUT. */
gboolean ktstr_monitor_watch_feed (KtstrMonitorWatch *watch, const KtstrMonitorSample *sample,
                                   KtstrMonitorViolation *out);

G_END_DECLS

#endif
