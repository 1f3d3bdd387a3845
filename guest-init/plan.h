/* The test plan the host packs at KTSTR_PLAN_PATH (format in
 * common/proto.h): parsed and validated up front, so that a bad plan is one
 * clear error naming the line, before anything is set up. */
#ifndef KTSTR_GUEST_PLAN_H
#define KTSTR_GUEST_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/cpulist.h"
#include "guest-init/util.h"
#include "guest-init/workopts.h"
#include "guest-init/worktypes.h"

#define KTSTR_PLAN_MAX_CGROUPS 64
#define KTSTR_PLAN_MAX_WORKS 128
#define KTSTR_PLAN_MAX_WORKERS 512 /* all work lines together */
#define KTSTR_PLAN_MAX_BYTES (64 * 1024)
#define KTSTR_PLAN_NAME_MAX 64
/* A cgroup name is a path below KTSTR_CGROUP_ROOT: "outer/inner", each
 * component 1-64 of [A-Za-z0-9_-], at most this many bytes with the NUL. */
#define KTSTR_PLAN_CGROUP_NAME_MAX 200

#define KTSTR_PLAN_DEFAULT_DURATION_MS 2000
#define KTSTR_PLAN_DEFAULT_SETTLE_MS 500
#define KTSTR_PLAN_DEFAULT_WORKERS 2

#define KTSTR_PLAN_MAX_STEPS 32
#define KTSTR_PLAN_MAX_OPS 128
#define KTSTR_PLAN_MAX_PAYLOADS 8
#define KTSTR_PLAN_MAX_PAYLOAD_ARGS 16
#define KTSTR_PLAN_PATH_MAX 256
/* The cgroup name SpawnHost workers report under: they stay in the agent's
 * own cgroup (host contention), outside KTSTR_CGROUP_ROOT. */
#define KTSTR_PLAN_HOST_CGROUP "_host"
/* Step of the backdrop (everything before the first step line). */
#define KTSTR_PLAN_BACKDROP (-1)

typedef enum
{
  KTSTR_CPUSET_ALL,      /* no cpuset= or cpuset=all: inherit every CPU */
  KTSTR_CPUSET_EXACT,    /* exact:LIST */
  KTSTR_CPUSET_DISJOINT, /* disjoint:I/N: the I-th of N equal slices of the usable CPUs */
  KTSTR_CPUSET_LLC,      /* llc:I: the CPUs of the I-th LLC */
  KTSTR_CPUSET_NUMA,     /* numa:N: the usable CPUs of NUMA node N */
  KTSTR_CPUSET_RANGE,    /* range:A-B: usable CPUs from fraction A to B (0 <= A < B <= 1) */
  KTSTR_CPUSET_OVERLAP,  /* overlap:I/N/F: slice I of N, widened by F of a slice each side */
} KtstrCpusetKind;

typedef struct
{
  KtstrCpusetKind kind;
  KtstrCpuSet cpus;      /* EXACT */
  unsigned index;        /* DISJOINT, LLC, NUMA, OVERLAP */
  unsigned count;        /* DISJOINT, OVERLAP */
  unsigned lo_pm, hi_pm; /* RANGE: fractions in per-mille; OVERLAP: lo_pm is F */
  char text[96];         /* as written, for messages */
} KtstrCpusetSpec;

typedef struct
{
  char name[KTSTR_PLAN_CGROUP_NAME_MAX];
  KtstrCpusetSpec cpuset;
  unsigned line;
  int parent;        /* index of the cgroup above it ("a" for "a/b"), -1 at the top */
  bool has_children; /* some later cgroup names this one as its parent */
  int step;          /* KTSTR_PLAN_BACKDROP, or the step that owns it */
  bool is_added;     /* created by an AddCgroup op, not at its step's setup */
  bool is_host;      /* KTSTR_PLAN_HOST_CGROUP: never created */
} KtstrPlanCgroup;

typedef struct
{
  unsigned cgroup; /* index into KtstrPlan.cgroups */
  const KtstrWorkType *type;
  unsigned workers;
  uint64_t params[KTSTR_WORK_MAX_PARAMS]; /* every parameter, defaults filled in */
  KtstrWorkOpts opts;                     /* policy=, nice=, affinity=, mempolicy=, mpol_flags= */
  unsigned line;
  int step;   /* as its cgroup's, or the step of its Spawn op */
  bool is_op; /* started by a Spawn/SpawnHost op, not at its step's setup */
} KtstrPlanWork;

/* The 13 ops (common/proto.h; ktstr-test(5), STEPS), in the order of their
 * names table. */
