/* A kernel-built-in scheduler under test: one with no program of its own,
 * switched on and off by the plan's builtin_write (a sysfs or procfs
 * knob) and builtin_run (a packed program) lines, in plan order.  The
 * agent applies the enable actions where it would start a sched_ext
 * scheduler, and the disable actions after the scenario. */
#ifndef KTSTR_GUEST_BUILTIN_SCHED_H
#define KTSTR_GUEST_BUILTIN_SCHED_H

#include <stdbool.h>

#include "common/error.h"
#include "common/plan-types.h"
#include "guest-init/ctrl.h"

/* How long one write or run may take. */
#define KTSTR_BUILTIN_ACTION_TIMEOUT_MS 10000

/* Applies PLAN's enable (IS_DISABLE false) or disable actions, each
 * logged to CTRL; KEEP_OUT fds are closed in the programs run.  Stops at
 * the first that fails: -1 with ERR naming it. */
int ktstr_builtin_sched_apply (const KtstrPlan *plan, bool is_disable, KtstrCtrl *ctrl,
                               const int *keep_out, unsigned n_keep_out, KtstrError *err);

#endif
