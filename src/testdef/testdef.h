/* Test definitions: what one test runs inside the guest.
 *
 * A test is a GKeyFile (*.ktstr) with a [test] group, one [cgroup NAME]
 * group per cgroup and an optional [checks] group of threshold overrides;
 * ktstr-test(5) (doc/ktstr-test.5) documents the format.  This module loads and
 * validates them and renders the line-oriented plan the guest agent reads
 * (common/proto.h). */
#ifndef KTSTR_TESTDEF_H
#define KTSTR_TESTDEF_H

#include <glib.h>

#include "sched/scheduler-def.h"

G_BEGIN_DECLS

#define KTSTR_TESTDEF_ERROR (ktstr_testdef_error_quark ())
GQuark ktstr_testdef_error_quark (void);

typedef enum
{
  KTSTR_TESTDEF_ERROR_PARSE,   /* not a key file */
  KTSTR_TESTDEF_ERROR_INVALID, /* a key has a bad value, or a required key is missing */
  KTSTR_TESTDEF_ERROR_UNKNOWN, /* an unknown group or key */
  KTSTR_TESTDEF_ERROR_NOT_FOUND,
  KTSTR_TESTDEF_ERROR_DOES_NOT_FIT, /* a topology outside the test's constraints */
  KTSTR_TESTDEF_ERROR_FLAGS,        /* a required flag inactive or an excluded one active */
  KTSTR_TESTDEF_ERROR_CPUS, /* a cpuset or affinity names CPUs, LLCs or nodes the topology lacks */
} KtstrTestdefError;

typedef struct
{
  char *type;        /* PascalCase work type */
  char *label;       /* [work CGROUP/LABEL], NULL for a cgroup's own work= */
  guint workers;     /* 0: the test's default */
  GPtrArray *params; /* "key=value" strings, owned */
} KtstrWorkDef;

typedef struct
{
  char *name;
  char *cpuset; /* cpuset spec (all, exact:, llc:, numa:, range:, disjoint:, overlap:) or NULL */
  GPtrArray *works; /* KtstrWorkDef*, owned */
  int step;         /* -1: the backdrop (or a test without steps), else [step N] */
} KtstrCgroupDef;

/* [step N]: its hold as written (frac:F, fixed:MS, loop:MS) and its ops,
 * each "Kind ARGS..." as in the plan (common/proto.h). */
typedef struct
{
  guint index;
  char *hold;
  GPtrArray *ops; /* char*, owned */
} KtstrStepDef;

typedef enum
{
  KTSTR_PAYLOAD_CHECK_MIN,
  KTSTR_PAYLOAD_CHECK_MAX,
  KTSTR_PAYLOAD_CHECK_RANGE,
  KTSTR_PAYLOAD_CHECK_EXISTS,
  KTSTR_PAYLOAD_CHECK_EXIT_CODE,
} KtstrPayloadCheckKind;

typedef struct
{
  KtstrPayloadCheckKind kind;
  char *metric;  /* NULL for EXIT_CODE */
  double lo, hi; /* MIN: lo; MAX: hi; RANGE: both; EXIT_CODE: lo */
} KtstrPayloadCheck;

/* [payload NAME]: a program packed into the guest at /ktstr/payload/NAME. */
typedef struct
{
  char *name;
  char *binary;      /* absolute host path */
  GPtrArray *args;   /* char*, owned */
  gboolean is_json;  /* output=json */
  GPtrArray *checks; /* KtstrPayloadCheck*, owned */
} KtstrPayloadDef;

/* Which topologies a test runs on (gauntlet presets, --topology). */
typedef struct
{
  guint min_llcs, max_llcs;
  guint min_cpus, max_cpus;
  guint min_numa_nodes, max_numa_nodes;
  gboolean requires_smt;
} KtstrTestConstraints;

/* [test] performance_mode= (ktstr-test(5)): each vCPU pinned to a host CPU
 * of its own within one host LLC per virtual LLC, guest RAM bound to
 * those CPUs' nodes (from hugepages when there are enough), and the
 * CPUs reserved exclusively; REALTIME runs the vCPU threads at
 * SCHED_FIFO too. */
typedef enum
{
  KTSTR_PERF_MODE_OFF = 0,
  KTSTR_PERF_MODE_ON,
  KTSTR_PERF_MODE_REALTIME,
} KtstrPerfMode;

