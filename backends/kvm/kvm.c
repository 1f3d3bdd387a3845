/* ktstr_backend_kvm: the KtstrBackend interface over backends/kvm/machine.c.
 *
 * Threads: one per vCPU (machine.c) plus the caller of wait(), which is
 * the watchdog: it sleeps on a condition until a control line arrives, the
 * VM ends or the deadline passes, hands lines to config->on_line on its
 * own thread, and on the deadline ends the VM as TIMEOUT.  Kernel console
 * output (the UART) is written to config->console_path as it arrives. */
#include "config.h"

#include "backends/kvm/kvm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/calibrate.h"
#include "backends/kvm/kvm-sys.h"
#include "backends/kvm/machine.h"
#include "common/proto.h"

struct _KtstrVm
{
  char *kernel_path;
  char *initramfs_path;
  char *console_path;
  KtstrTopology topology;
  guint memory_mb;
  guint timeout_s;
  gboolean is_verbose;
  KtstrVmLineFunc on_line;
  gpointer user_data;

  KtstrKvmMachine *machine;
  FILE *console;
  gsize console_max;   /* see KtstrVmConfig */
  gsize console_bytes; /* written to it; console_max + 1 once cut */
  char *command_line;

  GMutex lock;
  GCond cond;
  GString *partial; /* control bytes after the last newline */
  gboolean is_cut;  /* dropping the rest of a line cut at KTSTR_PROTO_LINE_MAX */
  GPtrArray *lines; /* complete lines waiting for wait() */
  gboolean is_ended;
  gboolean is_stopped;
  gint64 launch_us;
  gint64 first_line_us;
  gint64 end_us;
  gint64 cleanup_ms;
  GHashTable *stats;
  KtstrVmPlacement *placement; /* the config's, copied; the vCPU threads read it */
};

static void
on_console (const guint8 *data, gsize len, gpointer user_data)
{
  KtstrVm *vm = user_data;
  g_mutex_lock (&vm->lock);
  /* Up to console_max bytes; the rest is dropped, saying so once. */
  if (vm->console != NULL && vm->console_bytes + len > vm->console_max)
    {
      if (vm->console_bytes <= vm->console_max)
        fprintf (vm->console,
                 "\n[ktstr: console cut: the guest wrote more than %" G_GSIZE_FORMAT " KiB]\n",
                 vm->console_max >> 10);
      vm->console_bytes = vm->console_max + 1;
      len = 0;
    }
  vm->console_bytes += len;
  if (vm->console != NULL && len > 0)
    {
      fwrite (data, 1, len, vm->console);
      /* Line by line, so a log being followed shows a hang as it happens. */
      if (memchr (data, '\n', len) != NULL)
        fflush (vm->console);
    }
  if (vm->is_verbose)
    fwrite (data, 1, len, stderr);
  g_mutex_unlock (&vm->lock);
}

static void
on_ctrl (const guint8 *data, gsize len, gpointer user_data)
{
  KtstrVm *vm = user_data;
  gint64 now = g_get_monotonic_time ();
  g_mutex_lock (&vm->lock);
  /* The guest is untrusted: a line longer than KTSTR_PROTO_LINE_MAX is
   * cut there and the rest of it, up to its newline, dropped. */
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] != '\n')
        {
          if (vm->is_cut)
            continue;
          if (vm->partial->len < KTSTR_PROTO_LINE_MAX)
            {
              g_string_append_c (vm->partial, (char)data[i]);
              continue;
            }
          vm->is_cut = TRUE;
        }
      else if (vm->is_cut)
        {
          vm->is_cut = FALSE; /* the end of a line already cut */
          continue;
        }
      if (vm->first_line_us == 0)
        vm->first_line_us = now;
      g_ptr_array_add (vm->lines, g_string_free (vm->partial, FALSE));
      vm->partial = g_string_new (NULL);
    }
  g_cond_signal (&vm->cond);
  g_mutex_unlock (&vm->lock);
}

static void
on_end (KtstrVmEnd end, const char *detail, gpointer user_data)
{
  KtstrVm *vm = user_data;
  g_mutex_lock (&vm->lock);
  vm->is_ended = TRUE;
  vm->end_us = g_get_monotonic_time ();
  g_cond_signal (&vm->cond);
  g_mutex_unlock (&vm->lock);
}

static gboolean
kvm_is_available (GError **error)
{
  KtstrKvmSys sys = KTSTR_KVM_SYS_INIT;
  g_autoptr (GError) local = NULL;
  if (!ktstr_kvm_sys_open (&sys, "/dev/kvm", &local))
    {
      g_set_error_literal (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE,
                           local->message);
      return FALSE;
    }
  ktstr_kvm_sys_close (&sys);
  return TRUE;
}

