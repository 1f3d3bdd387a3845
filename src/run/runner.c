#include "config.h"

#include "run/runner.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "eval/aggregate.h"
#include "eval/checks.h"
#include "common/proto.h"
#include "record/gitcommit.h"
#include "record/hostctx.h"
#include "image/initramfs.h"
#include "kernel/kernel-cache.h"
#include "monitor/kernel-layout.h"
#include "monitor/vmlinux.h"
#include "run/auto-repro.h"
#include "run/boot-path.h"
#include "image/package.h"
#include "sched/sched-plan.h"
#include "sched/sched-verdict.h"
#include "eval/report.h"
#include "record/rundir.h"
#include "run/boot-retry.h"
#include "run/cpu-reserve.h"
#include "run/hugepages.h"
#include "run/console-scan.h"
#include "run/session.h"
#include "run/payload-metrics.h"
#include "record/sidecar.h"
#include "run/verdict.h"
#include "util/fsutil.h"
#include "util/owned-tmpdir.h"

/* Time a guest gets to boot and report back on top of the scenario itself;
 * generous because TCG on a loaded 2-core host boots in 6-20 s. */
#define BOOT_ALLOWANCE_S 60
/* The guest powers itself off this long before the host deadline, so a
 * guest that is merely slow still ends cleanly and keeps its console. */
#define GUEST_GUARD_MARGIN_S 5
#define DEFAULT_MEMORY_MB 1024

struct _KtstrRunner
{
  KtstrRunOptions options;
  char *base_initramfs;
  KtstrRunDir *rundir;
  char *project_commit;
  char *kernel_commit;
  KtstrHostContext *host;
  char *sched_lines;                 /* the plan lines that start the scheduler, NULL without one */
  KtstrInitramfsSpec *include_files; /* --include files and their libraries, NULL without */
  KtstrInitramfsInfo base_info;
  guint package_files;
  KtstrKernelLayout *layout; /* the host monitor's view of the kernel, or NULL */
  guint hz;                  /* the kernel's HZ, 0 when unknown */
  KtstrBootPath boot;        /* the image the VMs boot, and how */
  char *tracer_guest;        /* auto-repro's tracer in the guest, or NULL (run/auto-repro.h) */
};

static void notice (const KtstrRunner *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
notice (const KtstrRunner *r, const char *fmt, ...)
{
  if (r->options.notice == NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  r->options.notice (message, r->options.notice_data);
}

void
ktstr_test_result_free (KtstrTestResult *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->topology);
  g_free (r->verdict);
  g_free (r->report);
  g_free (r->sidecar_path);
  g_free (r->accel);
  g_free (r);
}

GQuark
ktstr_runner_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-runner-error-quark");
}

/* The --include files and their libraries, for every boot's own archive
 * and never for the cached base image: what a user includes may be
 * private (a key, a token) and the cache outlives the run.  Returns how
 * many files that is, or -1 (error set) when one cannot be packed. */
static int
pack_includes (KtstrRunner *r, GError **error)
{
  const KtstrRunOptions *o = &r->options;
  if (o->includes == NULL || *o->includes == NULL)
    return 0;
  r->include_files = ktstr_initramfs_spec_new ("");
  g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
  for (char **inc = o->includes; *inc; inc++)
    {
      g_autofree char *base = g_path_get_basename (*inc);
      g_autofree char *guest = g_build_filename (KTSTR_GUEST_INCLUDE_DIR, base, NULL);
      if (!ktstr_package_add (pkg, r->include_files, "--include file", *inc, guest, error))
        return -1;
    }
  return (int)pkg->n_files;
}

void
ktstr_runner_add_includes (const KtstrRunner *r, KtstrInitramfsSpec *files)
{
  for (guint i = 0; r->include_files != NULL && i < r->include_files->files->len; i++)
    {
      const KtstrInitramfsFile *f = r->include_files->files->pdata[i];
      ktstr_initramfs_spec_add (files, f->archive_name, f->host_path);
    }
}

/* A kernel-built-in scheduler: its programs packed at their own paths,
 * its enable and disable lines (with the library path of what was packed). */
static gboolean
add_builtin (KtstrRunner *r, KtstrInitramfsSpec *spec, KtstrPackage *pkg, GError **error)
{
  const KtstrRunOptions *o = &r->options;
  for (char **prog = o->builtin_programs; prog && *prog; prog++)
    if (!ktstr_package_add (pkg, spec, "built-in scheduler program", *prog, *prog + 1, error))
      return FALSE;
  g_autofree char *llp = ktstr_package_ld_library_path (pkg);
  r->sched_lines
      = *llp != '\0' && o->builtin_programs != NULL && o->builtin_programs[0] != NULL
            ? g_strdup_printf ("%sbuiltin_env LD_LIBRARY_PATH=%s\n", o->builtin_lines, llp)
            : g_strdup (o->builtin_lines);
  return TRUE;
}

/* Packs the scheduler, its loader and libraries and its definition's
 * config_file (or a built-in scheduler's programs) into the base image, and renders the plan lines
 * that start the scheduler in the guest (sched/sched-plan.h), with its cgroup_parent. Fails, before
 * any VM, on a missing library. */
static gboolean
add_scheduler (KtstrRunner *r, KtstrInitramfsSpec *spec, GError **error)
{
  const KtstrRunOptions *o = &r->options;
  g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
  if (o->scheduler == NULL && o->auto_repro)
    {
      g_set_error_literal (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                           "--auto-repro (or a definition's auto_repro) traces a sched_ext "
                           "scheduler's callbacks: give one with --scheduler or a definition "
                           "whose binary= is a sched_ext program");
      return FALSE;
    }
  if (o->scheduler == NULL && o->builtin_lines == NULL)
    {
      r->package_files = pkg->n_files;
      return TRUE;
    }
  if (o->scheduler == NULL)
    {
      if (!add_builtin (r, spec, pkg, error))
        return FALSE;
    }
  else
    {
      g_autofree char *base = g_path_get_basename (o->scheduler);
      g_autofree char *guest = g_build_filename (KTSTR_GUEST_SCHED_DIR, base, NULL);
      if (!ktstr_package_add (pkg, spec, "scheduler", o->scheduler, guest, error))
        return FALSE;
      if (o->auto_repro)
        {
          /* Packed beside the scheduler, so its libraries (libbpf) are in
           * the same LD_LIBRARY_PATH the tracer inherits. */
          g_autofree char *tracer = ktstr_auto_repro_find_tracer (error);
          g_autofree char *tracer_guest
              = g_build_filename (KTSTR_GUEST_SCHED_DIR, "ktstr-auto-repro-trace", NULL);
          if (tracer == NULL
              || !ktstr_package_add (pkg, spec, "auto-repro tracer", tracer, tracer_guest, error))
            return FALSE;
          r->tracer_guest = g_strconcat ("/", tracer_guest, NULL);
        }
      if (o->scheduler_config != NULL
          && !ktstr_package_add (pkg, spec, "scheduler config_file", o->scheduler_config,
                                 o->scheduler_config_guest + 1, error))
        return FALSE;
      g_autofree char *llp = ktstr_package_ld_library_path (pkg);
      g_autofree char *guest_abs = g_strconcat ("/", guest, NULL);
      r->sched_lines = ktstr_sched_plan_lines (guest_abs, (const char *const *)o->scheduler_args,
                                               llp, o->scheduler_ready_ms, error);
      if (r->sched_lines == NULL)
        return FALSE;
    }
  r->package_files = pkg->n_files;
  if (o->scheduler_cgroup_parent != NULL)
    {
      char *with_parent
          = g_strdup_printf ("%scgroup_parent %s\n", r->sched_lines, o->scheduler_cgroup_parent);
      g_free (r->sched_lines);
      r->sched_lines = with_parent;
    }
  return TRUE;
}

void
ktstr_runner_get_package_info (const KtstrRunner *r, guint64 *size, gint64 *build_us,
                               gboolean *was_cached, guint *n_files)
{
  *size = r->base_info.size;
  *build_us = r->base_info.build_us;
  *was_cached = r->base_info.was_cached;
  *n_files = r->package_files;
}

/* Once per process, before the first VM: the work directories a killed
 * ktstr left behind (each holds an owner stamp, owned-tmpdir.h). */
static gpointer
sweep_stale_workdirs (gpointer data)
{
  (void)data;
  ktstr_owned_tmpdir_sweep (KTSTR_VM_WORKDIR_PREFIX);
  return NULL;
}

/* The host monitor needs the kernel's vmlinux (symbols and BTF).  Without
 * one the guest samples; --monitor=host makes that an error. */
