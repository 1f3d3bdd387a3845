#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "common/topology.h"
#include "run/gauntlet.h"
#include "kernel/kernel.h"
#include "kernel/kernel-config.h"
#include "run/output-junit.h"
#include "run/output-tap.h"
#include "run/runner.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"

typedef struct
{
  char *kernel;
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
} TestArgs;

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

static KtstrTestDef *
find_builtin (GPtrArray *builtins, const char *name)
{
  for (guint i = 0; i < builtins->len; i++)
    {
      KtstrTestDef *d = builtins->pdata[i];
      if (g_str_equal (d->name, name))
        return d;
    }
  return NULL;
}

/* Each argument is a built-in test name, a *.ktstr file, or a directory of
 * them; no argument means every built-in test. */
static GPtrArray *
select_tests (char **args, int n, GError **error)
{
  g_autofree char *dir = ktstr_testdef_builtin_dir ();
  g_autoptr (GError) builtin_error = NULL;
  g_autoptr (GPtrArray) builtins = ktstr_testdef_load_dir (dir, &builtin_error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);

  if (n == 0)
    {
      if (builtins == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&builtin_error),
                                      "cannot load the built-in tests from '%s': ", dir);
          g_ptr_array_unref (out);
          return NULL;
        }
      g_ptr_array_extend_and_steal (out, g_steal_pointer (&builtins));
      return out;
    }

  for (int i = 0; i < n; i++)
    {
      const char *a = args[i];
      if (g_file_test (a, G_FILE_TEST_IS_DIR))
        {
          GPtrArray *defs = ktstr_testdef_load_dir (a, error);
          if (defs == NULL)
            goto fail;
          if (defs->len == 0)
            {
              g_ptr_array_unref (defs);
              g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
                           "directory '%s' holds no *.ktstr test files", a);
              goto fail;
            }
          g_ptr_array_extend_and_steal (out, defs);
        }
      else if (g_str_has_suffix (a, ".ktstr") || strchr (a, '/') != NULL)
        {
          KtstrTestDef *d = ktstr_testdef_load (a, error);
          if (d == NULL)
            goto fail;
          g_ptr_array_add (out, d);
        }
      else
        {
          KtstrTestDef *d = builtins ? find_builtin (builtins, a) : NULL;
          if (d == NULL)
            {
              g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
                           "no built-in test named '%s' (run 'ktstr list'), and no such file", a);
              goto fail;
            }
          KtstrTestDef *copy = ktstr_testdef_load (d->path, error);
          if (copy == NULL)
            goto fail;
          g_ptr_array_add (out, copy);
        }
    }
  return out;

fail:
  g_ptr_array_unref (out);
  return NULL;
}

/* Keeps R for --junit and prints its TAP lines (numbered in order). */
static void
emit_result (gboolean tap, GPtrArray *results, KtstrTestResult *r)
{
  g_ptr_array_add (results, r);
  if (!tap)
    return;
  g_autofree char *lines = ktstr_tap_result (results->len, r);
  fputs (lines, stdout);
  fflush (stdout);
}

static int usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "ktstr test: %s\n", msg);
  return KTSTR_EXIT_USAGE;
}

/* --gauntlet: one runner per flag profile (its arguments follow the
 * definition's and the command line's), every test × preset × profile. */