gboolean
ktstr_kvm_auto_is_preferred (GError **error)
{
  if (!kvm_is_available (error))
    return FALSE;
  KtstrKvmSpeed speed = { 0 };
  g_autoptr (GError) local = NULL;
  if (!ktstr_kvm_speed_get (&speed, &local))
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_NOT_PREFERRED,
                   "the /dev/kvm speed check failed: %s", local->message);
      return FALSE;
    }
  gboolean is_fast = speed.is_fast;
  if (!is_fast)
    {
      g_autofree char *found = ktstr_kvm_speed_describe (&speed);
      g_set_error_literal (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_NOT_PREFERRED, found);
    }
  ktstr_kvm_speed_clear (&speed);
  return is_fast;
}

/* --backend=kvm on an emulated /dev/kvm runs, but says so once.  TRUE
 * when /dev/kvm is known to be emulated. */
static gboolean
host_is_emulated (void)
{
  static gsize once = 0;
  static gboolean is_emulated = FALSE;
  if (!g_once_init_enter (&once))
    return is_emulated;
  KtstrKvmSpeed speed = { 0 };
  g_autoptr (GError) error = NULL;
  if (!ktstr_kvm_speed_get (&speed, &error))
    g_printerr ("ktstr: warning: cannot tell whether /dev/kvm runs at hardware speed: %s\n",
                error->message);
  else if (!speed.is_fast)
    {
      g_autofree char *what = ktstr_kvm_speed_describe (&speed);
      g_printerr ("ktstr: warning: %s; the kvm backend will run, but a Linux boot takes "
                  "minutes or never finishes here (--backend=qemu uses TCG instead)\n",
                  what);
      is_emulated = TRUE;
    }
  ktstr_kvm_speed_clear (&speed);
  g_once_init_leave (&once, 1);
  return is_emulated;
}

static void
vm_free (KtstrVm *vm)
{
  if (vm == NULL)
    return;
  g_clear_pointer (&vm->machine, ktstr_kvm_machine_free);
  ktstr_vm_placement_free_copy (vm->placement);
  if (vm->console != NULL)
    fclose (vm->console);
  g_free (vm->kernel_path);
  g_free (vm->initramfs_path);
  g_free (vm->console_path);
  g_free (vm->command_line);
  if (vm->partial != NULL)
    g_string_free (vm->partial, TRUE);
  g_clear_pointer (&vm->lines, g_ptr_array_unref);
  g_clear_pointer (&vm->stats, g_hash_table_unref);
  g_mutex_clear (&vm->lock);
  g_cond_clear (&vm->cond);
  g_free (vm);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVm, vm_free)

static char *
describe_command (KtstrVm *vm)
{
  char topo[64];
  ktstr_topology_format (&vm->topology, topo, sizeof topo);
  g_autofree char *kernel = g_shell_quote (vm->kernel_path);
  g_autofree char *initrd = g_shell_quote (vm->initramfs_path ? vm->initramfs_path : "");
  g_autofree char *cmdline = g_shell_quote (ktstr_kvm_machine_get_cmdline (vm->machine));
  return g_strdup_printf ("ktstr built-in kvm VMM (no external command): kernel=%s (%s boot) "
                          "initrd=%s memory=%uM topology=%s cmdline=%s",
                          kernel, ktstr_kvm_machine_get_boot_kind (vm->machine), initrd,
                          vm->memory_mb, topo, cmdline);
}