static gboolean
load_monitor_layout (KtstrRunner *r, GError **error)
{
  const KtstrRunOptions *o = &r->options;
  const KtstrKernel *k = o->kernel;
  if (o->monitor_mode == KTSTR_MONITOR_MODE_OFF)
    return TRUE;
  g_autoptr (GError) local = NULL;
  g_autofree char *path = o->monitor_mode == KTSTR_MONITOR_MODE_GUEST
                              ? NULL
                              : ktstr_vmlinux_find (o->vmlinux, k->image, k->tree, &local);
  if (path != NULL)
    r->layout = ktstr_kernel_layout_load (path, &local);
  const char *why = local != NULL ? local->message : NULL;
  r->hz = r->layout && r->layout->hz ? r->layout->hz : ktstr_kernel_image_hz (k->image, k->tree);
  if (r->layout != NULL || o->monitor_mode == KTSTR_MONITOR_MODE_GUEST)
    return TRUE;
  if (o->monitor_mode == KTSTR_MONITOR_MODE_HOST)
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                   "--monitor=host needs the kernel's vmlinux: %s", why);
      return FALSE;
    }
  /* A vmlinux given outright must work; one found beside the kernel that
   * does not is worth a word; none at all is the normal case of a
   * distribution kernel. */
  const char *env = g_getenv ("KTSTR_VMLINUX");
  if (path != NULL && ((o->vmlinux != NULL && *o->vmlinux) || (env != NULL && *env)))
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                   "%s: %s; give the vmlinux of the kernel being booted, or --monitor=guest",
                   o->vmlinux != NULL && *o->vmlinux ? "--vmlinux" : "KTSTR_VMLINUX", why);
      return FALSE;
    }
  if (path != NULL)
    notice (r, "warning: the monitor samples in the guest: %s", why);
  return TRUE;
}

KtstrRunner *
ktstr_runner_new (const KtstrRunOptions *options, GError **error)
{
  static GOnce swept = G_ONCE_INIT;
  g_once (&swept, sweep_stale_workdirs, NULL);

  g_autoptr (KtstrRunner) r = g_new0 (KtstrRunner, 1);
  r->options = *options;
  if (r->options.memory_mb == 0)
    r->options.memory_mb = DEFAULT_MEMORY_MB;
  ktstr_boot_path_choose (options->kernel, options->vmlinux, &r->boot);
  if (r->boot.warning != NULL)
    notice (r, "warning: %s", r->boot.warning);
  if (r->boot.why_bzimage != NULL)
    notice (r, "warning: booting the bzImage, not the vmlinux through PVH: %s",
            r->boot.why_bzimage);

  g_autofree char *agent = ktstr_initramfs_find_agent (error);
  if (agent == NULL)
    return NULL;
  g_autoptr (KtstrInitramfsSpec) spec = ktstr_initramfs_spec_new (agent);
  int n_includes = pack_includes (r, error);
  if (n_includes < 0 || !add_scheduler (r, spec, error))
    return NULL;
  r->package_files += (guint)n_includes;
  g_autofree char *cache = ktstr_initramfs_default_cache_dir ();
  r->base_initramfs = ktstr_initramfs_get_base (spec, cache, &r->base_info, error);
  if (r->base_initramfs == NULL)
    return NULL;

  if (options->is_exec_only)
    return g_steal_pointer (&r);

  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr (GError) git_error = NULL;
  if (!ktstr_git_detect_commit (cwd, &r->project_commit, &git_error))
    notice (r, "warning: cannot read the project commit of '%s': %s", cwd, git_error->message);
  if (options->kernel->tree != NULL)
    {
      g_clear_error (&git_error);
      if (!ktstr_git_open_commit (options->kernel->tree, &r->kernel_commit, &git_error))
        g_clear_error (&git_error);
    }
  else
    /* A cached kernel built from a git tree or ref knows its commit. */
    r->kernel_commit = g_strdup (options->kernel->commit);

  r->rundir = ktstr_rundir_open_for_write (options->kernel->version, r->project_commit, error);
  if (r->rundir == NULL)
    return NULL;
  r->host = ktstr_host_context_collect ();
  if (!load_monitor_layout (r, error))
    return NULL;
  return g_steal_pointer (&r);
}

void
ktstr_runner_free (KtstrRunner *r)
{
  if (r == NULL)
    return;
  g_free (r->base_initramfs);
  g_clear_pointer (&r->rundir, ktstr_rundir_release);
  g_free (r->project_commit);
  g_free (r->kernel_commit);
  g_free (r->sched_lines);
  g_free (r->tracer_guest);
  g_clear_pointer (&r->include_files, ktstr_initramfs_spec_free);
  g_clear_pointer (&r->host, ktstr_host_context_free);
  g_clear_pointer (&r->layout, ktstr_kernel_layout_free);
  ktstr_boot_path_clear (&r->boot);
  g_free (r);
}

const char *
ktstr_runner_get_rundir (const KtstrRunner *r)
{
  return ktstr_rundir_get_path (r->rundir);
}

const char *
ktstr_runner_get_project_commit (const KtstrRunner *r)
{
  return r->project_commit;
}

gboolean
ktstr_runner_has_scheduler (const KtstrRunner *r)
{
  return r->options.scheduler != NULL;
}

/* One boot: what the control lines feed, and the VM whose vCPU threads
 * are read when the scenario starts and ends. */
typedef struct
{
  KtstrSession *session;
  KtstrMonitor *monitor; /* NULL: --monitor=off */
  const KtstrBackend *backend;
  KtstrVm *vm; /* NULL until prepared */
  gboolean has_vcpu_start;
  KtstrVcpuTime vcpu_start;
  gint64 vcpu_start_us;
} Attempt;

static void
send_to_guest (const char *line, gpointer user_data)
{
  Attempt *a = user_data;
  if (a->backend->send_to_guest != NULL)
    a->backend->send_to_guest (a->vm, line);
}

/* The backend's view of the guest, in the monitor's terms. */
static void
begin_monitor (Attempt *a)
{
  KtstrVmGuestAccess access = { 0 };
  g_autoptr (GError) error = NULL;
  if (a->backend->guest_access == NULL || !a->backend->guest_access (a->vm, &access, &error))
    {
      /* No shared RAM and no vCPU threads: the guest samples. */
      if (error != NULL)
        g_debug ("monitor: no guest access: %s", error->message);
      ktstr_vm_guest_access_clear (&access);
    }
  g_autoptr (GArray) regions = g_array_new (FALSE, FALSE, sizeof (KtstrGuestRamRegion));
  for (guint i = 0; access.regions != NULL && i < access.regions->len; i++)
    {
      const KtstrVmRamRegion *r = &g_array_index (access.regions, KtstrVmRamRegion, i);
      KtstrGuestRamRegion g = { r->gpa, r->size, r->hva };
      g_array_append_val (regions, g);
    }
  KtstrMonitorGuest guest = { regions, access.pid, access.vcpu_tids };
  ktstr_monitor_begin (a->monitor, &guest, send_to_guest, a);
  ktstr_vm_guest_access_clear (&access);
}

static gboolean
read_vcpu_time (Attempt *t, KtstrVcpuTime *out)
{
  return t->vm != NULL && t->backend->vcpu_time != NULL && t->backend->vcpu_time (t->vm, out);
}

/* At ScenarioStart and ScenarioEnd, as the lines arrive: the host time
 * between them is the scenario's, give or take the control channel's
 * latency, a few milliseconds of a run of seconds. */
static void
note_vcpu_time (Attempt *t, const char *label)
{
  KtstrVcpuTime now;
  if (g_str_equal (label, "ScenarioStart"))
    {
      t->has_vcpu_start = read_vcpu_time (t, &t->vcpu_start);
      t->vcpu_start_us = g_get_monotonic_time ();
    }
  else if (g_str_equal (label, "ScenarioEnd") && t->has_vcpu_start && read_vcpu_time (t, &now)
           && now.n_threads == t->vcpu_start.n_threads && now.run_ns >= t->vcpu_start.run_ns
           && now.wait_ns >= t->vcpu_start.wait_ns)
    {
      KtstrSession *s = t->session;
      s->has_vcpu_host = TRUE;
      s->vcpu_host_threads = now.n_threads;
      s->vcpu_host_span_ms = (guint64)(g_get_monotonic_time () - t->vcpu_start_us) / 1000;
      s->vcpu_host_run_ns = now.run_ns - t->vcpu_start.run_ns;
      s->vcpu_host_wait_ns = now.wait_ns - t->vcpu_start.wait_ns;
    }
}

static void
on_line (const char *line, gpointer user_data)
{
  Attempt *a = user_data;
  KtstrSession *s = a->session;
  gboolean had_hello = s->has_hello, was_done = s->is_done;
  guint had_stimuli = s->stimuli->len;
  ktstr_session_feed (s, line);
  if (s->stimuli->len > had_stimuli)
    {
      const KtstrStimulusEvent *ev = g_ptr_array_index (s->stimuli, had_stimuli);
      note_vcpu_time (a, ev->label);
    }
  if (a->monitor == NULL)
    return;
  /* The monitor runs from the agent's hello to its done. */
  if (!had_hello && s->has_hello)
    begin_monitor (a);
  if (had_stimuli == 0 && s->stimuli->len > 0)
    ktstr_monitor_mark_scenario_start (a->monitor);
  if (!was_done && s->is_done)
    ktstr_monitor_stop (a->monitor);
}

