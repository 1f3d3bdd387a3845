/* The QEMU backend: one qemu-system-x86_64 process per VM, driven over QMP.
 *
 * launch starts QEMU paused, connects its QMP socket (retrying until QEMU
 * has created it), negotiates, connects the control socket and only then
 * sends `cont`, so no early guest output is lost.  wait iterates the main
 * context: control lines go to config->on_line as they arrive, QMP events
 * decide how the VM ended, and a deadline ends it with `quit` and, 2 s
 * later, SIGKILL.  Every stream is always drained (a full virtio queue would
 * stall the guest).  With KTSTR_ACCEL_AUTO on a host whose KVM speed is not
 * known yet, a KVM guest that says nothing within the probe window is killed
 * and relaunched under TCG within the same wait (see accel.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "backends/backend.h"
#include "backends/qemu/accel.h"
#include "backends/qemu/qemu-args.h"
#include "backends/qemu/qemu-vm.h"
#include "common/image-probe.h"

/* ---------- KVM probe ---------- */

/* A KVM probe succeeds only when the guest speaks: silence for the probe
 * window, QEMU failing, or the guest ending first are all failures (on a
 * nested host here `-cpu host` even aborts QEMU).  Sets vm->kvm_failure. */
static gboolean
probe_has_failed (KtstrVm *vm, gint64 now)
{
  g_autofree char *first = NULL;

  if (!vm->is_probing || vm->first_line_us != 0)
    return FALSE;
  if (vm->end != KTSTR_VM_END_NONE)
    vm->kvm_failure
        = g_strdup_printf ("the guest ended before it said anything: %s", vm->end_detail);
  else if (vm->has_exited)
    {
      first = ktstr_qemu_vm_stderr_first_line (vm);
      vm->kvm_failure = g_strdup_printf ("QEMU exited (%s): %s", vm->exit_desc, first);
    }
  else if (now >= MIN (vm->probe_until_us, vm->deadline_us))
    vm->kvm_failure = g_strdup_printf ("no progress in %u s", ktstr_accel_probe_seconds ());
  else
    return FALSE;
  return TRUE;
}

static gboolean
probe_fall_back (KtstrVm *vm, GError **error)
{
  g_debug ("qemu backend: KVM probe failed (%s); relaunching under TCG", vm->kvm_failure);
  if (vm->qmp != NULL)
    ktstr_qmp_set_event_func (vm->qmp, NULL, NULL); /* its end is not the VM's end */
  ktstr_qemu_vm_stop (vm);
  vm->is_probing = FALSE;
  vm->end = KTSTR_VM_END_NONE;
  vm->end_us = 0;
  g_clear_pointer (&vm->end_detail, g_free);
  /* The relaunched guest gets the whole timeout again: the probe is the
   * harness's cost, not the test's. */
  return ktstr_qemu_vm_start (vm, "tcg", error);
}

/* ---------- KtstrBackend ---------- */

static char *
find_qemu (void)
{
  const char *env = g_getenv ("KTSTR_QEMU");
  const char *name = env != NULL && *env != '\0' ? env : KTSTR_DEFAULT_QEMU;
  return g_find_program_in_path (name);
}

static gboolean
qemu_is_available (GError **error)
{
  g_autofree char *qemu = find_qemu ();
  if (qemu != NULL)
    return TRUE;
  g_set_error_literal (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE,
                       "qemu-system-x86_64 was not found: install the Debian package "
                       "qemu-system-x86, or set KTSTR_QEMU to its path");
  return FALSE;
}

/* A bzImage has "HdrS" at 0x202; an uncompressed vmlinux is an ELF file
 * that QEMU boots through its PVH note.  Anything else fails here, not in
 * QEMU. */
