#include "config.h"

#include "run/gauntlet.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "run/output-junit.h"
#include "run/output-tap.h"
#include "run/progress.h"

static void
variant_free (KtstrVariant *v)
{
  if (v == NULL)
    return;
  g_free (v->name);
  g_free (v->topology);
  g_free (v->skip_reason);
  g_free (v);
}

GPtrArray *
ktstr_gauntlet_expand (GPtrArray *tests, const KtstrPreset *const *presets, GPtrArray *profiles,
                       const KtstrSchedulerDef *sdef, const KtstrHostCapacity *cap, guint memory_mb)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)variant_free);
  const KtstrPreset *all = ktstr_presets ();
  for (guint t = 0; t < tests->len; t++)
    {
      const KtstrTestDef *def = tests->pdata[t];
      for (guint i = 0; presets ? presets[i] != NULL : i < KTSTR_PRESETS_COUNT; i++)
        {
          const KtstrPreset *p = presets ? presets[i] : &all[i];
          g_autoptr (GError) unfit = NULL;
          gboolean fits = ktstr_preset_fits (p, def, sdef, cap, &unfit);
          char label[64];
          ktstr_topology_format (&p->topology, label, sizeof label);
          guint cpus = ktstr_topology_cpus (&p->topology);
          for (guint f = 0; f < profiles->len; f++)
            {
              const KtstrProfile *prof = profiles->pdata[f];
              /* As ktstr generates them: a profile lacking one of the
               * test's required_flags, or holding an excluded one, is no
               * variant of this test at all. */
              if (!ktstr_testdef_allows_flags (def, (const char *const *)prof->flags, NULL))
                continue;
              KtstrVariant *v = g_new0 (KtstrVariant, 1);
              v->name = g_strdup_printf ("gauntlet/%s/%s/%s", def->name, p->name, prof->name);
              v->def = def;
              v->preset = p;
              v->profile_index = f;
              v->topology = g_strdup (label);
              v->memory_mb = memory_mb ? MAX (MAX (memory_mb, cpus * 64), 256u) : p->memory_mb;
              v->skip_reason = fits ? NULL : g_strdup (unfit->message);
              g_ptr_array_add (out, v);
            }
        }
    }
  return out;
}

/* --- Running -------------------------------------------------------------- */

typedef struct
{
  GPtrArray *variants;
  GPtrArray *runners;
  const KtstrGauntletOptions *options;
  GCancellable *cancellable;
  GMainLoop *loop;
  GPtrArray *results; /* KtstrTestResult*, in finishing order */
  KtstrProgress progress;
  guint passed, not_run, tap_number;
  char *harness_error;
  gint64 start_us;
  FILE *human;     /* stdout, or stderr under --tap */
  gboolean is_tty; /* redraw a progress line on `human` */
  gboolean is_interrupted;
} Gauntlet;

typedef struct
{
  Gauntlet *g;
  KtstrVariant *v;
  KtstrTestResult *result;
  GError *error;
} Job;

/* Set by the signal handler: a result that comes back after it may be a VM
 * the terminal's SIGINT killed, not a verdict on the scheduler. */
static volatile sig_atomic_t got_signal;
static int signal_pipe[2] = { -1, -1 };

static void
on_signal (int signo)
{
  int saved = errno;
  char c = (char)signo;
  got_signal = 1;
  if (write (signal_pipe[1], &c, 1) < 0)
    {
      /* Nothing to do: the flag is set. */
    }
  errno = saved;
}

static void
clear_progress (Gauntlet *g)
{
  if (g->is_tty)
    fputs ("\r\033[K", g->human);
}

static void
draw_progress (Gauntlet *g)
{
  if (!g->is_tty)
    return;
  g->progress.elapsed_us = g_get_monotonic_time () - g->start_us;
  g_autofree char *line = ktstr_progress_format (&g->progress);
  fprintf (g->human, "\r\033[K%s", line);
  fflush (g->human);
}

