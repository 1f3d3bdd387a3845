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

#define KTSTR_PLAN_DEFAULT_DURATION_MS 2000
#define KTSTR_PLAN_DEFAULT_SETTLE_MS 500
#define KTSTR_PLAN_DEFAULT_WORKERS 2

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
  KtstrCpuSet cpus; /* EXACT */
  unsigned index;   /* DISJOINT, LLC, NUMA, OVERLAP */
  unsigned count;   /* DISJOINT, OVERLAP */
  unsigned lo_pm, hi_pm; /* RANGE: fractions in per-mille; OVERLAP: lo_pm is F */
  char text[96];    /* as written, for messages */
} KtstrCpusetSpec;

typedef struct
{
  char name[KTSTR_PLAN_NAME_MAX];
  KtstrCpusetSpec cpuset;
  unsigned line;
} KtstrPlanCgroup;

typedef struct
{
  unsigned cgroup; /* index into KtstrPlan.cgroups */
  const KtstrWorkType *type;
  unsigned workers;
  uint64_t params[KTSTR_WORK_MAX_PARAMS]; /* every parameter, defaults filled in */
  KtstrWorkOpts opts;                     /* policy=, nice=, affinity=, mempolicy=, mpol_flags= */
  unsigned line;
} KtstrPlanWork;

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
} KtstrPlan;

/* Parses TEXT.  Errors read "plan line N: ..." and name the offending word. */
int ktstr_plan_parse (const char *text, KtstrPlan *plan, KtstrError *err);

/* Reads PATH (at most KTSTR_PLAN_MAX_BYTES) and parses it. */
int ktstr_plan_load (const char *path, KtstrPlan *plan, KtstrError *err);

/* Parses one cpuset SPEC (the part after cpuset=). */
int ktstr_cpuset_spec_parse (const char *text, KtstrCpusetSpec *spec, KtstrError *err);

#endif
