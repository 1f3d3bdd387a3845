/* Host-side view of what the guest agent reports (common/proto.h):
 * KtstrWorkerReport from a "worker" line, KtstrCgroupInfo from a "cgroup"
 * line and KtstrGuestTopo from the "topo" line.
 *
 * Parsing is strict: every key the protocol lists must be present with its
 * JSON type (integers must be whole and non-negative), so a guest/host
 * version skew fails with a message naming the key instead of silently
 * reading as zeros.  Unknown keys are ignored, so the guest may add fields
 * ahead of the host.
 *
 * A cgroup message's cpuset is checked as a CPU list (util/cpulist.h). */
#ifndef KTSTR_REPORT_H
#define KTSTR_REPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KTSTR_REPORT_ERROR (ktstr_report_error_quark ())
GQuark ktstr_report_error_quark (void);

typedef enum
{
  KTSTR_REPORT_ERROR_MISSING_KEY,   /* a required key is absent (message names it) */
  KTSTR_REPORT_ERROR_WRONG_TYPE,    /* a key has the wrong JSON type or sign */
  KTSTR_REPORT_ERROR_INVALID_VALUE, /* right type, impossible value (bad cpulist, "t" mismatch) */
} KtstrReportError;

/* One worker, after it stopped: the "worker" message of common/proto.h;
 * doc/checks.md says what the fields measure. */
typedef struct
{
  char *cgroup;
  guint index;     /* worker index within its cgroup */
  char *work_type; /* PascalCase, e.g. "CpuSpin" */
  guint pid;
  guint64 work_units;
  guint64 iterations;
  guint64 cpu_time_ns;
  guint64 wall_time_ns;
  guint64 off_cpu_ns;
  guint64 migration_count;
  GArray *cpus_used; /* guint, sorted ascending, no duplicates */
  guint64 max_gap_ms;
  guint max_gap_cpu;
  guint64 max_gap_at_ms; /* since the worker started */
  guint64 run_delay_ns;  /* schedstat: time runnable but waiting */
  guint64 run_count;     /* schedstat: times picked to run */
  guint64 schedstat_cpu_ns;
  guint64 wake_sample_total; /* every sample seen, including dropped ones */
  GArray *lat_ns;            /* guint64, the reservoir as sent */
  gboolean completed;
  char *exit_info; /* "ok" | "exited:N" | "signaled:N" | "timeout" */
  /* Optional keys (older agents omit them; so does an agent that could
   * not read the file):
   *   numa_pages  {"node": pages} from /proc/self/numa_maps at the end of
   *               the run, here guint64 indexed by node id (absent nodes 0);
   *               has_numa_pages FALSE when the key is absent.
   *   vmstat_numa_pages_migrated  system-wide /proc/vmstat delta over the
   *               run; has_numa_migrated FALSE when absent. */
  gboolean has_numa_pages;
  GArray *numa_pages;
  gboolean has_numa_migrated;
  guint64 numa_migrated;
} KtstrWorkerReport;

/* Sum of a report's numa_pages. */
guint64 ktstr_worker_report_total_pages (const KtstrWorkerReport *report);

KtstrWorkerReport *ktstr_worker_report_new (void);
void ktstr_worker_report_free (KtstrWorkerReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrWorkerReport, ktstr_worker_report_free)

/* Parses a "worker" message.  A "t" key, when present, must be "worker". */
KtstrWorkerReport *ktstr_worker_report_from_json (JsonObject *obj, GError **error);

/* A "cgroup" message: the cgroup the agent created and its effective
 * cpuset ("" = every CPU).  The cpuset is validated as a CPU list. */
typedef struct
{
  char *name;
  char *cpuset;
} KtstrCgroupInfo;

void ktstr_cgroup_info_free (KtstrCgroupInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCgroupInfo, ktstr_cgroup_info_free)

KtstrCgroupInfo *ktstr_cgroup_info_from_json (JsonObject *obj, GError **error);

/* The "topo" message: what the guest kernel sees. */
typedef struct
{
  guint cpus;
  GPtrArray *llcs; /* GArray* of guint, one per LLC group */
  GPtrArray *numa; /* GArray* of guint, one per NUMA node */
  guint smt;       /* threads per core */
} KtstrGuestTopo;

KtstrGuestTopo *ktstr_guest_topo_new (void);
void ktstr_guest_topo_free (KtstrGuestTopo *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrGuestTopo, ktstr_guest_topo_free)

KtstrGuestTopo *ktstr_guest_topo_from_json (JsonObject *obj, GError **error);

G_END_DECLS

#endif