static char *
build_cmdline (const KtstrRunOptions *o)
{
  /* panic=-1: a panicking guest resets at once, and -no-reboot turns that
   * into an exit, so a panic never looks like a hang. */
  /* no_timer_check: under TCG on a loaded host the IO-APIC timer check
   * can miss its window and kill the boot ("IO-APIC + timer doesn't
   * work!"); the guest's timer is emulated and known good. */
  /* nokaslr: the kernel runs where its vmlinux says, so the host monitor
   * can find its variables; sched_schedstats: the runqueue counters the
   * monitor summarises (workers' schedstats need no switch). */
  GString *s = g_string_new ("console=ttyS0 panic=-1 rdinit=/init " KTSTR_CMDLINE_MARK
                             " mitigations=off random.trust_cpu=on tsc=reliable no_timer_check"
                             " nokaslr sysctl.kernel.sched_schedstats=1");
  /* Info level: the whole boot log lands in the per-test console file for
   * failure reports and for checking the guest's clock (its TSC
   * calibration and clocksource lines are KERN_INFO).  loglevel=N prints
   * the levels below N, so info needs 7; 6 stopped at KERN_NOTICE. */
  g_string_append (s, " loglevel=7");
  if (o->verbose || g_getenv ("KTSTR_VERBOSE") != NULL)
    g_string_append (s, " earlyprintk=serial,ttyS0");
  /* Last: for most parameters the kernel honours the last occurrence, so
   * user arguments win over ours. */
  for (char **k = o->sysctls; k && *k; k++)
    g_string_append_printf (s, " %s", *k);
  for (char **k = o->kargs; k && *k; k++)
    g_string_append_printf (s, " %s", *k);
  return g_string_free (s, FALSE);
}

/* The backend's per-vCPU table (vCPU index -> name -> guint64*) in the
 * sidecar's shape, vCPUs in index order; NULL when nothing was collected. */
static KtstrKvmStats *
kvm_stats_from_vm (GHashTable *per_vcpu)
{
  if (per_vcpu == NULL || g_hash_table_size (per_vcpu) == 0)
    return NULL;
  KtstrKvmStats *kvm = ktstr_kvm_stats_new ();
  guint n = g_hash_table_size (per_vcpu);
  for (guint cpu = 0; cpu < n; cpu++)
    {
      GHashTable *vcpu = ktstr_kvm_stats_add_vcpu (kvm);
      GHashTable *src = g_hash_table_lookup (per_vcpu, GUINT_TO_POINTER (cpu));
      if (src == NULL)
        continue;
      GHashTableIter it;
      gpointer key, value;
      g_hash_table_iter_init (&it, src);
      while (g_hash_table_iter_next (&it, &key, &value))
        ktstr_kvm_stats_vcpu_set (vcpu, key, *(guint64 *)value);
    }
  return kvm;
}

/* The monitor's events (violations, the dump request) among the agent's,
 * in time order (the agent's keep theirs among equal times). */
static void
add_monitor_events (GPtrArray *timeline, const GPtrArray *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const KtstrStimulusEvent *src = events->pdata[i];
      guint at = timeline->len;
      while (at > 0
             && ((KtstrStimulusEvent *)timeline->pdata[at - 1])->elapsed_ms > src->elapsed_ms)
        at--;
      KtstrStimulusEvent *ev = ktstr_stimulus_event_new (src->elapsed_ms, src->label);
      ev->op_kind = g_strdup (src->op_kind);
      ev->detail = g_strdup (src->detail);
      g_ptr_array_insert (timeline, (gint)at, ev);
    }
}

static KtstrSidecar *
build_sidecar (KtstrRunner *r, const KtstrTestDef *def, const char *topology, guint trial,
               const KtstrSession *session, KtstrVerdict *verdict, const KtstrVmResult *vm)
{
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_new ();
  sc->test_name = g_strdup (def->name);
  sc->trial = trial;
  sc->topology = g_strdup (topology);
  /* A built-in scheduler has its definition's name; no scheduler at all
   * is the kernel's EEVDF. */
  sc->scheduler = r->options.scheduler ? ktstr_sched_record_name (
                      session->sched, r->options.scheduler_name, r->options.scheduler)
                  : r->options.builtin_lines != NULL ? g_strdup (r->options.scheduler_name)
                                                     : g_strdup ("eevdf");
  for (guint i = 0; i < session->sched->verifier->len; i++)
    {
      const KtstrVerifierStat *v = session->sched->verifier->pdata[i];
      g_ptr_array_add (sc->verifier_stats, ktstr_verifier_stat_new (v->name, v->verified_insns));
    }
  for (char **f = r->options.active_flags; f && *f; f++)
    g_ptr_array_add (sc->active_flags, g_strdup (*f));
  for (char **k = r->options.sysctls; k && *k; k++)
    g_ptr_array_add (sc->sysctls, g_strdup (*k));
  sc->project_commit = g_strdup (r->project_commit);
  sc->passed = verdict->outcome != KTSTR_OUTCOME_FAIL;
  sc->skipped = verdict->outcome == KTSTR_OUTCOME_SKIP;
  if (verdict->stats != NULL)
    {
      ktstr_scenario_stats_free (sc->stats);
      sc->stats = g_steal_pointer (&verdict->stats);
    }
  /* Payload metrics, and the payload's name (the first, when several ran). */
  if (verdict->payload_metrics != NULL)
    while (verdict->payload_metrics->len > 0)
      g_ptr_array_add (sc->metrics, g_ptr_array_steal_index (verdict->payload_metrics, 0));
  if (session->payloads->len > 0)
    sc->payload = g_strdup (((KtstrPayloadResult *)session->payloads->pdata[0])->name);
  for (guint i = 0; i < session->stimuli->len; i++)
    {
      const KtstrStimulusEvent *src = session->stimuli->pdata[i];
      KtstrStimulusEvent *ev = ktstr_stimulus_event_new (src->elapsed_ms, src->label);
      ev->op_kind = g_strdup (src->op_kind);
      ev->detail = g_strdup (src->detail);
      ev->has_total_iterations = src->has_total_iterations;
      ev->total_iterations = src->total_iterations;
      g_ptr_array_add (sc->stimulus_events, ev);
    }
  add_monitor_events (sc->stimulus_events, verdict->monitor_events);
  sc->work_type = g_strdup (ktstr_testdef_work_type (def));
  sc->kernel_version
      = g_strdup (session->guest_kernel ? session->guest_kernel : r->options.kernel->version);
  sc->kernel_commit = g_strdup (r->kernel_commit);
  sc->host = ktstr_host_context_copy (r->host);
  if (vm->cleanup_ms >= 0 && vm->end != KTSTR_VM_END_TIMEOUT)
    {
      sc->has_cleanup_duration_ms = TRUE;
      sc->cleanup_duration_ms = (guint64)vm->cleanup_ms;
    }
  for (char **k = r->options.kargs; k && *k; k++)
    g_ptr_array_add (sc->kargs, g_strdup (*k));
  sc->kvm_stats = kvm_stats_from_vm (vm->kvm_stats);
  if (session->monitor != NULL)
    sc->monitor = ktstr_monitor_summarize_run (session->monitor);
  sc->accel = g_strdup (vm->accel);
  sc->boot = g_strdup (r->boot.path);
  /* Why it did not pass (or, for a test with expect_err, which expected
   * failure made it pass), for whoever reads the sidecar without the
   * run's terminal output (ktstr-stats report). */
  if (verdict->summary != NULL)
    {
      sc->verdict_summary = g_strdup (verdict->summary);
      sc->verdict_report = g_strdup (verdict->report);
    }
  if (verdict->scheduler_exit != NULL)
    sc->scheduler_exit = json_node_copy (verdict->scheduler_exit);
  sc->has_vcpu_host = session->has_vcpu_host;
  sc->vcpu_host_threads = session->vcpu_host_threads;
  sc->vcpu_host_span_ms = session->vcpu_host_span_ms;
  sc->vcpu_host_run_ns = session->vcpu_host_run_ns;
  sc->vcpu_host_wait_ns = session->vcpu_host_wait_ns;
  ktstr_sidecar_stamp (sc);
  return g_steal_pointer (&sc);
}

/* The plan, and the test's payloads and include_files (with their ELF
 * interpreter and libraries, one set for all) for the per-test archive; a
 * dynamically linked payload gets LD_LIBRARY_PATH through payload_env. */
static gboolean
pack_payloads (const KtstrTestDef *def, const char *topology, guint guard_ms, char **plan,
               KtstrInitramfsSpec **files, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autofree char *base = ktstr_testdef_to_plan (def, topology, guard_ms);
  g_string_append (text, base);
  guint n_payloads = def->payloads != NULL ? def->payloads->len : 0;
  if (n_payloads > 0 || (def->include_files != NULL && def->include_files[0] != NULL))
    {
      *files = ktstr_initramfs_spec_new ("");
      g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
      /* As --include packs them, but only into this test's archive. */
      for (char **inc = def->include_files; inc && *inc; inc++)
        {
          g_autofree char *name = g_path_get_basename (*inc);
          g_autofree char *guest = g_build_filename (KTSTR_GUEST_INCLUDE_DIR, name, NULL);
          if (!ktstr_package_add (pkg, *files, "include_files file", *inc, guest, error))
            return FALSE;
        }
      for (guint i = 0; i < n_payloads; i++)
        {
          const KtstrPayloadDef *pl = def->payloads->pdata[i];
          g_autofree char *guest = ktstr_testdef_payload_guest_path (pl->name);
          if (!ktstr_package_add (pkg, *files, "payload", pl->binary, guest, error))
            return FALSE;
        }
      g_autofree char *llp = ktstr_package_ld_library_path (pkg);
      for (guint i = 0; *llp && i < n_payloads; i++)
        g_string_append_printf (text, "payload_env %s LD_LIBRARY_PATH=%s\n",
                                ((KtstrPayloadDef *)def->payloads->pdata[i])->name, llp);
    }
  *plan = g_strdup (text->str);
  return TRUE;
}

