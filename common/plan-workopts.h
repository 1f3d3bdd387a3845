/* The per-work options of a plan's work line (and of a test file's work):
 * scheduling policy and priority, nice, affinity kind and NUMA memory
 * policy, as the plan grammar parses them.  Shared by host and guest; the
 * agent resolves and applies them (guest-init/workopts.h). */
#ifndef KTSTR_COMMON_PLAN_WORKOPTS_H
#define KTSTR_COMMON_PLAN_WORKOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cpuset.h"
#include "common/error.h"

typedef enum
{
  KTSTR_POLICY_NORMAL,
  KTSTR_POLICY_BATCH,
  KTSTR_POLICY_IDLE,
  KTSTR_POLICY_FIFO,
  KTSTR_POLICY_RR,
} KtstrSchedPolicy;

typedef enum
{
  KTSTR_AFFINITY_INHERIT, /* the cgroup's CPUs */
  KTSTR_AFFINITY_RANDOM,  /* a random half (at least one) of the worker's CPUs */
  KTSTR_AFFINITY_LLC,     /* the LLC of the cgroup's first CPU */
  KTSTR_AFFINITY_CROSS,   /* every online CPU (the cpuset still bounds it) */
  KTSTR_AFFINITY_SINGLE,  /* one CPU of the cgroup, by worker index */
  KTSTR_AFFINITY_EXACT,   /* exact:LIST */
} KtstrAffinityKind;

typedef enum
{
  KTSTR_MPOL_DEFAULT,
  KTSTR_MPOL_PREFERRED,
  KTSTR_MPOL_BIND,
  KTSTR_MPOL_INTERLEAVE,
  KTSTR_MPOL_LOCAL,
  KTSTR_MPOL_PREFERRED_MANY,
  KTSTR_MPOL_WEIGHTED_INTERLEAVE,
} KtstrMemPolicyKind; /* values are the kernel's MPOL_* modes */

#define KTSTR_MPOL_F_STATIC_NODES (1u << 15)
#define KTSTR_MPOL_F_RELATIVE_NODES (1u << 14)
#define KTSTR_MPOL_F_NUMA_BALANCING (1u << 13)

typedef struct
{
  KtstrSchedPolicy policy;
  unsigned priority; /* FIFO/RR: 1..99 */
  bool has_nice;
  int nice; /* -20..19 */
  KtstrAffinityKind affinity;
  KtstrCpuSet affinity_cpus; /* EXACT */
  KtstrMemPolicyKind mempolicy;
  KtstrCpuSet mem_nodes; /* node ids */
  unsigned mpol_flags;
} KtstrWorkOpts;

/* Parses one work-line option.  Returns 0 when KEY is an option and VAL
 * is valid, -1 with err set when VAL is not, and 1 when KEY is not one of
 * policy, nice, affinity, mempolicy or mpol_flags. */
int ktstr_workopts_parse (KtstrWorkOpts *o, const char *key, const char *val, KtstrError *err);

/* "normal", "batch", "idle", "fifo", "rr". */
const char *ktstr_sched_policy_name (KtstrSchedPolicy p);

#endif