static int
run_gauntlet (const TestArgs *a, GPtrArray *tests, const KtstrRunOptions *base,
              const KtstrSchedulerDef *sdef, char **sched_args)
{
  g_autoptr (GError) error = NULL;
  g_autofree const KtstrPreset **presets = NULL;
  if (a->presets != NULL && (presets = ktstr_presets_parse_list (a->presets, &error)) == NULL)
    return usage_error ("--preset: %s", error->message);
  g_autoptr (GPtrArray) profiles = ktstr_profiles_expand (sdef, &error);
  if (profiles == NULL)
    return usage_error ("%s", error->message);
  KtstrHostCapacity cap;
  ktstr_host_capacity_detect (&cap, base->backend);
  g_autoptr (GPtrArray) variants = ktstr_gauntlet_expand (
      tests, (const KtstrPreset *const *)presets, profiles, sdef, &cap, (guint)a->memory_mb);
  g_autoptr (GPtrArray) runners
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_runner_free);
  g_autoptr (GPtrArray) argvs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  for (guint i = 0; i < profiles->len; i++)
    {
      const KtstrProfile *p = profiles->pdata[i];
      KtstrRunOptions o = *base;
      g_autoptr (GStrvBuilder) ab = g_strv_builder_new ();
      if (sdef != NULL)
        g_strv_builder_addv (ab, (const char **)sdef->args);
      g_strv_builder_addv (ab, (const char **)sched_args);
      g_strv_builder_addv (ab, (const char **)p->args);
      char **args = g_strv_builder_end (ab);
      g_ptr_array_add (argvs, args);
      o.scheduler_args = args;
      o.active_flags = p->flags;
      o.topology = NULL;
      KtstrRunner *r = ktstr_runner_new (&o, &error);
      if (r == NULL)
        return usage_error ("%s", error->message);
      g_ptr_array_add (runners, r);
    }
  FILE *human = a->tap ? stderr : stdout;
  fprintf (human, "ktstr: kernel %s, backend %s (%s), %u test%s × %u preset%s × %u profile%s\n",
           base->kernel->image, base->backend->name, cap.is_kvm ? "kvm" : "tcg", tests->len,
           tests->len == 1 ? "" : "s",
           presets ? g_strv_length ((char **)presets) : KTSTR_PRESETS_COUNT,
           (presets ? g_strv_length ((char **)presets) : KTSTR_PRESETS_COUNT) == 1 ? "" : "s",
           profiles->len, profiles->len == 1 ? "" : "s");
  fflush (human);
  KtstrGauntletOptions go = {
    .jobs = a->jobs > 0 ? (guint)a->jobs : g_get_num_processors (),
    .tap = a->tap,
    .junit_path = a->junit,
  };
  return ktstr_gauntlet_run (variants, runners, &go);
}

/* Kernel arguments ktstr sets itself. */
static const char *const reserved[] = { "console=", "rdinit=", "init=", "panic=", "ktstr.", NULL };

/* The runners of one `ktstr test` run, one per scheduler choice (none, a
 * --scheduler binary, or a definition with its flags), so tests naming
 * different schedulers (scheduler= in their files) run in one go. */
typedef struct
{
  const TestArgs *args;
  KtstrKernel *kernel;
  const KtstrBackend *backend;
  char **sched_args; /* after "--" */
  gboolean is_sched_ext_checked;
  GPtrArray *keep;     /* strvs the runners' options point into */
  GHashTable *runners; /* "PATH\nFLAGS" -> KtstrRunner* */
} RunSetup;