/* The kernel console log of one boot, read once: the retry rule, the
 * verdict, the failure report and the copy beside the sidecar all use
 * this text.  TEXT is NULL when the file could not be read. */
typedef struct
{
  char *text;
  gsize len;
} Console;

static void
console_clear (Console *c)
{
  g_clear_pointer (&c->text, g_free);
  c->len = 0;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Console, console_clear)

static void
console_read (Console *c, const char *path)
{
  console_clear (c);
  if (!g_file_get_contents (path, &c->text, &c->len, NULL))
    c->len = 0;
}

/* What a test's result takes from its verdict and from what its guest
 * reported (a boot of its own, or its part of a shared one). */
static void
result_fill (KtstrTestResult *result, const KtstrVerdict *verdict, const KtstrSession *session)
{
  result->outcome = verdict->outcome;
  result->verdict = g_strdup (verdict->summary);
  result->report = g_strdup (verdict->report);
  result->sched_ready_ms = session->sched->is_ready ? (gint64)session->sched->ready_ms : -1;
  result->agent_cpu_ns = session->has_agent_cpu ? (gint64)session->agent_cpu_ns : -1;
  result->agent_span_ms = session->agent_span_ms;
  result->has_vcpu_host = session->has_vcpu_host;
  result->vcpu_host_threads = session->vcpu_host_threads;
  result->vcpu_host_span_ms = session->vcpu_host_span_ms;
  result->vcpu_host_run_ns = session->vcpu_host_run_ns;
  result->vcpu_host_wait_ns = session->vcpu_host_wait_ns;
}

/* Writes the console log next to the sidecar: {test}-{hash}.console.log. */
static void
keep_console (const KtstrRunner *r, const Console *c, const char *sidecar_path)
{
  if (sidecar_path == NULL || !g_str_has_suffix (sidecar_path, ".ktstr.json"))
    return;
  g_autofree char *stem = g_strndup (sidecar_path, strlen (sidecar_path) - strlen (".ktstr.json"));
  g_autofree char *dest = g_strconcat (stem, ".console.log", NULL);
  g_autoptr (GError) error = NULL;
  if (!ktstr_file_replace (dest, c->text ? c->text : "", c->text ? c->len : 0, 0644, &error))
    notice (r, "warning: cannot keep the console log: %s", error->message);
}

static void
remove_workdir (const KtstrRunner *r, const char *dir)
{
  g_autoptr (GError) error = NULL;
  if (!ktstr_rm_rf (dir, &error))
    notice (r, "warning: %s", error->message);
}

KtstrTestResult *
ktstr_runner_run (KtstrRunner *r, const KtstrTestDef *def, GError **error)
{
  const KtstrRunVariant none = { 0 };
  return ktstr_runner_run_variant (r, def, &none, error);
}

KtstrTestResult *
ktstr_runner_skip (KtstrRunner *r, const KtstrTestDef *def, const char *topology,
                   const char *reason, GError **error)
{
  g_autoptr (KtstrTestResult) result = g_new0 (KtstrTestResult, 1);
  result->outcome = KTSTR_OUTCOME_SKIP;
  result->name = g_strdup (def->name);
  result->topology = g_strdup (topology);
  result->verdict = g_strdup (reason);
  result->sched_ready_ms = -1;
  result->agent_cpu_ns = -1;
  g_autoptr (KtstrSession) session = ktstr_session_new ();
  /* The summary is only copied into the sidecar. */
  KtstrVerdict verdict = { .outcome = KTSTR_OUTCOME_SKIP, .summary = (char *)reason };
  KtstrVmResult vm = { .cleanup_ms = -1 };
  g_autoptr (KtstrSidecar) sc = build_sidecar (r, def, topology, 0, session, &verdict, &vm);
  result->sidecar_path = ktstr_rundir_write_sidecar (r->rundir, sc, error);
  if (result->sidecar_path == NULL)
    {
      g_prefix_error (error,
                      "test '%s' was skipped but its sidecar could not be written: ", def->name);
      return NULL;
    }
  return g_steal_pointer (&result);
}

typedef struct
{
  const KtstrBackend *backend;
  KtstrVm *vm;
} KillTarget;

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  KillTarget *t = user_data;
  (void)cancellable;
  t->backend->kill (t->vm);
  return G_SOURCE_REMOVE;
}

static gboolean
set_cancelled (GCancellable *cancellable, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static void
boot_once (KtstrRunner *r, const KtstrRunVariant *variant, const KtstrVmConfig *tmpl,
           const char *initrd, const char *console, const char *cmdline, const KtstrTopology *topo,
           guint timeout_s, KtstrSession *session, KtstrVmResult *vm, GError **vm_error)
{
  const KtstrRunOptions *o = &r->options;
  Attempt attempt = { session, session->monitor, o->backend, NULL };
  KtstrVmConfig cfg = *tmpl;
  cfg.initramfs_path = initrd;
  cfg.console_path = console;
  cfg.cmdline = cmdline;
  cfg.topology = *topo;
  cfg.timeout_s = timeout_s;
  cfg.user_data = &attempt;
  /* The host monitor reads guest RAM: only worth sharing with a vmlinux. */
  cfg.share_ram = session->monitor != NULL && r->layout != NULL
                  && o->monitor_mode != KTSTR_MONITOR_MODE_GUEST;
  /* A fresh console per attempt: the verdict reads only this boot's. */
  g_unlink (console);
  KtstrVm *handle = o->backend->prepare (&cfg, vm_error);
  if (handle == NULL)
    return;
  attempt.vm = handle;
  KillTarget target = { o->backend, handle };
  g_autoptr (GSource) cancel_source = NULL;
  if (variant->cancellable != NULL)
    {
      g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
      cancel_source = g_cancellable_source_new (variant->cancellable);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_cancelled), &target, NULL);
      g_source_attach (cancel_source, context);
    }
  if (o->backend->launch (handle, vm_error))
    o->backend->wait (handle, vm_error);
  if (cancel_source != NULL)
    g_source_destroy (cancel_source);
  /* Before the VM goes: the sampler reads its memory. */
  if (session->monitor != NULL)
    ktstr_monitor_stop (session->monitor);
  o->backend->collect (handle, vm);
  attempt.vm = NULL;
  o->backend->cleanup (handle);
}

/* The run's monitor, with the thresholds of the merged checks (a broken
 * [checks] group is the verdict's to report: the defaults stand in). */
static KtstrMonitor *
new_monitor (KtstrRunner *r, const KtstrTestDef *def, const KtstrTopology *topo)
{
  const KtstrRunOptions *o = &r->options;
  if (o->monitor_mode == KTSTR_MONITOR_MODE_OFF)
    return NULL;
  KtstrChecks checks;
  if (!ktstr_checks_resolve (o->scheduler_checks, def->path, def->keyfile, &checks, NULL, NULL))
    checks = ktstr_checks_default ();
  KtstrMonitorOptions mo = {
    .thresholds = ktstr_monitor_thresholds_from_checks (&checks, r->hz),
    .watchdog_timeout_ms
    = checks.watchdog_timeout_s.is_set ? checks.watchdog_timeout_s.value * 1000 : 0,
    .layout = o->monitor_mode == KTSTR_MONITOR_MODE_GUEST ? NULL : r->layout,
    .n_cpus = ktstr_topology_cpus (topo),
    .hz = r->hz,
  };
  return ktstr_monitor_new (&mo);
}

/* The raw monitor series beside the sidecar: {test}-{hash}.monitor.jsonl. */
static void
keep_monitor_series (const KtstrRunner *r, KtstrMonitor *monitor, const char *sidecar_path)
{
  if (monitor == NULL || sidecar_path == NULL || !g_str_has_suffix (sidecar_path, ".ktstr.json")
      || ktstr_monitor_get_samples (monitor)->len == 0)
    return;
  g_autofree char *stem = g_strndup (sidecar_path, strlen (sidecar_path) - strlen (".ktstr.json"));
  g_autofree char *dest = g_strconcat (stem, ".monitor.jsonl", NULL);
  g_autoptr (GError) error = NULL;
  if (!ktstr_monitor_write_series (monitor, dest, &error))
    notice (r, "warning: cannot keep the monitor series: %s", error->message);
}

/* A VM's host CPUs, held from before its launch until it has ended, and
 * where the backend puts it (run/cpu-reserve.h). */
typedef struct
{
  KtstrCpuReservation *cpus;
  KtstrVmPlacement vm; /* points into cpus->plan */
  char *hugepage_dir;
} Placement;

