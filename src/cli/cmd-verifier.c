/* ktstr verifier: how many instructions the kernel's BPF verifier
 * processed for each struct_ops program of a scheduler, on one or more
 * kernels and under one or more of its definition's flag profiles.
 *
 * Each load is a VM booted as `ktstr run` boots one (run/command.h): the
 * guest agent starts the scheduler, waits until sched_ext enabled it,
 * reads each struct_ops program's verified_insns from the kernel (the
 * numbers a test run records as its sidecar's verifier_stats) and runs
 * the host's true(1), after which it stops the scheduler and powers off.
 * A scheduler that does not load gets its verifier log printed, repeated
 * blocks collapsed unless --raw, and the command fails. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "cli/usage-error.h"
#include "cli/interrupt.h"
#include "common/topology.h"
#include "kernel/kernel.h"
#include "record/sidecar.h"
#include "run/command.h"
#include "run/plan.h"
#include "run/profiles.h"
#include "sched/sched-binary.h"
#include "sched/scheduler-def.h"
#include "sched/verifier-log.h"
#include "sched/verifier-report.h"

/* Per load: boot, load, power off.  Under TCG a boot takes seconds and a
 * large scheduler's verification tens of them. */
#define VERIFIER_DEFAULT_TIMEOUT_S 300

typedef struct
{
  char **kernels;
  char *topology;
  char *backend;
  int memory_mb;
  int timeout_s;
  gboolean verbose;
  char **kargs;
  char *scheduler;
  char *scheduler_path; /* --scheduler resolved */
  char **scheduler_args;
  char *scheduler_file;
  char *profiles;
  gboolean is_all_profiles;
  gboolean is_raw;
  gboolean is_json;
} VerifierArgs;

static void
verifier_args_clear (VerifierArgs *a)
{
  g_strfreev (a->kernels);
  g_free (a->topology);
  g_free (a->backend);
  g_strfreev (a->kargs);
  g_free (a->scheduler);
  g_free (a->scheduler_path);
  g_strfreev (a->scheduler_args);
  g_free (a->scheduler_file);
  g_free (a->profiles);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VerifierArgs, verifier_args_clear)

#define usage_error(...) ktstr_cli_usage_error ("verifier", KTSTR_EXIT_USAGE, __VA_ARGS__)

static void
profile_free (KtstrProfile *p)
{
  g_free (p->name);
  g_strfreev (p->flags);
  g_strfreev (p->args);
  g_free (p);
}

/* The profiles to load under: --all-profiles, the --profiles list (each
 * "default" or flags joined with '+', in any order), or "default". */
static GPtrArray *
select_profiles (const VerifierArgs *a, const KtstrSchedulerDef *sdef, GError **error)
{
  if (a->is_all_profiles)
    return ktstr_profiles_expand (sdef, error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)profile_free);
  g_auto (GStrv) names = g_strsplit (a->profiles ? a->profiles : "default", ",", -1);
  for (char **n = names; *n != NULL; n++)
    {
      g_strstrip (*n);
      if (**n == '\0')
        continue;
      KtstrProfile *p = g_new0 (KtstrProfile, 1);
      g_ptr_array_add (out, p);
      if (g_str_equal (*n, "default"))
        {
          p->name = g_strdup ("default");
          p->flags = g_new0 (char *, 1);
          p->args = g_new0 (char *, 1);
          continue;
        }
      g_auto (GStrv) flags = g_strsplit (*n, "+", -1);
      g_autofree char *joined = g_strjoinv (",", flags);
      if (!ktstr_scheduler_def_select_flags (sdef, joined, &p->flags, &p->args, error))
        {
          g_prefix_error (error, "--profiles '%s': ", *n);
          g_ptr_array_unref (out);
          return NULL;
        }
      p->name = ktstr_profile_name ((const char *const *)p->flags);
    }
  if (out->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--profiles names no profile; give 'default' or flags joined with '+', "
                   "comma-separated (e.g. default,a+b)");
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

static void
on_interrupt (gpointer cancel)
{
  g_cancellable_cancel (cancel);
}

/* A load booted once more (run/boot-retry.h) says so. */
static void
on_notice (const char *message, gpointer user_data)
{
  (void)user_data;
  fprintf (stderr, "ktstr verifier: %s\n", message);
  fflush (stderr);
}

