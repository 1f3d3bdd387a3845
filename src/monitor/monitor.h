/* The monitor of one VM run: the runner's single entry point to src/monitor.
 *
 * It samples the guest kernel's scheduler state every 100 ms from the
 * agent's hello to its "done", through one of two samplers:
 *   host   a thread reading the guest's RAM (the backend shares it) with
 *          the vmlinux's symbols and BTF (host-sampler.h); the guest runs
 *          nothing for it.  Also drives the watchdog override.
 *   guest  the agent reads its own /proc/schedstat and sched debugfs and
 *          sends "mon" lines (common/proto.h): for kernels without a
 *          vmlinux, or when the host sampler cannot attach.
 * Every sample goes through the watch (evaluate.h); on the first sustained
 * violation while a sched_ext scheduler is enabled it asks the agent for
 * the sched_ext dump (SysRq-D), whose lines reach the failure report.
 *
 * After the VM ended: the samples (the raw series for the
 * .monitor.jsonl), the summary for the sidecar, the verdict against the
 * thresholds, and the report's --- monitor --- section. */
#ifndef KTSTR_MONITOR_MONITOR_H
#define KTSTR_MONITOR_MONITOR_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "eval/checks.h"
#include "monitor/evaluate.h"
#include "monitor/guest-mem.h"
#include "monitor/kernel-layout.h"
#include "monitor/sample.h"
#include "record/sidecar.h"

G_BEGIN_DECLS

typedef enum
{
  KTSTR_MONITOR_SAMPLER_NONE,  /* nothing sampled (yet) */
  KTSTR_MONITOR_SAMPLER_HOST,  /* "host-memory" */
  KTSTR_MONITOR_SAMPLER_GUEST, /* "guest" */
} KtstrMonitorSamplerKind;

/* What `ktstr test --monitor` asks for. */
typedef enum
{
  KTSTR_MONITOR_MODE_AUTO = 0, /* host when a vmlinux is known, else guest */
  KTSTR_MONITOR_MODE_HOST,     /* host, or the run fails to start */
  KTSTR_MONITOR_MODE_GUEST,    /* the guest samples, even with a vmlinux */
  KTSTR_MONITOR_MODE_OFF,      /* nothing is sampled; "monitor": null */
} KtstrMonitorMode;

/* "auto", "host", "guest" or "off"; FALSE for anything else. */
gboolean ktstr_monitor_mode_parse (const char *text, KtstrMonitorMode *mode);

/* The monitor's thresholds from merged checks (unset ones keep their
 * defaults), with the preemption threshold for the guest's HZ (0:
 * unknown). */
KtstrMonitorThresholds ktstr_monitor_thresholds_from_checks (const KtstrChecks *checks, guint hz);

/* The host -> guest commands (common/proto.h). */
#define KTSTR_MONITOR_CMD_GUEST_START "monitor start"
#define KTSTR_MONITOR_CMD_SYSRQ_DUMP "sysrq D"

typedef struct
{
  KtstrMonitorThresholds thresholds;
  /* The sched_ext watchdog timeout to impose (host sampler only); 0
   * leaves the scheduler's own. */
  guint64 watchdog_timeout_ms;
  /* The kernel's layout (borrowed, outlives the monitor); NULL: no
   * vmlinux, the guest samples. */
  const KtstrKernelLayout *layout;
  guint interval_ms; /* 0: KTSTR_MONITOR_INTERVAL_MS */
  guint n_cpus;      /* the guest's CPUs */
  guint hz;          /* the guest kernel's HZ, 0 when unknown */
} KtstrMonitorOptions;

typedef struct _KtstrMonitor KtstrMonitor;

KtstrMonitor *ktstr_monitor_new (const KtstrMonitorOptions *options);
/* Stops the sampler thread if it still runs. */
void ktstr_monitor_free (KtstrMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitor, ktstr_monitor_free)

/* What the VM's backend offers the monitor (the runner fills it in from
 * backends/backend.h): guest RAM as mapped in this process (regions of
 * KtstrGuestRamRegion; NULL or empty when the RAM is not shared), and the
 * process and thread ids of the vCPUs (int per vCPU; may be NULL). */
typedef struct
{
  GArray *regions;
  int pid;
  GArray *vcpu_tids;
} KtstrMonitorGuest;

/* Writes LINE to the guest agent's control channel, from any thread. */
typedef void (*KtstrMonitorSendFunc) (const char *line, gpointer user_data);

/* The guest agent said hello: sampling starts.  GUEST is copied; the
 * memory it names and SEND stay valid until ktstr_monitor_stop.  Tries
 * the host sampler when a layout was given; otherwise, or when it cannot
 * attach, asks the agent to sample. */
void ktstr_monitor_begin (KtstrMonitor *monitor, const KtstrMonitorGuest *guest,
                          KtstrMonitorSendFunc send, gpointer send_data);

/* The scenario started now (for the timeline's time base). */
void ktstr_monitor_mark_scenario_start (KtstrMonitor *monitor);

/* A "mon" message from the guest sampler. */
void ktstr_monitor_feed_guest (KtstrMonitor *monitor, JsonObject *message);

/* A "progstat" message: a struct_ops program's run count and time, at
 * the start ("when":"ready") or the end ("when":"stop") of the window. */
void ktstr_monitor_feed_prog_stat (KtstrMonitor *monitor, JsonObject *message);

/* Sampling ends (the agent said done, or the VM ended); idempotent.  Must
 * be called before the VM is cleaned up. */
void ktstr_monitor_stop (KtstrMonitor *monitor);

/* --- after the run ------------------------------------------------------ */

KtstrMonitorSamplerKind ktstr_monitor_get_sampler (KtstrMonitor *monitor);
/* Why the host sampler was not used, or NULL. */
const char *ktstr_monitor_get_note (KtstrMonitor *monitor);
/* KtstrMonitorSample, in time order. */
const GArray *ktstr_monitor_get_samples (KtstrMonitor *monitor);

/* The first sustained violation seen while the run went on (for which the
 * dump was asked), or NULL. */
const KtstrMonitorViolation *ktstr_monitor_get_dump_trigger (KtstrMonitor *monitor);

/* The sidecar's "monitor" object (with the sampler and, when asked for,
 * the watchdog override), NULL when no sample was taken. */
KtstrMonitorSummary *ktstr_monitor_summarize_run (KtstrMonitor *monitor);

/* The verdict: NOT_APPLICABLE unless a sched_ext scheduler ran. */
KtstrMonitorEval *ktstr_monitor_evaluate_run (KtstrMonitor *monitor);

/* Milliseconds since the scenario started for monitor time MS (the
 * timeline's base; monitor time when the start is unknown). */
gint64 ktstr_monitor_to_scenario_ms (KtstrMonitor *monitor, guint64 ms);

/* ktstr_monitor_violation_describe with V's times on the scenario's
 * clock. */
char *ktstr_monitor_describe (KtstrMonitor *monitor, const KtstrMonitorViolation *v);

/* The report's --- monitor --- section (EVAL may be NULL). */
char *ktstr_monitor_format_section (KtstrMonitor *monitor, const KtstrMonitorEval *eval);

/* Writes the raw series to PATH atomically: a header line, then one JSON
 * object per sample. */
gboolean ktstr_monitor_write_series (KtstrMonitor *monitor, const char *path, GError **error);

G_END_DECLS

#endif
