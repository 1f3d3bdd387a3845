/* Monitor samples: what one look at the guest kernel's scheduler state
 * yields, whoever took it.
 *
 * Every sampler (the host reading guest memory, the guest agent reading
 * its own /proc and debugfs files) produces the same KtstrMonitorSample:
 * per CPU the runqueue's nr_running, the sched_ext runqueue's nr_running,
 * the local DSQ depth, the runqueue clock and the sched_ext flags, plus
 * what the kernel offers on top (schedstat counters, sched_ext event
 * counters) and what the host knows (the CPU time of the vCPU thread).  A
 * sampler that cannot see a field says so in the sample's field mask, so
 * the evaluator never mistakes "unknown" for "zero".
 *
 * Samples also travel as JSON: one object per line in the raw series kept
 * beside the sidecar ({test}-{hash}.monitor.jsonl), so reports can plot
 * them.  This module is pure: no I/O, no threads. */
#ifndef KTSTR_MONITOR_SAMPLE_H
#define KTSTR_MONITOR_SAMPLE_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The monitor's errors: a malformed sample (a series line, a guest
 * message), or guest memory that does not hold the vmlinux's kernel. */
#define KTSTR_MONITOR_ERROR (ktstr_monitor_error_quark ())
GQuark ktstr_monitor_error_quark (void);

typedef enum
{
  KTSTR_MONITOR_ERROR_INVALID,      /* a sample that is not one */
  KTSTR_MONITOR_ERROR_GUEST_MEMORY, /* guest memory does not match the vmlinux */
  KTSTR_MONITOR_ERROR_UNAVAILABLE,  /* the host sampler cannot run (no vmlinux, no access) */
} KtstrMonitorError;

/* The runqueue schedstat counters (struct rq, CONFIG_SCHEDSTATS; the
 * cpuN lines of /proc/schedstat carry the same values). */
typedef struct
{
  guint64 run_delay; /* rq_sched_info.run_delay, ns */
  guint64 pcount;    /* rq_sched_info.pcount */
  guint32 yld_count;
  guint32 sched_count;
  guint32 sched_goidle;
  guint32 ttwu_count;
  guint32 ttwu_local;
} KtstrRqSchedstat;

/* The sched_ext event counters (SCX_EV_*), cumulative, where the kernel
 * has them (6.15 and later). */
#define KTSTR_SCX_EVENTS(X)                                                                        \
  X (select_cpu_fallback)                                                                          \
  X (dispatch_local_dsq_offline)                                                                   \
  X (dispatch_keep_last)                                                                           \
  X (enq_skip_exiting)                                                                             \
  X (enq_skip_migration_disabled)                                                                  \
  X (reenq_immed)                                                                                  \
  X (reenq_local_repeat)                                                                           \
  X (refill_slice_dfl)                                                                             \
  X (bypass_duration)                                                                              \
  X (bypass_dispatch)                                                                              \
  X (bypass_activate)                                                                              \
  X (insert_not_owned)                                                                             \
  X (sub_bypass_dispatch)

typedef struct
{
#define KTSTR_SCX_EVENT_FIELD(name) gint64 name;
  KTSTR_SCX_EVENTS (KTSTR_SCX_EVENT_FIELD)
#undef KTSTR_SCX_EVENT_FIELD
} KtstrScxEvents;

/* The event names in declaration order ("select_cpu_fallback", ...),
 * NULL-terminated, and each one's slot in a KtstrScxEvents. */
const char *const *ktstr_scx_event_names (void);
gint64 *ktstr_scx_events_slot (KtstrScxEvents *events, guint index);

