#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "cli/usage-error.h"
#include "cli/interrupt.h"
#include "cli/list-variants.h"
#include "cli/repeat-auto.h"
#include "cli/test-report.h"
#include "common/topology.h"
#include "kernel/kernel.h"
#include "run/cpu-plan.h"
#include "kernel/kernel-set.h"
#include "record/rundir.h"
#include "run/budget.h"
#include "run/executor.h"
#include "run/plan.h"
#include "run/presets.h"
#include "run/select.h"
#include "run/shard.h"
#include "sched/sched-binary.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"

typedef struct
{
  char **kernels; /* --kernel, repeatable */
  char *topology;
  char *backend;
  int memory_mb;
  int timeout_s;
  gboolean verbose;
  gboolean timings;
  char **kargs;
  char *scheduler;
  char **includes;
  char *scheduler_file;
  char *flags;
  gboolean gauntlet;
  int jobs;
  char *presets;
  gboolean tap;
  char *junit;
  char *repeat;
  guint trials;     /* --repeat N; 1 when not given; with auto, the maximum */
  gboolean is_auto; /* --repeat auto[:MAX] */
  char *shard_text;
  KtstrShard shard; /* count 0: not sharded */
  gboolean list_variants;
  gboolean json;
  char *monitor;
  char *vmlinux;
  KtstrMonitorMode monitor_mode;
  gboolean no_perf_mode;
  gboolean auto_repro;
  int cpu_cap;
  char *budget_text; /* --budget, else KTSTR_BUDGET_SECS */
  guint64 budget_ms; /* 0: no budget */
  char *work_type;
  gboolean fresh_boot;
} TestArgs;

/* --fresh-boot, --no-perf-mode and --cpu-cap, or KTSTR_FRESH_BOOT,
 * KTSTR_NO_PERF_MODE and KTSTR_CPU_CAP when they are not given; a cap must leave the VM at least
 * one CPU and no more than this process may use. */
static gboolean
cpu_options_from_env (TestArgs *a, GError **error)
{
  const char *fresh = g_getenv ("KTSTR_FRESH_BOOT");
  if (fresh != NULL && *fresh != '\0' && !g_str_equal (fresh, "0"))
    a->fresh_boot = TRUE;
  const char *no_perf = g_getenv ("KTSTR_NO_PERF_MODE");
  if (!a->no_perf_mode && no_perf != NULL && *no_perf != '\0' && !g_str_equal (no_perf, "0"))
    a->no_perf_mode = TRUE;
  const char *cap = g_getenv ("KTSTR_CPU_CAP");
  const char *from = "--cpu-cap";
  if (a->cpu_cap == G_MININT && cap != NULL && *cap != '\0')
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (cap, 10, 0, G_MAXINT, &v, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "KTSTR_CPU_CAP: '%s' is not a number of host CPUs", cap);
          return FALSE;
        }
      a->cpu_cap = (int)v;
      from = "KTSTR_CPU_CAP";
    }
  if (a->cpu_cap == G_MININT)
    {
      a->cpu_cap = 0; /* no cap: VMs float */
      return TRUE;
    }
  g_autoptr (GArray) host = ktstr_host_cpus_read (error);
  if (host == NULL)
    return FALSE;
  if (a->cpu_cap < 1 || (guint)a->cpu_cap > host->len)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s must be between 1 and the %u host CPU%s this process may use, got %d", from,
                   host->len, host->len == 1 ? "" : "s", a->cpu_cap);
      return FALSE;
    }
  return TRUE;
}

#define usage_error(...) ktstr_cli_usage_error ("test", KTSTR_EXIT_USAGE, __VA_ARGS__)

typedef struct
{
  KtstrExecutor *executor;
  KtstrTestReport *report;
} Stopper;

/* SIGINT or SIGTERM: say so, then stop the executor. */
static void
on_interrupt (gpointer user_data)
{
  Stopper *s = user_data;
  ktstr_test_report_interrupted (s->report);
  ktstr_executor_stop (s->executor);
}

