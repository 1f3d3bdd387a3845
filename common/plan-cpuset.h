/* The cpuset specs of plan lines (cgroup cpuset=, SetCpuset,
 * SetAffinity): all, exact:LIST, llc:I, numa:N, range:A-B, disjoint:I/N,
 * overlap:I/N/F.  Parsed here into a KtstrCpusetSpec; the agent resolves
 * them against the topology it sees (guest-init/topo.c). */
#ifndef KTSTR_COMMON_PLAN_CPUSET_H
#define KTSTR_COMMON_PLAN_CPUSET_H

#include "common/error.h"
#include "common/plan-types.h"

/* Parses one cpuset SPEC (the part after cpuset=).  Errors read "invalid
 * cpuset 'TEXT': ..." and say what is expected. */
int ktstr_cpuset_spec_parse (const char *text, KtstrCpusetSpec *spec, KtstrError *err);

#endif
