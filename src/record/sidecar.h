/* Sidecars: the per-test JSON record of one run (doc/sidecar-schema.md).  The runner writes one per
 * test (pass, fail or skip) into the run directory (see rundir.h); ktstr-stats loads them back.
 *
 * Writer: every schema field is always emitted, in schema order (null for
 * an absent value, [] for an empty list), pretty-printed, followed by the
 * fields of our own at the end: `accel` ("kvm"/"tcg"/null), `verdict`
 * (why the test did not pass: {"summary", "report"}, null on a pass),
 * `scheduler_exit` (object or null), then `trial` (1-based) only for a
 * trial of a repeated run (`ktstr test --repeat`), `wall_ms`, then
 * `auto_repro` only when `--auto-repro` booted a second, traced run.  The Rust schema has no
 * failure-details field; ours are additive, so its readers ignore them.
 * Reader: a missing nullable key reads as absent, a missing required key is
 * an error naming it, unknown keys are ignored, the legacy key `source` is
 * NOT read as `run_source`.  Files written by the Rust ktstr load, and it
 * loads ours (doc/compatibility.md). */
#ifndef KTSTR_SIDECAR_H
#define KTSTR_SIDECAR_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "record/hostctx.h"
#include "record/scenario-stats.h"

G_BEGIN_DECLS

#define KTSTR_SIDECAR_ERROR (ktstr_sidecar_error_quark ())
GQuark ktstr_sidecar_error_quark (void);

typedef enum
{
  KTSTR_SIDECAR_ERROR_PARSE,         /* not JSON, or the top level is not an object */
  KTSTR_SIDECAR_ERROR_MISSING_FIELD, /* a required key is absent (message names it) */
  KTSTR_SIDECAR_ERROR_INVALID_FIELD, /* a key has the wrong type or an unknown enum value */
  KTSTR_SIDECAR_ERROR_IO,            /* reading, writing or listing failed */
} KtstrSidecarError;

/* Payload metric polarity: "HigherBetter" | "LowerBetter" |
 * {"TargetValue": x} | "Unknown": a variant is its name as a string, or an
 * object of its name when it carries a value (doc/sidecar-schema.md). */
typedef enum
{
  KTSTR_PAYLOAD_POLARITY_HIGHER_BETTER,
  KTSTR_PAYLOAD_POLARITY_LOWER_BETTER,
  KTSTR_PAYLOAD_POLARITY_TARGET_VALUE,
  KTSTR_PAYLOAD_POLARITY_UNKNOWN,
} KtstrPayloadPolarity;

typedef enum
{
  KTSTR_PAYLOAD_SOURCE_JSON,        /* "Json" */
  KTSTR_PAYLOAD_SOURCE_LLM_EXTRACT, /* "LlmExtract" */
} KtstrPayloadSource;

typedef enum
{
  KTSTR_PAYLOAD_STREAM_STDOUT,      /* "Stdout" */
  KTSTR_PAYLOAD_STREAM_STDERR,      /* "Stderr" */
  KTSTR_PAYLOAD_STREAM_SYNTHESIZED, /* "Synthesized" */
} KtstrPayloadStream;

typedef struct
{
  char *name; /* JSON leaf path, e.g. "jobs.0.read.iops" */
  double value;
  KtstrPayloadPolarity polarity;
  double target_value; /* only for KTSTR_PAYLOAD_POLARITY_TARGET_VALUE */
  char *unit;
  KtstrPayloadSource source;
  KtstrPayloadStream stream;
} KtstrPayloadMetric;

typedef struct
{
  guint64 payload_index;
  GPtrArray *metrics; /* KtstrPayloadMetric*, owned */
  gint32 exit_code;
} KtstrPayloadMetrics;

