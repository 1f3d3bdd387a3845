/* The 13 ops of a step (common/proto.h): each changes the running
 * scenario and is reported as a stim event with its kind and detail. */
#ifndef KTSTR_GUEST_OPS_H
#define KTSTR_GUEST_OPS_H

#include "guest-init/runtime.h"

/* Applies plan->ops[I] and sends its stim (label LABEL).  -1 with err set
 * when the scenario cannot go on. */
int ktstr_op_apply (KtstrRuntime *rt, unsigned i, const char *label, KtstrError *err);

#endif