typedef struct
{
  const VerifierArgs *a;
  const KtstrBackend *backend;
  const KtstrSchedulerDef *sdef;
  const char *true_path; /* the host's true(1): the guest's whole workload */
  GCancellable *cancel;
} LoadContext;

/* How the output names each kernel: its release, unless two of them
 * share one (or one is unknown); then every kernel by its image's path. */
static GPtrArray *
kernel_labels (GPtrArray *kernels)
{
  gboolean is_by_path = FALSE;
  for (guint i = 0; i < kernels->len; i++)
    {
      const KtstrKernel *ki = kernels->pdata[i];
      is_by_path |= ki->version == NULL;
      for (guint j = 0; j < i; j++)
        is_by_path |= g_strcmp0 (ki->version, ((KtstrKernel *)kernels->pdata[j])->version) == 0;
    }
  GPtrArray *labels = g_ptr_array_new ();
  for (guint i = 0; i < kernels->len; i++)
    {
      const KtstrKernel *k = kernels->pdata[i];
      g_ptr_array_add (labels, is_by_path ? k->image : k->version);
    }
  return labels;
}

/* One VM: KERNEL (named LABEL), the scheduler under PROFILE.  NULL (error set) when no
 * VM could be booted or the run was refused before it booted. */
static KtstrVerifierResult *
load_once (const LoadContext *c, KtstrKernel *kernel, const char *label,
           const KtstrProfile *profile, GError **error)
{
  const VerifierArgs *a = c->a;
  char *no_args[] = { NULL };
  g_autofree char *flags = g_strjoinv (",", profile->flags);
  KtstrRunRequest request = {
    .kernel = kernel,
    .backend = c->backend,
    .topology = a->topology,
    .memory_mb = (guint)a->memory_mb,
    .verbose = a->verbose,
    .kargs = a->kargs,
    .scheduler = a->scheduler_path,
    .scheduler_args = a->scheduler_args ? a->scheduler_args : no_args,
    .scheduler_def = c->sdef,
    .flags = *flags ? flags : NULL,
    .is_command = TRUE,
    .notice = on_notice,
  };
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new_command (&request, error);
  if (plan == NULL)
    return NULL;
  char *argv[] = { (char *)c->true_path, NULL };
  KtstrCommandRequest req = {
    .mode = KTSTR_COMMAND_RUN,
    .argv = argv,
    .topology = ktstr_run_plan_get_topology (plan),
    .timeout_s = a->timeout_s > 0 ? (guint)a->timeout_s : VERIFIER_DEFAULT_TIMEOUT_S,
    .out_fd = STDERR_FILENO,
    .err_fd = STDERR_FILENO,
    .cancel = c->cancel,
    .is_rerunnable = TRUE,
  };
  g_autoptr (KtstrCommandResult) r
      = ktstr_command_run (ktstr_run_plan_get_runner (plan), &req, error);
  if (r == NULL)
    return NULL;
  g_autoptr (KtstrVerifierResult) v = ktstr_verifier_result_new (label, profile->name);
  v->is_loaded = r->is_sched_ready && r->end != KTSTR_COMMAND_CANCELLED;
  for (guint i = 0; v->is_loaded && i < r->verifier->len; i++)
    {
      const KtstrVerifierStat *s = r->verifier->pdata[i];
      g_ptr_array_add (v->programs, ktstr_verifier_stat_new (s->name, s->verified_insns));
    }
  if (v->is_loaded && v->programs->len == 0)
    {
      /* Ready, yet no struct_ops program was reported: the guest could
       * not read the kernel's BPF program list. */
      v->is_loaded = FALSE;
      v->error = g_strdup ("the scheduler loaded, but the guest reported no struct_ops program "
                           "(the bpf syscall's program queries failed)");
      return g_steal_pointer (&v);
    }
  if (v->is_loaded)
    return g_steal_pointer (&v);
  v->log = ktstr_verifier_log_extract_full (r->sched_log, !a->is_raw);
  /* The summary is a test report's headline; its pointer to the report's
   * scheduler section means the log printed below it here. */
  const char *pointer = " (see --- scheduler log ---)";
  v->error = v->log != NULL && g_str_has_suffix (r->summary, pointer)
                 ? g_strndup (r->summary, strlen (r->summary) - strlen (pointer))
                 : g_strdup (r->summary);
  if (v->log == NULL && r->report != NULL)
    v->log = g_strdup (r->report);
  return g_steal_pointer (&v);
}

