/* Payloads: any program packed into the image, run in the background by
 * RunPayload, ended by WaitPayload (no timeout: the guard bounds it) or
 * KillPayload (or its step's end), with its exit code and bounded output
 * sent to the host in a "payload" message; the host extracts the metrics
 * and runs the checks. */
#ifndef KTSTR_GUEST_PAYLOAD_H
#define KTSTR_GUEST_PAYLOAD_H

#include "guest-init/runtime.h"

/* Output kept per stream; the rest is dropped. */
#define KTSTR_PAYLOAD_OUTPUT_MAX (16 * 1024)

/* Starts plan->payloads[op->a] (in cgroup op->b when op->has_cgroup). */
int ktstr_payload_start (KtstrRuntime *rt, const KtstrPlanOp *op, pid_t *pid, KtstrError *err);

/* The live run of payload P, or NULL. */
KtstrPayloadRun *ktstr_payload_find_live (KtstrRuntime *rt, unsigned payload);

/* Waits for (or SIGKILLs, then reaps) RUN and reports it; returns its
 * exit code (128+N after signal N). */
int ktstr_payload_finish (KtstrRuntime *rt, KtstrPayloadRun *run, bool is_kill);

#endif
