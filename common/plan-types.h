/* What a test plan is once parsed: the structures the plan grammar fills
 * (common/plan.h) and the guest agent runs, their limits and defaults, and
 * the error a plan that cannot be parsed leaves behind.  The plan's text
 * format is described in common/proto.h.  Plain C, shared by host and
 * guest. */
#ifndef KTSTR_COMMON_PLAN_TYPES_H
#define KTSTR_COMMON_PLAN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cpuset.h"
#include "common/plan-workopts.h"
#include "common/plan-worktypes.h"

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

/* The scheduler under test: its arguments and environment entries share
 * one buffer of this many bytes. */
#define KTSTR_PLAN_SCHED_MAX_ARGS 64
#define KTSTR_PLAN_SCHED_MAX_ENV 16
#define KTSTR_PLAN_SCHED_TEXT_MAX 16384
#define KTSTR_PLAN_SCHED_DEFAULT_READY_MS 10000
#define KTSTR_PLAN_SCHED_DEFAULT_STOP_MS 5000
/* Arguments of the scheduler's tracer (the scheduler_tracer line). */
#define KTSTR_PLAN_TRACER_MAX_ARGS 16

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

/* The 13 ops a step (or the backdrop) runs, in the order of their names
 * (ktstr_op_kind_name). */
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

/* The scheduler under test, from the scheduler, scheduler_arg and
 * scheduler_env lines.  Its arguments and environment entries are
 * NUL-terminated strings in TEXT, at the offsets ARG_AT and ENV_AT
 * (ktstr_plan_sched_arg and ktstr_plan_sched_env read them), so that a
 * plan stays one plain block of memory. */
typedef struct
{
  bool is_set; /* the plan has a scheduler line */
  char binary[KTSTR_PLAN_PATH_MAX];
  uint64_t ready_ms; /* how long it may take to be enabled */
  uint64_t stop_ms;  /* how long a clean stop may take */
  unsigned n_args, n_env;
  unsigned arg_at[KTSTR_PLAN_SCHED_MAX_ARGS];
  unsigned env_at[KTSTR_PLAN_SCHED_MAX_ENV];
  /* The tracer started next to it (scheduler_tracer): its path and
   * arguments, in TEXT too. */
  bool has_tracer;
  unsigned tracer_at, n_tracer_args;
  unsigned tracer_arg_at[KTSTR_PLAN_TRACER_MAX_ARGS];
  size_t text_len;
  char text[KTSTR_PLAN_SCHED_TEXT_MAX];
  unsigned line;
} KtstrPlanScheduler;

/* A kernel-built-in scheduler (no program of its own): what enables it
 * before the scenario and disables it after, in order.  A write puts
 * ARGS[0] into the file PATH (a sysfs or procfs knob); a run executes the
 * program PATH with ARGS and needs exit status 0. */
#define KTSTR_PLAN_BUILTIN_MAX 8
#define KTSTR_PLAN_BUILTIN_MAX_ARGS 8
#define KTSTR_PLAN_BUILTIN_ARG_MAX 128

typedef struct
{
  bool is_disable;
  bool is_run;
  char path[KTSTR_PLAN_PATH_MAX];
  unsigned n_args;
  char args[KTSTR_PLAN_BUILTIN_MAX_ARGS][KTSTR_PLAN_BUILTIN_ARG_MAX];
} KtstrPlanBuiltinAction;

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
  KtstrPlanScheduler scheduler;
  /* cgroup_parent: the absolute cgroup path ("/a/b") the scenario's
   * cgroups go under instead of the agent's own root; "" for that root. */
  char cgroup_parent[KTSTR_PLAN_CGROUP_NAME_MAX];
  /* builtin_write / builtin_run lines; builtin_env: the environment of
   * the runs ("" for none, else one KEY=VALUE). */
  unsigned n_builtin;
  KtstrPlanBuiltinAction builtin[KTSTR_PLAN_BUILTIN_MAX];
  char builtin_env[KTSTR_PLAN_PATH_MAX];
} KtstrPlan;

/* Why a plan was refused, as parts rather than one sentence, so that the
 * host can point at the test-file key a plan line came from without
 * reading the message back.  The guest reports ktstr_plan_error_text. */
typedef struct
{
  unsigned line;      /* the plan line at fault (1 is the version line); 0: none */
  char directive[32]; /* that line's first word ("work", "op", "step"...); "" for none */
  /* What on the line is wrong: the key of a key=value word ("workers",
   * "cpuset", a work parameter, "output"), or the part a word stands for
   * ("name", "type", "cgroup", "kind", "hold", "path", "arg", "env");
   * "" when it is the line as a whole. */
  char field[64];
  char msg[400]; /* what is wrong and what is expected */
} KtstrPlanError;

#endif
