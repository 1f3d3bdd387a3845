/* The work types a plan's `work` line can name: the table of them.  Each
 * is one KtstrWorkType entry (worker.h): its parameters with defaults and
 * bounds, how many workers form a group, and a few hooks.  A new work type
 * is one iteration function plus one entry in worktypes.c. */
#ifndef KTSTR_GUEST_WORKTYPES_H
#define KTSTR_GUEST_WORKTYPES_H

#include <stddef.h>
#include <stdint.h>

#include "guest-init/util.h"
#include "guest-init/worker.h"

const KtstrWorkType *ktstr_worktype_find (const char *name);
/* The i-th known type, or NULL past the end (for listings and messages). */
const KtstrWorkType *ktstr_worktype_nth (size_t i);
/* Index of KEY in t->params, or -1. */
int ktstr_worktype_param_index (const KtstrWorkType *t, const char *key);
unsigned ktstr_worktype_group_size (const KtstrWorkType *t, const uint64_t *params);

#endif
