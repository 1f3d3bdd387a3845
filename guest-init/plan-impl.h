/* Shared between the plan parser's two halves: plan.c (scalars, cgroups,
 * works) and plan-steps.c (steps, ops, payloads).  Not for other users. */
#ifndef KTSTR_GUEST_PLAN_IMPL_H
#define KTSTR_GUEST_PLAN_IMPL_H

#include "guest-init/plan.h"

typedef struct
{
  KtstrPlan *plan;
  KtstrError *err;
  unsigned line;
  /* Line where each scalar directive was first given, 0 if not yet. */
  unsigned seen_test, seen_topology, seen_duration, seen_settle, seen_guard, seen_workers;
  int step; /* the step later lines belong to, KTSTR_PLAN_BACKDROP before any */
} Parser;

/* Sets "plan line N: MSG" and returns -1. */
int ktstr_plan_fail (Parser *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

bool ktstr_plan_is_valid_name (const char *s);

/* The index of cgroup NAME, or -1. */
int ktstr_plan_find_cgroup (Parser *p, const char *name);

/* "cgroup NAME [cpuset=SPEC]" */
int ktstr_plan_parse_cgroup_words (Parser *p, char **w, unsigned n);

/* "work CGROUP TYPE [k=v ...]" (W[0] may be any word, e.g. "Spawn"). */
int ktstr_plan_parse_work (Parser *p, char **w, unsigned n);

int ktstr_plan_parse_step (Parser *p, char **w, unsigned n);
int ktstr_plan_parse_op (Parser *p, char **w, unsigned n);
int ktstr_plan_parse_payload (Parser *p, char **w, unsigned n);
/* "payload_arg NAME ARG": REST is "NAME ARG", ARG taken verbatim. */
int ktstr_plan_parse_payload_arg (Parser *p, const char *rest);

/* Whole-plan checks of the steps, ops and payloads. */
int ktstr_plan_finish_steps (Parser *p);

#endif