static KtstrVm *
kvm_prepare (const KtstrVmConfig *config, GError **error)
{
  if (config->kernel_path == NULL || ktstr_topology_cpus (&config->topology) == 0
      || config->memory_mb == 0)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "the kvm backend needs a kernel, a topology and a memory size");
      return NULL;
    }
  if (config->is_console_interactive)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "the kvm backend writes the guest console to a file only and cannot give it "
                   "a terminal; use --backend=qemu for an interactive console");
      return NULL;
    }
  if (config->accel == KTSTR_ACCEL_TCG)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                   "the kvm backend runs guests on /dev/kvm only; TCG needs --backend=qemu");
      return NULL;
    }
  gboolean is_emulated = host_is_emulated ();

  g_autoptr (KtstrVm) vm = g_new0 (KtstrVm, 1);
  g_mutex_init (&vm->lock);
  g_cond_init (&vm->cond);
  vm->partial = g_string_new (NULL);
  vm->lines = g_ptr_array_new_with_free_func (g_free);
  vm->kernel_path = g_strdup (config->kernel_path);
  vm->initramfs_path = g_strdup (config->initramfs_path);
  vm->console_path = g_strdup (config->console_path);
  vm->console_max = config->console_max != 0 ? config->console_max : KTSTR_CONSOLE_MAX;
  vm->topology = config->topology;
  vm->memory_mb = config->memory_mb;
  vm->timeout_s = config->timeout_s;
  vm->is_verbose = config->verbose;
  vm->on_line = config->on_line;
  vm->user_data = config->user_data;
  vm->cleanup_ms = -1;
  vm->placement = ktstr_vm_placement_copy (&config->placement);

  if (config->console_path != NULL)
    {
      vm->console = fopen (config->console_path, "we");
      if (vm->console == NULL)
        {
          int errsv = errno;
          g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                       "cannot create the console log '%s': %s", config->console_path,
                       g_strerror (errsv));
          return NULL;
        }
    }

  KtstrKvmMachineConfig mc = {
    .kernel_path = config->kernel_path,
    .initrd_path = config->initramfs_path,
    .cmdline = config->cmdline,
    .topology = config->topology,
    .memory_bytes = (guint64)config->memory_mb << 20,
    .is_emulated = is_emulated,
    .on_console = on_console,
    .on_ctrl = on_ctrl,
    .on_end = on_end,
    .user_data = vm,
    .placement = vm->placement,
  };
  vm->machine = ktstr_kvm_machine_new (&mc, error);
  if (vm->machine == NULL)
    return NULL;
  vm->command_line = describe_command (vm);
  return g_steal_pointer (&vm);
}

static gboolean
kvm_launch (KtstrVm *vm, GError **error)
{
  vm->launch_us = g_get_monotonic_time ();
  if (!ktstr_kvm_machine_start (vm->machine, error))
    {
      g_prefix_error (error, "kvm backend: ");
      return FALSE;
    }
  return TRUE;
}

static void
deliver (KtstrVm *vm, GPtrArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    if (vm->on_line != NULL)
      vm->on_line (lines->pdata[i], vm->user_data);
}

static gboolean
kvm_wait (KtstrVm *vm, GError **error)
{
  gint64 deadline
      = vm->timeout_s > 0 ? vm->launch_us + (gint64)vm->timeout_s * G_USEC_PER_SEC : G_MAXINT64;
  g_mutex_lock (&vm->lock);
  for (;;)
    {
      gboolean is_late = FALSE;
      while (vm->lines->len == 0 && !vm->is_ended && !is_late)
        is_late = !g_cond_wait_until (&vm->cond, &vm->lock, deadline);
      if (vm->lines->len > 0)
        {
          g_autoptr (GPtrArray) batch = vm->lines;
          vm->lines = g_ptr_array_new_with_free_func (g_free);
          g_mutex_unlock (&vm->lock);
          deliver (vm, batch);
          g_mutex_lock (&vm->lock);
          continue;
        }
      if (vm->is_ended)
        break;
      if (is_late)
        {
          g_mutex_unlock (&vm->lock);
          g_autofree char *d = g_strdup_printf (
              "the host deadline of %u s passed; the VM was stopped", vm->timeout_s);
          ktstr_kvm_machine_end (vm->machine, KTSTR_VM_END_TIMEOUT, d);
          g_mutex_lock (&vm->lock);
        }
    }
  g_mutex_unlock (&vm->lock);

  /* Teardown: every vCPU thread joined, statistics read, logs flushed. */
  ktstr_kvm_machine_stop (vm->machine);
  vm->is_stopped = TRUE;
  vm->stats = ktstr_kvm_machine_collect_stats (vm->machine);
  g_mutex_lock (&vm->lock);
  if (vm->console != NULL)
    fflush (vm->console);
  g_autoptr (GPtrArray) rest = vm->lines;
  vm->lines = g_ptr_array_new_with_free_func (g_free);
  if (vm->partial->len > 0)
    {
      /* An unterminated last line is still a line. */
      g_ptr_array_add (rest, g_string_free (vm->partial, FALSE));
      vm->partial = g_string_new (NULL);
    }
  g_mutex_unlock (&vm->lock);
  deliver (vm, rest);

  if (ktstr_kvm_machine_get_end (vm->machine, NULL) != KTSTR_VM_END_TIMEOUT)
    vm->cleanup_ms = (g_get_monotonic_time () - vm->end_us) / 1000;
  return TRUE;
}

