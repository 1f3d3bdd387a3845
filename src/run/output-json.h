/* `ktstr test --json`: the run as one JSON document for scripts (the
 * style of doc/json-output.md), printed when the run ends:
 *
 *   {"run_directory", "kernels": [{"kernel", "run_directory"}],
 *    "shard" ("I/N" or null), "passed", "failed",
 *    "skipped", "not_run", "harness_errors", "interrupted", "elapsed_s",
 *    "results": [{"name", "outcome" ("pass", "fail", "skip"), "topology",
 *                 "duration_s", "verdict", "sidecar", "harness_error"}]}
 *
 * Results come in the order they finished (with -j, not the list order);
 * a variant that was not run has no result.  "run_directory" is the first
 * kernel's; "kernels" lists every kernel of the run (its version, or
 * "unknown") with its own run directory.  The failure reports stay in
 * the sidecars and on stderr: "verdict" is the one-line reason. */
#ifndef KTSTR_OUTPUT_JSON_H
#define KTSTR_OUTPUT_JSON_H

#include <glib.h>

#include "run/executor.h"

G_BEGIN_DECLS

/* KERNELS and RUNDIRS: the kernels' labels and their run directories,
 * NULL-terminated, as many of each.  RESULTS: KtstrTestResult*.  SHARD:
 * "I/N" or NULL. */
char *ktstr_run_json_to_data (const char *const *kernels, const char *const *rundirs,
                              const char *shard, const KtstrExecutorSummary *summary,
                              GPtrArray *results);

G_END_DECLS

#endif
