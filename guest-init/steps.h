/* Scenarios with steps: the backdrop's cgroups and workers, then each
 * step in order (its ops, its own cgroups and works, its hold), everything
 * a step made torn down at its end.  The state they share with the ops
 * (ops.c) and payloads (payload.c) is the runtime (runtime.h). */
#ifndef KTSTR_GUEST_STEPS_H
#define KTSTR_GUEST_STEPS_H

#include "guest-init/scenario.h"

/* Runs PLAN (which has steps or ops; ktstr_scenario_run runs the others)
 * and sends everything up to and including "done".  On failure returns -1
 * with err set; the caller sends the "error" message. */
int ktstr_steps_run (const KtstrPlan *plan, const KtstrTopo *topo, KtstrCtrl *ctrl,
                     const KtstrScenarioOptions *o, KtstrError *err);

#endif
