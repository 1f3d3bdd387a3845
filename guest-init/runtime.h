/* The running state of a scenario with steps, and what changes it:
 * cgroups made and removed, worker batches spawned, stopped and reported,
 * payload runs.  The step driver (steps.c), the ops (ops.c) and the
 * payloads (payload.c) share it; it calls none of them. */
#ifndef KTSTR_GUEST_RUNTIME_H
#define KTSTR_GUEST_RUNTIME_H

#include "guest-init/scenario.h"
#include "guest-init/workers.h"

#define KTSTR_RT_MAX_BATCHES 128
#define KTSTR_RT_MAX_PAYLOAD_RUNS 32

/* Workers spawned together, all in one cgroup. */
typedef struct
{
  KtstrWorkerSet set;
  unsigned cgroup;
  int step;
  bool is_live; /* spawned and not yet stopped and reported */
} KtstrBatch;

typedef struct
{
  unsigned payload;
  int step;
  pid_t pid;
  bool is_live;
  char out_path[128], err_path[128];
} KtstrPayloadRun;

typedef struct
{
  const KtstrPlan *plan;
  const KtstrTopo *topo;
  KtstrCtrl *ctrl;
  const KtstrScenarioOptions *o;
  KtstrCpuSet cpus[KTSTR_PLAN_MAX_CGROUPS];    /* current cpuset of each cgroup, empty: all */
  KtstrCpuSet work_cpus[KTSTR_PLAN_MAX_WORKS]; /* fixed affinity per work line */
  bool is_created[KTSTR_PLAN_MAX_CGROUPS];
  unsigned next_index[KTSTR_PLAN_MAX_CGROUPS];
  KtstrBatch batches[KTSTR_RT_MAX_BATCHES];
  unsigned n_batches;
  KtstrPayloadRun runs[KTSTR_RT_MAX_PAYLOAD_RUNS];
  unsigned n_runs;
  uint64_t t0;      /* ScenarioStart */
  uint64_t cpu0_ns; /* the agent's CPU time (CLOCK_PROCESS_CPUTIME_ID) at t0 */
} KtstrRuntime;

uint64_t ktstr_rt_elapsed_ms (const KtstrRuntime *rt);
uint64_t ktstr_rt_live_iterations (const KtstrRuntime *rt);

/* Creates cgroup CG with rt->cpus[CG] and reports it. */
int ktstr_rt_create_cgroup (KtstrRuntime *rt, unsigned cg, KtstrError *err);
/* Removes it (best effort; its workers must be stopped first). */
void ktstr_rt_remove_cgroup (KtstrRuntime *rt, unsigned cg);

/* Forks the workers of WORKS (all in one cgroup), moves them into it and
 * starts them, as one batch owned by STEP. */
int ktstr_rt_spawn (KtstrRuntime *rt, const unsigned *works, unsigned n_works, int step,
                    KtstrError *err);

/* Stops and reports batch B if it is live. */
void ktstr_rt_stop_batch (KtstrRuntime *rt, KtstrBatch *b);

/* Stops and reports every live batch in cgroup CG; returns the workers. */
unsigned ktstr_rt_stop_cgroup (KtstrRuntime *rt, unsigned cg);

#endif
