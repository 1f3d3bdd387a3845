#include "config.h"

#include "cli/test-report.h"

#include <string.h>
#include <unistd.h>

#include "kernel/kernel-set.h"
#include "run/output-junit.h"
#include "run/output-json.h"
#include "run/output-tap.h"
#include "run/progress.h"
#include "util/exit-status.h"

struct _KtstrTestReport
{
  KtstrTestReportOptions options;
  FILE *human;
  gboolean has_progress; /* redraw a progress line on `human` */
  KtstrExecutor *executor;
  guint tick;
  guint tap_number;
  gboolean is_tap_plan_last; /* the number of results was not known up front */
  GMutex lock;               /* output: results, notices, the progress line */
  /* --timings over trials: what the runs cost, and what booting once per
   * variant for all its trials would have saved. */
  guint n_timed;
  double run_s, overhead_s, later_trials_overhead_s;
};

KtstrTestReport *
ktstr_test_report_new (const KtstrTestReportOptions *options)
{
  KtstrTestReport *t = g_new0 (KtstrTestReport, 1);
  t->options = *options;
  t->human = options->tap || options->json ? stderr : stdout;
  t->has_progress = isatty (fileno (t->human)) && !options->verbose;
  g_mutex_init (&t->lock);
  return t;
}

void
ktstr_test_report_free (KtstrTestReport *t)
{
  if (t == NULL)
    return;
  if (t->tick != 0)
    g_source_remove (t->tick);
  g_mutex_clear (&t->lock);
  g_free (t);
}

FILE *
ktstr_test_report_get_human (KtstrTestReport *t)
{
  return t->human;
}

/* The caller holds the lock. */
static void
clear_progress (KtstrTestReport *t)
{
  if (t->has_progress && t->executor != NULL)
    fputs ("\r\033[K", t->human);
}

static void
draw_progress (KtstrTestReport *t)
{
  if (!t->has_progress || t->executor == NULL)
    return;
  const KtstrProgress *p = ktstr_executor_get_progress (t->executor);
  if (p->done == p->total)
    return;
  g_autofree char *line = ktstr_progress_format (p);
  fprintf (t->human, "\r\033[K%s", line);
  fflush (t->human);
}

static gboolean
on_tick (gpointer user_data)
{
  KtstrTestReport *t = user_data;
  g_mutex_lock (&t->lock);
  draw_progress (t);
  g_mutex_unlock (&t->lock);
  return G_SOURCE_CONTINUE;
}

void
ktstr_test_report_begin (KtstrTestReport *t, KtstrExecutor *executor, guint n_results)
{
  t->executor = executor;
  t->is_tap_plan_last = n_results == 0;
  if (t->options.tap && t->is_tap_plan_last)
    {
      /* TAP 13 allows the plan after the results. */
      fputs ("TAP version 13\n", stdout);
      fflush (stdout);
    }
  else if (t->options.tap)
    {
      g_autofree char *head = ktstr_tap_header (n_results);
      fputs (head, stdout);
      fflush (stdout);
    }
  if (t->has_progress)
    t->tick = g_timeout_add_seconds (1, on_tick, t);
  g_mutex_lock (&t->lock);
  draw_progress (t);
  g_mutex_unlock (&t->lock);
}

void
ktstr_test_report_notice (const char *message, gpointer report)
{
  KtstrTestReport *t = report;
  g_mutex_lock (&t->lock);
  clear_progress (t);
  fflush (t->human);
  fprintf (stderr, "ktstr: %s\n", message);
  fflush (stderr);
  g_mutex_unlock (&t->lock);
}

static const char *
outcome_word (KtstrOutcome o)
{
  switch (o)
    {
    case KTSTR_OUTCOME_PASS:
      return "PASS";
    case KTSTR_OUTCOME_SKIP:
      return "SKIP";
    case KTSTR_OUTCOME_FAIL:
    default:
      return "FAIL";
    }
}