static gboolean
check_kernel (const char *path, GError **error)
{
  KtstrImageProbe probe;
  int rc = ktstr_image_probe_file (path, &probe);
  if (rc != 0)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "cannot read kernel '%s': %s", path, g_strerror (-rc));
      return FALSE;
    }
  if (probe.kind != KTSTR_IMAGE_OTHER)
    return TRUE;
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
               "kernel '%s' is neither a bzImage nor an uncompressed ELF vmlinux", path);
  return FALSE;
}

static gboolean
check_socket_path (const char *path, GError **error)
{
  struct sockaddr_un addr;
  if (strlen (path) < sizeof addr.sun_path)
    return TRUE;
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
               "socket path '%s' is longer than a unix socket allows (%zu bytes); use a shorter "
               "work directory",
               path, sizeof addr.sun_path - 1);
  return FALSE;
}

static void qemu_cleanup (KtstrVm *vm);

static gboolean
choose_accel (KtstrVm *vm, KtstrAccel requested, GError **error)
{
  g_autofree char *kvm_why = ktstr_accel_kvm_unusable_reason ();
  KtstrKvmFinding finding = KTSTR_KVM_FINDING_UNKNOWN;
  const char *env = g_getenv ("KTSTR_ACCEL");
  static gboolean noted;

  vm->cache_path = ktstr_accel_cache_path ();
  if (kvm_why == NULL)
    {
      vm->host_key = ktstr_accel_host_key_current (vm->qemu);
      finding = ktstr_accel_cache_lookup (vm->cache_path, vm->host_key);
    }
  if (!ktstr_accel_choose (requested, env, kvm_why, finding, &vm->choice, error))
    return FALSE;
  if (vm->choice.tcg_from_cache && !noted)
    {
      noted = TRUE;
      g_printerr ("ktstr: using TCG: KVM was found too slow on this host (%s)\n", vm->cache_path);
    }
  vm->is_probing = vm->choice.probe_kvm;
  if (!vm->is_probing)
    g_clear_pointer (&vm->host_key, g_free); /* nothing to record */
  return TRUE;
}

static KtstrVm *
qemu_prepare (const KtstrVmConfig *config, GError **error)
{
  g_autofree char *qemu = find_qemu ();
  KtstrVm *vm;
  g_auto (GStrv) argv = NULL;
  const char *machine = g_getenv ("KTSTR_QEMU_MACHINE");

  if (qemu == NULL)
    {
      qemu_is_available (error);
      return NULL;
    }
  if (config->kernel_path == NULL || config->workdir == NULL || config->console_path == NULL)
    {
      g_set_error_literal (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                           "a VM needs a kernel, a work directory and a console path");
      return NULL;
    }
  if (!check_kernel (config->kernel_path, error))
    return NULL;
  if (config->initramfs_path != NULL
      && !g_file_test (config->initramfs_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "initramfs '%s' is not a readable file", config->initramfs_path);
      return NULL;
    }
  if (!g_file_test (config->workdir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "work directory '%s' does not exist", config->workdir);
      return NULL;
    }

  vm = g_new0 (KtstrVm, 1);
  vm->kernel_path = g_strdup (config->kernel_path);
  vm->initramfs_path = g_strdup (config->initramfs_path);
  vm->cmdline = g_strdup (config->cmdline);
  vm->console_path = g_strdup (config->console_path);
  vm->console_max = config->console_max != 0 ? config->console_max : KTSTR_CONSOLE_MAX;
  vm->qmp_path = g_build_filename (config->workdir, "qmp.sock", NULL);
  vm->ctrl_path = g_build_filename (config->workdir, "ctrl.sock", NULL);
  vm->topology = config->topology;
  vm->memory_mb = config->memory_mb != 0 ? config->memory_mb : 512;
  vm->timeout_s = config->timeout_s != 0 ? config->timeout_s : 60;
  vm->on_line = config->on_line;
  vm->user_data = config->user_data;
  vm->verbose = config->verbose;
  vm->share_ram = config->share_ram;
  vm->workdir = g_strdup (config->workdir);
  g_mutex_init (&vm->send_lock);
  vm->is_console_interactive = config->is_console_interactive;
  vm->placement = ktstr_vm_placement_copy (&config->placement);
  vm->qemu = g_steal_pointer (&qemu);
  vm->machine
      = g_strdup (machine != NULL && *machine != '\0' ? machine : KTSTR_QEMU_DEFAULT_MACHINE);
  vm->context = g_main_context_ref_thread_default ();
  vm->ctrl_buf = g_string_new (NULL);
  vm->stderr_tail = g_string_new (NULL);
  vm->console_fd = -1;
  vm->cleanup_ms = -1;

  if (!check_socket_path (vm->qmp_path, error) || !check_socket_path (vm->ctrl_path, error)
      || !choose_accel (vm, config->accel, error))
    {
      qemu_cleanup (vm);
      return NULL;
    }
  /* Reject a bad topology or memory size now rather than at launch. */
  {
    argv = ktstr_qemu_vm_build_args (vm, vm->choice.accel, error);
    if (argv == NULL)
      {
        qemu_cleanup (vm);
        return NULL;
      }
    vm->accel = vm->choice.accel;
    vm->command_line = ktstr_qemu_args_to_shell ((const char *const *)argv);
  }
  return vm;
}