/* --repeat N (each test N times, 1 to REPEAT_MAX) or auto[:MAX] (trials
 * until each test settles, KTSTR_REPEAT_AUTO_MIN to MAX, by default
 * KTSTR_REPEAT_AUTO_DEFAULT_MAX; repeat-auto.h). */
#define REPEAT_MAX 100

static gboolean
parse_repeat (const char *text, guint *trials, gboolean *is_auto, GError **error)
{
  guint64 n = 0;
  *is_auto = FALSE;
  *trials = 1;
  if (text == NULL)
    return TRUE;
  if (g_str_equal (text, "auto"))
    {
      *is_auto = TRUE;
      *trials = KTSTR_REPEAT_AUTO_DEFAULT_MAX;
      return TRUE;
    }
  if (g_str_has_prefix (text, "auto:"))
    {
      if (!g_ascii_string_to_unsigned (text + 5, 10, KTSTR_REPEAT_AUTO_MIN, REPEAT_MAX, &n, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--repeat auto:MAX takes a maximum from %u to %u trials, got '%s'",
                       KTSTR_REPEAT_AUTO_MIN, REPEAT_MAX, text + 5);
          return FALSE;
        }
      *is_auto = TRUE;
      *trials = (guint)n;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, REPEAT_MAX, &n, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--repeat takes a number of trials from 1 to %u, or auto[:MAX], got '%s'",
                   REPEAT_MAX, text);
      return FALSE;
    }
  *trials = (guint)n;
  return TRUE;
}

/* The header line: the kernel and backend, and what the run expands to.
 * BASE is the list before trials (a shard's part of the plan's);
 * N_VARIANTS counts every run of the list, trials included (0: not known
 * yet, --repeat auto). */
static void
print_header (FILE *human, const KtstrRunRequest *q, const KtstrRunPlan *plan, GPtrArray *base,
              guint n_tests, const TestArgs *a, guint n_variants, guint jobs)
{
  if (a->shard.count > 0)
    fprintf (human, "ktstr: shard %u/%u: %u of the run's %u variants\n", a->shard.index,
             a->shard.count, base->len, ktstr_run_plan_get_variants (plan)->len);
  const KtstrKernel *kernel = q->kernel;
  guint n_kernels = ktstr_run_plan_get_n_kernels (plan);
  g_autofree char *on_kernels
      = n_kernels > 1 ? g_strdup_printf (" × %u kernels", n_kernels) : g_strdup ("");
  if (n_kernels > 1)
    for (guint i = 0; i < n_kernels; i++)
      {
        const KtstrKernel *k = ktstr_run_plan_get_kernel (plan, i);
        fprintf (human, "ktstr: kernel %u/%u: %s, %s (from %s)\n", i + 1, n_kernels,
                 ktstr_kernel_label (k), k->image, k->source);
      }
  g_autofree char *times
      = a->is_auto      ? g_strdup_printf (" × %u to %u trials until settled, one VM each",
                                           KTSTR_REPEAT_AUTO_MIN, a->trials)
        : a->trials > 1 ? g_strdup_printf (" × %u trials, one VM each", a->trials)
                        : g_strdup ("");
  if (!q->is_gauntlet && n_kernels > 1)
    {
      fprintf (human, "ktstr: backend %s, %u test%s%s%s\n", q->backend->name, n_tests,
               n_tests == 1 ? "" : "s", on_kernels, times);
      fflush (human);
      return;
    }
  if (!q->is_gauntlet)
    {
      g_autofree char *at_once
          = jobs > 1 ? g_strdup_printf (", %u at a time", jobs) : g_strdup ("");
      fprintf (human, "ktstr: kernel %s (%s, from %s), backend %s, %u test%s%s%s\n", kernel->image,
               kernel->version ? kernel->version : "version unknown", kernel->source,
               q->backend->name, n_tests, n_tests == 1 ? "" : "s", times, at_once);
      fflush (human);
      return;
    }
  guint n_presets, n_profiles;
  gboolean is_kvm;
  ktstr_run_plan_get_gauntlet_shape (plan, &n_presets, &n_profiles, &is_kvm);
  g_autofree char *kernel_part = n_kernels > 1
                                     ? g_strdup ("ktstr: ")
                                     : g_strdup_printf ("ktstr: kernel %s, ", kernel->image);
  fprintf (human, "%sbackend %s (%s), %u test%s × %u preset%s × %u profile%s%s%s\n", kernel_part,
           q->backend->name, is_kvm ? "kvm" : "tcg", n_tests, n_tests == 1 ? "" : "s", n_presets,
           n_presets == 1 ? "" : "s", n_profiles, n_profiles == 1 ? "" : "s", on_kernels, times);
  if (a->is_auto)
    fprintf (human, "gauntlet: %u variant%s, trials round by round, %u at a time\n", base->len,
             base->len == 1 ? "" : "s", jobs);
  else
    fprintf (human, "gauntlet: %u variant%s, %u at a time\n", n_variants,
             n_variants == 1 ? "" : "s", jobs);
  fflush (human);
}

