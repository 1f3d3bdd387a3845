/* What the guest agent said during one VM run: the control-channel lines
 * (common/proto.h) parsed as they arrive. */
#ifndef KTSTR_SESSION_H
#define KTSTR_SESSION_H

#include <glib.h>

#include "eval/report.h"
#include "sched/sched-record.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean has_hello;
  gint64 hello_us;      /* monotonic time the hello arrived */
  char *guest_kernel;   /* uname release the agent reported */
  KtstrGuestTopo *topo; /* NULL until "topo" */
  GPtrArray *cgroups;   /* KtstrCgroupInfo*, in creation order */
  GPtrArray *workers;   /* KtstrWorkerReport* */
  GPtrArray *stimuli;   /* KtstrStimulusEvent* */
  GPtrArray *errors;    /* char*: "error" messages from the agent */
  /* The agent's guard timer fired: its message (also in errors), and
   * whether the scheduler had died before it (the guard kills it too). */
  char *guard_error;
  gboolean was_sched_dead_at_guard;
  GPtrArray *logs; /* char*: "log" lines, "src: msg" */
  /* char*: the msg of each "log" line of src "tracer" (auto-repro's
   * recorder, run/auto-repro.h), kept apart from logs so that the
   * scheduler's and kernel's lines do not crowd them out. */
  GPtrArray *tracer_lines;
  GPtrArray *bad_lines; /* char*: lines that broke the protocol, with why */
  GPtrArray *payloads;  /* KtstrPayloadResult*, in the order they ended */
  gboolean is_done;
  /* The agent's own CPU time from ScenarioStart to ScenarioEnd and that
   * span, from "done" (has_agent_cpu FALSE when the agent sent none). */
  gboolean has_agent_cpu;
  guint64 agent_cpu_ns;
  guint64 agent_span_ms;
  KtstrSchedRecord *sched; /* the scheduler under test; never NULL */
  /* Bounds on an untrusted guest (common/proto.h): the control bytes
   * taken so far; after KTSTR_PROTO_SESSION_MAX the lines and bytes
   * dropped (is_flooded); the bad lines, logs and errors past
   * KTSTR_SESSION_KEEP_MAX that were counted, not kept. */
  guint64 bytes_fed;
  gboolean is_flooded;
  guint64 lines_dropped;
  guint64 bytes_dropped;
  guint64 bad_lines_dropped;
  guint64 logs_dropped;
  guint64 tracer_lines_dropped;
  guint64 errors_dropped;
  /* The run's monitor (borrowed, may be NULL): "mon" and "progstat"
   * messages go there (monitor/monitor.h). */
  struct _KtstrMonitor *monitor;
  /* The host's account of the VM's vCPU threads from ScenarioStart to
   * ScenarioEnd: the runner reads the backend's KtstrVcpuTime as each of
   * those lines arrives and stores the difference here (the sidecar's
   * vcpu_host).  has_vcpu_host FALSE when either reading failed. */
  gboolean has_vcpu_host;
  guint vcpu_host_threads;
  guint64 vcpu_host_span_ms;
  guint64 vcpu_host_run_ns;
  guint64 vcpu_host_wait_ns;
} KtstrSession;

/* How many bad lines, log lines and errors a session keeps (each); the
 * rest are counted.  A log line or error is kept up to
 * KTSTR_SESSION_TEXT_MAX bytes, a bad line's start up to 200. */
#define KTSTR_SESSION_KEEP_MAX 200
#define KTSTR_SESSION_TEXT_MAX 4096

KtstrSession *ktstr_session_new (void);
void ktstr_session_free (KtstrSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrSession, ktstr_session_free)

/* Feeds one control line; never fails (bad lines are recorded, within the
 * bounds above). */
void ktstr_session_feed (KtstrSession *session, const char *line);

/* The cpuset the agent reported for CGROUP ("" = all CPUs), or NULL. */
const char *ktstr_session_cgroup_cpuset (const KtstrSession *session, const char *cgroup);

G_END_DECLS

#endif
