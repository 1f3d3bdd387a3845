/* One scenario run, from a validated plan: cgroups with their cpusets,
 * settle, workers forked and moved into their cgroups, the timed run, stop
 * and collection, and the stim/cgroup/worker/done messages along the way. */
#ifndef KTSTR_GUEST_SCENARIO_H
#define KTSTR_GUEST_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/plan.h"
#include "guest-init/ctrl.h"
#include "guest-init/topo.h"
#include "guest-init/util.h"

typedef struct
{
  bool use_cgroups;
  const char *cgroup_root; /* KTSTR_CGROUP_ROOT in the guest */
  bool remove_cgroups;     /* clean up afterwards (not worth it before poweroff) */
  const int *keep_out;     /* fds workers must not inherit */
  size_t n_keep_out;
} KtstrScenarioOptions;

/* Runs PLAN, which has no steps or ops (ktstr_steps_run in steps.h runs
 * those), and sends everything up to and including "done".  On failure
 * returns -1 with err set; the caller sends the "error" message. */
int ktstr_scenario_run (const KtstrPlan *plan, const KtstrTopo *topo, KtstrCtrl *ctrl,
                        const KtstrScenarioOptions *o, KtstrError *err);

/* cpuset.mems for a child of CGROUP_ROOT holding CPUS: the nodes those
 * CPUs sit on that the parent may use; NULL (inherit) when none. */
const char *ktstr_scenario_mems_for (const char *cgroup_root, const KtstrTopo *topo,
                                     const KtstrCpuSet *cpus, char *buf, size_t len);

#endif