static void
run_setup_clear (RunSetup *s)
{
  g_clear_pointer (&s->runners, g_hash_table_unref);
  g_clear_pointer (&s->keep, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunSetup, run_setup_clear)

/* What SDEF (NULL: none) brings with FLAGS: the active flags, the
 * scheduler's arguments (definition's, then after "--", then the flags')
 * and kernel arguments (definition's, then --karg).  Checks once that the
 * kernel has sched_ext when any scheduler runs.  Outputs may be NULL. */
static gboolean
setup_scheduler (RunSetup *s, const KtstrSchedulerDef *sdef, const char *flags, char ***active_out,
                 char ***args_out, char ***kargs_out, GError **error)
{
  const TestArgs *a = s->args;
  if ((sdef != NULL || a->scheduler != NULL) && !s->is_sched_ext_checked)
    {
      if (!ktstr_kernel_check_sched_ext (s->kernel, "/boot", error))
        return FALSE;
      s->is_sched_ext_checked = TRUE;
    }
  if (sdef == NULL)
    return TRUE;
  if (!ktstr_scheduler_def_check_binary (sdef, error))
    return FALSE;
  g_auto (GStrv) active = NULL, flag_args = NULL;
  if (!ktstr_scheduler_def_select_flags (sdef, flags, &active, &flag_args, error))
    {
      g_prefix_error (error, "--flags: ");
      return FALSE;
    }
  g_autoptr (GStrvBuilder) kb = g_strv_builder_new ();
  g_strv_builder_addv (kb, (const char **)sdef->kargs);
  if (a->kargs != NULL)
    g_strv_builder_addv (kb, (const char **)a->kargs);
  g_auto (GStrv) kargs = g_strv_builder_end (kb);
  for (char **k = kargs; *k; k++)
    for (const char *const *r = reserved; *r; r++)
      if (g_str_has_prefix (*k, *r))
        {
          g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID,
                       "%s: karg '%s': ktstr sets %s itself", sdef->path, *k, *r);
          return FALSE;
        }
  if (args_out != NULL)
    {
      g_autoptr (GStrvBuilder) ab = g_strv_builder_new ();
      g_strv_builder_addv (ab, (const char **)sdef->args);
      g_strv_builder_addv (ab, (const char **)s->sched_args);
      g_strv_builder_addv (ab, (const char **)flag_args);
      *args_out = g_strv_builder_end (ab);
    }
  if (active_out != NULL)
    *active_out = g_steal_pointer (&active);
  if (kargs_out != NULL)
    *kargs_out = g_steal_pointer (&kargs);
  return TRUE;
}

/* The runner for SDEF with FLAGS (made on first use); *ACTIVE_OUT gets its
 * active flags (borrowed). */
static KtstrRunner *
runner_for (RunSetup *s, const KtstrSchedulerDef *sdef, const char *flags, char ***active_out,
            GError **error)
{
  const TestArgs *a = s->args;
  g_autofree char *key = g_strdup_printf ("%s\n%s", sdef ? sdef->path : "", flags ? flags : "");
  KtstrRunner *runner = g_hash_table_lookup (s->runners, key);
  char **active = NULL, **args = NULL, **kargs = NULL;
  if (!setup_scheduler (s, sdef, flags, &active, &args, &kargs, error))
    return NULL;
  /* The runner's options point into these until the end of the run. */
  g_ptr_array_add (s->keep, active ? active : g_new0 (char *, 1));
  g_ptr_array_add (s->keep, args ? args : g_new0 (char *, 1));
  g_ptr_array_add (s->keep, kargs ? kargs : g_new0 (char *, 1));
  *active_out = active;
  if (runner != NULL)
    return runner;
  KtstrRunOptions opts = {
    .kernel = s->kernel,
    .backend = s->backend,
    .accel = KTSTR_ACCEL_AUTO,
    .topology = a->topology,
    .memory_mb = (guint)a->memory_mb,
    .timeout_s = (guint)a->timeout_s,
    .verbose = a->verbose,
    .kargs = kargs ? kargs : a->kargs,
    .scheduler = sdef ? sdef->binary : a->scheduler,
    .scheduler_args = args ? args : s->sched_args,
    .includes = a->includes,
    .scheduler_name = sdef ? sdef->name : NULL,
    .active_flags = active,
    .sysctls = sdef ? sdef->sysctls : NULL,
    .scheduler_ready_ms = sdef ? sdef->ready_ms : 0,
    .scheduler_checks = sdef ? sdef->keyfile : NULL,
  };
  runner = ktstr_runner_new (&opts, error);
  if (runner == NULL)
    return NULL;
  g_hash_table_insert (s->runners, g_steal_pointer (&key), runner);
  return runner;
}

