#include "config.h"

#include "run/executor.h"

#include <glib/gstdio.h>
#include <string.h>

#include "run/shared-group.h"

struct _KtstrExecutor
{
  KtstrExecutorOptions options;
  GCancellable *cancellable;
  GMainContext *context; /* where results are delivered, during a run */
  GMainLoop *loop;       /* during a run */
  GPtrArray *results;    /* KtstrTestResult*, in arrival order */
  KtstrProgress progress;
  guint passed, not_run, harness_errors;
  guint pending; /* variants of the current run still to come back */
  gboolean is_stopped;
  gint64 start_us;
};

typedef struct
{
  KtstrExecutor *ex;
  const KtstrVariant *v;
  KtstrTestResult *result;
  GError *error;
} Job;

KtstrExecutor *
ktstr_executor_new (const KtstrExecutorOptions *options)
{
  KtstrExecutor *ex = g_new0 (KtstrExecutor, 1);
  ex->options = *options;
  ex->cancellable = g_cancellable_new ();
  ex->results = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_test_result_free);
  ex->progress.jobs = MAX (options->jobs, 1u);
  ex->start_us = g_get_monotonic_time ();
  return ex;
}

void
ktstr_executor_free (KtstrExecutor *ex)
{
  if (ex == NULL)
    return;
  g_clear_object (&ex->cancellable);
  g_clear_pointer (&ex->results, g_ptr_array_unref);
  g_free (ex);
}

const KtstrProgress *
ktstr_executor_get_progress (KtstrExecutor *ex)
{
  ex->progress.elapsed_us = g_get_monotonic_time () - ex->start_us;
  return &ex->progress;
}

void
ktstr_executor_get_summary (KtstrExecutor *ex, KtstrExecutorSummary *s)
{
  *s = (KtstrExecutorSummary){
    .passed = ex->passed,
    .failed = ex->progress.failed,
    .skipped = ex->progress.skipped,
    .not_run = ex->not_run,
    .harness_errors = ex->harness_errors,
    .is_interrupted = ex->is_stopped,
    .elapsed_s = (g_get_monotonic_time () - ex->start_us) / 1e6,
  };
}

GPtrArray *
ktstr_executor_get_results (KtstrExecutor *ex)
{
  return ex->results;
}

void
ktstr_executor_stop (KtstrExecutor *ex)
{
  ex->is_stopped = TRUE;
  g_cancellable_cancel (ex->cancellable);
}

/* Removes the sidecar and console log of a variant cut short. */
static void
discard_sidecar (const char *path)
{
  if (path == NULL)
    return;
  g_unlink (path);
  if (g_str_has_suffix (path, ".ktstr.json"))
    {
      g_autofree char *stem = g_strndup (path, strlen (path) - strlen (".ktstr.json"));
      g_autofree char *log = g_strconcat (stem, ".console.log", NULL);
      g_unlink (log);
    }
}

static gboolean
is_interrupted (const KtstrExecutor *ex)
{
  return g_cancellable_is_cancelled (ex->cancellable)
         || (ex->options.interrupted != NULL && *ex->options.interrupted);
}

/* Counts R, keeps it and hands it to the caller. */
static void
record (KtstrExecutor *ex, const KtstrVariant *v, KtstrTestResult *r)
{
  /* Outputs name the variant (a gauntlet path, a trial), not the bare test. */
  g_free (r->name);
  r->name = g_strdup (v->name);
  if (r->topology == NULL)
    r->topology = g_strdup (v->topology);
  ex->progress.done++;
  ex->progress.failed += r->outcome == KTSTR_OUTCOME_FAIL;
  ex->progress.skipped += r->outcome == KTSTR_OUTCOME_SKIP;
  ex->passed += r->outcome == KTSTR_OUTCOME_PASS;
  ex->harness_errors += r->is_harness_error;
  g_ptr_array_add (ex->results, r);
  if (ex->options.on_result != NULL)
    ex->options.on_result (v, r, ex->options.user_data);
}

static KtstrTestResult *
skipped_result (const KtstrVariant *v)
{
  KtstrTestResult *r = g_new0 (KtstrTestResult, 1);
  r->outcome = KTSTR_OUTCOME_SKIP;
  r->topology = g_strdup (v->topology);
  r->verdict = g_strdup (v->skip_reason);
  r->sched_ready_ms = -1;
  r->agent_cpu_ns = -1;
  return r;
}

/* The harness could not finish the variant: a failure with the reason. */
static KtstrTestResult *
harness_error_result (const KtstrVariant *v, const GError *error)
{
  KtstrTestResult *r = g_new0 (KtstrTestResult, 1);
  r->outcome = KTSTR_OUTCOME_FAIL;
  r->is_harness_error = TRUE;
  r->topology = g_strdup (v->topology);
  r->verdict = g_strdup (error->message);
  r->sched_ready_ms = -1;
  r->agent_cpu_ns = -1;
  return r;
}

