/* The scheduler under test as the guest learns of it: plan lines
 * (common/proto.h) in the same grammar as the rest of the plan, a
 * "scheduler" line with its program and readiness bound, one
 * "scheduler_arg" per argument and a "scheduler_env" for the library path
 * of its packed libraries.  The runner appends them to every test's plan. */
#ifndef KTSTR_SCHED_PLAN_H
#define KTSTR_SCHED_PLAN_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_SCHED_PLAN_ERROR (ktstr_sched_plan_error_quark ())
GQuark ktstr_sched_plan_error_quark (void);

typedef enum
{
  KTSTR_SCHED_PLAN_ERROR_INVALID, /* an argument the guest's plan cannot carry */
} KtstrSchedPlanError;

/* The plan lines that start GUEST_BINARY (an absolute path in the guest)
 * with ARGS (NULL-terminated; NULL: none), LD_LIBRARY_PATH (NULL or "":
 * none) and READY_MS (0: the agent's default).  They are checked with the
 * plan grammar the agent runs, so that what it would refuse fails here,
 * before a VM boots (KTSTR_SCHED_PLAN_ERROR_INVALID, naming what). */
char *ktstr_sched_plan_lines (const char *guest_binary, const char *const *args,
                              const char *ld_library_path, guint ready_ms, GError **error);

G_END_DECLS

#endif