static gboolean
qemu_launch (KtstrVm *vm, GError **error)
{
  gboolean ok;
  g_autoptr (GError) local_error = NULL;

  g_main_context_push_thread_default (vm->context);
  ok = ktstr_qemu_vm_start (vm, vm->choice.accel, &local_error);
  if (!ok && vm->is_probing)
    {
      g_autofree char *first = ktstr_qemu_vm_stderr_first_line (vm);
      vm->kvm_failure = g_strdup_printf ("QEMU could not start a KVM guest: %s",
                                         vm->stderr_tail->len > 0 ? first : local_error->message);
      g_clear_error (&local_error);
      ok = probe_fall_back (vm, &local_error);
    }
  g_main_context_pop_thread_default (vm->context);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* Whether the guest wrote more than its console allows (QEMU writes the
 * file; the host can only watch it grow). */
static gboolean
console_is_full (const KtstrVm *vm)
{
  struct stat st;
  return stat (vm->console_path, &st) == 0 && (gsize)st.st_size > vm->console_max;
}

static gboolean
qemu_wait (KtstrVm *vm, GError **error)
{
  gboolean ok = TRUE;

  if (vm->proc == NULL)
    return TRUE; /* launch failed; the end is already CRASHED */
  g_main_context_push_thread_default (vm->context);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake = vm->deadline_us;

      if (probe_has_failed (vm, now))
        {
          if (!probe_fall_back (vm, error))
            {
              ok = FALSE;
              break;
            }
          continue;
        }
      if (vm->end != KTSTR_VM_END_NONE)
        break;
      if (vm->has_exited)
        {
          g_autofree char *why = NULL;
          ktstr_qemu_vm_drain_after_exit (vm);
          why = ktstr_qemu_vm_stderr_summary (vm);
          ktstr_qemu_vm_set_end (
              vm, KTSTR_VM_END_CRASHED,
              g_strdup_printf ("QEMU exited (%s) without the guest shutting down; %s",
                               vm->exit_desc, why));
          break;
        }
      if (console_is_full (vm))
        {
          ktstr_qemu_vm_set_end (
              vm, KTSTR_VM_END_CRASHED,
              g_strdup_printf ("stopped by the host: the guest wrote more than %" G_GSIZE_FORMAT
                               " KiB to its console",
                               vm->console_max >> 10));
          ktstr_qemu_vm_send_quit (vm);
          break;
        }
      if (now >= vm->deadline_us)
        {
          ktstr_qemu_vm_set_end (
              vm, KTSTR_VM_END_TIMEOUT,
              g_strdup_printf ("the VM did not end within its %u s deadline", vm->timeout_s));
          ktstr_qemu_vm_send_quit (vm);
          break;
        }
      if (vm->is_probing)
        wake = MIN (wake, vm->probe_until_us);
      /* Look at the console's size at least once a second. */
      wake = MIN (wake, now + G_USEC_PER_SEC);
      ktstr_qemu_vm_iterate (vm, wake);
    }
  if (vm->proc != NULL && !vm->has_exited)
    ktstr_qemu_vm_finish (vm);
  else if (vm->proc != NULL)
    ktstr_qemu_vm_drain_after_exit (vm);
  if (vm->kvm_failure != NULL && vm->first_line_us == 0 && vm->end_detail != NULL)
    {
      /* Silent under TCG as well: the guest, not KVM, is the problem. */
      char *detail = g_strdup_printf ("%s (KVM was tried first and failed too: %s; finding not "
                                      "recorded)",
                                      vm->end_detail, vm->kvm_failure);
      g_free (vm->end_detail);
      vm->end_detail = detail;
    }
  vm->cleanup_ms
      = vm->end == KTSTR_VM_END_TIMEOUT ? -1 : (g_get_monotonic_time () - vm->end_us) / 1000;
  g_main_context_pop_thread_default (vm->context);
  return ok;
}