static int
run_verifier (VerifierArgs *a)
{
  if (a->topology != NULL)
    {
      KtstrTopology topo;
      char topo_err[256];
      if (ktstr_topology_parse (a->topology, &topo, topo_err, sizeof topo_err) != 0)
        return usage_error ("--topology: %s", topo_err);
    }
  if (a->memory_mb != 0 && (a->memory_mb < 128 || a->memory_mb > 65536))
    return usage_error ("--memory-mb must be between 128 and 65536, got %d", a->memory_mb);
  if (a->timeout_s < 0 || a->timeout_s > 86400)
    return usage_error ("--timeout must be between 1 and 86400 seconds, got %d", a->timeout_s);
  if ((a->scheduler != NULL) == (a->scheduler_file != NULL))
    return usage_error ("give the scheduler to load: --scheduler PATH|NAME or --scheduler-file "
                        "FILE (one of them)");
  if ((a->profiles != NULL || a->is_all_profiles) && a->scheduler_file == NULL)
    return usage_error ("--profiles and --all-profiles pick flags of a scheduler definition; "
                        "give it with --scheduler-file");
  if (a->profiles != NULL && a->is_all_profiles)
    return usage_error ("give either --profiles or --all-profiles, not both");

  g_autoptr (GError) error = NULL;
  const KtstrBackend *backend = ktstr_backend_lookup (a->backend ? a->backend : "auto", &error);
  if (backend == NULL)
    return usage_error ("--backend: %s", error->message);
  g_autofree char *true_path = g_find_program_in_path ("true");
  if (true_path == NULL)
    return usage_error ("true(1) is not on PATH; the guest runs the host's true once the "
                        "scheduler is loaded");
  g_autoptr (GPtrArray) kernels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_kernel_free);
  char *default_kernel[] = { NULL, NULL };
  char **given = a->kernels ? a->kernels : default_kernel;
  for (char **k = given; k == given || *k != NULL; k++)
    {
      if (*k != NULL && g_file_test (*k, G_FILE_TEST_IS_DIR))
        ktstr_sched_binary_set_kernel_tree (*k);
      KtstrKernel *kernel = ktstr_kernel_resolve (*k, "/boot", &error);
      if (kernel == NULL)
        return usage_error ("%s", error->message);
      g_ptr_array_add (kernels, kernel);
    }
  if (a->scheduler != NULL
      && (a->scheduler_path = ktstr_sched_binary_resolve (a->scheduler, NULL, &error)) == NULL)
    return usage_error ("--scheduler: %s", error->message);
  g_autoptr (KtstrSchedulerDef) sdef = NULL;
  if (a->scheduler_file != NULL
      && ((sdef = ktstr_scheduler_def_load (a->scheduler_file, &error)) == NULL
          || !ktstr_scheduler_def_check_binary (sdef, &error)))
    return usage_error ("%s", error->message);
  g_autoptr (GPtrArray) profiles = select_profiles (a, sdef, &error);
  if (profiles == NULL)
    return usage_error ("%s", error->message);

  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (KtstrInterrupt) interrupt = ktstr_interrupt_install (on_interrupt, cancel, &error);
  if (interrupt == NULL)
    return usage_error ("%s", error->message);
  const char *what = sdef ? sdef->path : a->scheduler_path;
  LoadContext ctx = { a, backend, sdef, true_path, cancel };
  g_autoptr (GPtrArray) labels = kernel_labels (kernels);
  g_autoptr (GPtrArray) results
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_verifier_result_free);
  for (guint k = 0; k < kernels->len; k++)
    for (guint p = 0; p < profiles->len; p++)
      {
        KtstrKernel *kernel = kernels->pdata[k];
        const KtstrProfile *profile = profiles->pdata[p];
        fprintf (stderr, "ktstr verifier: loading %s (profile %s) on kernel %s (%s), backend %s\n",
                 what, profile->name, kernel->image,
                 kernel->version ? kernel->version : "version unknown", backend->name);
        fflush (stderr);
        KtstrVerifierResult *v = load_once (&ctx, kernel, labels->pdata[k], profile, &error);
        if (g_cancellable_is_cancelled (cancel))
          {
            g_clear_pointer (&v, ktstr_verifier_result_free);
            fprintf (stderr, "ktstr verifier: interrupted; nothing printed\n");
            return KTSTR_EXIT_INTERRUPTED;
          }
        if (v == NULL)
          return usage_error ("%s", error->message);
        g_ptr_array_add (results, v);
      }

  g_autoptr (GString) out = g_string_new (NULL);
  if (a->is_json)
    {
      g_autofree char *json = ktstr_verifier_report_json (results);
      g_string_append (out, json);
    }
  else
    ktstr_verifier_report_text (results, out);
  fputs (out->str, stdout);
  g_autoptr (GString) warnings = g_string_new (NULL);
  ktstr_verifier_report_warnings (results, warnings);
  fputs (warnings->str, stderr);
  for (guint i = 0; i < results->len; i++)
    if (!((KtstrVerifierResult *)results->pdata[i])->is_loaded)
      return KTSTR_EXIT_FAILED;
  return KTSTR_EXIT_OK;
}

