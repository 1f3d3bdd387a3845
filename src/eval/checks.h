/* Checks: the pass/fail rules applied to a cgroup's worker reports, and the
 * topology check of the guest against the request.
 *
 * KtstrChecks holds the checks of doc/checks.md, named as the Rust ktstr
 * names them so [checks] groups mean the same to both: every field is
 * optional ("is_set"), layers merge with the last set value
 * winning (defaults -> scheduler -> test), and a test definition overrides
 * fields from a GKeyFile group whose keys are the field names.
 *
 * What ktstr_checks_evaluate does (doc/checks.md):
 *   not_starved   any worker with work_units == 0 -> Starved; off-CPU spread
 *                 above max_spread_pct with >= 2 measured workers -> Unfair;
 *                 a worker's max_gap_ms above max_gap_ms -> Stuck.  Spread
 *                 and gap are part of not_starved, as in ktstr: with
 *                 not_starved off, neither is checked.  Unset thresholds
 *                 fall back to 15 % and 2000 ms.
 *   isolation     a worker ran on a CPU outside its cgroup's cpuset
 *                 -> Isolation (skipped for an unrestricted cgroup)
 *   benchmark     max_throughput_cv, min_work_rate, max_p99_wake_latency_ns,
 *                 max_wake_latency_cv, min_iteration_rate -> Benchmark;
 *                 max_migration_ratio -> Migration; min_page_locality ->
 *                 PageLocality; max_cross_node_migration_ratio ->
 *                 CrossNodeMigration (values from aggregate.h; a cgroup
 *                 with migrations but no pages fails as inconsistent).
 * Limits are inclusive: a value equal to its threshold passes.
 * The monitor fields (max_imbalance_ratio ... max_keep_last_rate, and
 * watchdog_timeout_s, the sched_ext watchdog timeout the host monitor
 * imposes) are judged by src/monitor; max_slow_tier_ratio is carried and
 * merged but not evaluated. */
#ifndef KTSTR_CHECKS_H
#define KTSTR_CHECKS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/topology.h"
#include "eval/report.h"
#include "record/scenario-stats.h"

G_BEGIN_DECLS

#define KTSTR_CHECKS_ERROR (ktstr_checks_error_quark ())
GQuark ktstr_checks_error_quark (void);

typedef enum
{
  KTSTR_CHECKS_ERROR_UNKNOWN_KEY,   /* not a check name (message lists the valid ones) */
  KTSTR_CHECKS_ERROR_INVALID_VALUE, /* not a boolean / number of the check's type */
} KtstrChecksError;

typedef struct
{
  gboolean is_set;
  gboolean value;
} KtstrCheckBool;

typedef struct
{
  gboolean is_set;
  guint64 value;
} KtstrCheckU64;

typedef struct
{
  gboolean is_set;
  double value;
} KtstrCheckDouble;

/* Field names are the keys of the override group, exactly. */
typedef struct
{
  KtstrCheckBool not_starved;
  KtstrCheckDouble max_spread_pct;
  KtstrCheckU64 max_gap_ms;
  KtstrCheckBool isolation;
  KtstrCheckDouble max_throughput_cv;
  KtstrCheckDouble min_work_rate; /* work units per CPU-second */
  KtstrCheckU64 max_p99_wake_latency_ns;
  KtstrCheckDouble max_wake_latency_cv;
  KtstrCheckDouble min_iteration_rate; /* iterations per wall second */
  KtstrCheckDouble max_migration_ratio;
  KtstrCheckDouble max_imbalance_ratio; /* monitor */
  KtstrCheckU64 max_local_dsq_depth;    /* monitor */
  KtstrCheckBool fail_on_stall;         /* monitor */
  KtstrCheckU64 sustained_samples;      /* monitor */
  KtstrCheckDouble max_fallback_rate;   /* monitor, events/s */
  KtstrCheckDouble max_keep_last_rate;  /* monitor, events/s */
  KtstrCheckDouble min_page_locality;
  KtstrCheckDouble max_cross_node_migration_ratio;
  KtstrCheckDouble max_slow_tier_ratio;
  KtstrCheckU64 watchdog_timeout_s; /* monitor: unset = the scheduler's own timeout */
} KtstrChecks;

/* The first layer: not_starved on, spread 15 %, gap 2000 ms (release
 * thresholds; we ship one build), monitor defaults 4.0 / 50 / stall on /
 * 5 samples / 200/s / 100/s.  Everything else unset. */
KtstrChecks ktstr_checks_default (void);

/* Copies every field that OVERRIDE sets into BASE. */
void ktstr_checks_merge (KtstrChecks *base, const KtstrChecks *override);

/* Sets check KEY from its text form: booleans true/false/1/0, integers in
 * decimal, numbers as C-locale decimals; negative values are rejected. */
gboolean ktstr_checks_set (KtstrChecks *checks, const char *key, const char *value, GError **error);

