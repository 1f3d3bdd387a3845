#include "config.h"

#include "run/plan.h"

#include "run/cpu-plan.h"

#include "kernel/kernel-config.h"
#include "kernel/kernel-set.h"
#include "run/gauntlet.h"
#include "run/presets.h"
#include "run/profiles.h"
#include "sched/kargs.h"
#include "testdef/testdef.h"

GQuark
ktstr_run_plan_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-run-plan-error-quark");
}

/* One kernel of the run and the first runner made for it (its run
 * directory is the kernel's). */
typedef struct
{
  KtstrKernel *kernel; /* borrowed from the request */
  KtstrRunner *first_runner;
} PlanKernel;

struct _KtstrRunPlan
{
  const KtstrRunRequest *request;
  GArray *kernels;           /* PlanKernel, in run order */
  PlanKernel *current;       /* the kernel being expanded */
  const char *topology;      /* the request's, or the definition's */
  GPtrArray *variants;       /* KtstrVariant* */
  GHashTable *runners;       /* "IMAGE\nPATH\nFLAGS" -> KtstrRunner* */
  KtstrRunner *first_runner; /* the first made, for the run directory */
  GPtrArray *keep;           /* strvs the runners' options point into */
  gboolean is_sched_ext_checked;
  guint n_presets, n_profiles;
  GPtrArray *profile_names; /* char*: a gauntlet's flag profiles, by profile_index */
  gboolean is_kvm;
};

void
ktstr_run_plan_free (KtstrRunPlan *p)
{
  if (p == NULL)
    return;
  /* Variants borrow the runners: they go first. */
  g_clear_pointer (&p->variants, g_ptr_array_unref);
  g_clear_pointer (&p->runners, g_hash_table_unref);
  g_clear_pointer (&p->keep, g_ptr_array_unref);
  g_clear_pointer (&p->profile_names, g_ptr_array_unref);
  g_clear_pointer (&p->kernels, g_array_unref);
  g_free (p);
}

GPtrArray *
ktstr_run_plan_get_variants (const KtstrRunPlan *p)
{
  return p->variants;
}

const char *
ktstr_run_plan_get_rundir (const KtstrRunPlan *p)
{
  return ktstr_runner_get_rundir (p->first_runner);
}

guint
ktstr_run_plan_get_n_kernels (const KtstrRunPlan *p)
{
  return p->kernels->len;
}

const KtstrKernel *
ktstr_run_plan_get_kernel (const KtstrRunPlan *p, guint i)
{
  return g_array_index (p->kernels, PlanKernel, i).kernel;
}

const char *
ktstr_run_plan_get_kernel_rundir (const KtstrRunPlan *p, guint i)
{
  return ktstr_runner_get_rundir (g_array_index (p->kernels, PlanKernel, i).first_runner);
}

const char *
ktstr_run_plan_get_project_commit (const KtstrRunPlan *p)
{
  return ktstr_runner_get_project_commit (p->first_runner);
}

void
ktstr_run_plan_get_gauntlet_shape (const KtstrRunPlan *p, guint *n_presets, guint *n_profiles,
                                   gboolean *is_kvm)
{
  *n_presets = p->n_presets;
  *n_profiles = p->n_profiles;
  *is_kvm = p->is_kvm;
}

const char *
ktstr_run_plan_get_profile_name (const KtstrRunPlan *p, const KtstrVariant *v)
{
  if (v->preset == NULL || v->profile_index >= p->profile_names->len)
    return NULL;
  return p->profile_names->pdata[v->profile_index];
}

/* Fails on a word of KARGS (the command line's --karg) that ktstr sets
 * itself, split as the kernel splits its command line (sched/kargs.h); a
 * definition's kargs= were checked the same way when it loaded. */
static gboolean
check_reserved_kargs (char **kargs, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (ktstr_kargs_check ((const char *const *)kargs, "--karg", &local))
    return TRUE;
  g_set_error (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_KARG, "%s", local->message);
  return FALSE;
}

/* Keeps STRV (NULL: an empty one) for as long as the runners point into it. */
static char **
keep (KtstrRunPlan *p, char **strv)
{
  if (strv == NULL)
    strv = g_new0 (char *, 1);
  g_ptr_array_add (p->keep, strv);
  return strv;
}

/* The runner for SDEF (NULL: none, or the --scheduler binary) with FLAGS
 * (comma-separated, NULL: none), made on first use.  *ACTIVE_OUT gets its
 * active flags (borrowed, canonical order). */
