/* The CPU topology the guest actually sees, read from sysfs (LLC groups from
 * cache shared_cpu_list, NUMA nodes, SMT width); cpuset specs resolve
 * against it with common/cpu-topo.h.  The sysfs root is a parameter so the unit
 * tests can feed fake trees (tests/data/guest/). */
#ifndef KTSTR_GUEST_TOPO_H
#define KTSTR_GUEST_TOPO_H

#include "common/cpu-topo.h"
#include "common/cpuset.h"
#include "common/plan.h"
#include "guest-init/util.h"

/* Reads the topology below SYSFS_ROOT ("/sys" in the guest). */
int ktstr_topo_read (const char *sysfs_root, KtstrTopo *t, KtstrError *err);

/* The NUMA node ids whose CPUs intersect CPUS, as a list ("0", "0-1"). */
char *ktstr_topo_nodes_for (const KtstrTopo *t, const KtstrCpuSet *cpus, char *buf, size_t len);

#endif