static void
qemu_collect (KtstrVm *vm, KtstrVmResult *result)
{
  result->end = vm->end;
  result->end_detail = g_strdup (vm->end_detail);
  result->accel = g_strdup (vm->accel);
  result->command_line = g_strdup (vm->command_line);
  result->launch_us = vm->launch_us;
  result->first_line_us = vm->first_line_us;
  result->end_us = vm->end_us;
  result->cleanup_ms = vm->cleanup_ms;
  /* Only a death of QEMU's own: one that ended the guest, not the host's
   * kill at the deadline or on Ctrl-C (those set another end first). */
  result->vmm_signal = vm->end == KTSTR_VM_END_CRASHED && !vm->quit_sent ? vm->exit_signal : 0;
  result->kvm_stats = NULL;
}

/* The vCPU threads of the running QEMU: the thread ids query-cpus-fast
 * gave when it started (the same ones guest_access reports). */
static gboolean
qemu_vcpu_time (KtstrVm *vm, KtstrVcpuTime *out)
{
  memset (out, 0, sizeof *out);
  const char *id
      = vm->proc != NULL && !vm->has_exited ? g_subprocess_get_identifier (vm->proc) : NULL;
  if (id == NULL || vm->vcpu_tids == NULL)
    return FALSE;
  int pid = atoi (id);
  for (guint i = 0; i < vm->vcpu_tids->len; i++)
    {
      int tid = g_array_index (vm->vcpu_tids, int, i);
      if (tid > 0)
        ktstr_vcpu_time_add_thread (out, pid, tid);
    }
  return out->n_threads > 0;
}

static void
qemu_kill (KtstrVm *vm)
{
  if (vm->proc == NULL || vm->has_exited)
    return;
  ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED, g_strdup ("killed by ktstr"));
  g_subprocess_force_exit (vm->proc);
}

static void
qemu_cleanup (KtstrVm *vm)
{
  if (vm == NULL)
    return;
  if (vm->context != NULL)
    {
      g_main_context_push_thread_default (vm->context);
      ktstr_qemu_vm_stop (vm);
      g_main_context_pop_thread_default (vm->context);
      g_main_context_unref (vm->context);
    }
  if (vm->ctrl_buf != NULL)
    g_string_free (vm->ctrl_buf, TRUE);
  if (vm->stderr_tail != NULL)
    g_string_free (vm->stderr_tail, TRUE);
  ktstr_qemu_ram_release (vm);
  ktstr_vm_placement_free_copy (vm->placement);
  g_mutex_clear (&vm->send_lock);
  g_free (vm->workdir);
  g_free (vm->kernel_path);
  g_free (vm->initramfs_path);
  g_free (vm->cmdline);
  g_free (vm->console_path);
  g_free (vm->qmp_path);
  g_free (vm->ctrl_path);
  g_free (vm->qemu);
  g_free (vm->machine);
  g_free (vm->cache_path);
  g_free (vm->host_key);
  g_free (vm->command_line);
  g_free (vm->exit_desc);
  g_free (vm->end_detail);
  g_free (vm->kvm_failure);
  g_free (vm);
}