static void
kvm_collect (KtstrVm *vm, KtstrVmResult *result)
{
  char *detail = NULL;
  result->end = ktstr_kvm_machine_get_end (vm->machine, &detail);
  result->end_detail = detail;
  result->accel = g_strdup ("kvm");
  result->command_line = g_strdup (vm->command_line);
  result->launch_us = vm->launch_us;
  result->first_line_us = vm->first_line_us;
  result->end_us = vm->end_us;
  result->cleanup_ms = vm->cleanup_ms;
  result->kvm_stats = vm->stats != NULL ? g_hash_table_ref (vm->stats) : NULL;
}

/* Our own vCPU threads (machine.c). */
static gboolean
kvm_vcpu_time (KtstrVm *vm, KtstrVcpuTime *out)
{
  memset (out, 0, sizeof *out);
  if (vm->machine == NULL)
    return FALSE;
  ktstr_kvm_machine_vcpu_time (vm->machine, out);
  return out->n_threads > 0;
}

static void
kvm_kill (KtstrVm *vm)
{
  ktstr_kvm_machine_end (vm->machine, KTSTR_VM_END_CRASHED, "stopped by the host");
}

static void
kvm_cleanup (KtstrVm *vm)
{
  vm_free (vm);
}

void
ktstr_kvm_vm_send_ctrl (KtstrVm *vm, const guint8 *data, gsize len)
{
  ktstr_virtio_console_send (ktstr_kvm_machine_get_console (vm->machine), data, len);
}

const char *
ktstr_kvm_vm_get_cmdline (KtstrVm *vm)
{
  return ktstr_kvm_machine_get_cmdline (vm->machine);
}

/* Capacity planning sizes VMs on this.  Our VMM always uses /dev/kvm, but
 * an emulated /dev/kvm runs guests slower than TCG, so it answers "kvm"
 * only at hardware speed.  The verdict comes from the cache (or, once per
 * boot, from the one-second calibration guest). */
static const char *
kvm_expected_accel (void)
{
  KtstrKvmSpeed speed = { 0 };
  gboolean is_fast = ktstr_kvm_speed_get (&speed, NULL) && speed.is_fast;
  ktstr_kvm_speed_clear (&speed);
  return is_fast ? "kvm" : "tcg";
}

/* Our own VMM holds guest RAM already: hand out its regions. */
static gboolean
kvm_guest_access (KtstrVm *vm, KtstrVmGuestAccess *out, GError **error)
{
  memset (out, 0, sizeof *out);
  const KtstrKvmMemory *mem = vm->machine ? ktstr_kvm_machine_get_memory (vm->machine) : NULL;
  if (mem == NULL)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_NOT_RUNNING,
                   "the VM has no memory yet");
      return FALSE;
    }
  out->regions = g_array_new (FALSE, FALSE, sizeof (KtstrVmRamRegion));
  for (guint i = 0; i < mem->n_regions; i++)
    {
      KtstrVmRamRegion r = { mem->regions[i].gpa, mem->regions[i].size, mem->regions[i].hva };
      g_array_append_val (out->regions, r);
    }
  out->pid = (int)getpid ();
  out->vcpu_tids = g_array_new (FALSE, TRUE, sizeof (int));
  for (guint i = 0; i < ktstr_kvm_machine_get_n_vcpus (vm->machine); i++)
    {
      int tid = ktstr_kvm_machine_get_vcpu_tid (vm->machine, i);
      g_array_append_val (out->vcpu_tids, tid);
    }
  return TRUE;
}

static void
kvm_send_to_guest (KtstrVm *vm, const char *line)
{
  KtstrVirtioConsole *c = vm->machine ? ktstr_kvm_machine_get_console (vm->machine) : NULL;
  if (c == NULL)
    return;
  ktstr_virtio_console_send (c, (const guint8 *)line, strlen (line));
  ktstr_virtio_console_send (c, (const guint8 *)"\n", 1);
}

const KtstrBackend ktstr_backend_kvm = {
  .name = "kvm",
  .is_available = kvm_is_available,
  .is_preferred = ktstr_kvm_auto_is_preferred,
  .prepare = kvm_prepare,
  .launch = kvm_launch,
  .wait = kvm_wait,
  .collect = kvm_collect,
  .kill = kvm_kill,
  .cleanup = kvm_cleanup,
  .expected_accel = kvm_expected_accel,
  .guest_access = kvm_guest_access,
  .send_to_guest = kvm_send_to_guest,
  .vcpu_time = kvm_vcpu_time,
};
