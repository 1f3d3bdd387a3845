/* The executor: runs a list of variants (variant.h), JOBS VMs at once,
 * and reports each result through a callback.  Plain runs (one job) and
 * gauntlets (many) go through it alike.
 *
 * Each variant that boots runs on a worker thread with its own
 * thread-default GMainContext (the QEMU backend iterates it); results come
 * back to the thread that called ktstr_executor_run, which runs a main
 * loop on its thread-default context until every variant has a result or
 * was not run.  Sources the caller attached to that context (a signal
 * watch, a timer redrawing progress) run meanwhile.
 *
 * Results, in the order they arrive:
 *   - a skip that needs no sidecar is reported as soon as its turn to be
 *     queued comes (it waits for nothing);
 *   - a recorded skip writes its sidecar on a worker, in order;
 *   - a run whose harness failed (its sidecar could not be written, its
 *     image could not be built) becomes a FAIL with is_harness_error set
 *     and the reason as its verdict; the other variants still run.
 *
 * With is_shared_boot, the variants that may share a boot are run in
 * shared VMs (runner.h, ktstr_runner_run_shared); their results come one
 * by one as each test ends, like any other.
 *
 * Stopping (ktstr_executor_stop, e.g. on SIGINT): no new VM starts, every
 * running VM is killed, sidecars already written stay, and a variant cut
 * short leaves none and counts as not run.  A FAIL that arrives after the
 * stop was asked for, or after the caller's INTERRUPTED flag was raised,
 * is taken for a VM the interrupt killed (a terminal's Ctrl-C reaches
 * QEMU too) and is discarded the same way.
 *
 * The executor prints nothing and installs no signal handler: that is the
 * caller's (src/cli/). */
#ifndef KTSTR_EXECUTOR_H
#define KTSTR_EXECUTOR_H

#include <signal.h>

#include <glib.h>

#include "run/progress.h"
#include "run/runner.h"
#include "run/variant.h"

G_BEGIN_DECLS

/* RESULT (borrowed, valid until the executor is freed) of VARIANT. */
typedef void (*KtstrExecutorResultFunc) (const KtstrVariant *variant, const KtstrTestResult *result,
                                         gpointer user_data);

typedef struct
{
  guint jobs; /* VMs at once; 0 counts as 1 */
  /* Raised by the caller's signal handler the moment a signal arrives,
   * before its main loop can call ktstr_executor_stop; NULL: none. */
  const volatile sig_atomic_t *interrupted;
  KtstrExecutorResultFunc on_result; /* NULL: none */
  /* Tests that may share a VM run in one (shared-group.h), in JOBS parts
   * at once; FALSE: every test boots its own. */
  gboolean is_shared_boot;
  gpointer user_data;
} KtstrExecutorOptions;

typedef struct
{
  guint passed, failed, skipped, not_run;
  guint harness_errors; /* failures that were the harness's (counted in failed too) */
  gboolean is_interrupted;
  double elapsed_s; /* since the executor was made */
} KtstrExecutorSummary;

typedef struct _KtstrExecutor KtstrExecutor;

KtstrExecutor *ktstr_executor_new (const KtstrExecutorOptions *options);
void ktstr_executor_free (KtstrExecutor *executor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrExecutor, ktstr_executor_free)

/* Runs VARIANTS (KtstrVariant*, borrowed until it returns) and returns
 * when each has a result or was not run.  May be called again with more
 * variants: results, counts and progress add up. */
void ktstr_executor_run (KtstrExecutor *executor, GPtrArray *variants);

/* Stops the run (from the thread running ktstr_executor_run, e.g. a signal
 * watch on its context); every later variant is not run. */
void ktstr_executor_stop (KtstrExecutor *executor);

/* Done/total, failures, what runs, elapsed time: for a progress line. */
const KtstrProgress *ktstr_executor_get_progress (KtstrExecutor *executor);

void ktstr_executor_get_summary (KtstrExecutor *executor, KtstrExecutorSummary *summary);

/* Every result so far, in arrival order (KtstrTestResult*, owned by the
 * executor): what JUnit reports. */
GPtrArray *ktstr_executor_get_results (KtstrExecutor *executor);

G_END_DECLS

#endif