/* Reads the overrides in GROUP of KF into *OUT (cleared first; only keys
 * present are set).  A missing group sets nothing and succeeds.  Errors
 * name the key and, when PATH (the file KF was read from) is given, the
 * file and line: "PATH:LINE: [GROUP] KEY: ..." (util/keyfile.h). */
gboolean ktstr_checks_from_keyfile (GKeyFile *kf, const char *path, const char *group,
                                    KtstrChecks *out, GError **error);

/* The check names, in declaration order, NULL-terminated. */
const char *const *ktstr_checks_names (void);

/* What applies check NAME: "workers" (the checks below, on the workers'
 * reports of each cgroup), "monitor" (src/monitor, on its samples of the
 * guest kernel while a sched_ext scheduler runs) or "nothing" (carried
 * through the merge, applied by no one yet); NULL when NAME is not a check. */
const char *ktstr_checks_applied_by (const char *name);

/* Check NAME of CHECKS as text ("true", "3000", "0.25"), or NULL when the
 * check is unset or NAME is not a check. */
char *ktstr_checks_get_text (const KtstrChecks *checks, const char *name);

/* Check NAME of CHECKS as a JSON value of its type (a boolean, an integer
 * or a measurement, doc/json-output.md), or null when it is unset or NAME
 * is not a check.  Owned by the caller. */
JsonNode *ktstr_checks_get_json (const KtstrChecks *checks, const char *name);

/* The three layers of the merge, in order. */
typedef enum
{
  KTSTR_CHECKS_LAYER_DEFAULT,
  KTSTR_CHECKS_LAYER_SCHEDULER,
  KTSTR_CHECKS_LAYER_TEST,
  KTSTR_CHECKS_N_LAYERS
} KtstrChecksLayer;

/* "default", "scheduler", "test". */
const char *ktstr_checks_layer_to_string (KtstrChecksLayer layer);

/* The checks a test runs with, the one merge that the verdict and
 * `ktstr show-thresholds` share: ktstr's defaults, then the [checks]
 * group of SCHED_KF (a scheduler definition; NULL: none), then that of
 * TEST_KF (the test file at TEST_PATH), the last layer that sets a check
 * winning.  LAYERS (NULL, or KTSTR_CHECKS_N_LAYERS entries) receives each
 * layer on its own, so a caller can tell where a value came from.  An
 * error names the layer: "scheduler definition: [checks] KEY: ..." or
 * "TEST_PATH:LINE: [checks] KEY: ...". */
gboolean ktstr_checks_resolve (GKeyFile *sched_kf, const char *test_path, GKeyFile *test_kf,
                               KtstrChecks *checks, KtstrChecks *layers, GError **error);

/* Failure details: their kinds carry the Rust ktstr's names
 * (doc/checks.md). */
typedef enum
{
  KTSTR_DETAIL_STARVED,
  KTSTR_DETAIL_STUCK,
  KTSTR_DETAIL_UNFAIR,
  KTSTR_DETAIL_ISOLATION,
  KTSTR_DETAIL_BENCHMARK,
  KTSTR_DETAIL_MIGRATION,
  KTSTR_DETAIL_PAGE_LOCALITY,
  KTSTR_DETAIL_CROSS_NODE_MIGRATION,
  KTSTR_DETAIL_SLOW_TIER,
  KTSTR_DETAIL_MONITOR,
  KTSTR_DETAIL_SCHEDULER_DIED,
  KTSTR_DETAIL_SKIP,
  KTSTR_DETAIL_OTHER,
} KtstrDetailKind;

/* "Starved", "Stuck", ... as ktstr spells them. */
const char *ktstr_detail_kind_to_string (KtstrDetailKind kind);

typedef struct
{
  KtstrDetailKind kind;
  char *message;
} KtstrDetail;

/* A GPtrArray that owns KtstrDetail*. */
GPtrArray *ktstr_details_new (void);

/* Evaluates CHECKS on cgroup CGROUP: REPORTS (KtstrWorkerReport*) and the
 * STATS aggregated from them.  CPUSET is the cgroup's effective CPU list
 * ("" or NULL = unrestricted).  Appends one detail per failure to
 * DETAILS_OUT and returns TRUE when it appended none.  A cgroup with no
 * reports passes: comparing the reported worker count with the plan is
 * the runner's job. */
gboolean ktstr_checks_evaluate (const KtstrChecks *checks, const char *cgroup, const char *cpuset,
                                GPtrArray *reports, const KtstrCgroupStats *stats,
                                GPtrArray *details_out);

/* Compares the topology the host asked for with the one the guest reports:
 * CPU count, number and sizes of LLC groups, NUMA node count (a guest
 * without NUMA nodes in sysfs counts as one node) and threads per core.
 * On a mismatch returns FALSE and sets *MESSAGE (if non-NULL) to one line
 * naming what differs and showing both sides. */
gboolean ktstr_topology_check (const KtstrTopology *want, const KtstrGuestTopo *seen,
                               char **message);

G_END_DECLS

#endif