static void
print_timings (KtstrTestReport *t, const KtstrVariant *v, const KtstrTestResult *r)
{
  FILE *human = t->human;
  const KtstrTestDef *def = v->def;
  /* overhead: everything but the scenario itself (settle + run).  A guest
   * that never said hello ran no scenario: all of its time is overhead. */
  double scenario_s = r->is_guest_started ? (def->duration_ms + def->settle_ms) / 1000.0 : 0;
  t->n_timed++;
  t->run_s += r->duration_s;
  t->overhead_s += r->duration_s - scenario_s;
  if (v->trial > 1)
    t->later_trials_overhead_s += r->duration_s - scenario_s;
  fprintf (human,
           "timing %s: start_to_hello_ms=%.0f launch_to_hello_ms=%.0f total_ms=%.0f "
           "scenario_ms=%.0f overhead_ms=%.0f boot=%s\n",
           r->name, r->start_to_hello_us / 1000.0, r->boot_to_hello_us / 1000.0,
           r->duration_s * 1000.0, scenario_s * 1000.0, (r->duration_s - scenario_s) * 1000.0,
           r->boot != NULL ? r->boot : "none");
  /* The guest agent's own overhead, measured in the guest: its CPU time
   * (PID 1 and its threads, not the workers) per second of scenario. */
  if (r->agent_cpu_ns >= 0 && r->agent_span_ms > 0)
    fprintf (human,
             "timing %s: agent_cpu_ms=%.2f scenario_run_ms=%" G_GUINT64_FORMAT
             " agent_cpu_ms_per_s=%.3f\n",
             r->name, r->agent_cpu_ns / 1e6, r->agent_span_ms,
             (r->agent_cpu_ns / 1e6) / (r->agent_span_ms / 1000.0));
  /* How much host CPU the guest really had while the scenario ran: under
   * TCG a vCPU thread waiting for a host CPU looks to the guest like a
   * slow CPU, and iteration counts shrink with it. */
  if (r->has_vcpu_host && r->vcpu_host_threads > 0 && r->vcpu_host_span_ms > 0)
    {
      double run_ms = r->vcpu_host_run_ns / 1e6, wait_ms = r->vcpu_host_wait_ns / 1e6;
      fprintf (human,
               "timing %s: vcpu_threads=%u vcpu_span_ms=%" G_GUINT64_FORMAT
               " vcpu_run_ms=%.0f vcpu_wait_ms=%.0f vcpu_run_pct=%.1f vcpu_wait_pct=%.1f\n",
               r->name, r->vcpu_host_threads, r->vcpu_host_span_ms, run_ms, wait_ms,
               100.0 * run_ms / ((double)r->vcpu_host_threads * r->vcpu_host_span_ms),
               run_ms + wait_ms > 0 ? 100.0 * wait_ms / (run_ms + wait_ms) : 0.0);
    }
  if (v->runner != NULL && ktstr_runner_has_scheduler (v->runner))
    {
      guint64 size;
      gint64 build_us;
      gboolean was_cached;
      guint n_files;
      ktstr_runner_get_package_info (v->runner, &size, &build_us, &was_cached, &n_files);
      fprintf (human,
               "timing %s: sched_start_to_ready_ms=%" G_GINT64_FORMAT
               " initramfs_base_bytes=%" G_GUINT64_FORMAT " initramfs_base_ms=%.1f%s "
               "packed_files=%u\n",
               r->name, r->sched_ready_ms, size, build_us / 1000.0, was_cached ? " (cached)" : "",
               n_files);
    }
}

/* "PASS steady   1n1l2c1t   12.3s  tcg", the verdict under a failure (or
 * under a pass that an expected error made). */
static void
print_plain (KtstrTestReport *t, const KtstrTestResult *r)
{
  if (r->outcome == KTSTR_OUTCOME_SKIP)
    {
      fprintf (t->human, "SKIP %-24s %-10s  %s\n", r->name, r->topology, r->verdict);
      fprintf (stderr, "ktstr: SKIP: %s\n", r->verdict);
      return;
    }
  fprintf (t->human, "%s %-24s %-10s %6.1fs%s%s\n", outcome_word (r->outcome), r->name, r->topology,
           r->duration_s, r->accel ? "  " : "", r->accel ? r->accel : "");
  /* A pass has a verdict only when an expected error made it one. */
  if (r->verdict != NULL)
    fprintf (t->human, "     %s\n", r->verdict);
}

/* "[2/3] PASS gauntlet/steady/tiny-1llc/default 1n1l4c1t 9.8s", the
 * verdict under anything but a plain pass. */