/* VMs at once: -j, else for a gauntlet one per host CPU, for a plain run
 * what fits the host (variant.h); one with --verbose, whose consoles would
 * interleave, and one for trials (--repeat): under TCG a neighbour VM's
 * load lands in a trial's variance, and the A/A rounds that show compare
 * clean on identical code were measured one VM at a time. */
static guint
default_jobs (const TestArgs *a, const KtstrRunRequest *q, GPtrArray *variants)
{
  if (a->jobs > 0)
    return (guint)a->jobs;
  if (q->is_gauntlet)
    return g_get_num_processors ();
  if (a->verbose || a->trials > 1 || a->is_auto)
    return 1;
  KtstrHostCapacity cap;
  ktstr_host_capacity_detect (&cap, q->backend);
  return ktstr_variants_default_jobs (variants, &cap, q->memory_mb);
}

/* Runs BASE (PLAN's variants, or a shard's part of them), JOBS at once,
 * printing as TestArgs say; returns the exit status. */
static int
run_plan (const TestArgs *a, const KtstrRunRequest *q, KtstrRunPlan *plan, GPtrArray *base,
          guint n_tests, KtstrTestReport *report)
{
  /* Trials are the list repeated, one VM per trial; with auto the rounds
   * are made as the trials settle.  A shard is cut before the trials, so
   * a variant's trials all run on one machine. */
  g_autoptr (GPtrArray) variants = ktstr_variants_repeat (base, a->is_auto ? 1 : a->trials);
  g_autoptr (KtstrRepeatAuto) repeat_auto
      = a->is_auto ? ktstr_repeat_auto_new (base, a->trials, report) : NULL;
  guint n_results = a->is_auto ? 0 : variants->len;
  guint jobs = default_jobs (a, q, variants);
  FILE *human = ktstr_test_report_get_human (report);
  g_autoptr (GError) error = NULL;
  Stopper stopper = { 0 };
  g_autoptr (KtstrInterrupt) interrupt = ktstr_interrupt_install (on_interrupt, &stopper, &error);
  if (interrupt == NULL)
    return usage_error ("%s", error->message);
  KtstrExecutorOptions eo = {
    .jobs = jobs,
    .interrupted = ktstr_interrupt_get_flag (interrupt),
    .on_result = a->is_auto ? ktstr_repeat_auto_on_result : ktstr_test_report_result,
    .user_data = a->is_auto ? (gpointer)repeat_auto : (gpointer)report,
    /* Trials never share (ktstr_shared_group): each keeps its own boot. */
    .is_shared_boot = !a->fresh_boot,
  };
  g_autoptr (KtstrExecutor) executor = ktstr_executor_new (&eo);
  stopper.executor = executor;
  stopper.report = report;

  /* Plain runs print the TAP plan before the header, gauntlets after. */
  if (!q->is_gauntlet)
    ktstr_test_report_begin (report, executor, n_results);
  print_header (human, q, plan, base, n_tests, a, n_results, jobs);
  if (q->is_gauntlet)
    ktstr_test_report_begin (report, executor, n_results);
  if (repeat_auto != NULL)
    ktstr_repeat_auto_run (repeat_auto, executor);
  else
    ktstr_executor_run (executor, variants);
  return ktstr_test_report_finish (report, plan);
}