static KtstrRunner *
runner_for (KtstrRunPlan *p, const KtstrSchedulerDef *sdef, const char *flags, char ***active_out,
            GError **error)
{
  const KtstrRunRequest *q = p->request;
  KtstrKernel *kernel = p->current->kernel;
  g_autofree char *key
      = g_strdup_printf ("%s\n%s\n%s", kernel->image, sdef ? sdef->path : "", flags ? flags : "");
  if ((sdef != NULL || q->scheduler != NULL) && !p->is_sched_ext_checked)
    {
      if (!ktstr_kernel_check_sched_ext (kernel, "/boot", error))
        return NULL;
      p->is_sched_ext_checked = TRUE;
    }
  /* A definition's binary= is looked for before any VM (its name may be
   * on PATH or beside the definition). */
  if (sdef != NULL && !ktstr_scheduler_def_check_binary (sdef, error))
    return NULL;
  g_auto (GStrv) active = NULL, flag_args = NULL;
  if (sdef != NULL && !ktstr_scheduler_def_select_flags (sdef, flags, &active, &flag_args, error))
    {
      g_prefix_error (error, "--flags: ");
      return NULL;
    }
  KtstrRunner *runner = g_hash_table_lookup (p->runners, key);
  if (runner != NULL)
    {
      *active_out = keep (p, g_steal_pointer (&active));
      return runner;
    }

  /* Scheduler arguments: the definition's, those after "--", the flags'.
   * Kernel arguments: the definition's, then --karg. */
  g_autoptr (GStrvBuilder) ab = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) kb = g_strv_builder_new ();
  if (sdef != NULL)
    {
      g_strv_builder_addv (ab, (const char **)sdef->args);
      g_strv_builder_addv (kb, (const char **)sdef->kargs);
    }
  if (!check_reserved_kargs (q->kargs, error))
    return NULL;
  g_strv_builder_addv (ab, (const char **)q->scheduler_args);
  if (flag_args != NULL)
    g_strv_builder_addv (ab, (const char **)flag_args);
  if (q->kargs != NULL)
    g_strv_builder_addv (kb, (const char **)q->kargs);

  KtstrRunOptions opts = {
    .kernel = kernel,
    .backend = q->backend,
    .accel = KTSTR_ACCEL_AUTO,
    /* Each variant names its topology. */
    .topology = NULL,
    .memory_mb = q->memory_mb,
    .timeout_s = q->timeout_s,
    .verbose = q->verbose,
    .kargs = keep (p, g_strv_builder_end (kb)),
    .scheduler = sdef ? sdef->binary : q->scheduler,
    .scheduler_args = keep (p, g_strv_builder_end (ab)),
    .includes = q->includes,
    .scheduler_name = sdef ? sdef->name : NULL,
    .scheduler_config = sdef ? sdef->config_file : NULL,
    .scheduler_config_guest = sdef ? sdef->config_guest : NULL,
    .scheduler_cgroup_parent = sdef ? sdef->cgroup_parent : NULL,
    .builtin_lines = sdef ? sdef->builtin_lines : NULL,
    .builtin_programs = sdef ? sdef->builtin_programs : NULL,
    .active_flags = keep (p, g_steal_pointer (&active)),
    .sysctls = sdef ? sdef->sysctls : NULL,
    .scheduler_ready_ms = sdef ? sdef->ready_ms : 0,
    .scheduler_checks = sdef ? sdef->keyfile : NULL,
    .monitor_mode = q->monitor_mode,
    .vmlinux = q->vmlinux,
    .notice = q->notice,
    .notice_data = q->notice_data,
    .is_exec_only = q->is_command,
    .cpu_cap = q->cpu_cap,
    .is_perf_mode_off = q->is_perf_mode_off,
    .auto_repro = q->auto_repro || (sdef != NULL && sdef->auto_repro),
  };
  runner = ktstr_runner_new (&opts, error);
  if (runner == NULL)
    return NULL;
  g_hash_table_insert (p->runners, g_steal_pointer (&key), runner);
  if (p->first_runner == NULL)
    p->first_runner = runner;
  if (p->current->first_runner == NULL)
    p->current->first_runner = runner;
  *active_out = opts.active_flags;
  return runner;
}