typedef struct
{
  guint64 total_samples;
  double max_imbalance_ratio;
  guint32 max_local_dsq_depth;
  gboolean stall_detected;
  double avg_imbalance_ratio;
  double avg_nr_running;
  double avg_local_dsq_depth;
  /* Optional sub-objects, kept verbatim so they round-trip; NULL = key
   * omitted on write.  event_deltas / schedstat_deltas are objects,
   * prog_stats_deltas an array of {name, cnt, nsecs, nsecs_per_call}. */
  JsonNode *event_deltas;
  JsonNode *schedstat_deltas;
  JsonNode *prog_stats_deltas;
  /* Ours, after the Rust fields, each key omitted when NULL: which sampler
   * ran ("host-memory" / "guest"), and the sched_ext watchdog override
   * ({"requested_ms", "requested_jiffies", "read_back_jiffies", "note"?}). */
  char *sampler;
  JsonNode *watchdog_timeout;
} KtstrMonitorSummary;

typedef struct
{
  guint64 elapsed_ms; /* since scenario start */
  char *label;        /* "ScenarioStart", "StepStart[0]", ... */
  char *op_kind;      /* NULL = absent */
  char *detail;       /* NULL = absent */
  gboolean has_total_iterations;
  guint64 total_iterations;
} KtstrStimulusEvent;

typedef struct
{
  char *name;
  guint32 verified_insns;
} KtstrVerifierStat;

typedef struct
{
  /* One GHashTable per vCPU: char* stat name -> guint64* value (both owned).
   * Serialized with keys sorted. */
  GPtrArray *per_vcpu;
} KtstrKvmStats;

typedef struct
{
  char *test_name;        /* required */
  char *topology;         /* required, e.g. "1n2l4c1t" */
  char *scheduler;        /* required, "eevdf" without an scx scheduler */
  char *scheduler_commit; /* nullable (always NULL today) */
  char *project_commit;   /* nullable: 7 hex [+ "-dirty"] */
  char *payload;          /* nullable */
  GPtrArray *metrics;     /* KtstrPayloadMetrics*, owned; never NULL */
  gboolean passed;        /* a skip has passed = TRUE */
  gboolean skipped;
  KtstrScenarioStats *stats;    /* never NULL */
  KtstrMonitorSummary *monitor; /* nullable */
  GPtrArray *stimulus_events;   /* KtstrStimulusEvent*, owned; never NULL */
  char *work_type;              /* required, PascalCase */
  GPtrArray *active_flags;      /* char*, owned, canonical order; never NULL */
  GPtrArray *verifier_stats;    /* KtstrVerifierStat*, owned; never NULL */
  KtstrKvmStats *kvm_stats;     /* nullable */
  GPtrArray *sysctls;           /* char* "sysctl.key=value", owned; never NULL */
  GPtrArray *kargs;             /* char*, owned; never NULL */
  char *kernel_version;         /* nullable */
  char *kernel_commit;          /* nullable */
  char *timestamp;              /* required, "YYYY-MM-DDTHH:MM:SSZ" */
  char *run_id;                 /* required, "{YYYYMMDDTHHMMSSZ}-{n}" */
  KtstrHostContext *host;       /* nullable */
  gboolean has_cleanup_duration_ms;
  guint64 cleanup_duration_ms;
  char *run_source; /* nullable: "local" / "ci" / "archive" */
  char *accel;      /* ours, after the schema: "kvm" / "tcg" / NULL */
  /* Ours: when the kernel disabled the scheduler under test with an
   * error (sched_ext exit kind >= 1024), {"kind": N, "reason": "...",
   * "message": "..." or null}; NULL (null) otherwise. */
  JsonNode *scheduler_exit;
  /* Ours, last and only when set: what the traced second run of
   * --auto-repro saw (run/auto-repro.h); NULL: no second run. */
  JsonNode *auto_repro;
  /* Ours, after accel ("vcpu_host"): the host CPU the VM's vCPU threads had from
   * ScenarioStart to ScenarioEnd, as the host's scheduler counted it.
   * Under TCG the guest's clocks run on host time whether or not its
   * vCPUs get a host CPU, so iteration counts follow this as much as the
   * scheduler under test.  has_vcpu_host FALSE: not measured (a Rust or
   * older sidecar, a run that never reached ScenarioEnd). */
  gboolean has_vcpu_host;
  guint vcpu_host_threads;   /* vCPU threads read */
  guint64 vcpu_host_span_ms; /* host wall time between the two readings */
  guint64 vcpu_host_run_ns;  /* CPU time they had, summed over them */
  guint64 vcpu_host_wait_ns; /* time they waited, runnable, for a host CPU */
  /* Ours, after vcpu_host ("boot"): how the kernel was entered, "pvh" (an
   * uncompressed vmlinux through its PVH entry) or "bzimage" (the bzImage
   * boot protocol); NULL (the key left out) when no VM booted or the
   * sidecar predates the field. */
  char *boot;
  /* Ours, last: which trial of a repeated run this is, 1-based; 0 when the
   * run was not repeated (the key is then left out, and files without it,
   * the Rust ktstr's included (doc/compatibility.md), read as 0). */
  guint32 trial;
  /* Ours, after trial ("wall_ms"): what running the test cost on the host,
   * from its start (before the initramfs) to its sidecar, boots and
   * retries included; `ktstr test --budget` plans with it.  has_wall_ms
   * FALSE: not measured (the key is left out). */
  gboolean has_wall_ms;
  guint64 wall_ms;
  /* Ours, after wall_ms ("shared_boot"): the test ran in a VM it shared
   * with other tests of the run (run/shared-group.h): the boot's id (the
   * same string in every sidecar of that VM), the test's 0-based place
   * in it, and the boot itself, from the host starting the VM (before
   * QEMU is launched) to the agent's hello, in milliseconds (the first test's wall_ms includes it,
   * the later ones' do not).  shared_boot_id NULL: the test had a boot of its own (the key is left
   * out). */
  char *shared_boot_id;
  guint32 shared_boot_index;
  guint64 shared_boot_ms;
  /* Ours ("verdict"): why the test did not pass, both NULL on a pass.  A
   * failure keeps its one-line verdict and the report the run printed
   * (reasons, stats, diagnostics, timeline), so that whoever reads the
   * sidecars later (ktstr-stats report) can say why it failed; a skip
   * keeps its reason and no report. */
  char *verdict_summary;
  char *verdict_report;

  /* Not serialized: the file this sidecar was loaded from (set by
   * ktstr_sidecar_load_file / ktstr_sidecar_collect_dir), else NULL. */
  char *path;
} KtstrSidecar;