/* --budget: the part of BASE that fits, saying on stderr what was kept and
 * what was dropped and why; NULL and *error when nothing that boots fits. */
static GPtrArray *
apply_budget (const TestArgs *a, GPtrArray *base, GError **error)
{
  /* Costs from every run directory under the runs root, and from
   * KTSTR_SIDECAR_DIR when a run writes there. */
  g_autofree char *runs_root = ktstr_runs_root ();
  const char *override = g_getenv ("KTSTR_SIDECAR_DIR");
  const char *dirs[] = { runs_root, override && *override ? override : NULL, NULL };
  g_autoptr (KtstrBudgetCosts) costs = ktstr_budget_costs_load (dirs);
  guint runs = a->is_auto ? KTSTR_REPEAT_AUTO_MIN : a->trials;
  g_autoptr (KtstrBudgetSelection) s = ktstr_budget_select (base, a->budget_ms, runs, costs);
  guint n_boot = s->n_measured + s->n_estimated;
  if (n_boot == 0 && s->dropped->len > 0)
    {
      const KtstrBudgetDrop *cheapest = s->dropped->pdata[0];
      for (guint i = 1; i < s->dropped->len; i++)
        if (((KtstrBudgetDrop *)s->dropped->pdata[i])->cost_ms < cheapest->cost_ms)
          cheapest = s->dropped->pdata[i];
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--budget %.0f s: no variant fits; the cheapest, %s, is expected to take "
                   "%.1f s (%s)",
                   a->budget_ms / 1000.0, cheapest->name, cheapest->cost_ms / 1000.0,
                   cheapest->is_measured ? "measured by earlier sidecars" : "estimated");
      return NULL;
    }
  for (guint i = 0; i < s->dropped->len; i++)
    {
      const KtstrBudgetDrop *d = s->dropped->pdata[i];
      fprintf (stderr,
               "ktstr: budget: dropped %s: expected %.1f s (%s), %.1f s of the budget left "
               "when its turn came\n",
               d->name, d->cost_ms / 1000.0, d->is_measured ? "measured" : "estimated",
               d->left_ms / 1000.0);
    }
  g_autofree char *flags = s->n_flags > 0
                               ? g_strdup_printf (", %u/%u flags", s->n_flags_kept, s->n_flags)
                               : g_strdup ("");
  fprintf (stderr,
           "ktstr: budget %.0f s: %u of %u variants, %.1f s expected (%u measured, %u "
           "estimated), covering %u/%u tests, %u/%u topologies%s\n",
           a->budget_ms / 1000.0, s->kept->len, base->len, s->used_ms / 1000.0, s->n_measured,
           s->n_estimated, s->n_tests_kept, s->n_tests, s->n_topologies_kept, s->n_topologies,
           flags);
  return g_steal_pointer (&s->kept);
}