/* Why DEF must not run at TOPOLOGY under SDEF (NULL: none) with the
 * ACTIVE flags: the test's constraints, the scheduler's, or the test's
 * required/excluded flags.  FALSE when it may run.  All decided before
 * any VM boots. */
static gboolean
skip_reason (const KtstrTestDef *def, const KtstrSchedulerDef *sdef, const char *topology,
             const char *const *active, char **why)
{
  g_autoptr (GError) error = NULL;
  if (ktstr_testdef_fits (def, topology, &error)
      && (sdef == NULL || ktstr_scheduler_def_check_topology (sdef, topology, &error))
      && ktstr_testdef_allows_flags (def, active, &error))
    return FALSE;
  *why = g_strdup (error->message);
  return TRUE;
}

/* A gauntlet shares its runners (one per flag profile) among all tests, so
 * without --scheduler-file the tests must agree: none names a scheduler,
 * or all name the same definition file.  *SDEF gets it (borrowed). */
static gboolean
gauntlet_scheduler (GPtrArray *tests, const KtstrSchedulerDef **sdef, GError **error)
{
  const KtstrTestDef *first = tests->pdata[0];
  g_autofree char *first_path
      = first->scheduler ? g_canonicalize_filename (first->scheduler->path, NULL) : NULL;
  for (guint i = 1; i < tests->len; i++)
    {
      const KtstrTestDef *d = tests->pdata[i];
      g_autofree char *path
          = d->scheduler ? g_canonicalize_filename (d->scheduler->path, NULL) : NULL;
      if (g_strcmp0 (path, first_path) != 0)
        {
          g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                       "--gauntlet: tests '%s' (scheduler %s) and '%s' (scheduler %s) name "
                       "different schedulers; run them separately or pass --scheduler-file",
                       first->name, first_path ? first_path : "none", d->name,
                       path ? path : "none");
          return FALSE;
        }
    }
  *sdef = first->scheduler;
  return TRUE;
}

static void
print_timings (FILE *human, KtstrRunner *runner, const KtstrTestDef *def, const KtstrTestResult *r,
               gboolean has_scheduler)
{
  /* overhead: everything but the scenario itself (settle + run). */
  double scenario_s = (def->duration_ms + def->settle_ms) / 1000.0;
  fprintf (human,
           "timing %s: start_to_hello_ms=%.0f launch_to_hello_ms=%.0f total_ms=%.0f "
           "scenario_ms=%.0f overhead_ms=%.0f\n",
           r->name, r->start_to_hello_us / 1000.0, r->boot_to_hello_us / 1000.0,
           r->duration_s * 1000.0, scenario_s * 1000.0, (r->duration_s - scenario_s) * 1000.0);
  /* The guest agent's own overhead, measured in the guest: its CPU time
   * (PID 1 and its threads, not the workers) per second of scenario. */
  if (r->agent_cpu_ns >= 0 && r->agent_span_ms > 0)
    fprintf (human,
             "timing %s: agent_cpu_ms=%.2f scenario_run_ms=%" G_GUINT64_FORMAT
             " agent_cpu_ms_per_s=%.3f\n",
             r->name, r->agent_cpu_ns / 1e6, r->agent_span_ms,
             (r->agent_cpu_ns / 1e6) / (r->agent_span_ms / 1000.0));
  if (has_scheduler)
    {
      guint64 size;
      gint64 build_us;
      gboolean was_cached;
      guint n_files;
      ktstr_runner_get_package_info (runner, &size, &build_us, &was_cached, &n_files);
      fprintf (human,
               "timing %s: sched_start_to_ready_ms=%" G_GINT64_FORMAT
               " initramfs_base_bytes=%" G_GUINT64_FORMAT " initramfs_base_ms=%.1f%s "
               "packed_files=%u\n",
               r->name, r->sched_ready_ms, size, build_us / 1000.0, was_cached ? " (cached)" : "",
               n_files);
    }
}

