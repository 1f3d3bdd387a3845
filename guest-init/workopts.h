/* Per-work scheduling options in the agent: the affinity kinds that need
 * the topology are resolved by the parent before it forks; everything is
 * applied in the worker after its start byte, so it happens inside the
 * worker's cgroup and before its measured loop.  What the options are and
 * how a plan spells them is common/plan-workopts.h. */
#ifndef KTSTR_GUEST_WORKOPTS_H
#define KTSTR_GUEST_WORKOPTS_H

#include <stdint.h>

#include "common/cpuset.h"
#include "common/plan-workopts.h"
#include "guest-init/util.h"

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