static gboolean
deliver (gpointer user_data)
{
  Job *job = user_data;
  KtstrExecutor *ex = job->ex;
  ex->progress.running--;
  if (job->result != NULL)
    {
      if (job->result->outcome != KTSTR_OUTCOME_SKIP)
        {
          ex->progress.n_run++;
          ex->progress.sum_run_s += job->result->duration_s;
        }
      record (ex, job->v, g_steal_pointer (&job->result));
    }
  else if (g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      ex->not_run++;
      ex->progress.done++;
    }
  else
    record (ex, job->v, harness_error_result (job->v, job->error));
  g_clear_error (&job->error);
  g_free (job);
  if (--ex->pending == 0)
    g_main_loop_quit (ex->loop);
  return G_SOURCE_REMOVE;
}

/* Hands JOB's outcome to the executor's thread. */
static void
post (Job *job)
{
  KtstrExecutor *ex = job->ex;
  if (job->result != NULL && job->result->outcome == KTSTR_OUTCOME_FAIL && is_interrupted (ex))
    {
      /* Most likely the terminal's SIGINT reached QEMU too. */
      discard_sidecar (job->result->sidecar_path);
      g_clear_pointer (&job->result, ktstr_test_result_free);
      g_clear_error (&job->error);
      g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted");
    }
  /* Always through a source, never a direct call: the result must be
   * handled on the executor's thread, in its loop. */
  g_autoptr (GSource) idle = g_idle_source_new ();
  g_source_set_callback (idle, deliver, job, NULL);
  g_source_attach (idle, ex->context);
}

static void
run_job (Job *job)
{
  KtstrExecutor *ex = job->ex;
  const KtstrVariant *v = job->v;
  if (g_cancellable_is_cancelled (ex->cancellable))
    g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted");
  else if (v->skip_reason != NULL)
    job->result = ktstr_runner_skip (v->runner, v->def, v->topology, v->skip_reason, &job->error);
  else
    {
      KtstrRunVariant rv = {
        .topology = v->topology,
        .memory_mb = v->memory_mb,
        .cancellable = ex->cancellable,
        .trial = v->trial,
      };
      job->result = ktstr_runner_run_variant (v->runner, v->def, &rv, &job->error);
    }
  post (job);
}

/* A unit of several variants: one shared boot (shared-group.h). */
typedef struct
{
  GPtrArray *jobs; /* Job*, one per variant, posted as their results come */
} Unit;

static void
on_shared_result (guint index, KtstrTestResult *result, GError *error, gpointer user_data)
{
  Unit *u = user_data;
  Job *job = u->jobs->pdata[index];
  job->result = result;
  job->error = error;
  post (job);
}

static void
run_unit (gpointer data, gpointer user_data)
{
  GPtrArray *jobs = data;
  KtstrExecutor *ex = user_data;
  /* The QEMU backend iterates the thread-default context: one per VM. */
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  if (jobs->len == 1 || g_cancellable_is_cancelled (ex->cancellable))
    for (guint i = 0; i < jobs->len; i++)
      run_job (jobs->pdata[i]);
  else
    {
      const KtstrVariant *first = ((Job *)jobs->pdata[0])->v;
      g_autofree const KtstrTestDef **defs = g_new (const KtstrTestDef *, jobs->len);
      for (guint i = 0; i < jobs->len; i++)
        defs[i] = ((Job *)jobs->pdata[i])->v->def;
      KtstrRunVariant rv = {
        .topology = first->topology,
        .memory_mb = first->memory_mb,
        .cancellable = ex->cancellable,
      };
      Unit u = { jobs };
      ktstr_runner_run_shared (first->runner, defs, jobs->len, &rv, on_shared_result, &u);
    }
  g_main_context_pop_thread_default (context);
  g_ptr_array_unref (jobs);
}

void
ktstr_executor_run (KtstrExecutor *ex, GPtrArray *variants)
{
  g_autoptr (GError) error = NULL;
  ex->progress.total += variants->len;
  ex->context = g_main_context_ref_thread_default ();
  ex->loop = g_main_loop_new (ex->context, FALSE);
  ex->pending = 0;
  GThreadPool *pool = g_thread_pool_new (run_unit, ex, (gint)ex->progress.jobs, FALSE, &error);
  g_assert_no_error (error); /* non-exclusive pools do not fail */
  g_autoptr (GPtrArray) to_run = g_ptr_array_new ();
  for (guint i = 0; i < variants->len; i++)
    {
      KtstrVariant *v = variants->pdata[i];
      if (v->skip_reason != NULL && !v->is_skip_recorded)
        {
          record (ex, v, skipped_result (v));
          continue;
        }
      g_ptr_array_add (to_run, v);
    }
  g_autoptr (GPtrArray) units
      = ktstr_shared_group (to_run, ex->progress.jobs, ex->options.is_shared_boot);
  for (guint u = 0; u < units->len; u++)
    {
      GPtrArray *unit = units->pdata[u];
      GPtrArray *jobs = g_ptr_array_new ();
      for (guint i = 0; i < unit->len; i++)
        {
          Job *job = g_new0 (Job, 1);
          job->ex = ex;
          job->v = unit->pdata[i];
          g_ptr_array_add (jobs, job);
          /* "running" counts the queued too: the ETA spreads them over
           * the jobs. */
          ex->progress.running++;
          ex->pending++;
        }
      g_thread_pool_push (pool, jobs, NULL);
    }
  if (ex->pending > 0)
    g_main_loop_run (ex->loop);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_clear_pointer (&ex->loop, g_main_loop_unref);
  g_clear_pointer (&ex->context, g_main_context_unref);
}
