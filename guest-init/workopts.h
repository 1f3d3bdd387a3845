/* Per-work scheduling options of a plan's work line (common/proto.h;
 * ktstr-test(5), WORK OPTIONS): scheduling policy and priority, nice, affinity kind and
 * NUMA memory policy.  Parsed with the plan; the affinity kinds that need
 * the topology are resolved by the parent before it forks; everything is
 * applied in the worker after its start byte, so it happens inside the
 * worker's cgroup and before its measured loop. */
#ifndef KTSTR_GUEST_WORKOPTS_H
#define KTSTR_GUEST_WORKOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/cpulist.h"
#include "guest-init/util.h"

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

/* The fixed CPU set of the affinity kinds that need the topology (LLC,
 * CROSS, EXACT) into *out; empty for the others.  LLCS are the topology's
 * LLC groups, CGROUP_CPUS the cgroup's resolved CPUs (empty: all). */
int ktstr_workopts_resolve (const KtstrWorkOpts *o, const KtstrCpuSet *llcs, unsigned n_llcs,
                            const KtstrCpuSet *online, const KtstrCpuSet *cgroup_cpus,
                            KtstrCpuSet *out, KtstrError *err);

/* In the worker: affinity (FIXED from resolve, or derived from its
 * current mask for RANDOM and SINGLE with INDEX and SEED), memory policy,
 * nice, then scheduling policy. */
int ktstr_workopts_apply (const KtstrWorkOpts *o, const KtstrCpuSet *fixed, unsigned index,
                          uint64_t seed, KtstrError *err);

#endif
