/* The cgroup and work lines of a plan, and the checks of them that need
 * the whole plan: group sizes, leaves-only workers, the worker total.
 * Part of the plan grammar (common/plan.h); ops that add cgroups or spawn
 * work (plan-steps.c) reuse these line parsers. */
#ifndef KTSTR_COMMON_PLAN_WORKS_H
#define KTSTR_COMMON_PLAN_WORKS_H

#include "common/error.h"
#include "common/plan-parser.h"

/* "cgroup NAME [cpuset=SPEC]": W[0] is any word ("cgroup" for the line,
 * "AddCgroup" for the op), N counts W. */
int ktstr_plan_parse_cgroup (KtstrPlanParser *p, char **w, unsigned n);

/* "work CGROUP TYPE [workers=N] [key=value ...]" (W[0] may be any word,
 * e.g. "Spawn"; "SpawnHost" may name the host cgroup).  The words are
 * modified in place. */
int ktstr_plan_parse_work (KtstrPlanParser *p, char **w, unsigned n);

/* Whole-plan checks of the works: worker defaults filled in, group sizes,
 * no workers (from works or ops) in a cgroup with children, the total. */
int ktstr_plan_finish_works (KtstrPlanParser *p);

/* With CPUS the plan's cgroup cpusets resolved (empty: all), -1 and ERR
 * naming both when a child's CPUs are not within its parent's.  The agent
 * checks this once it knows the topology. */
int ktstr_plan_check_nested (const KtstrPlan *plan, const KtstrCpuSet *cpus, KtstrError *err);

#endif
