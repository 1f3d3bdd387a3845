/* The test plan grammar, one for host and guest.
 *
 * The plan is the text the host packs into the guest at KTSTR_PLAN_PATH
 * and the agent runs (its format: common/proto.h).  The agent parses it
 * up front, so that a bad plan is one clear error naming the line before
 * anything is set up; the host parses the plan each test file renders
 * to, so that a file it accepts is a plan the agent runs.  A refusal is a
 * KtstrPlanError: the line, its directive, the field at fault and the
 * message, which the host maps back to the test file's group and key and
 * the guest reports as "plan line N: MESSAGE".
 *
 * Plain C (the agent links it statically, without GLib).  The grammar's
 * parts: plan.c (lines, scalars, whole-plan checks), plan-works.c (cgroup
 * and work lines), plan-steps.c (steps, ops, payloads, the scheduler),
 * plan-cpuset.c (cpuset specs), plan-worktypes.c and plan-workopts.c
 * (what a work line may name and set). */
#ifndef KTSTR_COMMON_PLAN_H
#define KTSTR_COMMON_PLAN_H

#include <stdbool.h>

#include "common/error.h"
#include "common/plan-cpuset.h"
#include "common/plan-steps.h"
#include "common/plan-types.h"
#include "common/plan-works.h"

/* Parses TEXT into PLAN.  Returns 0, or -1 with ERR filled in. */
int ktstr_plan_parse (const char *text, KtstrPlan *plan, KtstrPlanError *err);

/* ERR as one line of text: "plan line N: MESSAGE" ("MESSAGE" without a
 * line), as the agent reports it. */
void ktstr_plan_error_text (const KtstrPlanError *perr, KtstrError *err);

/* Reads PATH (at most KTSTR_PLAN_MAX_BYTES) and parses it; errors as text,
 * prefixed "plan 'PATH': ". */
int ktstr_plan_load (const char *path, KtstrPlan *plan, KtstrError *err);

/* Whether S is a cgroup_parent: an absolute cgroup path ("/a/b.slice"),
 * each component a name of letters, digits, '_', '-', '.' not starting
 * with '.' or '-' (so never "." or ".."). */
bool ktstr_plan_is_valid_cgroup_parent (const char *s);

/* The I-th argument and environment entry of the plan's scheduler. */
static inline const char *
ktstr_plan_sched_arg (const KtstrPlanScheduler *sc, unsigned i)
{
  return sc->text + sc->arg_at[i];
}

static inline const char *
ktstr_plan_sched_env (const KtstrPlanScheduler *sc, unsigned i)
{
  return sc->text + sc->env_at[i];
}

/* The scheduler's tracer (sc->has_tracer) and its I-th argument. */
static inline const char *
ktstr_plan_sched_tracer (const KtstrPlanScheduler *sc)
{
  return sc->text + sc->tracer_at;
}

static inline const char *
ktstr_plan_sched_tracer_arg (const KtstrPlanScheduler *sc, unsigned i)
{
  return sc->text + sc->tracer_arg_at[i];
}

#endif
