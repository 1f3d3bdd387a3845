/* The CPU topology the guest actually sees, read from sysfs (LLC groups from
 * cache shared_cpu_list, NUMA nodes, SMT width), and the resolution of a
 * plan's cpuset SPEC against it.  The sysfs root is a parameter so the unit
 * tests can feed fake trees (tests/data/guest/). */
#ifndef KTSTR_GUEST_TOPO_H
#define KTSTR_GUEST_TOPO_H

#include "common/cpuset.h"
#include "common/plan.h"
#include "guest-init/util.h"

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

/* Reads the topology below SYSFS_ROOT ("/sys" in the guest). */
int ktstr_topo_read (const char *sysfs_root, KtstrTopo *t, KtstrError *err);

/* The CPUs cpusets partition: all online CPUs but the last when there are
 * more than 2 (ktstr leaves it to the root cgroup and the harness). */
void ktstr_topo_usable (const KtstrTopo *t, KtstrCpuSet *out);

/* Resolves SPEC.  *out is empty for KTSTR_CPUSET_ALL (inherit every CPU). */
int ktstr_topo_resolve (const KtstrTopo *t, const KtstrCpusetSpec *spec, KtstrCpuSet *out,
                        KtstrError *err);

/* The NUMA node ids whose CPUs intersect CPUS, as a list ("0", "0-1"). */
char *ktstr_topo_nodes_for (const KtstrTopo *t, const KtstrCpuSet *cpus, char *buf, size_t len);

#endif