static gboolean
on_tick (gpointer user_data)
{
  draw_progress (user_data);
  return G_SOURCE_CONTINUE;
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

static const char *
outcome_word (KtstrOutcome o)
{
  return o == KTSTR_OUTCOME_PASS ? "PASS" : o == KTSTR_OUTCOME_SKIP ? "SKIP" : "FAIL";
}

static void
record (Gauntlet *g, KtstrTestResult *r)
{
  g->progress.failed += r->outcome == KTSTR_OUTCOME_FAIL;
  g->progress.skipped += r->outcome == KTSTR_OUTCOME_SKIP;
  g->passed += r->outcome == KTSTR_OUTCOME_PASS;
  clear_progress (g);
  fprintf (g->human, "[%u/%u] %s %s %s %.1fs\n", g->progress.done, g->progress.total,
           outcome_word (r->outcome), r->name, r->topology ? r->topology : "", r->duration_s);
  if (r->outcome != KTSTR_OUTCOME_PASS && r->verdict != NULL)
    fprintf (g->human, "     %s\n", r->verdict);
  if (r->outcome == KTSTR_OUTCOME_FAIL && r->report != NULL)
    {
      fflush (g->human);
      fputs (r->report, stderr);
    }
  if (g->options->tap)
    {
      g_autofree char *tap = ktstr_tap_result (++g->tap_number, r);
      fputs (tap, stdout);
      fflush (stdout);
    }
  fflush (g->human);
  g_ptr_array_add (g->results, r);
}

static void
finish_one (Gauntlet *g)
{
  if (g->progress.done == g->progress.total)
    g_main_loop_quit (g->loop);
  else
    draw_progress (g);
}

static gboolean
deliver (gpointer user_data)
{
  Job *job = user_data;
  Gauntlet *g = job->g;
  g->progress.running--;
  if (job->result != NULL)
    {
      g->progress.n_run++;
      g->progress.sum_run_s += job->result->duration_s;
      g_free (job->result->name);
      job->result->name = g_strdup (job->v->name);
      g->progress.done++;
      record (g, g_steal_pointer (&job->result));
    }
  else if (g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g->not_run++;
      g->progress.done++;
    }
  else
    {
      /* The harness could not finish the variant (e.g. its sidecar could
       * not be written): a failure with the reason, and exit status 2. */
      KtstrTestResult *r = g_new0 (KtstrTestResult, 1);
      r->outcome = KTSTR_OUTCOME_FAIL;
      r->name = g_strdup (job->v->name);
      r->topology = g_strdup (job->v->topology);
      r->verdict = g_strdup (job->error->message);
      if (g->harness_error == NULL)
        g->harness_error = g_strdup (job->error->message);
      g->progress.done++;
      record (g, r);
    }
  g_clear_error (&job->error);
  g_free (job);
  finish_one (g);
  return G_SOURCE_REMOVE;
}

static void
run_job (gpointer data, gpointer user_data)
{
  Job *job = data;
  Gauntlet *g = user_data;
  const KtstrVariant *v = job->v;
  /* The QEMU backend iterates the thread-default context: one per VM. */
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  KtstrRunVariant rv = {
    .topology = v->topology,
    .memory_mb = v->memory_mb,
    .cancellable = g->cancellable,
  };
  job->result
      = ktstr_runner_run_variant (g->runners->pdata[v->profile_index], v->def, &rv, &job->error);
  g_main_context_pop_thread_default (context);
  if (job->result != NULL && job->result->outcome == KTSTR_OUTCOME_FAIL && got_signal)
    {
      /* Most likely the terminal's SIGINT reached QEMU too. */
      discard_sidecar (job->result->sidecar_path);
      g_clear_pointer (&job->result, ktstr_test_result_free);
      g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted");
    }
  g_idle_add (deliver, job);
}

static gboolean
on_signal_fd (gint fd, GIOCondition condition, gpointer user_data)
{
  Gauntlet *g = user_data;
  char buf[16];
  (void)condition;
  if (read (fd, buf, sizeof buf) <= 0 || g->is_interrupted)
    return G_SOURCE_CONTINUE;
  g->is_interrupted = TRUE;
  clear_progress (g);
  guint in_flight = MIN (g->progress.running, g->progress.jobs);
  fprintf (g->human, "ktstr: interrupted: stopping %u running VM%s, starting no more\n", in_flight,
           in_flight == 1 ? "" : "s");
  fflush (g->human);
  g_cancellable_cancel (g->cancellable);
  return G_SOURCE_CONTINUE;
}

static KtstrTestResult *
skipped_result (const KtstrVariant *v)
{
  KtstrTestResult *r = g_new0 (KtstrTestResult, 1);
  r->outcome = KTSTR_OUTCOME_SKIP;
  r->name = g_strdup (v->name);
  r->topology = g_strdup (v->topology);
  r->verdict = g_strdup (v->skip_reason);
  return r;
}

int
ktstr_gauntlet_run (GPtrArray *variants, GPtrArray *runners, const KtstrGauntletOptions *o)
{
  Gauntlet g = { 0 };
  g_autoptr (GError) error = NULL;
  g.variants = variants;
  g.runners = runners;
  g.options = o;
  g.cancellable = g_cancellable_new ();
  g.loop = g_main_loop_new (NULL, FALSE);
  g.results = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_test_result_free);
  g.human = o->tap ? stderr : stdout;
  g.is_tty = isatty (fileno (g.human));
  g.progress.total = variants->len;
  g.progress.jobs = MAX (o->jobs, 1u);
  g.start_us = g_get_monotonic_time ();

  got_signal = 0;
  if (!g_unix_open_pipe (signal_pipe, FD_CLOEXEC, &error))
    {
      fprintf (stderr, "ktstr test: %s\n", error->message);
      return 2;
    }
  g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, NULL);
  struct sigaction sa = { 0 }, old_int, old_term;
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);
  guint fd_watch = g_unix_fd_add (signal_pipe[0], G_IO_IN, on_signal_fd, &g);
  guint tick = g_timeout_add_seconds (1, on_tick, &g);

  if (o->tap)
    {
      g_autofree char *head = ktstr_tap_header (variants->len);
      fputs (head, stdout);
      fflush (stdout);
    }
  fprintf (g.human, "gauntlet: %u variant%s, %u at a time\n", variants->len,
           variants->len == 1 ? "" : "s", g.progress.jobs);
  fflush (g.human);

  GThreadPool *pool = g_thread_pool_new (run_job, &g, (gint)g.progress.jobs, FALSE, &error);
  g_assert_no_error (error); /* non-exclusive pools do not fail */
  for (guint i = 0; i < variants->len; i++)
    {
      KtstrVariant *v = variants->pdata[i];
      if (v->skip_reason != NULL)
        {
          g.progress.done++;
          record (&g, skipped_result (v));
          continue;
        }
      Job *job = g_new0 (Job, 1);
      job->g = &g;
      job->v = v;
      g.progress.running++;
      g_thread_pool_push (pool, job, NULL);
    }
  /* "running" counts the queued too: the ETA spreads them over the jobs. */
  if (g.progress.done < g.progress.total)
    {
      draw_progress (&g);
      g_main_loop_run (g.loop);
    }
  g_thread_pool_free (pool, FALSE, TRUE);

  g_source_remove (tick);
  g_source_remove (fd_watch);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);
  close (signal_pipe[0]);
  close (signal_pipe[1]);
  signal_pipe[0] = signal_pipe[1] = -1;

  double total_s = (g_get_monotonic_time () - g.start_us) / 1e6;
  clear_progress (&g);
  if (g.is_interrupted && o->tap)
    {
      g_autofree char *bail = ktstr_tap_bail_out ("interrupted");
      fputs (bail, stdout);
    }
  fprintf (g.human,
           "gauntlet: %u passed, %u failed, %u skipped, %u not run%s (%.1fs, %u VMs, %u at a "
           "time)\n",
           g.passed, g.progress.failed, g.progress.skipped, g.not_run,
           g.is_interrupted ? " (interrupted)" : "", total_s, g.progress.n_run, g.progress.jobs);
  if (runners->len > 0)
    fprintf (g.human, "sidecars: %s\n", ktstr_runner_get_rundir (runners->pdata[0]));
  fflush (g.human);
  fflush (stdout);

  int status = g.is_interrupted ? 130 : g.harness_error ? 2 : g.progress.failed > 0 ? 1 : 0;
  if (o->junit_path != NULL
      && !ktstr_junit_write (o->junit_path, "ktstr", g.results, total_s, &error))
    {
      fprintf (stderr, "ktstr test: %s\n", error->message);
      status = MAX (status, 2);
    }
  g_ptr_array_unref (g.results);
  g_main_loop_unref (g.loop);
  g_object_unref (g.cancellable);
  g_free (g.harness_error);
  return status;
}