static void
placement_free (Placement *p)
{
  if (p == NULL)
    return;
  ktstr_cpu_reservation_free (p->cpus);
  g_free (p->hugepage_dir);
  g_free (p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Placement, placement_free)

typedef struct
{
  const KtstrRunner *runner;
  const KtstrTestDef *def;
} WaitNote;

static void
note_cpu_wait (const char *why, gpointer user_data)
{
  const WaitNote *w = user_data;
  notice (w->runner, "%s: waiting for host CPUs: %s", w->def->name, why);
}

/* Reserves DEF's host CPUs: performance mode (unless switched off), else a
 * --cpu-cap window, else a float over the CPUs nobody pinned.  NULL with
 * KTSTR_CPU_PLAN_ERROR (NO_FIT, BUSY: the test is skipped with it),
 * G_IO_ERROR_CANCELLED, or a lock-directory failure. */
static Placement *
reserve_cpus (const KtstrRunner *r, const KtstrTestDef *def, const KtstrTopology *topo,
              guint memory_mb, GCancellable *cancellable, GError **error)
{
  const KtstrRunOptions *o = &r->options;
  gboolean is_perf = def->performance_mode != KTSTR_PERF_MODE_OFF && !o->is_perf_mode_off;
  WaitNote note = { r, def };
  KtstrCpuReserveRequest rq = {
    .mode = is_perf          ? KTSTR_PLACEMENT_PERF
            : o->cpu_cap > 0 ? KTSTR_PLACEMENT_CAPPED
                             : KTSTR_PLACEMENT_FLOAT,
    .topology = *topo,
    .cap = o->cpu_cap,
    .on_wait = note_cpu_wait,
    .user_data = &note,
    .cancellable = cancellable,
  };
  g_autoptr (Placement) p = g_new0 (Placement, 1);
  p->cpus = ktstr_cpu_reserve (&rq, error);
  if (p->cpus == NULL)
    return NULL;
  const KtstrCpuPlan *plan = p->cpus->plan;
  if (plan->mode == KTSTR_PLACEMENT_FLOAT && plan->is_all)
    return g_steal_pointer (&p); /* nothing to pin */
  p->vm.cpus = plan->cpus;
  p->vm.service_cpus = plan->service_cpus;
  if (plan->mode != KTSTR_PLACEMENT_PERF)
    return g_steal_pointer (&p);
  p->vm.vcpu_cpus = plan->vcpu_cpus;
  p->vm.mem_nodes = plan->nodes;
  p->vm.is_realtime = def->performance_mode == KTSTR_PERF_MODE_REALTIME;
  g_autoptr (GError) why = NULL;
  p->hugepage_dir = ktstr_hugepages_find (memory_mb, topo->numa_nodes, &why);
  if (p->hugepage_dir == NULL)
    notice (r, "%s: performance mode: guest RAM on normal pages: %s", def->name, why->message);
  p->vm.hugepage_dir = p->hugepage_dir;
  return g_steal_pointer (&p);
}

/* The host deadline of DEF: --timeout, else the scenario plus the boot
 * allowance.  *GUARD_MS gets the guest's own deadline, a margin before it. */
static guint
deadline_s (const KtstrRunOptions *o, const KtstrTestDef *def, guint *guard_ms)
{
  guint timeout_s = o->timeout_s;
  if (timeout_s == 0)
    timeout_s = BOOT_ALLOWANCE_S + (ktstr_testdef_run_ms (def) + def->settle_ms) / 1000 + 1;
  *guard_ms = (timeout_s - MIN (timeout_s / 2, GUEST_GUARD_MARGIN_S)) * 1000;
  return timeout_s;
}

static const char *
variant_topology (const KtstrRunner *r, const KtstrTestDef *def, const KtstrRunVariant *variant)
{
  return variant->topology     ? variant->topology
         : r->options.topology ? r->options.topology
                               : def->topology;
}

gboolean
ktstr_runner_check_variant (const KtstrRunner *r, const KtstrTestDef *def,
                            const KtstrRunVariant *variant, GError **error)
{
  const char *topology = variant_topology (r, def, variant);
  KtstrTopology topo;
  char topo_err[256];
  if (ktstr_topology_parse (topology, &topo, topo_err, sizeof topo_err) != 0)
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID, "%s", topo_err);
      return FALSE;
    }
  /* A test's include_files and --include share /include-files. */
  for (char **inc = def->include_files; inc && *inc; inc++)
    for (char **cli = r->options.includes; cli && *cli; cli++)
      {
        g_autofree char *a = g_path_get_basename (*inc), *b = g_path_get_basename (*cli);
        if (g_str_equal (a, b))
          {
            g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                         "test '%s': include_files %s and --include %s would both be "
                         "/include-files/%s; rename one",
                         def->name, *inc, *cli, a);
            return FALSE;
          }
      }
  guint guard_ms;
  guint timeout_s = deadline_s (&r->options, def, &guard_ms);
  guint64 scenario_ms = (guint64)def->settle_ms + ktstr_testdef_run_ms (def);
  if (guard_ms <= scenario_ms)
    {
      /* The guest would refuse the plan after a whole boot; say it now, in
       * the terms the user chose. */
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                   "--timeout %u is too short for test '%s': its settle + duration alone take "
                   "%" G_GUINT64_FORMAT " ms; use at least --timeout %" G_GUINT64_FORMAT
                   " (or leave --timeout out)",
                   timeout_s, def->name, scenario_ms,
                   scenario_ms / 1000 + GUEST_GUARD_MARGIN_S + 1 + BOOT_ALLOWANCE_S / 6);
      return FALSE;
    }
  return TRUE;
}

/* What a second boot of the same test needs: the first one's inputs. */
typedef struct
{
  const KtstrRunVariant *variant;
  const KtstrVmConfig *tmpl;
  const char *plan;
  KtstrInitramfsSpec *payload_files;
  const char *workdir;
  const char *cmdline;
  const KtstrTopology *topo;
  guint timeout_s;
} ReproBoot;

/* Auto-repro (run/auto-repro.h): boots the test once more with the
 * tracer probing the first run's call chain (FIRST_CONSOLE) and the
 * scheduler's callbacks, appends the "--- auto-repro ---" section to
 * VERDICT's report (its summary stays the first run's) and returns the
 * sidecar's auto_repro object. */
static JsonNode *
auto_repro (KtstrRunner *r, const KtstrTestDef *def, const ReproBoot *rb, const char *first_console,
            const char *why, KtstrVerdict *verdict)
{
  g_auto (GStrv) funcs = NULL;
  g_auto (GStrv) progs = NULL;
  ktstr_auto_repro_call_chain (first_console, &funcs, &progs);
  g_autofree char *line = ktstr_auto_repro_plan_line (r->tracer_guest, funcs);
  g_autofree char *plan = g_strconcat (rb->plan, line, NULL);
  g_autofree char *initrd = g_build_filename (rb->workdir, "initramfs-repro.cpio", NULL);
  g_autofree char *console = g_build_filename (rb->workdir, "console-repro.log", NULL);
  g_autofree char *not_run = NULL;
  g_autoptr (KtstrAutoRepro) ar = NULL;
  g_autoptr (GError) error = NULL;
  notice (r, "%s: %s; booting it once more with the auto-repro tracer", def->name, why);
  if (!ktstr_initramfs_compose_files (r->base_initramfs, plan, rb->payload_files, initrd, &error))
    not_run = g_strdup_printf ("not run: its image could not be made: %s", error->message);
  else
    {
      g_autoptr (KtstrSession) session = ktstr_session_new ();
      session->sched->is_expected = TRUE;
      KtstrVmResult vm = { 0 };
      boot_once (r, rb->variant, rb->tmpl, initrd, console, rb->cmdline, rb->topo, rb->timeout_s,
                 session, &vm, &error);
      if (!session->has_hello)
        not_run = g_strdup_printf ("the guest agent never started%s%s", error != NULL ? ": " : "",
                                   error != NULL ? error->message : "");
      else
        ar = ktstr_auto_repro_parse (session->tracer_lines);
      ktstr_vm_result_clear (&vm);
    }
  /* A passing test (one that expected the error) has no report to add
   * to; its sidecar has the record. */
  if (verdict->report != NULL)
    {
      g_autofree char *section = ktstr_auto_repro_render (ar, why, not_run);
      char *report = g_strconcat (verdict->report, "\n", section, NULL);
      g_free (verdict->report);
      verdict->report = report;
    }
  return ktstr_auto_repro_to_json (ar, why, not_run);
}

