/* What each work type a plan names does in the agent: one KtstrWorkImpl
 * (worker.h) per KtstrWorkKind, the hooks the worker loop calls.  The
 * plan grammar's side of a work type (its name, parameters with defaults
 * and bounds, group size) is common/plan-worktypes.h.  A new work type is
 * one entry there plus its iteration function and one entry in
 * worktypes.c. */
#ifndef KTSTR_GUEST_WORKTYPES_H
#define KTSTR_GUEST_WORKTYPES_H

#include "common/plan-worktypes.h"
#include "guest-init/worker.h"

/* The hooks of T, a type of the table (ktstr_worktype_find/nth). */
const KtstrWorkImpl *ktstr_workimpl_of (const KtstrWorkType *t);

#endif