typedef enum
{
  KTSTR_OP_ADD_CGROUP,
  KTSTR_OP_REMOVE_CGROUP,
  KTSTR_OP_SET_CPUSET,
  KTSTR_OP_CLEAR_CPUSET,
  KTSTR_OP_SWAP_CPUSETS,
  KTSTR_OP_SPAWN,
  KTSTR_OP_STOP_CGROUP,
  KTSTR_OP_SET_AFFINITY,
  KTSTR_OP_SPAWN_HOST,
  KTSTR_OP_MOVE_ALL_TASKS,
  KTSTR_OP_RUN_PAYLOAD,
  KTSTR_OP_WAIT_PAYLOAD,
  KTSTR_OP_KILL_PAYLOAD,
  KTSTR_OP_N_KINDS,
} KtstrOpKind;

typedef struct
{
  KtstrOpKind kind;
  int step;               /* KTSTR_PLAN_BACKDROP or a step index */
  unsigned a, b;          /* cgroups (first/from, second/to), or a payload in a */
  unsigned work;          /* Spawn, SpawnHost: index into KtstrPlan.works */
  bool has_cgroup;        /* RunPayload cgroup= given (then in b) */
  KtstrCpusetSpec cpuset; /* SetCpuset, SetAffinity */
  unsigned line;
} KtstrPlanOp;

typedef enum
{
  KTSTR_HOLD_FRAC,  /* frac:F, a fraction of duration_ms */
  KTSTR_HOLD_FIXED, /* fixed:MS */
  KTSTR_HOLD_LOOP,  /* loop:MS, ops again every MS until duration_ms has passed */
} KtstrHoldKind;

typedef struct
{
  KtstrHoldKind kind;
  uint64_t ms; /* FIXED: the hold; LOOP: the interval; FRAC: resolved from frac_pm */
  unsigned frac_pm;
  unsigned line;
} KtstrPlanStep;

typedef struct
{
  char name[KTSTR_PLAN_NAME_MAX];
  char path[KTSTR_PLAN_PATH_MAX];
  bool is_json; /* output=json, else exitcode */
  unsigned n_args;
  char args[KTSTR_PLAN_MAX_PAYLOAD_ARGS][KTSTR_PLAN_PATH_MAX];
  char env[KTSTR_PLAN_PATH_MAX]; /* one KEY=VALUE, "" for none */
  unsigned line;
} KtstrPlanPayload;

typedef struct
{
  char test[128];
  char topology[32]; /* "" when the plan has no topology line */
  uint64_t duration_ms;
  uint64_t settle_ms;
  uint64_t guard_ms; /* 0: none given, the agent's default guard stays */
  unsigned workers;  /* default for work lines without workers= */
  unsigned n_cgroups;
  KtstrPlanCgroup cgroups[KTSTR_PLAN_MAX_CGROUPS];
  unsigned n_works;
  KtstrPlanWork works[KTSTR_PLAN_MAX_WORKS];
  unsigned total_workers;
  unsigned n_steps;
  KtstrPlanStep steps[KTSTR_PLAN_MAX_STEPS];
  unsigned n_ops; /* in plan order: backdrop ops, then each step's */
  KtstrPlanOp ops[KTSTR_PLAN_MAX_OPS];
  unsigned n_payloads;
  KtstrPlanPayload payloads[KTSTR_PLAN_MAX_PAYLOADS];
} KtstrPlan;

/* The name of an op kind ("AddCgroup", ...). */
const char *ktstr_op_kind_name (KtstrOpKind kind);

/* How long the scenario runs from ScenarioStart: duration_ms without
 * steps, else the steps' holds (a loop step lasts until duration_ms). */
uint64_t ktstr_plan_run_ms (const KtstrPlan *plan);

/* Whether S is a valid nested cgroup name ("outer/inner"). */
bool ktstr_plan_is_valid_cgroup_path (const char *s);

/* With CPUS the plan's cgroup cpusets resolved (empty: all), -1 and ERR
 * naming both when a child's CPUs are not within its parent's. */
int ktstr_plan_check_nested (const KtstrPlan *plan, const KtstrCpuSet *cpus, KtstrError *err);

/* Parses TEXT.  Errors read "plan line N: ..." and name the offending word. */
int ktstr_plan_parse (const char *text, KtstrPlan *plan, KtstrError *err);

/* Reads PATH (at most KTSTR_PLAN_MAX_BYTES) and parses it. */
int ktstr_plan_load (const char *path, KtstrPlan *plan, KtstrError *err);

/* Parses one cpuset SPEC (the part after cpuset=). */
int ktstr_cpuset_spec_parse (const char *text, KtstrCpusetSpec *spec, KtstrError *err);

#endif
