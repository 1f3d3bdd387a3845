/* The plan grammar's state while it reads a plan, shared by its parts:
 * plan.c (lines, scalars, whole-plan checks), plan-works.c (cgroup and
 * work lines), plan-steps.c (steps, ops, payloads, the scheduler).  Every
 * refusal goes through ktstr_plan_fail, which records the line, its
 * directive and the field at fault.  Not for users of the grammar, who
 * include common/plan.h. */
#ifndef KTSTR_COMMON_PLAN_PARSER_H
#define KTSTR_COMMON_PLAN_PARSER_H

#include <stdbool.h>

#include "common/plan-types.h"

typedef struct
{
  KtstrPlan *plan;
  KtstrPlanError *err;
  unsigned line;
  const char *directive; /* the current line's first word, "" before one */
  /* Line where each scalar directive was first given, 0 if not yet. */
  unsigned seen_test, seen_topology, seen_duration, seen_settle, seen_guard, seen_workers;
  unsigned seen_cgroup_parent;
  int step; /* the step later lines belong to, KTSTR_PLAN_BACKDROP before any */
} KtstrPlanParser;

/* Fills P's error for the current line (P->line, P->directive) with FIELD
 * (see KtstrPlanError; "" for the whole line) and the message, and
 * returns -1. */
int ktstr_plan_fail (KtstrPlanParser *p, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Moves P to LINE of DIRECTIVE, for checks made after the whole plan was
 * read that blame an earlier line. */
void ktstr_plan_parser_at (KtstrPlanParser *p, unsigned line, const char *directive);

/* A cgroup (component) or payload name: letters, digits, '_', '-', '.',
 * not starting with '-' or '.', shorter than KTSTR_PLAN_NAME_MAX. */
bool ktstr_plan_is_valid_name (const char *s);

/* Whether S is a valid nested cgroup name ("outer/inner"). */
bool ktstr_plan_is_valid_cgroup_path (const char *s);

/* The index of cgroup NAME, or -1. */
int ktstr_plan_find_cgroup (const KtstrPlan *plan, const char *name);

/* The name of some cgroup whose parent is CG, for messages ("?" if none). */
const char *ktstr_plan_first_child (const KtstrPlan *plan, unsigned cg);

#endif
