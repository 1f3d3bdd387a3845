/* Deciding how one test went, from everything a VM run left behind.
 *
 * The order matters: a kernel panic explains a missing result, a missing
 * hello explains everything after it, and so on.  Verdicts, in order:
 *   kernel panic   the platform reported one (pvpanic) or the console shows
 *                  "Kernel panic - not syncing"
 *   boot failure   the guest agent never said hello
 *   deadline too short  the host deadline passed, the boot having left
 *                  less of it than the scenario takes (--timeout too short)
 *   hang           the host deadline passed before the agent finished
 *   agent error    the agent could not set up or run the scenario
 *   incomplete     the VM ended before the agent said done
 *   topology       the guest sees another topology than was asked for
 *   checks         starvation, fairness, gaps, isolation, ... per cgroup
 *   monitor        a sustained monitor threshold violation while a sched_ext
 *                  scheduler ran (monitor/judge.h), on top of the checks
 * Also, whatever else happened: a control-channel flood, and a VM teardown
 * over the test's cleanup_budget_ms.  Each reason has a kind
 * (testdef/expect-err.h); a test with expect_err passes when a reason of
 * the kind it names is among them, and fails, "expected error NAME did
 * not happen", when none is.
 * Each failure carries a report with the sections ktstr users know:
 * reasons, `--- stats ---`, `--- diagnostics ---` (end of the VM, the
 * accelerator, the command to reproduce it, the last console lines),
 * `--- timeline ---`. */
#ifndef KTSTR_VERDICT_H
#define KTSTR_VERDICT_H

#include <glib.h>

#include "backends/backend.h"
#include "run/outcome.h"
#include "record/scenario-stats.h"
#include "run/session.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

typedef struct
{
  KtstrOutcome outcome;
  char *summary;              /* one line, NULL on pass */
  char *report;               /* multi-line failure report, NULL on pass */
  KtstrScenarioStats *stats;  /* never NULL (empty when nothing was measured) */
  GPtrArray *payload_metrics; /* KtstrPayloadMetrics*, one per payload run; never NULL */
  /* KtstrStimulusEvent*: the monitor's violations and dump request, for
   * the sidecar's timeline; never NULL. */
  GPtrArray *monitor_events;
  /* The sidecar's scheduler_exit (sched-verdict.h), or NULL. */
  JsonNode *scheduler_exit;
} KtstrVerdict;

void ktstr_verdict_free (KtstrVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVerdict, ktstr_verdict_free)

/* CONSOLE_TEXT: the kernel console log, read once by the runner (NULL
 * when it could not be read); BACKEND_ERROR: why the backend failed to
 * launch or wait, or NULL. */
KtstrVerdict *ktstr_verdict_decide (const KtstrTestDef *def, const KtstrTopology *topology,
                                    const KtstrSession *session, const KtstrVmResult *vm,
                                    const char *console_text, const char *backend_error);

G_END_DECLS

#endif