int
ktstr_cmd_test (int argc, char **argv)
{
  TestArgs a = { 0 };
  a.cpu_cap = G_MININT; /* not given: KTSTR_CPU_CAP, else none */
  /* Owned copies of the option strings, freed on every return path. */
  g_auto (GStrv) kernel_args = NULL;
  g_autofree char *topology_arg = NULL, *backend_arg = NULL;
  g_auto (GStrv) kargs = NULL;
  g_autofree char *scheduler_arg = NULL;
  g_auto (GStrv) includes = NULL;
  g_autofree char *scheduler_file_arg = NULL, *flags_arg = NULL;
  g_autofree char *presets_arg = NULL, *junit_arg = NULL, *repeat_arg = NULL;
  g_autofree char *shard_arg = NULL;
  g_autofree char *monitor_arg = NULL, *vmlinux_arg = NULL, *budget_arg = NULL;
  g_autofree char *work_type_arg = NULL;
  /* Everything after "--" goes to the scheduler. */
  g_autoptr (GStrvBuilder) sched_args_b = g_strv_builder_new ();
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        for (int j = i + 1; j < argc; j++)
          g_strv_builder_add (sched_args_b, argv[j]);
        argc = i;
        break;
      }
  g_auto (GStrv) sched_args = g_strv_builder_end (sched_args_b);
  GOptionEntry entries[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_FILENAME_ARRAY, &a.kernels,
      "Kernel to boot: a bzImage, a vmlinux, a build tree, a cache key, a version or "
      "MAJOR.MINOR found in the kernel cache, or START..END for every cached kernel in that "
      "range (default: KTSTR_TEST_KERNEL, KTSTR_KERNEL, the kernel cache, ./linux, ../linux, "
      "/boot).  Repeatable: every test runs on each kernel, named TEST@VERSION, each kernel's "
      "sidecars in its own run directory",
      "ID" },
    { "topology", 't', 0, G_OPTION_ARG_STRING, &a.topology,
      "VM topology NnNlNcNt (NUMA nodes, LLCs, cores per LLC, threads per core) for every test",
      "LABEL" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &a.backend, "VM backend: auto (default), qemu or kvm",
      "NAME" },
    { "memory-mb", 'm', 0, G_OPTION_ARG_INT, &a.memory_mb,
      "Guest memory (default: the test's memory_mb, else 1024)", "MB" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &a.timeout_s,
      "Host deadline per test (default: 60 s plus the scenario's duration)", "SECONDS" },
    { "karg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.kargs,
      "Extra kernel command-line argument (repeatable; recorded in the sidecar's kargs)", "ARG" },
    { "scheduler", 's', 0, G_OPTION_ARG_FILENAME, &a.scheduler,
      "sched_ext scheduler to test: a path, or a name looked up on PATH, then in "
      "./target/release, ./target/debug and a kernel tree's tools/sched_ext/build/bin (its "
      "libraries are packed too); arguments for it follow '--'",
      "PATH|NAME" },
    { "scheduler-file", 0, 0, G_OPTION_ARG_FILENAME, &a.scheduler_file,
      "Scheduler definition (keyfile, see ktstr-scheduler(5)): binary, args, flags, sysctls, "
      "kargs, topology, constraints, check overrides",
      "FILE" },
    { "flags", 0, 0, G_OPTION_ARG_STRING, &a.flags,
      "Comma-separated flags of the --scheduler-file definition to turn on", "A,B" },
    { "include", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &a.includes,
      "Extra file for the guest, at /include-files/NAME (repeatable; programs bring their "
      "libraries)",
      "PATH" },
    { "gauntlet", 0, 0, G_OPTION_ARG_NONE, &a.gauntlet,
      "Run every test on every topology preset that fits × every flag profile of the "
      "--scheduler-file definition, one VM per variant (gauntlet/TEST/PRESET/PROFILE)",
      NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs,
      "VMs at once (default: a gauntlet one per host CPU; a plain run one per host CPU as far "
      "as the VMs' vCPUs fit the vCPU budget and their memory half the host's, 1 with "
      "--verbose)",
      "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &a.presets,
      "Gauntlet: only these topology presets (comma-separated, see ktstr(1))", "A,B" },
    { "tap", 0, 0, G_OPTION_ARG_NONE, &a.tap,
      "Print TAP version 13 on stdout (human output goes to stderr)", NULL },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &a.junit,
      "Also write a JUnit XML report to FILE (atomically)", "FILE" },
    { "repeat", 0, 0, G_OPTION_ARG_STRING, &a.repeat,
      "Run each test N times, each trial in its own VM with its own sidecar (trial=1..N), "
      "round by round over all tests; auto[:MAX]: add trials until every gated metric's "
      "relative standard error is within a quarter of its gate (3 to MAX, default 10)",
      "N|auto[:MAX]" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &a.shard_text,
      "Run only shard I of N: the variants are split into N parts of about equal expected cost, "
      "the same on every machine (for a CI job matrix; 1 <= I <= N)",
      "I/N" },
    { "list-variants", 0, 0, G_OPTION_ARG_NONE, &a.list_variants,
      "Print the variants the run would boot (name, test, topology, preset, profile, shard, "
      "expected cost) and boot nothing",
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a.json,
      "Print the run's results (or with --list-variants the variants) as JSON on stdout "
      "(human output goes to stderr)",
      NULL },
    { "timings", 0, 0, G_OPTION_ARG_NONE, &a.timings,
      "Print per-test timings: start to hello, boot to hello, harness overhead (and with "
      "--repeat what the trials' boots cost)",
      NULL },
    { "monitor", 0, 0, G_OPTION_ARG_STRING, &a.monitor,
      "Scheduler monitor: auto (default: read guest memory when the kernel's vmlinux is known, "
      "else sample in the guest), host, guest or off",
      "MODE" },
    { "vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &a.vmlinux,
      "The kernel's vmlinux, for the host monitor (default: $KTSTR_VMLINUX, the kernel itself, "
      "its build tree's, or one beside the image)",
      "PATH" },
    { "no-perf-mode", 0, 0, G_OPTION_ARG_NONE, &a.no_perf_mode,
      "Skip the tests that ask for performance mode (performance_mode=) instead of pinning "
      "their vCPUs (also KTSTR_NO_PERF_MODE=1)",
      NULL },
    { "auto-repro", 0, 0, G_OPTION_ARG_NONE, &a.auto_repro,
      "When the sched_ext scheduler dies or the kernel crashes under it, boot the test once "
      "more with kprobes on the crash's call chain and fentry/fexit on the scheduler's "
      "callbacks, and add the events before the error to the report and sidecar",
      NULL },
    { "cpu-cap", 0, 0, G_OPTION_ARG_INT, &a.cpu_cap,
      "Pin each VM not in performance mode to at most N host CPUs of its own, reserved against "
      "every other ktstr process; a VM waits until N are free (also KTSTR_CPU_CAP)",
      "N" },
    { "budget", 0, 0, G_OPTION_ARG_STRING, &a.budget_text,
      "Run only what fits SECONDS: the variants that cover the most tests, topologies and "
      "flags per second, costed by earlier sidecars (else by declared durations and a boot "
      "estimate); says what it dropped (default: KTSTR_BUDGET_SECS)",
      "SECONDS" },
    { "work-type", 0, 0, G_OPTION_ARG_STRING, &a.work_type,
      "Run the works of every swappable test (swappable=true) as TYPE, e.g. PipeIo; other "
      "tests keep their work types",
      "TYPE" },
    { "fresh-boot", 0, 0, G_OPTION_ARG_NONE, &a.fresh_boot,
      "Boot one VM per test (also KTSTR_FRESH_BOOT=1); by default tests that would boot the "
      "same VM share one, unless a scheduler is under test or the test says fresh_boot=true "
      "(see ktstr(1), SHARED BOOTS)",
      NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &a.verbose,
      "Echo the kernel console and boot verbosely", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[TEST|FILE.ktstr|DIR…]");
  g_option_context_set_summary (
      ctx, "Runs each test's scenario in a VM (tests that would boot the same VM share one unless "
           "--fresh-boot) and writes one sidecar per test into the "
           "run directory.\nWith no arguments every built-in test runs (see 'ktstr list').\n"
           "Exit status: 0 all tests passed, 1 a test failed, 2 usage or setup error (or the "
           "harness could not run or record a test), 130 interrupted.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  kernel_args = a.kernels;
  topology_arg = a.topology;
  backend_arg = a.backend;
  kargs = a.kargs;
  scheduler_arg = a.scheduler;
  includes = a.includes;
  scheduler_file_arg = a.scheduler_file;
  flags_arg = a.flags;
  presets_arg = a.presets;
  junit_arg = a.junit;
  repeat_arg = a.repeat;
  shard_arg = a.shard_text;
  monitor_arg = a.monitor;
  vmlinux_arg = a.vmlinux;
  budget_arg = a.budget_text;
  work_type_arg = a.work_type;
  if (!parsed)
    return usage_error ("%s (see --help)", error->message);
  const char *budget_env = g_getenv ("KTSTR_BUDGET_SECS");
  if (a.budget_text != NULL
      && !ktstr_budget_parse (a.budget_text, "--budget", &a.budget_ms, &error))
    return usage_error ("%s", error->message);
  if (a.budget_text == NULL && budget_env != NULL && *budget_env != '\0'
      && !ktstr_budget_parse (budget_env, "KTSTR_BUDGET_SECS", &a.budget_ms, &error))
    return usage_error ("%s", error->message);
  if (a.monitor != NULL && !ktstr_monitor_mode_parse (a.monitor, &a.monitor_mode))
    return usage_error ("--monitor: '%s' is not auto, host, guest or off", a.monitor);
  if (a.vmlinux != NULL && a.monitor_mode >= KTSTR_MONITOR_MODE_GUEST)
    return usage_error ("--vmlinux is for the host monitor; drop it or --monitor=%s", a.monitor);
  if (!parse_repeat (a.repeat, &a.trials, &a.is_auto, &error))
    return usage_error ("%s", error->message);
  if (a.shard_text != NULL && !ktstr_shard_parse (a.shard_text, &a.shard, &error))
    return usage_error ("%s", error->message);
  if (a.json && a.tap)
    return usage_error ("--json and --tap both print on stdout; choose one");
  if (a.list_variants && (a.tap || a.junit != NULL || a.repeat != NULL || a.timings))
    return usage_error ("--list-variants boots nothing; drop --%s", a.tap              ? "tap"
                                                                    : a.junit != NULL  ? "junit"
                                                                    : a.repeat != NULL ? "repeat"
                                                                                       : "timings");

  KtstrTopology topo;
  char topo_err[256];
  if (a.topology != NULL
      && ktstr_topology_parse (a.topology, &topo, topo_err, sizeof topo_err) != 0)
    return usage_error ("--topology: %s", topo_err);
  if (a.memory_mb != 0 && (a.memory_mb < 128 || a.memory_mb > 65536))
    return usage_error ("--memory-mb must be between 128 and 65536, got %d", a.memory_mb);
  if (a.timeout_s < 0 || a.timeout_s > 86400)
    return usage_error ("--timeout must be between 1 and 86400 seconds, got %d", a.timeout_s);
  if (!a.gauntlet && a.presets != NULL)
    return usage_error ("--preset applies to --gauntlet runs; give --topology for a plain run");
  if (a.gauntlet && (a.topology != NULL || a.flags != NULL))
    return usage_error ("--gauntlet runs every preset and flag profile; drop --%s (or narrow "
                        "with --preset)",
                        a.topology != NULL ? "topology" : "flags");
  if (a.jobs < 0 || a.jobs > 256)
    return usage_error ("-j must be between 1 and 256, got %d", a.jobs);
  if (!cpu_options_from_env (&a, &error))
    return usage_error ("%s", error->message);

  const KtstrBackend *backend = ktstr_backend_lookup (a.backend ? a.backend : "auto", &error);
  if (backend == NULL)
    return usage_error ("--backend: %s", error->message);

  /* Schedulers named by name are also looked for in the kernel tree given
   * here (its tools/sched_ext/build/bin), test files' definitions too. */
  for (guint i = 0; a.kernels != NULL && a.kernels[i] != NULL; i++)
    if (g_file_test (a.kernels[i], G_FILE_TEST_IS_DIR))
      {
        ktstr_sched_binary_set_kernel_tree (a.kernels[i]);
        break;
      }
  g_autofree char *scheduler_path = NULL;
  if (a.scheduler != NULL)
    {
      scheduler_path = ktstr_sched_binary_resolve (a.scheduler, NULL, &error);
      if (scheduler_path == NULL)
        return usage_error ("--scheduler: %s", error->message);
      a.scheduler = scheduler_path;
    }

  g_autoptr (GPtrArray) tests = ktstr_tests_select (argv + 1, argc - 1, &error);
  if (tests == NULL)
    return usage_error ("%s", error->message);
  if (a.work_type != NULL && ktstr_tests_swap_work_type (tests, a.work_type, &error) == 0)
    return usage_error ("%s", error->message);

  /* Every kernel before any VM: a bad third --kernel fails now, not after
   * the first kernel's tests. */
  g_autoptr (GPtrArray) kernels = ktstr_kernels_resolve (a.kernels, "/boot", &error);
  if (kernels == NULL)
    return usage_error ("%s", error->message);

  /* A definition file supplies the binary, its arguments, flags, sysctls,
   * kargs, a default topology, constraints and check overrides. */
  g_autoptr (KtstrSchedulerDef) cli_sdef = NULL;
  if (a.scheduler_file != NULL)
    {
      if (a.scheduler != NULL)
        return usage_error ("give either --scheduler or --scheduler-file, not both");
      cli_sdef = ktstr_scheduler_def_load (a.scheduler_file, &error);
      if (cli_sdef == NULL)
        return usage_error ("%s", error->message);
    }
  if (a.flags != NULL && a.scheduler != NULL)
    return usage_error ("--flags selects flags of a scheduler definition (--scheduler-file or "
                        "a test's scheduler=), not of a --scheduler binary");

  KtstrTestReportOptions ro = {
    .style = a.gauntlet ? KTSTR_TEST_REPORT_GAUNTLET : KTSTR_TEST_REPORT_PLAIN,
    .tap = a.tap,
    .json = a.json,
    .shard = a.shard_text,
    .timings = a.timings,
    .trials = a.trials,
    .verbose = a.verbose,
    .junit_path = a.junit,
  };
  g_autoptr (KtstrTestReport) report = ktstr_test_report_new (&ro);
  KtstrRunRequest request = {
    .kernel = kernels->pdata[0],
    .kernels = kernels,
    .backend = backend,
    .topology = a.topology,
    .memory_mb = (guint)a.memory_mb,
    .timeout_s = (guint)a.timeout_s,
    .verbose = a.verbose,
    .kargs = a.kargs,
    .scheduler = a.scheduler,
    .scheduler_args = sched_args,
    .scheduler_def = cli_sdef,
    .flags = a.flags,
    .includes = a.includes,
    .is_gauntlet = a.gauntlet,
    .presets = a.presets,
    .monitor_mode = a.monitor_mode,
    .vmlinux = a.vmlinux,
    .notice = ktstr_test_report_notice,
    .notice_data = report,
    .cpu_cap = (guint)a.cpu_cap,
    .is_perf_mode_off = a.no_perf_mode,
    .auto_repro = a.auto_repro,
  };
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&request, tests, &error);
  if (plan == NULL)
    return usage_error ("%s", error->message);
  g_autoptr (GPtrArray) base
      = a.shard.count > 0 ? ktstr_shard_select (ktstr_run_plan_get_variants (plan), &a.shard)
                          : g_ptr_array_ref (ktstr_run_plan_get_variants (plan));
  g_autoptr (GHashTable) kept = NULL;
  if (a.budget_ms > 0)
    {
      GPtrArray *within = apply_budget (&a, base, &error);
      if (within == NULL)
        return usage_error ("%s", error->message);
      g_ptr_array_unref (base);
      base = within;
      kept = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < base->len; i++)
        g_hash_table_add (kept, ((KtstrVariant *)base->pdata[i])->name);
    }
  if (a.list_variants)
    {
      ktstr_list_variants_print (stdout, plan, a.shard.count > 0 ? &a.shard : NULL, kept, a.json);
      /* Planning made the run directories; a listing leaves none behind
       * (rmdir only removes one while it is empty). */
      for (guint i = 0; i < ktstr_run_plan_get_n_kernels (plan); i++)
        g_rmdir (ktstr_run_plan_get_kernel_rundir (plan, i));
      return KTSTR_EXIT_OK;
    }
  return run_plan (&a, &request, plan, base, tests->len, report);
}