typedef struct
{
  char *name;
  char *description;
  char *path;     /* file it was loaded from */
  char *topology; /* default topology label */
  guint duration_ms;
  guint settle_ms;
  guint workers;      /* default workers per cgroup */
  GPtrArray *cgroups; /* KtstrCgroupDef*, owned */
  GKeyFile *keyfile;  /* the whole file, for the [checks] group */
  KtstrTestConstraints constraints;
  GPtrArray *steps;        /* KtstrStepDef*, owned, in order; empty without steps */
  GPtrArray *backdrop_ops; /* char*, owned: [backdrop] payloads= as RunPayload, then ops= */
  GPtrArray *payloads;     /* KtstrPayloadDef*, owned */
  /* [test] scheduler= (relative to the file), loaded; NULL: none (the
   * command line's, or EEVDF).  flags= selects some of its flags (NULL:
   * none given); required_flags= and excluded_flags= restrict the flag
   * profiles the test runs under (empty, never NULL).  --scheduler-file
   * and --flags on the command line override scheduler= and flags=. */
  KtstrSchedulerDef *scheduler;
  char **flags;
  char **required_flags;
  char **excluded_flags;
  KtstrPerfMode performance_mode;
  /* How the test is run and judged (testdef-run-keys.c):
   * expect_err: the failure kind (expect-err.h) that makes it pass, NULL:
   * none; memory_mb: guest memory, 0: the command line's or the default;
   * cleanup_budget_ms: the longest VM teardown that passes, 0: unchecked;
   * include_files: absolute host paths packed under /include-files with
   * their libraries (never NULL); is_swappable: --work-type may replace
   * the type of its works. */
  char *expect_err;
  guint memory_mb;
  guint cleanup_budget_ms;
  char **include_files;
  gboolean is_swappable;
  gboolean is_fresh_boot;
} KtstrTestDef;

void ktstr_testdef_free (KtstrTestDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrTestDef, ktstr_testdef_free)

KtstrTestDef *ktstr_testdef_load (const char *path, GError **error);

/* The work type named by the definition's works when they all agree, else
 * "Mixed" (the sidecar's work_type slot holds one name). */
const char *ktstr_testdef_work_type (const KtstrTestDef *def);

/* Whether TOPOLOGY (a label) meets DEF's constraints; the error
 * (KTSTR_TESTDEF_ERROR_DOES_NOT_FIT) says why not. */
gboolean ktstr_testdef_fits (const KtstrTestDef *def, const char *topology, GError **error);

/* Whether every cpuset (cgroups', SetCpuset's, SetAffinity's) and every
 * work's affinity=exact: of DEF resolves at TOPOLOGY as the guest agent
 * would resolve it: exact: CPUs that exist, llc:I and numa:N that exist,
 * enough CPUs for disjoint:, range: and overlap:.  The error
 * (KTSTR_TESTDEF_ERROR_CPUS) reads "FILE:LINE: [GROUP] KEY: at topology
 * LABEL: ...".  Checked after ktstr_testdef_fits: constraints such as
 * min_cpus= say which topologies a test wants, and a topology they allow
 * that cannot hold its cpusets is an error in the test. */
gboolean ktstr_testdef_check_topology (const KtstrTestDef *def, const char *topology,
                                       GError **error);

/* Whether the flag set ACTIVE (NULL-terminated; NULL: none) holds every
 * flag of DEF's required_flags and none of its excluded_flags; the error
 * (KTSTR_TESTDEF_ERROR_FLAGS) says which flag is missing or excluded. */
gboolean ktstr_testdef_allows_flags (const KtstrTestDef *def, const char *const *active,
                                     GError **error);

/* --work-type TYPE: every work of DEF becomes TYPE, keeping the options
 * (workers, policy, nice, ...) and the parameters TYPE also has; the
 * others are dropped.  Only for a swappable test; the error names the
 * test when TYPE is unknown or the test is not swappable. */
gboolean ktstr_testdef_swap_work_type (KtstrTestDef *def, const char *type, GError **error);

/* Renders the guest plan for DEF at TOPOLOGY, with GUARD_MS the guest's own
 * deadline. */
char *ktstr_testdef_to_plan (const KtstrTestDef *def, const char *topology, guint guard_ms);

/* Loads [step N], [backdrop] and [payload NAME] into DEF (after its
 * cgroups) and checks the whole plan with the plan grammar the guest
 * runs (common/plan.h). */
gboolean ktstr_testdef_load_steps (GKeyFile *kf, const char *path, KtstrTestDef *def,
                                   GError **error);

/* How long the scenario runs (ms from its start): duration_ms, or the
 * steps' holds. */
guint ktstr_testdef_run_ms (const KtstrTestDef *def);

/* The cgroups whose workers report (ops' and SpawnHost's "_host"
 * included), in plan order, with how many workers each should report:
 * NAMES gets char*, COUNTS guint. */
void ktstr_testdef_expected_workers (const KtstrTestDef *def, GPtrArray *names, GArray *counts);

/* The [payload NAME] group NAME, or NULL. */
const KtstrPayloadDef *ktstr_testdef_find_payload (const KtstrTestDef *def, const char *name);

/* Where payload NAME goes in the guest, no leading '/'. */
char *ktstr_testdef_payload_guest_path (const char *name);

/* Every *.ktstr in DIR, sorted by test name. */
GPtrArray *ktstr_testdef_load_dir (const char *dir, GError **error);

/* The directory holding the built-in tests: "tests" in the data directory
 * (util/datapath.h: $KTSTR_DATADIR, the source tree's data/ for a program
 * running uninstalled, else $(pkgdatadir)). */
char *ktstr_testdef_builtin_dir (void);

G_END_DECLS

#endif
