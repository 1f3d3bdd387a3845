/* A CPU topology as sets of CPUs (online CPUs, LLC groups, NUMA nodes)
 * and the resolution of a plan's cpuset specs against it.  The guest
 * agent fills one from sysfs (guest-init/topo.h) and resolves its plan's
 * cpusets there; the host fills one from a topology label, numbering CPUs
 * the way the VM will (node by node, LLC by LLC, core by core), and
 * resolves the same specs before any boot, so a test whose cpusets the
 * topology cannot hold is refused with the agent's own words.  Plain C,
 * shared by host and guest. */
#ifndef KTSTR_COMMON_CPU_TOPO_H
#define KTSTR_COMMON_CPU_TOPO_H

#include <stdbool.h>

#include "common/cpuset.h"
#include "common/error.h"
#include "common/plan-types.h"
#include "common/topology.h"

#define KTSTR_TOPO_MAX_GROUPS 128

typedef struct
{
  KtstrCpuSet online;
  unsigned n_cpus;
  unsigned n_llcs;
  KtstrCpuSet llcs[KTSTR_TOPO_MAX_GROUPS]; /* ordered by lowest CPU */
  unsigned n_nodes;
  int node_ids[KTSTR_TOPO_MAX_GROUPS]; /* ascending */
  KtstrCpuSet nodes[KTSTR_TOPO_MAX_GROUPS];
  unsigned smt;        /* threads per core */
  bool has_cache_info; /* false: no cacheinfo in sysfs, one LLC assumed */
} KtstrTopo;

/* The topology a VM started at label T has: CPUs 0..N-1, NUMA node i
 * the i-th contiguous block of CPUs, LLC j the j-th contiguous block of
 * cores_per_llc x threads_per_core CPUs.  T must be a parsed label. */
void ktstr_topo_from_label (const KtstrTopology *t, KtstrTopo *out);

/* The CPUs cpusets partition: all online CPUs but the last when there are
 * more than 2 (ktstr leaves it to the root cgroup and the harness). */
void ktstr_topo_usable (const KtstrTopo *t, KtstrCpuSet *out);

/* Resolves SPEC.  *out is empty for KTSTR_CPUSET_ALL (inherit every CPU). */
int ktstr_topo_resolve (const KtstrTopo *t, const KtstrCpusetSpec *spec, KtstrCpuSet *out,
                        KtstrError *err);

#endif