/* Returns an empty sidecar: strings NULL, arrays empty, stats allocated. */
KtstrSidecar *ktstr_sidecar_new (void);
void ktstr_sidecar_free (KtstrSidecar *sidecar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrSidecar, ktstr_sidecar_free)

KtstrPayloadMetrics *ktstr_payload_metrics_new (guint64 payload_index, gint32 exit_code);
void ktstr_payload_metrics_free (KtstrPayloadMetrics *pm);
/* Appends a metric to PM (strings copied). */
KtstrPayloadMetric *ktstr_payload_metrics_add (KtstrPayloadMetrics *pm, const char *name,
                                               double value, KtstrPayloadPolarity polarity,
                                               double target_value, const char *unit,
                                               KtstrPayloadSource source,
                                               KtstrPayloadStream stream);
KtstrMonitorSummary *ktstr_monitor_summary_new (void);
void ktstr_monitor_summary_free (KtstrMonitorSummary *monitor);
KtstrStimulusEvent *ktstr_stimulus_event_new (guint64 elapsed_ms, const char *label);
void ktstr_stimulus_event_free (KtstrStimulusEvent *event);
KtstrVerifierStat *ktstr_verifier_stat_new (const char *name, guint32 verified_insns);
void ktstr_verifier_stat_free (KtstrVerifierStat *stat);
KtstrKvmStats *ktstr_kvm_stats_new (void);
void ktstr_kvm_stats_free (KtstrKvmStats *kvm);
/* Returns the (new, empty) table for the next vCPU. */
GHashTable *ktstr_kvm_stats_add_vcpu (KtstrKvmStats *kvm);
void ktstr_kvm_stats_vcpu_set (GHashTable *vcpu, const char *name, guint64 value);
/* FALSE when VCPU or NAME is absent. */
gboolean ktstr_kvm_stats_vcpu_get (const KtstrKvmStats *kvm, guint vcpu, const char *name,
                                   guint64 *out_value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrPayloadMetrics, ktstr_payload_metrics_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitorSummary, ktstr_monitor_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKvmStats, ktstr_kvm_stats_free)

