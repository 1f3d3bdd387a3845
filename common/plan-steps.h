/* The dynamic part of a plan: step lines and their holds, op lines,
 * payload lines and the scheduler under test (scheduler, scheduler_arg,
 * scheduler_env), and the checks of them that need the whole plan.  Part
 * of the plan grammar (common/plan.h), which includes this header for the
 * two functions users need: op names and the run time. */
#ifndef KTSTR_COMMON_PLAN_STEPS_H
#define KTSTR_COMMON_PLAN_STEPS_H

#include <stdint.h>

#include "common/plan-parser.h"

/* The name of an op kind ("AddCgroup", ...). */
const char *ktstr_op_kind_name (KtstrOpKind kind);

/* How long the scenario runs from ScenarioStart: duration_ms without
 * steps, else the steps' holds (a loop step lasts until duration_ms). */
uint64_t ktstr_plan_run_ms (const KtstrPlan *plan);

/* The lines, W[0] being the directive and N counting W; words may be
 * modified in place. */
int ktstr_plan_parse_step (KtstrPlanParser *p, char **w, unsigned n);
int ktstr_plan_parse_op (KtstrPlanParser *p, char **w, unsigned n);
/* "payload NAME PATH [output=json|exitcode]" and "payload_env NAME K=V" */
int ktstr_plan_parse_payload (KtstrPlanParser *p, char **w, unsigned n);
/* "payload_arg NAME ARG": REST is "NAME ARG", ARG taken verbatim. */
int ktstr_plan_parse_payload_arg (KtstrPlanParser *p, const char *rest);
int ktstr_plan_parse_scheduler (KtstrPlanParser *p, char **w, unsigned n);
/* "scheduler_arg ARG": REST is ARG, taken verbatim (it may be empty). */
int ktstr_plan_parse_scheduler_arg (KtstrPlanParser *p, const char *rest);
int ktstr_plan_parse_scheduler_env (KtstrPlanParser *p, char **w, unsigned n);
/* "scheduler_tracer PATH [ARG...]", after the scheduler line. */
int ktstr_plan_parse_scheduler_tracer (KtstrPlanParser *p, char **w, unsigned n);
/* "builtin_write enable|disable PATH VALUE", "builtin_run enable|disable
 * PATH [ARG...]" and "builtin_env KEY=VALUE": a kernel-built-in scheduler
 * (plan-types.h), never together with a scheduler line. */
int ktstr_plan_parse_builtin (KtstrPlanParser *p, char **w, unsigned n);

/* Whole-plan checks of the steps and ops: no task moved into a cgroup
 * with children, loop holds last and running only repeatable ops. */
int ktstr_plan_finish_steps (KtstrPlanParser *p);

#endif