static void
print_gauntlet (KtstrTestReport *t, const KtstrTestResult *r)
{
  const KtstrProgress *p = ktstr_executor_get_progress (t->executor);
  fprintf (t->human, "[%u/%u] %s %s %s %.1fs\n", p->done, p->total, outcome_word (r->outcome),
           r->name, r->topology ? r->topology : "", r->duration_s);
  if (r->verdict != NULL)
    fprintf (t->human, "     %s\n", r->verdict);
}

void
ktstr_test_report_result (const KtstrVariant *v, const KtstrTestResult *r, gpointer report)
{
  KtstrTestReport *t = report;
  g_mutex_lock (&t->lock);
  clear_progress (t);
  if (t->options.style == KTSTR_TEST_REPORT_PLAIN)
    print_plain (t, r);
  else
    print_gauntlet (t, r);
  if (r->outcome == KTSTR_OUTCOME_FAIL && r->report != NULL)
    {
      fflush (t->human);
      fputs (r->report, stderr);
    }
  if (t->options.timings && r->outcome != KTSTR_OUTCOME_SKIP && !r->is_harness_error)
    print_timings (t, v, r);
  fflush (t->human);
  if (t->options.tap)
    {
      g_autofree char *tap = ktstr_tap_result (++t->tap_number, r);
      fputs (tap, stdout);
      fflush (stdout);
    }
  draw_progress (t);
  g_mutex_unlock (&t->lock);
}

void
ktstr_test_report_line (KtstrTestReport *t, const char *line)
{
  g_mutex_lock (&t->lock);
  clear_progress (t);
  fprintf (t->human, "%s\n", line);
  fflush (t->human);
  draw_progress (t);
  g_mutex_unlock (&t->lock);
}

void
ktstr_test_report_interrupted (KtstrTestReport *t)
{
  const KtstrProgress *p = ktstr_executor_get_progress (t->executor);
  guint in_flight = MIN (p->running, p->jobs);
  g_mutex_lock (&t->lock);
  clear_progress (t);
  fprintf (t->human, "ktstr: interrupted: stopping %u running VM%s, starting no more\n", in_flight,
           in_flight == 1 ? "" : "s");
  fflush (t->human);
  g_mutex_unlock (&t->lock);
}

/* The cost of the trials, as run (one boot each) and as one boot per
 * variant would have cost: the boots and teardowns of trials 2..N are
 * what it saves.  Only with --timings and trials. */
static void
print_trial_timings (KtstrTestReport *t)
{
  if (!t->options.timings || t->options.trials <= 1 || t->n_timed == 0)
    return;
  fprintf (t->human,
           "timing trials: %u runs, one boot each: %.1fs, of which boot and teardown %.1fs "
           "(%.0f%%); one boot per test for all its trials would save about %.1fs (%.0f%%) "
           "and hide the variance between boots\n",
           t->n_timed, t->run_s, t->overhead_s, 100.0 * t->overhead_s / t->run_s,
           t->later_trials_overhead_s, 100.0 * t->later_trials_overhead_s / t->run_s);
}

/* WORD as a shell word: itself when it needs no quoting (kernel versions
 * and commits usually), else single-quoted. */
static char *
shell_word (const char *word)
{
  for (const char *c = word; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("._+-:/=@", *c) == NULL)
      return g_shell_quote (word);
  return g_strdup (word);
}

/* Where each kernel's sidecars went: "sidecars: DIR", with the kernel
 * when the run had several.  The caller holds the lock. */
static void
print_rundirs (KtstrTestReport *t, const KtstrRunPlan *plan)
{
  guint n = ktstr_run_plan_get_n_kernels (plan);
  if (n == 1)
    {
      fprintf (t->human, "sidecars: %s\n", ktstr_run_plan_get_rundir (plan));
      return;
    }
  for (guint i = 0; i < n; i++)
    fprintf (t->human, "sidecars: %s (kernel %s)\n", ktstr_run_plan_get_kernel_rundir (plan, i),
             ktstr_kernel_label (ktstr_run_plan_get_kernel (plan, i)));
}

/* With several kernels: the ktstr-stats command that compares the first
 * kernel's sidecars with each other kernel's, pinned to this run's project
 * commit so that runs of other commits on the same kernels stay out. */