KtstrTestResult *
ktstr_runner_run_variant (KtstrRunner *r, const KtstrTestDef *def, const KtstrRunVariant *variant,
                          GError **error)
{
  const KtstrRunOptions *o = &r->options;
  const char *topology = variant_topology (r, def, variant);
  if (!set_cancelled (variant->cancellable, error))
    return NULL;
  if (!ktstr_runner_check_variant (r, def, variant, error))
    return NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (KtstrTestResult) result = g_new0 (KtstrTestResult, 1);
  result->name = g_strdup (def->name);
  result->topology = g_strdup (topology);

  KtstrTopology topo;
  ktstr_topology_parse (topology, &topo, NULL, 0);
  guint guard_ms;
  guint timeout_s = deadline_s (o, def, &guard_ms);

  g_autofree char *workdir = ktstr_owned_tmpdir_new (KTSTR_VM_WORKDIR_PREFIX, error);
  if (workdir == NULL)
    return NULL;
  g_autofree char *plan = NULL;
  g_autoptr (KtstrInitramfsSpec) payload_files = NULL;
  if (!pack_payloads (def, topology, guard_ms, &plan, &payload_files, error))
    {
      remove_workdir (r, workdir);
      return NULL;
    }
  if (r->include_files != NULL)
    {
      if (payload_files == NULL)
        payload_files = ktstr_initramfs_spec_new ("");
      ktstr_runner_add_includes (r, payload_files);
    }
  g_autofree char *initrd = g_build_filename (workdir, "initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "console.log", NULL);
  g_autofree char *cmdline = build_cmdline (o);
  if (r->sched_lines != NULL)
    {
      char *with_sched = g_strconcat (plan, r->sched_lines, NULL);
      g_free (plan);
      plan = with_sched;
    }
  if (!ktstr_initramfs_compose_files (r->base_initramfs, plan, payload_files, initrd, error))
    {
      remove_workdir (r, workdir);
      return NULL;
    }

  guint memory_mb = variant->memory_mb ? variant->memory_mb : o->memory_mb;
  g_autoptr (GError) reserve_error = NULL;
  g_autoptr (Placement) place
      = reserve_cpus (r, def, &topo, memory_mb, variant->cancellable, &reserve_error);
  if (place == NULL)
    {
      remove_workdir (r, workdir);
      if (reserve_error->domain == KTSTR_CPU_PLAN_ERROR
          && reserve_error->code != KTSTR_CPU_PLAN_ERROR_HOST)
        return ktstr_runner_skip (r, def, topology, reserve_error->message, error);
      if (!g_error_matches (reserve_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&reserve_error, "test '%s': cannot reserve host CPUs: ", def->name);
      g_propagate_error (error, g_steal_pointer (&reserve_error));
      return NULL;
    }

  const KtstrVmConfig cfg_template = {
    .kernel_path = r->boot.image,
    .memory_mb = memory_mb,
    .workdir = workdir,
    .accel = o->accel,
    .on_line = on_line,
    .verbose = o->verbose,
    .placement = place->vm,
  };
  g_autoptr (KtstrSession) session = NULL;
  g_autoptr (KtstrMonitor) monitor = NULL;
  KtstrVmResult vm = { 0 };
  g_autoptr (GError) vm_error = NULL;
  g_auto (Console) log = { 0 };
  for (guint attempt = 1;; attempt++)
    {
      g_clear_pointer (&session, ktstr_session_free);
      g_clear_pointer (&monitor, ktstr_monitor_free);
      g_clear_error (&vm_error);
      ktstr_vm_result_clear (&vm);
      session = ktstr_session_new ();
      session->sched->is_expected = o->scheduler != NULL;
      session->sched->checks = o->scheduler_checks;
      monitor = new_monitor (r, def, &topo);
      session->monitor = monitor;
      boot_once (r, variant, &cfg_template, initrd, console, cmdline, &topo, timeout_s, session,
                 &vm, &vm_error);
      if (!set_cancelled (variant->cancellable, error))
        {
          /* Stopped from outside: the run says nothing about the scheduler,
           * so it leaves no sidecar behind. */
          ktstr_vm_result_clear (&vm);
          remove_workdir (r, workdir);
          return NULL;
        }
      console_read (&log, console);
      if (attempt >= KTSTR_BOOT_MAX_ATTEMPTS)
        break;
      g_autofree char *died = ktstr_boot_died_before_agent (session, &vm, log.text);
      g_autofree char *race = died == NULL ? ktstr_boot_hit_tcg_patch_race (&vm, log.text) : NULL;
      if (died != NULL)
        notice (r,
                "%s: the guest died or stalled before the agent started under TCG (%s); "
                "booting it once more",
                def->name, died);
      else if (race != NULL)
        notice (r,
                "%s: the guest kernel hit QEMU TCG's code-patching race (%s), not "
                "a fault of the test; running it once more",
                def->name, race);
      else
        break;
    }

  g_autoptr (KtstrVerdict) verdict = ktstr_verdict_decide (def, &topo, session, &vm, log.text,
                                                           vm_error ? vm_error->message : NULL);
  const char *repro_why = NULL;
  g_autoptr (JsonNode) repro = NULL;
  if (r->tracer_guest != NULL && ktstr_auto_repro_is_wanted (session, &vm, log.text, &repro_why))
    {
      const ReproBoot rb
          = { variant, &cfg_template, plan, payload_files, workdir, cmdline, &topo, timeout_s };
      repro = auto_repro (r, def, &rb, log.text, repro_why, verdict);
    }

  /* The VMs are gone: their CPUs are free for the next. */
  g_clear_pointer (&place, placement_free);

  g_autoptr (KtstrSidecar) sc
      = build_sidecar (r, def, topology, variant->trial, session, verdict, &vm);
  sc->auto_repro = g_steal_pointer (&repro);
  sc->has_wall_ms = TRUE;
  sc->wall_ms = (guint64)(g_get_monotonic_time () - start) / 1000;
  g_autoptr (GError) write_error = NULL;
  result->sidecar_path = ktstr_rundir_write_sidecar (r->rundir, sc, &write_error);
  keep_console (r, &log, result->sidecar_path);
  keep_monitor_series (r, monitor, result->sidecar_path);

  result_fill (result, verdict, session);
  result->accel = g_strdup (vm.accel);
  result->boot = r->boot.path;
  if (session->has_hello && vm.launch_us > 0)
    result->boot_to_hello_us = session->hello_us - vm.launch_us;
  result->is_guest_started = session->has_hello;
  if (session->has_hello)
    result->start_to_hello_us = session->hello_us - start;
  result->duration_s = (g_get_monotonic_time () - start) / 1e6;
  ktstr_vm_result_clear (&vm);
  remove_workdir (r, workdir);

  if (result->sidecar_path == NULL)
    {
      /* Losing the record is a harness failure, not a test failure. */
      g_propagate_prefixed_error (
          error, g_steal_pointer (&write_error),
          "test '%s' ran but its sidecar could not be written: ", def->name);
      return NULL;
    }
  return g_steal_pointer (&result);
}

const char *
ktstr_runner_get_boot_image (const KtstrRunner *r)
{
  return r->boot.image;
}

const KtstrRunOptions *
ktstr_runner_get_options (const KtstrRunner *r)
{
  return &r->options;
}

const char *
ktstr_runner_get_base_image (const KtstrRunner *r)
{
  return r->base_initramfs;
}

const char *
ktstr_runner_get_sched_lines (const KtstrRunner *r)
{
  return r->sched_lines;
}

char *
ktstr_runner_build_cmdline (const KtstrRunner *r)
{
  return build_cmdline (&r->options);
}

/* --- shared boots ------------------------------------------------------- */

gboolean
ktstr_runner_can_share (const KtstrRunner *r, const KtstrTestDef *def, const char **why)
{
  const KtstrRunOptions *o = &r->options;
  const char *reason = NULL;
  gboolean has_payloads = def->payloads != NULL && def->payloads->len > 0;
  if (o->is_exec_only)
    reason = "ktstr run and ktstr shell boot one program";
  else if (o->scheduler != NULL || o->builtin_lines != NULL || def->scheduler != NULL)
    reason = "a scheduler under test gets a kernel no earlier test's scheduler ran on";
  else if (def->performance_mode != KTSTR_PERF_MODE_OFF && !o->is_perf_mode_off)
    reason = "performance mode places its own VM";
  else if (def->expect_err != NULL)
    reason = "a test that expects a failure may leave what failed behind";
  else if (has_payloads)
    reason = "payloads are packed into the test's own image";
  else if (def->include_files != NULL && def->include_files[0] != NULL)
    reason = "include_files are packed into the test's own image";
  else if (def->cleanup_budget_ms > 0)
    reason = "cleanup_budget_ms judges the teardown of the test's own VM";
  else if (def->is_fresh_boot)
    reason = "the test says fresh_boot=true";
  if (why != NULL)
    *why = reason;
  return reason == NULL;
}

/* The accelerator a VM of this runner runs on, before it has ended (the
 * backend says which only at collect): what was asked for, else what the
 * backend plans with. */
static const char *
planned_accel (const KtstrRunOptions *o)
{
  if (o->accel == KTSTR_ACCEL_KVM)
    return "kvm";
  if (o->accel == KTSTR_ACCEL_TCG)
    return "tcg";
  return o->backend->expected_accel != NULL ? o->backend->expected_accel () : NULL;
}

/* One shared boot's run: the tests, the VM, and where it is. */
typedef struct
{
  KtstrRunner *r;
  const KtstrTestDef *const *defs;
  guint n;
  const KtstrRunVariant *variant;
  const char *topology;
  KtstrTopology topo;
  KtstrSharedResultFunc on_result;
  gpointer user_data;
  const char *console;
  Attempt attempt;       /* the VM, and the current test's session and monitor */
  char *hello;           /* the agent's hello, replayed to each test's session */
  char *boot_id;         /* this boot's id in the sidecars */
  gint64 boot_start_us;  /* before the VM was prepared */
  gint64 boot_ms;        /* the VM's start (before prepare) to hello, -1 before */
  gint current;          /* the test running (its command sent), -1 none */
  guint next;            /* the next test to run */
  guint in_boot;         /* tests started in this boot */
  guint attempts;        /* boots of the current first test (retry rule) */
  gsize console_from;    /* where the next test's console part starts */
  gint64 test_start_us;  /* the current test's start (its boot's start for the first) */
  KtstrSession *session; /* the current test's */
  KtstrMonitor *monitor; /* the current test's, NULL with --monitor=off */
  GSource *deadline;     /* the current test's host deadline */
  gboolean is_deadline_hit;
} Shared;

static void
shared_deliver (Shared *sh, guint index, KtstrTestResult *result, GError *error)
{
  sh->on_result (index, result, error, sh->user_data);
}

static gboolean
on_shared_deadline (gpointer user_data)
{
  Shared *sh = user_data;
  sh->is_deadline_hit = TRUE;
  if (sh->attempt.vm != NULL)
    sh->r->options.backend->kill (sh->attempt.vm);
  g_clear_pointer (&sh->deadline, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
shared_arm_deadline (Shared *sh, guint timeout_s)
{
  if (sh->deadline != NULL)
    {
      g_source_destroy (sh->deadline);
      g_clear_pointer (&sh->deadline, g_source_unref);
    }
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  sh->deadline = g_timeout_source_new_seconds (timeout_s);
  g_source_set_callback (sh->deadline, on_shared_deadline, sh, NULL);
  g_source_attach (sh->deadline, context);
}

/* Test K gets its session and monitor, and the guest its command. */
static void
shared_start_test (Shared *sh, guint k)
{
  const KtstrRunOptions *o = &sh->r->options;
  g_clear_pointer (&sh->session, ktstr_session_free);
  g_clear_pointer (&sh->monitor, ktstr_monitor_free);
  sh->session = ktstr_session_new ();
  sh->session->sched->is_expected = FALSE;
  sh->session->sched->checks = o->scheduler_checks;
  sh->monitor = new_monitor (sh->r, sh->defs[k], &sh->topo);
  sh->session->monitor = sh->monitor;
  sh->attempt.session = sh->session;
  sh->attempt.monitor = sh->monitor;
  sh->attempt.has_vcpu_start = FALSE;
  sh->current = (gint)k;
  if (sh->in_boot > 0)
    sh->test_start_us = g_get_monotonic_time ();
  sh->in_boot++;
  guint guard_ms;
  shared_arm_deadline (sh, deadline_s (o, sh->defs[k], &guard_ms));
  /* As if the agent had just said hello to this test alone: its session
   * and monitor start now. */
  on_line (sh->hello, &sh->attempt);
  g_autofree char *cmd = g_strdup_printf ("session run %u", k);
  send_to_guest (cmd, &sh->attempt);
}

/* Test K ended (VM_END: the VM, when it ended during the test; NULL:
 * it said test_end): its verdict, sidecar, console part and result. */
static KtstrVerdict *
shared_finish_test (Shared *sh, const KtstrVmResult *vm_end, const char *vm_error)
{
  KtstrRunner *r = sh->r;
  guint k = (guint)sh->current;
  const KtstrTestDef *def = sh->defs[k];
  if (sh->monitor != NULL)
    ktstr_monitor_stop (sh->monitor);
  g_auto (Console) log = { 0 };
  console_read (&log, sh->console);
  gsize from = MIN (sh->console_from, log.len);
  gsize end = vm_end != NULL ? log.len : ktstr_console_slice_end (log.text, log.len, from, k);
  g_autofree char *part = log.text != NULL ? g_strndup (log.text + from, end - from) : NULL;
  sh->console_from = end;
  Console slice = { part, part != NULL ? end - from : 0 };

  KtstrVmResult mid = {
    .end = KTSTR_VM_END_POWEROFF,
    .end_detail = (char *)"shared boot: the test ended and the VM went on",
    .cleanup_ms = -1,
  };
  mid.accel = (char *)planned_accel (&r->options);
  const KtstrVmResult *vm = vm_end != NULL ? vm_end : &mid;
  KtstrVerdict *verdict
      = ktstr_verdict_decide (def, &sh->topo, sh->session, vm, slice.text, vm_error);
  g_autoptr (KtstrSidecar) sc
      = build_sidecar (r, def, sh->topology, sh->variant->trial, sh->session, verdict, vm);
  /* A test of a shared boot did not tear a VM down: no cleanup time. */
  sc->has_cleanup_duration_ms = FALSE;
  sc->has_wall_ms = TRUE;
  sc->wall_ms = (guint64)(g_get_monotonic_time () - sh->test_start_us) / 1000;
  sc->shared_boot_id = g_strdup (sh->boot_id);
  sc->shared_boot_index = sh->in_boot - 1;
  sc->shared_boot_ms = sh->boot_ms > 0 ? (guint64)sh->boot_ms : 0;
  g_autoptr (GError) write_error = NULL;
  g_autoptr (KtstrTestResult) result = g_new0 (KtstrTestResult, 1);
  result->name = g_strdup (def->name);
  result->topology = g_strdup (sh->topology);
  result->sidecar_path = ktstr_rundir_write_sidecar (r->rundir, sc, &write_error);
  keep_console (r, &slice, result->sidecar_path);
  keep_monitor_series (r, sh->monitor, result->sidecar_path);
  result_fill (result, verdict, sh->session);
  result->accel = g_strdup (vm->accel);
  result->boot = r->boot.path;
  result->is_guest_started = sh->hello != NULL;
  if (sh->in_boot == 1 && sh->boot_ms >= 0)
    {
      /* The boot is the first test's: prepare to hello, launch included. */
      result->boot_to_hello_us = sh->boot_ms * 1000;
      result->start_to_hello_us = sh->boot_ms * 1000;
    }
  result->duration_s = (g_get_monotonic_time () - sh->test_start_us) / 1e6;
  sh->current = -1;
  sh->next = k + 1;
  sh->attempts = 0;
  if (result->sidecar_path == NULL)
    {
      GError *error = NULL;
      g_propagate_prefixed_error (
          &error, g_steal_pointer (&write_error),
          "test '%s' ran but its sidecar could not be written: ", def->name);
      shared_deliver (sh, k, NULL, error);
    }
  else
    shared_deliver (sh, k, g_steal_pointer (&result), NULL);
  return verdict;
}

/* A control line of a shared boot: hello and the test boundaries are the
 * session's; everything else is the current test's, as in a boot of its
 * own. */
static void
on_shared_line (const char *line, gpointer user_data)
{
  Shared *sh = user_data;
  if (sh->hello == NULL && g_str_has_prefix (line, "{\"t\":\"hello\""))
    {
      sh->hello = g_strdup (line);
      sh->boot_ms = (g_get_monotonic_time () - sh->boot_start_us) / 1000;
      shared_start_test (sh, sh->next);
      return;
    }
  if (g_str_has_prefix (line, "{\"t\":\"test_begin\""))
    return; /* the command that started it is the host's mark */
  if (g_str_has_prefix (line, "{\"t\":\"test_end\"") && sh->current >= 0)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o = NULL;
      if (json_parser_load_from_data (parser, line, -1, NULL)
          && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        o = json_node_get_object (json_parser_get_root (parser));
      gint64 index = o != NULL ? json_object_get_int_member_with_default (o, "index", -1) : -1;
      const char *reset
          = o != NULL ? json_object_get_string_member_with_default (o, "reset", NULL) : NULL;
      if (index != sh->current)
        {
          ktstr_session_feed (sh->session, line); /* recorded as a bad line */
          return;
        }
      gboolean is_reset = g_strcmp0 (reset, "ok") == 0;
      if (!is_reset)
        notice (sh->r,
                "%s: the guest could not put back what the test left (%s); the next "
                "test gets a fresh boot",
                sh->defs[sh->current]->name, reset != NULL ? reset : "no reset reported");
      g_autoptr (KtstrVerdict) verdict = shared_finish_test (sh, NULL, NULL);
      /* Any failure may have left state behind: the rest get a fresh VM. */
      gboolean go_on = is_reset && verdict->outcome == KTSTR_OUTCOME_PASS && sh->next < sh->n
                       && !g_cancellable_is_cancelled (sh->variant->cancellable);
      if (go_on)
        shared_start_test (sh, sh->next);
      else
        send_to_guest ("session end", &sh->attempt);
      return;
    }
  if (sh->current >= 0)
    on_line (line, &sh->attempt);
}

/* The plans and the session file, packed beside the base image. */
static gboolean
shared_compose (Shared *sh, const char *workdir, const char *initrd, GError **error)
{
  KtstrRunner *r = sh->r;
  g_autoptr (KtstrInitramfsSpec) files = ktstr_initramfs_spec_new ("");
  if (r->include_files != NULL)
    ktstr_runner_add_includes (r, files);
  g_autofree char *first = NULL;
  for (guint k = 0; k < sh->n; k++)
    {
      guint guard_ms;
      deadline_s (&r->options, sh->defs[k], &guard_ms);
      g_autofree char *plan = ktstr_testdef_to_plan (sh->defs[k], sh->topology, guard_ms);
      g_autofree char *name = g_strdup_printf ("plan.%u", k);
      g_autofree char *path = g_build_filename (workdir, name, NULL);
      g_autofree char *archive = g_strdup_printf ("%s.%u", &KTSTR_PLAN_PATH[1], k);
      if (!g_file_set_contents (path, plan, -1, error))
        return FALSE;
      ktstr_initramfs_spec_add (files, archive, path);
      if (k == 0)
        first = g_steal_pointer (&plan);
    }
  g_autofree char *session = g_strdup_printf (KTSTR_SESSION_MAGIC "\nplans %u\n", sh->n);
  g_autofree char *session_path = g_build_filename (workdir, "session", NULL);
  if (!g_file_set_contents (session_path, session, -1, error))
    return FALSE;
  ktstr_initramfs_spec_add (files, &KTSTR_SESSION_PATH[1], session_path);
  return ktstr_initramfs_compose_files (r->base_initramfs, first, files, initrd, error);
}

/* One VM of the shared boot: from the test NEXT on, until the session
 * ends or the VM does. */
static void
shared_boot_once (Shared *sh, const KtstrVmConfig *tmpl, const char *initrd, const char *cmdline,
                  guint timeout_s)
{
  KtstrRunner *r = sh->r;
  const KtstrRunOptions *o = &r->options;
  g_autofree char *uuid = g_uuid_string_random ();
  g_free (sh->boot_id);
  sh->boot_id = g_strndup (uuid, 8);
  g_clear_pointer (&sh->hello, g_free);
  sh->boot_ms = -1;
  sh->in_boot = 0;
  sh->console_from = 0;
  sh->is_deadline_hit = FALSE;
  sh->boot_start_us = sh->test_start_us = g_get_monotonic_time ();
  sh->attempt = (Attempt){ NULL, NULL, o->backend, NULL };
  /* Until hello the first test's session stands empty: a boot that never
   * says hello is judged on it (a boot failure). */
  g_clear_pointer (&sh->session, ktstr_session_free);
  g_clear_pointer (&sh->monitor, ktstr_monitor_free);
  sh->session = ktstr_session_new ();
  sh->attempt.session = sh->session;
  KtstrVmConfig cfg = *tmpl;
  cfg.initramfs_path = initrd;
  cfg.console_path = sh->console;
  cfg.cmdline = cmdline;
  cfg.topology = sh->topo;
  cfg.timeout_s = timeout_s;
  cfg.on_line = on_shared_line;
  cfg.user_data = sh;
  cfg.share_ram = o->monitor_mode != KTSTR_MONITOR_MODE_OFF && r->layout != NULL
                  && o->monitor_mode != KTSTR_MONITOR_MODE_GUEST;
  g_unlink (sh->console);
  KtstrVmResult vm = { 0 };
  g_autoptr (GError) vm_error = NULL;
  guint guard_ms;
  shared_arm_deadline (sh, deadline_s (o, sh->defs[sh->next], &guard_ms));
  KtstrVm *handle = o->backend->prepare (&cfg, &vm_error);
  if (handle != NULL)
    {
      sh->attempt.vm = handle;
      KillTarget target = { o->backend, handle };
      g_autoptr (GSource) cancel_source = NULL;
      if (sh->variant->cancellable != NULL)
        {
          g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
          cancel_source = g_cancellable_source_new (sh->variant->cancellable);
          g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_cancelled), &target, NULL);
          g_source_attach (cancel_source, context);
        }
      if (o->backend->launch (handle, &vm_error))
        o->backend->wait (handle, &vm_error);
      if (cancel_source != NULL)
        g_source_destroy (cancel_source);
      if (sh->monitor != NULL)
        ktstr_monitor_stop (sh->monitor);
      o->backend->collect (handle, &vm);
      sh->attempt.vm = NULL;
      o->backend->cleanup (handle);
    }
  if (sh->deadline != NULL)
    {
      g_source_destroy (sh->deadline);
      g_clear_pointer (&sh->deadline, g_source_unref);
    }
  if (sh->is_deadline_hit)
    vm.end = KTSTR_VM_END_TIMEOUT;
  if (g_cancellable_is_cancelled (sh->variant->cancellable))
    {
      ktstr_vm_result_clear (&vm);
      return; /* the caller reports the rest as not run */
    }
  if (sh->current < 0 && sh->hello != NULL)
    {
      ktstr_vm_result_clear (&vm);
      return; /* ended between tests: the session's end, or a reset that failed */
    }
  /* The VM ended during a test, or before hello (then the test it was
   * booted for takes the boot's failure, or it is booted once more). */
  g_auto (Console) log = { 0 };
  console_read (&log, sh->console);
  sh->attempts++;
  g_autofree char *why = NULL;
  if (sh->attempts < KTSTR_BOOT_MAX_ATTEMPTS && sh->hello == NULL)
    why = ktstr_boot_died_before_agent (sh->session, &vm, log.text);
  if (sh->attempts < KTSTR_BOOT_MAX_ATTEMPTS && why == NULL && log.text != NULL)
    why = ktstr_boot_hit_tcg_patch_race (&vm, log.text + MIN (sh->console_from, log.len));
  if (why != NULL)
    {
      notice (r,
              "%s: the guest kernel or the emulator died under TCG (%s), not a fault of the "
              "test; booting it once more",
              sh->defs[sh->next]->name, why);
      sh->current = -1;
      ktstr_vm_result_clear (&vm);
      return;
    }
  if (sh->current < 0)
    sh->current = (gint)sh->next; /* never said hello: the boot failed this test */
  if (sh->hello == NULL)
    sh->in_boot = 1;
  /* A later test's time starts at its command, not at the VM's launch:
   * the verdict's "deadline too short" reads the boot from it. */
  if (sh->in_boot > 1)
    vm.launch_us = sh->test_start_us;
  g_autoptr (KtstrVerdict) verdict
      = shared_finish_test (sh, &vm, vm_error != NULL ? vm_error->message : NULL);
  ktstr_vm_result_clear (&vm);
}

/* Every test from FROM on did not run (an interrupt, or the harness could
 * not go on): ERROR for each. */
static void
shared_deliver_rest (Shared *sh, guint from, const GError *error)
{
  for (guint k = from; k < sh->n; k++)
    shared_deliver (sh, k, NULL, g_error_copy (error));
}

void
ktstr_runner_run_shared (KtstrRunner *r, const KtstrTestDef *const *defs, guint n,
                         const KtstrRunVariant *variant, KtstrSharedResultFunc on_result,
                         gpointer user_data)
{
  const KtstrRunOptions *o = &r->options;
  Shared sh = {
    .r = r,
    .defs = defs,
    .n = n,
    .variant = variant,
    .topology = variant_topology (r, defs[0], variant),
    .on_result = on_result,
    .user_data = user_data,
    .current = -1,
  };
  g_autoptr (GError) error = NULL;
  for (guint k = 0; k < n; k++)
    if (!ktstr_runner_check_variant (r, defs[k], variant, &error))
      {
        shared_deliver_rest (&sh, 0, error);
        return;
      }
  if (!set_cancelled (variant->cancellable, &error))
    {
      shared_deliver_rest (&sh, 0, error);
      return;
    }
  ktstr_topology_parse (sh.topology, &sh.topo, NULL, 0);
  g_autofree char *workdir = ktstr_owned_tmpdir_new (KTSTR_VM_WORKDIR_PREFIX, &error);
  if (workdir == NULL)
    {
      shared_deliver_rest (&sh, 0, error);
      return;
    }
  g_autofree char *initrd = g_build_filename (workdir, "initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "console.log", NULL);
  g_autofree char *cmdline = build_cmdline (o);
  sh.console = console;
  guint memory_mb = variant->memory_mb ? variant->memory_mb : o->memory_mb;
  g_autoptr (Placement) place = NULL;
  if (shared_compose (&sh, workdir, initrd, &error))
    place = reserve_cpus (r, defs[0], &sh.topo, memory_mb, variant->cancellable, &error);
  if (place == NULL)
    {
      remove_workdir (r, workdir);
      if (error->domain == KTSTR_CPU_PLAN_ERROR && error->code != KTSTR_CPU_PLAN_ERROR_HOST)
        {
          /* The host cannot place this VM: each test is skipped, saying so. */
          for (guint k = 0; k < n; k++)
            {
              GError *skip_error = NULL;
              KtstrTestResult *res
                  = ktstr_runner_skip (r, defs[k], sh.topology, error->message, &skip_error);
              shared_deliver (&sh, k, res, skip_error);
            }
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "shared boot of '%s' and %u more: ", defs[0]->name, n - 1);
      shared_deliver_rest (&sh, 0, error);
      return;
    }
  /* The VM's own deadline is only a backstop: each test has its own
   * (shared_arm_deadline), as it would in a boot of its own. */
  guint timeout_s = 0;
  for (guint k = 0; k < n; k++)
    {
      guint guard_ms;
      timeout_s += deadline_s (o, defs[k], &guard_ms);
    }
  const KtstrVmConfig cfg_template = {
    .kernel_path = r->boot.image,
    .memory_mb = memory_mb,
    .workdir = workdir,
    .accel = o->accel,
    .verbose = o->verbose,
    .placement = place->vm,
  };
  while (sh.next < n && !g_cancellable_is_cancelled (variant->cancellable))
    shared_boot_once (&sh, &cfg_template, initrd, cmdline, timeout_s);
  g_clear_pointer (&place, placement_free);
  if (sh.next < n)
    {
      g_autoptr (GError) stop = NULL;
      set_cancelled (variant->cancellable, &stop);
      shared_deliver_rest (&sh, sh.next, stop);
    }
  g_clear_pointer (&sh.session, ktstr_session_free);
  g_clear_pointer (&sh.monitor, ktstr_monitor_free);
  g_free (sh.hello);
  g_free (sh.boot_id);
  remove_workdir (r, workdir);
}