int
ktstr_cmd_verifier (int argc, char **argv)
{
  g_auto (VerifierArgs) a = { 0 };
  GOptionEntry entries[]
      = { { "scheduler", 's', 0, G_OPTION_ARG_FILENAME, &a.scheduler,
            "Scheduler to load: a path, or a name looked up as for 'ktstr test'", "PATH|NAME" },
          { "scheduler-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.scheduler_args,
            "An argument for the scheduler (repeatable)", "ARG" },
          { "scheduler-file", 0, 0, G_OPTION_ARG_FILENAME, &a.scheduler_file,
            "Scheduler definition to load (see ktstr-scheduler(5))", "FILE" },
          { "profiles", 0, 0, G_OPTION_ARG_STRING, &a.profiles,
            "Flag profiles of the definition to load under, comma-separated: 'default' or flags "
            "joined with '+' (default: default)",
            "P,Q" },
          { "all-profiles", 0, 0, G_OPTION_ARG_NONE, &a.is_all_profiles,
            "Load under every flag profile of the definition, as a gauntlet runs them", NULL },
          { "kernel", 'k', 0, G_OPTION_ARG_FILENAME_ARRAY, &a.kernels,
            "Kernel to load on (repeatable: one column per kernel): a bzImage, a vmlinux, a build "
            "tree, or a cached kernel's version or key (default: as 'ktstr test' finds one)",
            "PATH" },
          { "raw", 0, 0, G_OPTION_ARG_NONE, &a.is_raw,
            "Print a failed load's verifier log whole, without collapsing repeated blocks", NULL },
          { "json", 0, 0, G_OPTION_ARG_NONE, &a.is_json, "Print JSON instead of the table", NULL },
          { "topology", 't', 0, G_OPTION_ARG_STRING, &a.topology,
            "VM topology NnNlNcNt (default: the scheduler definition's, else 1n1l2c1t)", "LABEL" },
          { "backend", 'b', 0, G_OPTION_ARG_STRING, &a.backend,
            "VM backend: auto (default), qemu or kvm", "NAME" },
          { "memory-mb", 'm', 0, G_OPTION_ARG_INT, &a.memory_mb, "Guest memory (default 1024)",
            "MB" },
          { "karg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.kargs, "Extra kernel argument (repeatable)",
            "ARG" },
          { "timeout", 0, 0, G_OPTION_ARG_INT, &a.timeout_s,
            "Host deadline of each load's VM in seconds (default 300)", "SECONDS" },
          { "verbose", 'v', 0, G_OPTION_ARG_NONE, &a.verbose,
            "Boot verbosely (loglevel=7) and echo the kernel console", NULL },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("");
  g_option_context_set_summary (
      ctx, "Boots a VM per kernel and flag profile, loads the scheduler in it and prints the "
           "number of instructions the BPF verifier processed for each of its struct_ops "
           "programs, with its share of the kernel's limit of 1000000 (a warning from 75 %).  "
           "A scheduler that fails to load gets its verifier log printed, repeated blocks "
           "collapsed (--raw: whole).\n"
           "Exit status: 0 every load succeeded; 1 a load failed; 2 usage or setup error, or no "
           "VM could boot; 130 interrupted.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error ("%s (see --help)", error->message);
  if (argc > 1)
    return usage_error ("unexpected argument '%s'; the scheduler is given with --scheduler or "
                        "--scheduler-file",
                        argv[1]);
  return run_verifier (&a);
}