/* Why DEF must not run at TOPOLOGY under SDEF (NULL: none) with the
 * ACTIVE flags: the test's constraints, the scheduler's, or the test's
 * required/excluded flags.  NULL when it may run. */
static char *
skip_reason (const KtstrTestDef *def, const KtstrSchedulerDef *sdef, const char *topology,
             const char *const *active)
{
  g_autoptr (GError) error = NULL;
  if (ktstr_testdef_fits (def, topology, &error)
      && (sdef == NULL || ktstr_scheduler_def_check_topology (sdef, topology, &error))
      && ktstr_testdef_allows_flags (def, active, &error))
    return NULL;
  return g_strdup (error->message);
}

/* A plain run: one variant per test.  The command line's scheduler wins
 * over the test's scheduler=, its --flags over the test's flags=. */
static gboolean
expand_plain (KtstrRunPlan *p, GPtrArray *tests, GError **error)
{
  const KtstrRunRequest *q = p->request;
  for (guint i = 0; i < tests->len; i++)
    {
      const KtstrTestDef *def = tests->pdata[i];
      const KtstrSchedulerDef *sdef = q->scheduler_def;
      if (sdef == NULL && q->scheduler == NULL)
        sdef = def->scheduler;
      g_autofree char *flags = q->flags ? g_strdup (q->flags)
                               : sdef != NULL && sdef == def->scheduler && def->flags != NULL
                                   ? g_strjoinv (",", def->flags)
                                   : NULL;
      if (flags != NULL && sdef == NULL)
        {
          g_set_error (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_FLAGS,
                       "--flags: test '%s' names no scheduler definition (scheduler=) and no "
                       "--scheduler-file was given",
                       def->name);
          return FALSE;
        }
      char **active = NULL;
      KtstrRunner *runner = runner_for (p, sdef, flags, &active, error);
      if (runner == NULL)
        return FALSE;
      const char *topology = p->topology ? p->topology : def->topology;
      KtstrVariant *v = ktstr_variant_new (def->name, def, topology);
      v->runner = runner;
      /* --memory-mb wins over the test's memory_mb (0: the runner's). */
      v->memory_mb = q->memory_mb ? 0 : def->memory_mb;
      /* Like ktstr for a topology mismatch: not run, said so, and recorded
       * as a passing skip. */
      v->skip_reason = skip_reason (def, sdef, topology, (const char *const *)active);
      v->is_skip_recorded = v->skip_reason != NULL;
      g_ptr_array_add (p->variants, v);
      /* A topology the test accepts but whose CPUs cannot hold its cpusets
       * is an error in the test or the command line, said before any VM
       * boots (the guest would fail the run after a whole boot). */
      if (v->skip_reason == NULL && !ktstr_testdef_check_topology (def, topology, error))
        return FALSE;
    }
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
          g_set_error (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_SCHEDULERS,
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

/* A gauntlet: every test x preset x flag profile, one runner per profile
 * (its arguments follow the definition's and the command line's). */
static gboolean
expand_gauntlet (KtstrRunPlan *p, GPtrArray *tests, GError **error)
{
  const KtstrRunRequest *q = p->request;
  const KtstrSchedulerDef *sdef = q->scheduler_def;
  if (sdef == NULL && q->scheduler == NULL && !gauntlet_scheduler (tests, &sdef, error))
    return FALSE;
  g_autofree const KtstrPreset **presets = NULL;
  if (q->presets != NULL && (presets = ktstr_presets_parse_list (q->presets, error)) == NULL)
    {
      g_prefix_error (error, "--preset: ");
      return FALSE;
    }
  g_autoptr (GPtrArray) profiles = ktstr_profiles_expand (sdef, error);
  if (profiles == NULL)
    return FALSE;
  g_autoptr (GPtrArray) runners = g_ptr_array_new ();
  for (guint i = 0; i < profiles->len; i++)
    {
      const KtstrProfile *prof = profiles->pdata[i];
      g_autofree char *flags = g_strjoinv (",", prof->flags);
      char **active = NULL;
      KtstrRunner *runner = runner_for (p, sdef, sdef ? flags : NULL, &active, error);
      if (runner == NULL)
        return FALSE;
      g_ptr_array_add (runners, runner);
      /* The profiles are the same on every kernel. */
      if (p->profile_names->len == i)
        g_ptr_array_add (p->profile_names, g_strdup (prof->name));
    }
  KtstrHostCapacity cap;
  ktstr_host_capacity_detect (&cap, q->backend);
  g_autoptr (GPtrArray) variants = ktstr_gauntlet_expand (
      tests, (const KtstrPreset *const *)presets, profiles, sdef, &cap, q->memory_mb);
  for (guint i = 0; i < variants->len; i++)
    {
      KtstrVariant *v = variants->pdata[i];
      v->runner = runners->pdata[v->profile_index];
    }
  g_ptr_array_extend_and_steal (p->variants, g_steal_pointer (&variants));
  p->n_presets = presets ? g_strv_length ((char **)presets) : KTSTR_PRESETS_COUNT;
  p->n_profiles = profiles->len;
  p->is_kvm = cap.is_kvm;
  return TRUE;
}

/* Arguments after "--" need a scheduler to go to. */
static gboolean
check_scheduler_args (const KtstrRunRequest *q, GPtrArray *tests, GError **error)
{
  if (q->scheduler_args == NULL || q->scheduler_args[0] == NULL || q->scheduler != NULL
      || q->scheduler_def != NULL)
    return TRUE;
  for (guint i = 0; i < tests->len; i++)
    if (((KtstrTestDef *)tests->pdata[i])->scheduler != NULL)
      return TRUE;
  g_set_error_literal (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_SCHEDULER_ARGS,
                       "arguments after '--' are for a scheduler, but no --scheduler was given");
  return FALSE;
}

/* The state every plan starts from. */
static KtstrRunPlan *
plan_alloc (const KtstrRunRequest *q)
{
  KtstrRunPlan *p = g_new0 (KtstrRunPlan, 1);
  p->request = q;
  p->topology = q->topology                                   ? q->topology
                : q->scheduler_def != NULL && !q->is_gauntlet ? q->scheduler_def->topology
                                                              : NULL;
  p->variants = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  p->runners
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)ktstr_runner_free);
  p->keep = g_ptr_array_new_with_free_func ((GDestroyNotify)g_strfreev);
  p->profile_names = g_ptr_array_new_with_free_func (g_free);
  p->kernels = g_array_new (FALSE, TRUE, sizeof (PlanKernel));
  if (q->kernels != NULL && q->kernels->len > 0)
    for (guint i = 0; i < q->kernels->len; i++)
      g_array_append_val (p->kernels, ((PlanKernel){ .kernel = q->kernels->pdata[i] }));
  else
    g_array_append_val (p->kernels, ((PlanKernel){ .kernel = q->kernel }));
  p->current = &g_array_index (p->kernels, PlanKernel, 0);
  return p;
}

