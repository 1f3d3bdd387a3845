/* Where a VM's vCPUs run on the host: the fit logic of performance mode
 * and --cpu-cap, as pure functions of the host's CPUs (unit-tested
 * without a VM in tests/test-cpu-plan.c).
 *
 * Three placements:
 *  - float: the VM is not pinned; it may use every host CPU nobody has
 *    pinned a VM to, and reserves them shared;
 *  - capped (--cpu-cap N): all the VM's threads on a window of at most N
 *    host CPUs, within one host LLC where one has room, reserved
 *    exclusively;
 *  - performance mode: each vCPU on a host CPU of its own, the vCPUs of one
 *    virtual LLC within one host LLC of their own (each virtual LLC a
 *    different host LLC), and one more host CPU, the service CPU, left
 *    for QEMU's other threads and ktstr; the vCPU CPUs and their whole
 *    LLCs are reserved exclusively.
 * A plan that can never fit on this host says why (NO_FIT); one that
 * would fit on an idle host but not beside the CPUs others hold now is
 * BUSY. */
#ifndef KTSTR_RUN_CPU_PLAN_H
#define KTSTR_RUN_CPU_PLAN_H

#include <glib.h>

#include "common/topology.h"
#include "record/cpulock.h"

G_BEGIN_DECLS

#define KTSTR_CPU_PLAN_ERROR (ktstr_cpu_plan_error_quark ())
GQuark ktstr_cpu_plan_error_quark (void);

typedef enum
{
  KTSTR_CPU_PLAN_ERROR_NO_FIT, /* this host can never hold the plan */
  KTSTR_CPU_PLAN_ERROR_BUSY,   /* it could, but other VMs hold the CPUs it needs */
  KTSTR_CPU_PLAN_ERROR_HOST,   /* the host's CPUs cannot be read */
} KtstrCpuPlanError;

/* One host CPU this process may run on. */
typedef struct
{
  guint cpu;
  guint llc;  /* the lowest CPU sharing its last-level cache */
  guint node; /* its NUMA node */
} KtstrHostCpu;

/* The CPUs of CPUS[0..N) with their LLC and node from SYSFS_CPU_DIR (the
 * layout of /sys/devices/system/cpu): LLC from the highest cache level's
 * shared_cpu_list, node from the nodeN link.  A CPU without cache
 * information shares one LLC with the others that lack it; without a node
 * link it is on node 0.  GArray of KtstrHostCpu, sorted by CPU. */
GArray *ktstr_host_cpus_describe (const char *sysfs_cpu_dir, const guint *cpus, guint n);

/* The CPUs this process may run on (sched_getaffinity), described from
 * /sys/devices/system/cpu. */
GArray *ktstr_host_cpus_read (GError **error);

typedef enum
{
  KTSTR_PLACEMENT_FLOAT,
  KTSTR_PLACEMENT_CAPPED,
  KTSTR_PLACEMENT_PERF,
} KtstrPlacementMode;

typedef struct
{
  KtstrPlacementMode mode;
  GArray *vcpu_cpus;    /* guint: perf: the host CPU of vCPU i; empty otherwise */
  GArray *cpus;         /* guint: where the vCPU threads may run */
  GArray *service_cpus; /* guint: where the VMM's other threads run */
  GArray *llcs;         /* guint: the LLCs of cpus (perf: of vcpu_cpus) */
  GArray *nodes;        /* guint: the NUMA nodes of cpus */
  gboolean is_all;      /* float over every CPU of the process: nothing to pin */
} KtstrCpuPlan;

void ktstr_cpu_plan_free (KtstrCpuPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCpuPlan, ktstr_cpu_plan_free)

/* The plans, over HOST (KtstrHostCpu) less the CPUs in BUSY (guint, may be
 * NULL): those another VM has reserved. */
KtstrCpuPlan *ktstr_cpu_plan_float (const GArray *host, const GArray *busy, GError **error);
KtstrCpuPlan *ktstr_cpu_plan_capped (const GArray *host, guint n_vcpus, guint cap,
                                     const GArray *busy, GError **error);
KtstrCpuPlan *ktstr_cpu_plan_perf (const GArray *host, const KtstrTopology *topo,
                                   const GArray *busy, GError **error);

/* The locks PLAN needs (record/cpulock.h), as a GArray of
 * KtstrCpuLockWant: every CPU and LLC it uses, exclusive where it pins. */
GArray *ktstr_cpu_plan_wants (const KtstrCpuPlan *plan);

/* "0-3" etc. of a guint GArray. */
char *ktstr_cpu_plan_format (const GArray *cpus);

G_END_DECLS

#endif