static void
print_compare_hint (KtstrTestReport *t, const KtstrRunPlan *plan)
{
  guint n = ktstr_run_plan_get_n_kernels (plan);
  const char *commit = ktstr_run_plan_get_project_commit (plan);
  g_autofree char *pin = NULL;
  if (commit != NULL)
    {
      g_autofree char *word = shell_word (commit);
      pin = g_strdup_printf (" --project-commit %s", word);
    }
  g_autofree char *a = shell_word (ktstr_kernel_label (ktstr_run_plan_get_kernel (plan, 0)));
  for (guint i = 1; i < n; i++)
    {
      g_autofree char *b = shell_word (ktstr_kernel_label (ktstr_run_plan_get_kernel (plan, i)));
      fprintf (t->human, "compare: ktstr-stats compare --a-kernel %s --b-kernel %s%s\n", a, b,
               pin ? pin : "");
    }
}

int
ktstr_test_report_finish (KtstrTestReport *t, const KtstrRunPlan *plan)
{
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (t->executor, &s);
  const KtstrProgress *p = ktstr_executor_get_progress (t->executor);
  if (t->tick != 0)
    {
      g_source_remove (t->tick);
      t->tick = 0;
    }
  g_mutex_lock (&t->lock);
  clear_progress (t);
  print_trial_timings (t);
  if (t->options.tap && t->is_tap_plan_last)
    fprintf (stdout, "1..%u\n", t->tap_number);
  if (s.is_interrupted && t->options.tap)
    {
      g_autofree char *bail = ktstr_tap_bail_out ("interrupted");
      fputs (bail, stdout);
    }
  const char *interrupted = s.is_interrupted ? " (interrupted)" : "";
  if (t->options.style == KTSTR_TEST_REPORT_GAUNTLET)
    {
      fprintf (t->human,
               "gauntlet: %u passed, %u failed, %u skipped, %u not run%s (%.1fs, %u VMs, %u at a "
               "time)\n",
               s.passed, s.failed, s.skipped, s.not_run, interrupted, s.elapsed_s, p->n_run,
               p->jobs);
      print_rundirs (t, plan);
    }
  else
    {
      print_rundirs (t, plan);
      g_autofree char *at_once
          = p->jobs > 1 ? g_strdup_printf (", %u at a time", p->jobs) : g_strdup ("");
      if (s.not_run > 0 || s.is_interrupted)
        fprintf (t->human, "%u passed, %u failed, %u skipped, %u not run%s (%.1fs%s)\n", s.passed,
                 s.failed, s.skipped, s.not_run, interrupted, s.elapsed_s, at_once);
      else
        fprintf (t->human, "%u passed, %u failed, %u skipped (%.1fs%s)\n", s.passed, s.failed,
                 s.skipped, s.elapsed_s, at_once);
    }
  if (ktstr_run_plan_get_n_kernels (plan) > 1 && !s.is_interrupted)
    print_compare_hint (t, plan);
  fflush (t->human);
  fflush (stdout);
  g_mutex_unlock (&t->lock);

  int status = s.is_interrupted       ? KTSTR_EXIT_INTERRUPTED
               : s.harness_errors > 0 ? KTSTR_EXIT_USAGE
               : s.failed > 0         ? KTSTR_EXIT_FAILED
                                      : KTSTR_EXIT_OK;
  if (t->options.json)
    {
      guint n = ktstr_run_plan_get_n_kernels (plan);
      g_autofree const char **kernels = g_new0 (const char *, n + 1);
      g_autofree const char **rundirs = g_new0 (const char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          kernels[i] = ktstr_kernel_label (ktstr_run_plan_get_kernel (plan, i));
          rundirs[i] = ktstr_run_plan_get_kernel_rundir (plan, i);
        }
      g_autofree char *json = ktstr_run_json_to_data (kernels, rundirs, t->options.shard, &s,
                                                      ktstr_executor_get_results (t->executor));
      fputs (json, stdout);
      fflush (stdout);
    }
  g_autoptr (GError) error = NULL;
  if (t->options.junit_path != NULL
      && !ktstr_junit_write (t->options.junit_path, "ktstr",
                             ktstr_executor_get_results (t->executor), s.elapsed_s, &error))
    {
      fprintf (stderr, "ktstr test: %s\n", error->message);
      status = MAX (status, KTSTR_EXIT_USAGE);
    }
  return status;
}
