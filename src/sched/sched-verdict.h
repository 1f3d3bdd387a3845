/* Verdicts about the scheduler under test, each with its evidence:
 *   no sched_ext   the kernel lacks CONFIG_SCHED_CLASS_EXT (a failure: a
 *                  scheduler test that could not test the scheduler must
 *                  not read as a pass or a skip in CI)
 *   failed to load the process ended before sched_ext enabled it and its
 *                  output shows a BPF load failure: the verifier log,
 *                  repeated blocks collapsed (verifier-log.h)
 *   not ready      not "enabled" with a non-empty root/ops within the bound
 *                  (or it ended without a load failure: not a scheduler);
 *                  when the kernel disabled it with an error meanwhile
 *                  (e.g. scx_bpf_error() in ops.init), the headline says
 *                  so with the exit kind, reason and message
 *   died           ended, or sched_ext left "enabled", after it had been
 *                  enabled: exit status, sched_ext exit kind and reason from
 *                  the kernel log (e.g. kind 1026, runnable task stall),
 *                  the kernel's message, and the dump when there is one
 *   not detached   still attached after ktstr stopped it
 * A kernel panic or a hang while it ran is decided by verdict.c and names
 * the scheduler.  The report adds `--- scheduler log ---`,
 * `--- sched_ext dump ---` and `--- console ---`. */
#ifndef KTSTR_SCHED_VERDICT_H
#define KTSTR_SCHED_VERDICT_H

#include <glib.h>

#include <json-glib/json-glib.h>

#include "sched/sched-record.h"

G_BEGIN_DECLS

/* sched_ext exit kinds (include/linux/sched/ext.h, enum scx_exit_kind). */
typedef struct
{
  char *ops;    /* the scheduler's name in the kernel message */
  char *reason; /* e.g. "runnable task stall" */
  int kind;     /* e.g. 1026; -1 when the reason is not known */
  char *msg;    /* the scheduler's or kernel's message, may be NULL */
} KtstrSchedExit;

/* The exit kind for a reason text, -1 when unknown. */
int ktstr_sched_exit_kind (const char *reason);

/* Why the scheduler failed before the scenario ran (no sched_ext, failed
 * to load, not ready, died while starting), or NULL. */
char *ktstr_sched_verdict_start (const KtstrSchedRecord *rec, const char *console_text);

/* Why it failed once ready (died, left enabled, did not detach), or NULL. */
char *ktstr_sched_verdict_run (const KtstrSchedRecord *rec, const char *console_text);

/* The sidecar's scheduler_exit: {"kind", "reason", "message"} when the
 * kernel disabled the expected scheduler with an error (kind >= 1024),
 * else NULL. */
JsonNode *ktstr_sched_exit_to_json (const KtstrSchedRecord *rec, const char *console_text);

/* The name the sidecar records: DEF_NAME, else root/ops, else the binary's
 * basename when it never got that far, else "eevdf". */
char *ktstr_sched_record_name (const KtstrSchedRecord *rec, const char *def_name,
                               const char *binary);

/* Appends the scheduler sections of a failure report; CONSOLE_TEXT is the
 * kernel console log (NULL when it could not be read). */
void ktstr_sched_report_append (GString *out, const KtstrSchedRecord *rec,
                                const char *console_text);

G_END_DECLS

#endif
