/* `ktstr test --json`: the run as one JSON document for scripts (the
 * style of doc/json-output.md), printed when the run ends:
 *
 *   {"run_directory", "shard" ("I/N" or null), "passed", "failed",
 *    "skipped", "not_run", "harness_errors", "interrupted", "elapsed_s",
 *    "results": [{"name", "outcome" ("pass", "fail", "skip"), "topology",
 *                 "duration_s", "verdict", "sidecar", "harness_error"}]}
 *
 * Results come in the order they finished (with -j, not the list order);
 * a variant that was not run has no result.  The failure reports stay in
 * the sidecars and on stderr: "verdict" is the one-line reason. */
#ifndef KTSTR_OUTPUT_JSON_H
#define KTSTR_OUTPUT_JSON_H

#include <glib.h>

#include "run/executor.h"

G_BEGIN_DECLS

/* RESULTS: KtstrTestResult*.  SHARD: "I/N" or NULL. */
char *ktstr_run_json_to_data (const char *rundir, const char *shard,
                              const KtstrExecutorSummary *summary, GPtrArray *results);

G_END_DECLS

#endif