int
ktstr_cmd_test (int argc, char **argv)
{
  TestArgs a = { 0 };
  /* Owned copies of the option strings, freed on every return path. */
  g_autofree char *kernel_arg = NULL, *topology_arg = NULL, *backend_arg = NULL;
  g_auto (GStrv) kargs = NULL;
  g_autofree char *scheduler_arg = NULL;
  g_auto (GStrv) includes = NULL;
  g_autofree char *scheduler_file_arg = NULL, *flags_arg = NULL;
  g_autofree char *presets_arg = NULL, *junit_arg = NULL;
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
    { "kernel", 'k', 0, G_OPTION_ARG_FILENAME, &a.kernel,
      "Kernel to boot: a bzImage, a vmlinux, or a build tree (default: KTSTR_TEST_KERNEL, "
      "KTSTR_KERNEL, ./linux, ../linux, /boot)",
      "PATH" },
    { "topology", 't', 0, G_OPTION_ARG_STRING, &a.topology,
      "VM topology NnNlNcNt (NUMA nodes, LLCs, cores per LLC, threads per core) for every test",
      "LABEL" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &a.backend, "VM backend: auto (default), qemu or kvm",
      "NAME" },
    { "memory-mb", 'm', 0, G_OPTION_ARG_INT, &a.memory_mb, "Guest memory (default 1024)", "MB" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &a.timeout_s,
      "Host deadline per test (default: 60 s plus the scenario's duration)", "SECONDS" },
    { "karg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.kargs,
      "Extra kernel command-line argument (repeatable; recorded in the sidecar's kargs)", "ARG" },
    { "scheduler", 's', 0, G_OPTION_ARG_FILENAME, &a.scheduler,
      "sched_ext scheduler binary to test (its libraries are packed too); arguments for it "
      "follow '--'",
      "PATH" },
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
      "Gauntlet: VMs at once (default: the host's CPU count)", "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &a.presets,
      "Gauntlet: only these topology presets (comma-separated, see ktstr(1))", "A,B" },
    { "tap", 0, 0, G_OPTION_ARG_NONE, &a.tap,
      "Print TAP version 13 on stdout (human output goes to stderr)", NULL },
    { "junit", 0, 0, G_OPTION_ARG_FILENAME, &a.junit,
      "Also write a JUnit XML report to FILE (atomically)", "FILE" },
    { "timings", 0, 0, G_OPTION_ARG_NONE, &a.timings,
      "Print per-test timings: start to hello, boot to hello, harness overhead", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &a.verbose,
      "Echo the kernel console and boot verbosely", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[TEST|FILE.ktstr|DIR…]");
  g_option_context_set_summary (
      ctx, "Boots one VM per test, runs its scenario and writes one sidecar per test into the "
           "run directory.\nWith no arguments every built-in test runs (see 'ktstr list').\n"
           "Exit status: 0 all tests passed, 1 a test failed, 2 usage or setup error.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  kernel_arg = a.kernel;
  topology_arg = a.topology;
  backend_arg = a.backend;
  kargs = a.kargs;
  scheduler_arg = a.scheduler;
  includes = a.includes;
  scheduler_file_arg = a.scheduler_file;
  flags_arg = a.flags;
  presets_arg = a.presets;
  junit_arg = a.junit;
  if (!parsed)
    return usage_error ("%s (see --help)", error->message);

  KtstrTopology topo;
  char topo_err[256];
  if (a.topology != NULL
      && ktstr_topology_parse (a.topology, &topo, topo_err, sizeof topo_err) != 0)
    return usage_error ("--topology: %s", topo_err);
  if (a.memory_mb != 0 && (a.memory_mb < 128 || a.memory_mb > 65536))
    return usage_error ("--memory-mb must be between 128 and 65536, got %d", a.memory_mb);
  if (a.timeout_s < 0 || a.timeout_s > 86400)
    return usage_error ("--timeout must be between 1 and 86400 seconds, got %d", a.timeout_s);
  if (!a.gauntlet && (a.jobs != 0 || a.presets != NULL))
    return usage_error ("-j and --preset apply to --gauntlet runs");
  if (a.gauntlet && (a.topology != NULL || a.flags != NULL))
    return usage_error ("--gauntlet runs every preset and flag profile; drop --%s (or narrow "
                        "with --preset)",
                        a.topology != NULL ? "topology" : "flags");
  if (a.jobs < 0 || a.jobs > 256)
    return usage_error ("-j must be between 1 and 256, got %d", a.jobs);

  for (char **k = a.kargs; k && *k; k++)
    for (const char *const *r = reserved; *r; r++)
      if (g_str_has_prefix (*k, *r))
        return usage_error ("--karg '%s': ktstr sets %s itself; it cannot be overridden", *k, *r);

  const KtstrBackend *backend = ktstr_backend_lookup (a.backend ? a.backend : "auto", &error);
  if (backend == NULL)
    return usage_error ("--backend: %s", error->message);

  g_autoptr (GPtrArray) tests = select_tests (argv + 1, argc - 1, &error);
  if (tests == NULL)
    return usage_error ("%s", error->message);

  g_autoptr (KtstrKernel) kernel = ktstr_kernel_resolve (a.kernel, "/boot", &error);
  if (kernel == NULL)
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
      if (a.topology == NULL)
        a.topology = cli_sdef->topology;
    }
  if (a.flags != NULL && a.scheduler != NULL)
    return usage_error ("--flags selects flags of a scheduler definition (--scheduler-file or "
                        "a test's scheduler=), not of a --scheduler binary");
  if (sched_args[0] != NULL && a.scheduler == NULL && cli_sdef == NULL)
    {
      gboolean has_named = FALSE;
      for (guint i = 0; i < tests->len; i++)
        has_named |= ((KtstrTestDef *)tests->pdata[i])->scheduler != NULL;
      if (!has_named)
        return usage_error (
            "arguments after '--' are for a scheduler, but no --scheduler was given");
    }

  g_auto (RunSetup) setup = {
    .args = &a,
    .kernel = kernel,
    .backend = backend,
    .sched_args = sched_args,
    .keep = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev),
    .runners
    = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)ktstr_runner_free),
  };

  if (a.gauntlet)
    {
      const KtstrSchedulerDef *sdef = cli_sdef;
      if (sdef == NULL && a.scheduler == NULL && !gauntlet_scheduler (tests, &sdef, &error))
        {
          return usage_error ("%s", error->message);
        }
      g_auto (GStrv) all_kargs = NULL;
      if (!setup_scheduler (&setup, sdef, NULL, NULL, NULL, &all_kargs, &error))
        {
          return usage_error ("%s", error->message);
        }
      KtstrRunOptions base = {
        .kernel = kernel,
        .backend = backend,
        .accel = KTSTR_ACCEL_AUTO,
        .memory_mb = (guint)a.memory_mb,
        .timeout_s = (guint)a.timeout_s,
        .verbose = a.verbose,
        .kargs = all_kargs ? all_kargs : a.kargs,
        .scheduler = sdef ? sdef->binary : a.scheduler,
        .includes = a.includes,
        .scheduler_name = sdef ? sdef->name : NULL,
        .sysctls = sdef ? sdef->sysctls : NULL,
        .scheduler_ready_ms = sdef ? sdef->ready_ms : 0,
        .scheduler_checks = sdef ? sdef->keyfile : NULL,
      };
      return run_gauntlet (&a, tests, &base, sdef, sched_args);
    }

  FILE *human = a.tap ? stderr : stdout;
  g_autoptr (GPtrArray) results
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_test_result_free);
  if (a.tap)
    {
      g_autofree char *head = ktstr_tap_header (tests->len);
      fputs (head, stdout);
    }
  fprintf (human, "ktstr: kernel %s (%s, from %s), backend %s, %u test%s\n", kernel->image,
           kernel->version ? kernel->version : "version unknown", kernel->source, backend->name,
           tests->len, tests->len == 1 ? "" : "s");
  fflush (stdout);

  guint passed = 0, failed = 0, skipped = 0;
  gint64 start = g_get_monotonic_time ();
  KtstrRunner *first_runner = NULL;
  for (guint i = 0; i < tests->len; i++)
    {
      KtstrTestDef *def = tests->pdata[i];
      /* The command line's scheduler wins over the test's scheduler=; its
       * --flags over the test's flags=. */
      const KtstrSchedulerDef *sdef = cli_sdef;
      if (sdef == NULL && a.scheduler == NULL)
        sdef = def->scheduler;
      g_autofree char *flags = a.flags ? g_strdup (a.flags)
                               : sdef != NULL && sdef == def->scheduler && def->flags != NULL
                                   ? g_strjoinv (",", def->flags)
                                   : NULL;
      if (flags != NULL && sdef == NULL)
        {
          return usage_error ("--flags: test '%s' names no scheduler definition (scheduler=) and "
                              "no --scheduler-file was given",
                              def->name);
        }
      char **active = NULL;
      KtstrRunner *runner = runner_for (&setup, sdef, flags, &active, &error);
      if (runner == NULL)
        {
          return usage_error ("%s", error->message);
        }
      if (first_runner == NULL)
        first_runner = runner;
      const char *topo_used = a.topology ? a.topology : def->topology;
      g_autofree char *why = NULL;
      if (skip_reason (def, sdef, topo_used, (const char *const *)active, &why))
        {
          /* Like ktstr for a topology mismatch: not run, said so, and
           * recorded as a passing skip. */
          KtstrTestResult *sr = ktstr_runner_skip (runner, def, topo_used, why, &error);
          if (sr == NULL)
            {
              fprintf (stderr, "ktstr test: %s\n", error->message);
              return KTSTR_EXIT_USAGE;
            }
          fprintf (human, "SKIP %-24s %-10s  %s\n", def->name, topo_used, why);
          fprintf (stderr, "ktstr: SKIP: %s\n", why);
          fflush (human);
          emit_result (a.tap, results, sr);
          skipped++;
          continue;
        }
      g_autoptr (KtstrTestResult) r = ktstr_runner_run (runner, def, &error);
      if (r == NULL)
        {
          fprintf (stderr, "ktstr test: %s\n", error->message);
          return KTSTR_EXIT_USAGE;
        }
      fprintf (human, "%s %-24s %-10s %6.1fs%s%s\n", outcome_word (r->outcome), r->name,
               r->topology, r->duration_s, r->accel ? "  " : "", r->accel ? r->accel : "");
      if (r->outcome == KTSTR_OUTCOME_FAIL)
        {
          fprintf (human, "     %s\n", r->verdict);
          fflush (human);
          fputs (r->report, stderr);
        }
      if (a.timings)
        print_timings (human, runner, def, r, sdef != NULL || a.scheduler != NULL);
      fflush (human);
      passed += r->outcome == KTSTR_OUTCOME_PASS;
      failed += r->outcome == KTSTR_OUTCOME_FAIL;
      skipped += r->outcome == KTSTR_OUTCOME_SKIP;
      emit_result (a.tap, results, g_steal_pointer (&r));
    }
  double total_s = (g_get_monotonic_time () - start) / 1e6;
  fprintf (human, "sidecars: %s\n", ktstr_runner_get_rundir (first_runner));
  fprintf (human, "%u passed, %u failed, %u skipped (%.1fs)\n", passed, failed, skipped, total_s);
  if (a.junit != NULL && !ktstr_junit_write (a.junit, "ktstr", results, total_s, &error))
    return usage_error ("%s", error->message);
  return failed > 0 ? KTSTR_EXIT_FAILED : KTSTR_EXIT_OK;
}