KtstrRunPlan *
ktstr_run_plan_new_command (const KtstrRunRequest *q, GError **error)
{
  g_return_val_if_fail (q->is_command && !q->is_gauntlet, NULL);
  if (q->flags != NULL && q->scheduler_def == NULL)
    {
      g_set_error_literal (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_FLAGS,
                           "--flags selects flags of a --scheduler-file definition, and none "
                           "was given");
      return NULL;
    }
  if (q->scheduler_args != NULL && q->scheduler_args[0] != NULL && q->scheduler == NULL
      && q->scheduler_def == NULL)
    {
      g_set_error_literal (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_SCHEDULER_ARGS,
                           "--scheduler-arg is for a scheduler, but no --scheduler or "
                           "--scheduler-file was given");
      return NULL;
    }
  g_autoptr (KtstrRunPlan) p = plan_alloc (q);
  char **active = NULL;
  if (runner_for (p, q->scheduler_def, q->flags, &active, error) == NULL)
    return NULL;
  if (p->topology != NULL && q->scheduler_def != NULL
      && !ktstr_scheduler_def_check_topology (q->scheduler_def, p->topology, error))
    return NULL;
  return g_steal_pointer (&p);
}

KtstrRunner *
ktstr_run_plan_get_runner (const KtstrRunPlan *p)
{
  return p->first_runner;
}

const char *
ktstr_run_plan_get_topology (const KtstrRunPlan *p)
{
  return p->topology;
}

/* Performance-mode variants that cannot run: all of them under
 * --no-perf-mode, and those whose topology this host can never place
 * (run/cpu-plan.h), each a recorded skip that says why.  Whether the CPUs
 * are free is only known when the VM is about to start (the runner). */
