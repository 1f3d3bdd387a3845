/* Text for failure reports: the reasons (one line per failure detail) and
 * the `--- stats ---` block, one line per cgroup, that ktstr prints under a
 * failed test (doc/checks.md). */
#ifndef KTSTR_EVAL_FORMAT_H
#define KTSTR_EVAL_FORMAT_H

#include <glib.h>

#include "eval/checks.h"
#include "record/scenario-stats.h"

G_BEGIN_DECLS

/* "--- stats ---\n" then, per cgroup:
 *   "cg_0: 2 workers, 2 cpus, spread 3% (10-13%), gap 12ms on cpu1,
 *    4 migrations (ratio 0.000), 12345 iterations,
 *    wake latency p99/median 120.5/40.2us\n"  (one line) */
char *ktstr_eval_format_stats (const KtstrScenarioStats *stats);

G_END_DECLS

#endif