typedef struct
{
  guint32 nr_running;      /* rq->nr_running */
  guint32 scx_nr_running;  /* rq->scx.nr_running */
  guint32 local_dsq_depth; /* rq->scx.local_dsq.nr */
  guint64 rq_clock;        /* rq->clock, ns; 0 = not sampled yet */
  guint32 scx_flags;       /* rq->scx.flags */
  gboolean has_schedstat;
  KtstrRqSchedstat schedstat;
  gboolean has_events;
  KtstrScxEvents events;
  /* CPU time of the host thread running this vCPU, for the preempted-vCPU
   * exemption; has_vcpu_time FALSE when the host could not read it. */
  gboolean has_vcpu_time;
  guint64 vcpu_time_ns;
} KtstrMonitorCpu;

/* Which per-CPU fields a sampler could see (others read as 0). */
typedef enum
{
  KTSTR_MONITOR_HAS_NR_RUNNING = 1 << 0,
  KTSTR_MONITOR_HAS_SCX_NR_RUNNING = 1 << 1,
  KTSTR_MONITOR_HAS_LOCAL_DSQ = 1 << 2,
  KTSTR_MONITOR_HAS_RQ_CLOCK = 1 << 3,
  KTSTR_MONITOR_HAS_SCX_FLAGS = 1 << 4,
} KtstrMonitorFields;

#define KTSTR_MONITOR_ALL_FIELDS                                                                   \
  (KTSTR_MONITOR_HAS_NR_RUNNING | KTSTR_MONITOR_HAS_SCX_NR_RUNNING | KTSTR_MONITOR_HAS_LOCAL_DSQ   \
   | KTSTR_MONITOR_HAS_RQ_CLOCK | KTSTR_MONITOR_HAS_SCX_FLAGS)

typedef struct
{
  guint64 elapsed_ms;        /* since the monitor started */
  gboolean is_scx_enabled;   /* a sched_ext scheduler was enabled */
  KtstrMonitorFields fields; /* what the sampler could see */
  guint n_cpus;
  KtstrMonitorCpu *cpus; /* n_cpus entries, owned */
} KtstrMonitorSample;

/* Zeroes SAMPLE and gives it N_CPUS zeroed CPUs. */
void ktstr_monitor_sample_init (KtstrMonitorSample *sample, guint n_cpus);
void ktstr_monitor_sample_clear (KtstrMonitorSample *sample);
void ktstr_monitor_sample_copy (KtstrMonitorSample *dest, const KtstrMonitorSample *src);

/* A GArray of KtstrMonitorSample that clears its elements. */
GArray *ktstr_monitor_samples_new (void);

/* max(nr_running) / max(1, min(nr_running)) over the CPUs: 1.0 without
 * CPUs, 0.0 when every CPU is idle. */
double ktstr_monitor_sample_imbalance (const KtstrMonitorSample *sample);

/* The deepest local DSQ of SAMPLE, and (CPU_OUT, may be NULL) on which
 * CPU; the lowest CPU wins a tie. */
guint32 ktstr_monitor_sample_max_dsq (const KtstrMonitorSample *sample, guint *cpu_out);

/* Sum of one event counter over the CPUs that have event counters;
 * FALSE when none has. */
gboolean ktstr_monitor_sample_event_sum (const KtstrMonitorSample *sample, guint event,
                                         gint64 *out);

/* --- JSON (one line of the raw series) --------------------------------- */

/* {"elapsed_ms":N,"scx_enabled":B,"cpus":[{"nr_running":N,...}, ...]};
 * fields the sampler could not see are left out. */
JsonNode *ktstr_monitor_sample_to_json (const KtstrMonitorSample *sample);

/* The inverse; FALSE with ERROR (KTSTR_MONITOR_ERROR_INVALID) naming the
 * first bad member. */
gboolean ktstr_monitor_sample_from_json (JsonNode *node, KtstrMonitorSample *out, GError **error);

/* Parses the guest agent's "mon" message (common/proto.h) into OUT.
 * FALSE with ERROR (KTSTR_MONITOR_ERROR_INVALID) when it is malformed. */
gboolean ktstr_monitor_sample_from_guest (JsonObject *msg, KtstrMonitorSample *out, GError **error);

G_END_DECLS

#endif