static gboolean
refuse_perf_mode (KtstrRunPlan *p, GError **error)
{
  g_autoptr (GArray) host = NULL;
  for (guint i = 0; i < p->variants->len; i++)
    {
      KtstrVariant *v = p->variants->pdata[i];
      if (v->skip_reason != NULL || v->def->performance_mode == KTSTR_PERF_MODE_OFF)
        continue;
      if (p->request->is_perf_mode_off)
        {
          v->skip_reason = g_strdup ("performance mode is off (--no-perf-mode or "
                                     "KTSTR_NO_PERF_MODE), and the test asks for it");
          v->is_skip_recorded = TRUE;
          continue;
        }
      if (host == NULL && (host = ktstr_host_cpus_read (error)) == NULL)
        return FALSE;
      KtstrTopology topo;
      if (ktstr_topology_parse (v->topology, &topo, NULL, 0) != 0)
        continue; /* ktstr_runner_check_variant says why */
      g_autoptr (GError) unfit = NULL;
      g_autoptr (KtstrCpuPlan) plan = ktstr_cpu_plan_perf (host, &topo, NULL, &unfit);
      if (plan != NULL)
        continue;
      v->skip_reason = g_strdup (unfit->message);
      v->is_skip_recorded = TRUE;
      v->is_host_skip = TRUE; /* a larger host of a sharded run may place it */
    }
  return TRUE;
}

/* The variants of kernel K: the whole list on that kernel, named
 * "{name}@{kernel}" when the run has several.  Two kernels whose run
 * directories are one (KTSTR_SIDECAR_DIR names a single directory) would
 * overwrite each other's sidecars, which have the same names. */
static gboolean
expand_kernel (KtstrRunPlan *p, guint k, GPtrArray *tests, GError **error)
{
  const KtstrRunRequest *q = p->request;
  p->current = &g_array_index (p->kernels, PlanKernel, k);
  p->is_sched_ext_checked = FALSE;
  guint first = p->variants->len;
  if (!(q->is_gauntlet ? expand_gauntlet (p, tests, error) : expand_plain (p, tests, error)))
    {
      if (p->kernels->len > 1)
        g_prefix_error (error, "kernel %s (%s): ", ktstr_kernel_label (p->current->kernel),
                        p->current->kernel->image);
      return FALSE;
    }
  if (p->kernels->len == 1)
    return TRUE;
  const char *label = ktstr_kernel_label (p->current->kernel);
  for (guint i = first; i < p->variants->len; i++)
    {
      KtstrVariant *v = p->variants->pdata[i];
      g_autofree char *base = v->name;
      v->name = g_strdup_printf ("%s@%s", base, label);
      v->kernel_label = label;
    }
  const char *dir = ktstr_runner_get_rundir (p->current->first_runner);
  for (guint i = 0; i < k; i++)
    {
      const PlanKernel *other = &g_array_index (p->kernels, PlanKernel, i);
      if (g_str_equal (ktstr_runner_get_rundir (other->first_runner), dir))
        {
          g_set_error (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_SAME_RUNDIR,
                       "kernels %s and %s would write their sidecars into one directory, %s "
                       "(KTSTR_SIDECAR_DIR names one directory for every kernel); unset it, or "
                       "run one kernel per invocation with its own KTSTR_SIDECAR_DIR",
                       ktstr_kernel_label (other->kernel), label, dir);
          return FALSE;
        }
    }
  return TRUE;
}

KtstrRunPlan *
ktstr_run_plan_new (const KtstrRunRequest *q, GPtrArray *tests, GError **error)
{
  if (tests->len == 0)
    {
      g_set_error_literal (error, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_NO_TESTS,
                           "no tests to run");
      return NULL;
    }
  if (!check_scheduler_args (q, tests, error))
    return NULL;
  g_autoptr (KtstrRunPlan) p = plan_alloc (q);
  for (guint k = 0; k < p->kernels->len; k++)
    if (!expand_kernel (p, k, tests, error))
      return NULL;
  if (!refuse_perf_mode (p, error))
    return NULL;
  /* What the runner would refuse after the first VMs have run is refused
   * now, for every variant. */
  for (guint i = 0; i < p->variants->len; i++)
    {
      const KtstrVariant *v = p->variants->pdata[i];
      KtstrRunVariant rv = { .topology = v->topology, .memory_mb = v->memory_mb };
      if (v->skip_reason == NULL && !ktstr_runner_check_variant (v->runner, v->def, &rv, error))
        return NULL;
    }
  return g_steal_pointer (&p);
}