static gboolean
qemu_guest_access (KtstrVm *vm, KtstrVmGuestAccess *out, GError **error)
{
  memset (out, 0, sizeof *out);
  if (vm->proc == NULL)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_NOT_RUNNING,
                   "QEMU is not running");
      return FALSE;
    }
  /* The vCPU threads always; the RAM only when the VM shares it. */
  g_autoptr (GArray) pieces
      = ktstr_qemu_ram_layout (vm->memory_mb, MAX (vm->topology.numa_nodes, 1u));
  out->regions = g_array_new (FALSE, FALSE, sizeof (KtstrVmRamRegion));
  for (guint i = 0; vm->ram_files != NULL && i < pieces->len; i++)
    {
      const KtstrQemuRamPiece *p = &g_array_index (pieces, KtstrQemuRamPiece, i);
      const KtstrQemuRamFile *f = vm->ram_files->pdata[p->node];
      KtstrVmRamRegion r = { p->gpa, p->size, f->map + p->file_offset };
      g_array_append_val (out->regions, r);
    }
  const char *pid = g_subprocess_get_identifier (vm->proc);
  out->pid = pid != NULL ? atoi (pid) : 0;
  out->vcpu_tids = g_array_new (FALSE, TRUE, sizeof (int));
  if (vm->vcpu_tids != NULL)
    g_array_append_vals (out->vcpu_tids, vm->vcpu_tids->data, vm->vcpu_tids->len);
  return TRUE;
}

static void
qemu_send_to_guest (KtstrVm *vm, const char *line)
{
  g_autofree char *framed = g_strconcat (line, "\n", NULL);
  g_mutex_lock (&vm->send_lock);
  if (vm->send_stream != NULL
      && !g_output_stream_write_all (vm->send_stream, framed, strlen (framed), NULL, NULL, NULL))
    g_debug ("qemu backend: could not send '%s' to the guest", line);
  g_mutex_unlock (&vm->send_lock);
}

/* KVM only when it is forced, or this host's finding says KVM guests
 * reach their agent; an unknown host is planned as TCG, the safe guess. */
static const char *
qemu_expected_accel (void)
{
  const char *env = g_getenv ("KTSTR_ACCEL");
  if (g_strcmp0 (env, "kvm") == 0 || g_strcmp0 (env, "tcg") == 0)
    return g_str_equal (env, "kvm") ? "kvm" : "tcg";
  g_autofree char *why = ktstr_accel_kvm_unusable_reason ();
  g_autofree char *qemu = find_qemu ();
  if (why != NULL || qemu == NULL)
    return "tcg";
  g_autofree char *key = ktstr_accel_host_key_current (qemu);
  g_autofree char *path = ktstr_accel_cache_path ();
  return ktstr_accel_cache_lookup (path, key) == KTSTR_KVM_FINDING_OK ? "kvm" : "tcg";
}

const KtstrBackend ktstr_backend_qemu = {
  .name = "qemu",
  .expected_accel = qemu_expected_accel,
  .is_available = qemu_is_available,
  .prepare = qemu_prepare,
  .launch = qemu_launch,
  .wait = qemu_wait,
  .collect = qemu_collect,
  .kill = qemu_kill,
  .cleanup = qemu_cleanup,
  .guest_access = qemu_guest_access,
  .send_to_guest = qemu_send_to_guest,
  .vcpu_time = qemu_vcpu_time,
};