/* --- JSON ------------------------------------------------------------- */

JsonNode *ktstr_sidecar_to_json (const KtstrSidecar *sidecar);
/* Pretty-printed JSON text, as ktstr prints every JSON document
 * (ktstr_json_to_data in util/json-util.h). */
char *ktstr_sidecar_to_data (const KtstrSidecar *sidecar, gsize *out_length);
KtstrSidecar *ktstr_sidecar_from_json (JsonNode *node, GError **error);
/* The largest sidecar read back: ktstr writes a few kilobytes per test
 * (tens with per-vCPU KVM statistics); anything bigger is not a sidecar. */
#define KTSTR_SIDECAR_MAX_BYTES (16 * 1024 * 1024)

/* Messages name PATH and the parse error.  Sets sidecar->path.  A file
 * that is not a regular file, is larger than KTSTR_SIDECAR_MAX_BYTES or
 * nests deeper than KTSTR_JSON_MAX_DEPTH is refused unread. */
KtstrSidecar *ktstr_sidecar_load_file (const char *path, GError **error);

/* --- Files -------------------------------------------------------------- */

/* SipHash-1-3, keys (0,0), over topology, 0, scheduler, 0, 0xfc,
 * payload?, 0, work_type, 0, 0xfe, each active flag + 0, 0xfd, sorted
 * sysctls each + 0, 0xff, sorted kargs each + 0.  Independent of host,
 * commits, run_source, timestamps, outcome. */
guint64 ktstr_sidecar_variant_hash (const KtstrSidecar *sidecar);
/* "{test_name}-{variant_hash:016x}.ktstr.json", or for a trial of a
 * repeated run "{test_name}-{variant_hash:016x}-trial{trial}.ktstr.json":
 * the trials of one variant share the hash and must not overwrite each
 * other. */
char *ktstr_sidecar_filename (const KtstrSidecar *sidecar);
/* TRUE when BASENAME ends with ".json" and contains ".ktstr.". */
gboolean ktstr_sidecar_is_sidecar_name (const char *basename);

/* Writes DIR/ktstr_sidecar_filename() atomically (temp file in DIR, fsync,
 * rename) and returns the path.  DIR must exist.  No pre-clear or locking:
 * use ktstr_rundir_write_sidecar() for the run-directory rules. */
char *ktstr_sidecar_write_atomic (const KtstrSidecar *sidecar, const char *dir, GError **error);

/* One file that failed to load during a directory walk. */
typedef struct
{
  char *path;
  char *message; /* includes the path and the reason */
} KtstrSidecarLoadError;

void ktstr_sidecar_load_error_free (KtstrSidecarLoadError *err);

/* Loads every sidecar (ktstr_sidecar_is_sidecar_name) in DIR and in each
 * direct subdirectory of DIR whose name does not start with '.', in sorted
 * order (DIR's files first, then each subdirectory's, by name).  A file that
 * fails to parse becomes a KtstrSidecarLoadError in *errors and the walk
 * goes on.  *sidecars (KtstrSidecar*, owned) and *errors
 * (KtstrSidecarLoadError*, owned) are always set on success; ERRORS may be
 * NULL to drop them.  Fails (KTSTR_SIDECAR_ERROR_IO, message naming DIR)
 * only when DIR itself cannot be listed. */
gboolean ktstr_sidecar_collect_dir (const char *dir, GPtrArray **sidecars, GPtrArray **errors,
                                    GError **error);

/* --- Identity stamps ------------------------------------------------------ */

/* ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" of DT (NULL = now). */
char *ktstr_sidecar_format_timestamp (GDateTime *dt);
/* "{YYYYMMDDTHHMMSSZ of process start}-{n}", n counting from 0 per process. */
char *ktstr_sidecar_next_run_id (void);
/* "ci" when KTSTR_CI is non-empty, else "local". */
const char *ktstr_sidecar_run_source_from_env (void);
/* Fills what is still unset: timestamp (now), run_id (next), run_source
 * (from the environment). */
void ktstr_sidecar_stamp (KtstrSidecar *sidecar);

G_END_DECLS

#endif
