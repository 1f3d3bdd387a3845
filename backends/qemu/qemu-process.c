/* One QEMU process for a KtstrVm: start it paused, connect QMP and the
 * control socket, follow its streams and events, stop it.  See qemu-vm.h.
 *
 * Every asynchronous operation counts itself in vm->pending_ops and its
 * callback refers to the VM, so ktstr_qemu_vm_stop cancels them and
 * iterates the context until none is left before anything is freed.
 */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/qemu/qemu-args.h"
#include "backends/qemu/qemu-vm.h"
#include "common/parent-death.h"
#include "common/proto.h"

void
ktstr_qemu_vm_set_end (KtstrVm *vm, KtstrVmEnd end, char *detail /* owned */)
{
  if (vm->end != KTSTR_VM_END_NONE)
    {
      g_free (detail);
      return;
    }
  vm->end = end;
  vm->end_us = g_get_monotonic_time ();
  g_free (vm->end_detail);
  vm->end_detail = detail;
}

/* ---------- QEMU's stderr, kept as a short tail for error messages ---------- */

static void read_stderr (KtstrVm *vm);

static void
on_stderr_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrVm *vm = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  vm->pending_ops--;
  if (n <= 0)
    {
      vm->stderr_eof = TRUE;
      return;
    }
  if (vm->verbose)
    fwrite (vm->stderr_chunk, 1, (size_t)n, stderr);
  g_string_append_len (vm->stderr_tail, (const char *)vm->stderr_chunk, n);
  if (vm->stderr_tail->len > KTSTR_QEMU_STDERR_TAIL_BYTES)
    g_string_erase (vm->stderr_tail, 0,
                    (gssize)(vm->stderr_tail->len - KTSTR_QEMU_STDERR_TAIL_BYTES));
  read_stderr (vm);
}

static void
read_stderr (KtstrVm *vm)
{
  vm->pending_ops++;
  g_input_stream_read_async (g_subprocess_get_stderr_pipe (vm->proc), vm->stderr_chunk,
                             sizeof vm->stderr_chunk, G_PRIORITY_DEFAULT, vm->cancellable,
                             on_stderr_read, vm);
}

char *
ktstr_qemu_vm_stderr_summary (KtstrVm *vm)
{
  g_autofree char *tail = g_strstrip (g_strdup (vm->stderr_tail->str));
  if (*tail == '\0')
    return g_strdup ("QEMU wrote nothing on stderr");
  return g_strdup_printf ("QEMU's stderr ends with: %s", tail);
}

/* ---------- process exit ---------- */

static void
on_process_exit (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrVm *vm = user_data;
  GSubprocess *proc = G_SUBPROCESS (source);

  vm->pending_ops--;
  if (!g_subprocess_wait_finish (proc, result, NULL))
    return; /* cancelled: cleanup reaps it */
  vm->has_exited = TRUE;
  vm->exit_us = g_get_monotonic_time ();
  g_free (vm->exit_desc);
  if (g_subprocess_get_if_signaled (proc))
    {
      vm->exit_signal = g_subprocess_get_term_sig (proc);
      vm->exit_desc = g_strdup_printf ("killed by signal %d", vm->exit_signal);
    }
  else
    vm->exit_desc = g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (proc));
}

/* The guest's first control line settles a KVM probe (qemu.c decides when
 * one failed): a probing guest that speaks shows KVM works.  A failed probe
 * records nothing yet: only when the same guest then speaks under TCG is
 * KVM (not the guest) known to be the problem. */
static void
settle_kvm_probe (KtstrVm *vm)
{
  g_autoptr (GError) error = NULL;
  KtstrKvmFinding finding;

  if (vm->host_key == NULL)
    return;
  if (vm->is_probing)
    finding = KTSTR_KVM_FINDING_OK;
  else if (vm->kvm_failure != NULL)
    finding = KTSTR_KVM_FINDING_SLOW;
  else
    return;
  vm->is_probing = FALSE;
  if (!ktstr_accel_cache_record (vm->cache_path, vm->host_key, finding, vm->kvm_failure,
                                 ktstr_accel_probe_seconds (), &error))
    g_printerr ("ktstr: cannot record the KVM finding: %s\n", error->message);
  if (finding == KTSTR_KVM_FINDING_SLOW)
    g_printerr ("ktstr: KVM on this host does not run guests at speed (%s); using TCG "
                "(finding cached in %s)\n",
                vm->kvm_failure, vm->cache_path);
  g_clear_pointer (&vm->host_key, g_free);
}

/* ---------- control channel: complete lines to config->on_line ---------- */

static void read_ctrl (KtstrVm *vm);

static void
deliver_line (KtstrVm *vm, char *line /* owned */)
{
  gsize len = strlen (line);
  if (len > 0 && line[len - 1] == '\r')
    line[len - 1] = '\0';
  if (vm->first_line_us == 0)
    {
      vm->first_line_us = g_get_monotonic_time ();
      settle_kvm_probe (vm);
    }
  if (vm->on_line != NULL)
    vm->on_line (line, vm->user_data);
  g_free (line);
}

/* The guest is untrusted: a line longer than KTSTR_PROTO_LINE_MAX is cut
 * there and the rest of it, up to its newline, dropped, so the buffer
 * never holds more than one cut line and one read. */
static void
deliver_lines (KtstrVm *vm)
{
  GString *buf = vm->ctrl_buf;
  for (;;)
    {
      char *nl = memchr (buf->str, '\n', buf->len);
      if (vm->is_ctrl_cut)
        {
          if (nl == NULL)
            {
              g_string_truncate (buf, 0);
              return;
            }
          g_string_erase (buf, 0, nl - buf->str + 1);
          vm->is_ctrl_cut = FALSE;
          continue;
        }
      if (nl == NULL && buf->len < KTSTR_PROTO_LINE_MAX)
        return;
      gsize len = nl != NULL ? (gsize)(nl - buf->str) : KTSTR_PROTO_LINE_MAX;
      char *line = g_strndup (buf->str, len);
      g_string_erase (buf, 0, (gssize)(nl != NULL ? len + 1 : len));
      vm->is_ctrl_cut = nl == NULL;
      deliver_line (vm, line);
    }
}

static void
on_ctrl_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrVm *vm = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  vm->pending_ops--;
  if (n <= 0)
    {
      /* EOF or error (cancelled included).  A trailing partial line is not
       * a complete line and is dropped. */
      vm->ctrl_eof = TRUE;
      return;
    }
  g_string_append_len (vm->ctrl_buf, (const char *)vm->ctrl_chunk, n);
  deliver_lines (vm);
  read_ctrl (vm);
}

static void
read_ctrl (KtstrVm *vm)
{
  vm->pending_ops++;
  g_input_stream_read_async (g_io_stream_get_input_stream (vm->ctrl), vm->ctrl_chunk,
                             sizeof vm->ctrl_chunk, G_PRIORITY_DEFAULT, vm->cancellable,
                             on_ctrl_read, vm);
}

/* ---------- console echo (verbose) ---------- */

static gboolean
echo_console (gpointer user_data)
{
  KtstrVm *vm = user_data;
  char buf[KTSTR_QEMU_READ_CHUNK];
  ssize_t n;

  if (vm->console_fd < 0)
    vm->console_fd = open (vm->console_path, O_RDONLY | O_CLOEXEC);
  while (vm->console_fd >= 0 && (n = read (vm->console_fd, buf, sizeof buf)) > 0)
    fwrite (buf, 1, (size_t)n, stderr);
  return G_SOURCE_CONTINUE;
}

/* ---------- QMP events ---------- */

static void
on_query_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrVm *vm = user_data;
  g_autoptr (JsonNode) reply = ktstr_qmp_execute_finish (NULL, result, NULL);
  const char *status = NULL;

  vm->pending_ops--;
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    status = ktstr_qmp_string_member (json_node_get_object (reply), "status");
  /* A guest stopped for these reasons never resumes by itself. */
  if (g_strcmp0 (status, "internal-error") == 0)
    ktstr_qemu_vm_set_end (
        vm, KTSTR_VM_END_CRASHED,
        g_strdup ("QEMU stopped the guest after an internal (accelerator) error"));
  else if (g_strcmp0 (status, "guest-panicked") == 0)
    ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_PANIC, g_strdup ("guest-panicked"));
  else if (g_strcmp0 (status, "io-error") == 0)
    ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED,
                           g_strdup ("QEMU stopped the guest after an I/O error"));
}

static void
on_qmp_event (KtstrQmp *qmp, const char *event, JsonObject *data, gint64 timestamp_us,
              gpointer user_data)
{
  KtstrVm *vm = user_data;
  const char *reason = ktstr_qmp_string_member (data, "reason");

  if (g_str_equal (event, "GUEST_PANICKED"))
    ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_PANIC, g_strdup ("guest-panicked"));
  else if (g_str_equal (event, "SHUTDOWN"))
    {
      if (g_strcmp0 (reason, "guest-shutdown") == 0)
        ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_POWEROFF, g_strdup (reason));
      else if (g_strcmp0 (reason, "guest-reset") == 0)
        ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_RESET, g_strdup (reason));
      else if (g_strcmp0 (reason, "guest-panic") == 0)
        ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_PANIC, g_strdup (reason));
      else
        ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED,
                               g_strdup_printf ("QEMU shut down for a reason outside the guest: %s",
                                                reason != NULL ? reason : "unknown"));
    }
  else if (g_str_equal (event, "STOP") && vm->end == KTSTR_VM_END_NONE)
    {
      /* We never pause a running guest, so ask QEMU why it did. */
      vm->pending_ops++;
      ktstr_qmp_execute_async (vm->qmp, "query-status", NULL, on_query_status, vm);
    }
}

/* ---------- one QEMU process ---------- */

static void
on_quit_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KtstrVm *vm = user_data;
  g_autoptr (JsonNode) reply = ktstr_qmp_execute_finish (NULL, result, NULL);
  vm->pending_ops--;
}

void
ktstr_qemu_vm_send_quit (KtstrVm *vm)
{
  if (vm->quit_sent || vm->qmp == NULL || ktstr_qmp_is_closed (vm->qmp))
    return;
  vm->quit_sent = TRUE;
  vm->pending_ops++;
  ktstr_qmp_execute_async (vm->qmp, "quit", NULL, on_quit_reply, vm);
}

static gboolean
set_flag (gpointer flag)
{
  *(gboolean *)flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* One blocking iteration of the context, woken by UNTIL_US at the latest. */
void
ktstr_qemu_vm_iterate (KtstrVm *vm, gint64 until_us)
{
  gboolean woke = FALSE;
  gint64 left_ms = (until_us - g_get_monotonic_time () + 999) / 1000;
  g_autoptr (GSource) timer = g_timeout_source_new ((guint)CLAMP (left_ms, 0, G_MAXINT));
  g_source_set_callback (timer, set_flag, &woke, NULL);
  g_source_attach (timer, vm->context);
  g_main_context_iteration (vm->context, TRUE);
  g_source_destroy (timer);
}

/* After QEMU exited: read what it still had to say on every stream (the
 * SHUTDOWN event may be queued behind the exit notification), bounded. */
void
ktstr_qemu_vm_drain_after_exit (KtstrVm *vm)
{
  gint64 until = vm->exit_us + KTSTR_QEMU_DRAIN_AFTER_EXIT_US;
  while ((!vm->stderr_eof || (vm->ctrl != NULL && !vm->ctrl_eof)
          || (vm->qmp != NULL && !ktstr_qmp_is_closed (vm->qmp)))
         && g_get_monotonic_time () < until)
    ktstr_qemu_vm_iterate (vm, until);
}

/* Kills QEMU if it still runs, waits until it is reaped and every callback
 * that refers to VM has run, then drops the per-process state. */
void
ktstr_qemu_vm_stop (KtstrVm *vm)
{
  gint64 give_up;

  if (vm->proc != NULL && !vm->has_exited)
    g_subprocess_force_exit (vm->proc);
  give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (vm->proc != NULL && !vm->has_exited && g_get_monotonic_time () < give_up)
    ktstr_qemu_vm_iterate (vm, give_up);

  if (vm->qmp != NULL)
    ktstr_qmp_close (vm->qmp);
  g_mutex_lock (&vm->send_lock);
  g_clear_object (&vm->send_stream);
  g_mutex_unlock (&vm->send_lock);
  g_cancellable_cancel (vm->cancellable);
  if (vm->ctrl != NULL)
    g_io_stream_close (vm->ctrl, NULL, NULL);
  give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (vm->pending_ops > 0 && g_get_monotonic_time () < give_up)
    ktstr_qemu_vm_iterate (vm, give_up);
  if (vm->pending_ops > 0)
    g_error ("qemu backend: %d I/O operations did not finish after QEMU was killed",
             vm->pending_ops);

  if (vm->console_timer != 0)
    {
      echo_console (vm);
      g_source_remove (vm->console_timer);
      vm->console_timer = 0;
    }
  if (vm->console_fd >= 0)
    close (vm->console_fd);
  vm->console_fd = -1;
  g_clear_pointer (&vm->qmp, ktstr_qmp_unref);
  g_clear_object (&vm->ctrl);
  g_clear_object (&vm->proc);
  g_clear_object (&vm->cancellable);
  /* QEMU removes its sockets when it exits cleanly, not when killed. */
  g_unlink (vm->qmp_path);
  g_unlink (vm->ctrl_path);
}

/* What QEMU's child setup needs, made before the fork. */
typedef struct
{
  pid_t parent;
  cpu_set_t *cpus; /* NULL: no placement */
  gsize cpus_size;
} ChildSetup;

/* Between fork and exec (async-signal-safe only): SIGKILL when ktstr,
 * whose pid is PARENT, ends (common/parent-death.h), and QEMU on the CPUs
 * of its placement from its first instruction, so that no thread of it
 * ever runs on another VM's CPUs (its vCPU threads are narrowed further
 * once QMP names them).  prctl fails only for an invalid signal and the
 * affinity only for CPUs the plan took from this process's own, so there
 * is nothing to report. */
static void
child_setup (gpointer data)
{
  const ChildSetup *c = data;
  (void)ktstr_die_with_parent (c->parent);
  if (c->cpus != NULL)
    (void)sched_setaffinity (0, c->cpus_size, c->cpus);
}

/* The CPUs of every thread of VM's QEMU before its vCPUs are pinned: the
 * placement's vCPU and service CPUs; NULL without a placement. */
static cpu_set_t *
placement_cpus (const KtstrVm *vm, gsize *size)
{
  const KtstrVmPlacement *pl = vm->placement;
  if (pl == NULL || (pl->vcpu_cpus == NULL && pl->cpus == NULL))
    return NULL;
  const GArray *lists[] = { pl->vcpu_cpus, pl->cpus, pl->service_cpus };
  guint max = 0;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
      max = MAX (max, g_array_index (lists[l], guint, i));
  cpu_set_t *set = CPU_ALLOC (max + 1);
  *size = CPU_ALLOC_SIZE (max + 1);
  CPU_ZERO_S (*size, set);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
      CPU_SET_S (g_array_index (lists[l], guint, i), *size, set);
  return set;
}

/* NODES (guint, ascending) as QEMU's host-nodes ranges: "0-1,3". */
static char *
node_ranges (const GArray *nodes)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < nodes->len;)
    {
      guint lo = g_array_index (nodes, guint, i), hi = lo;
      while (++i < nodes->len && g_array_index (nodes, guint, i) == hi + 1)
        hi++;
      g_string_append_printf (out, "%s%u-%u", out->len ? "," : "", lo, hi);
    }
  return g_string_free (out, FALSE);
}

GStrv
ktstr_qemu_vm_build_args (const KtstrVm *vm, const char *accel, GError **error)
{
  g_auto (GStrv) ram_paths = ktstr_qemu_ram_paths (vm);
  if (vm->share_ram && ram_paths == NULL)
    {
      /* Before the files exist (prepare checks the arguments): their
       * final names do not change the command line's shape. */
      guint nodes = MAX (vm->topology.numa_nodes, 1u);
      ram_paths = g_new0 (char *, nodes + 1);
      for (guint i = 0; i < nodes; i++)
        ram_paths[i] = g_strdup_printf ("/dev/shm/ktstr-ram-node%u", i);
    }
  g_autofree char *host_nodes = NULL;
  const KtstrVmPlacement *pl = vm->placement;
  if (pl != NULL && pl->mem_nodes != NULL && pl->mem_nodes->len > 0)
    host_nodes = node_ranges (pl->mem_nodes);
  KtstrQemuArgs args = {
    .ram_paths = (const char *const *)ram_paths,
    /* Shared RAM files are made in the hugetlbfs mount themselves. */
    .hugepage_dir = pl != NULL && ram_paths == NULL ? pl->hugepage_dir : NULL,
    .mem_host_nodes = host_nodes,
    .qemu = vm->qemu,
    .machine = vm->machine,
    .accel = accel,
    .kernel_path = vm->kernel_path,
    .initramfs_path = vm->initramfs_path,
    .cmdline = vm->cmdline,
    .topology = vm->topology,
    .memory_mb = vm->memory_mb,
    .console_path = vm->console_path,
    .is_console_on_stdio = vm->is_console_interactive,
    .ctrl_socket_path = vm->ctrl_path,
    .qmp_socket_path = vm->qmp_path,
  };
  return ktstr_qemu_args_build (&args, error);
}

/* QEMU's threads where the placement says: each vCPU thread (from
 * query-cpus-fast) on its CPUs, every other thread on the service CPUs. */
static gboolean
pin_threads (KtstrVm *vm, GError **error)
{
  const KtstrVmPlacement *pl = vm->placement;
  if (pl == NULL || (pl->vcpu_cpus == NULL && pl->cpus == NULL))
    return TRUE;
  guint n = ktstr_topology_cpus (&vm->topology);
  guint known = 0;
  for (guint i = 0; vm->vcpu_tids != NULL && i < vm->vcpu_tids->len; i++)
    known += g_array_index (vm->vcpu_tids, int, i) > 0;
  if (known != n)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
                   "cannot pin the vCPUs: QMP query-cpus-fast named %u of %u vCPU threads", known,
                   n);
      return FALSE;
    }
  const char *id = g_subprocess_get_identifier (vm->proc);
  return id != NULL && ktstr_vm_placement_apply (pl, atoi (id), vm->vcpu_tids, TRUE, error);
}

gboolean
ktstr_qemu_vm_start (KtstrVm *vm, const char *accel, GError **error)
{
  if (!ktstr_qemu_ram_create (vm, error))
    {
      ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED, g_strdup ((*error)->message));
      return FALSE;
    }
  g_auto (GStrv) argv = ktstr_qemu_vm_build_args (vm, accel, error);
  g_autoptr (GSocketConnection) ctrl = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (GError) local_error = NULL;

  if (argv == NULL)
    return FALSE;
  vm->accel = accel;
  g_free (vm->command_line);
  vm->command_line = ktstr_qemu_args_to_shell ((const char *const *)argv);
  vm->has_exited = vm->ctrl_eof = vm->stderr_eof = vm->quit_sent = FALSE;
  vm->first_line_us = vm->exit_us = 0;
  g_string_truncate (vm->ctrl_buf, 0);
  vm->is_ctrl_cut = FALSE;
  g_string_truncate (vm->stderr_tail, 0);
  g_unlink (vm->qmp_path);
  g_unlink (vm->ctrl_path);

  vm->cancellable = g_cancellable_new ();
  vm->launch_us = g_get_monotonic_time ();
  vm->deadline_us = vm->launch_us + (gint64)vm->timeout_s * G_USEC_PER_SEC;
  vm->probe_until_us
      = vm->is_probing ? vm->launch_us + (gint64)ktstr_accel_probe_seconds () * G_USEC_PER_SEC : 0;
  /* QEMU dies with ktstr, whatever ends ktstr: it starts paused (-S) and
   * would wait for `cont` forever, or run a guest nobody watches.  An
   * interactive console is QEMU's own stdin and stdout: both stay the
   * caller's terminal (GSubprocess gives a child /dev/null as stdin unless
   * told to pass its own on). */
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new ((vm->is_console_interactive ? G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                                               : G_SUBPROCESS_FLAGS_STDOUT_SILENCE)
                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  ChildSetup setup = { getpid (), NULL, 0 };
  setup.cpus = placement_cpus (vm, &setup.cpus_size);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, &setup, NULL);
  vm->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv, &local_error);
  if (setup.cpus != NULL)
    CPU_FREE (setup.cpus);
  if (vm->proc == NULL)
    {
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH, "cannot start '%s': %s",
                   vm->qemu, local_error->message);
      ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED, g_strdup (local_error->message));
      return FALSE;
    }
  vm->pending_ops++;
  g_subprocess_wait_async (vm->proc, vm->cancellable, on_process_exit, vm);
  read_stderr (vm);

  vm->qmp = ktstr_qmp_connect_unix (vm->qmp_path, KTSTR_QEMU_CONNECT_TIMEOUT_MS, &vm->has_exited,
                                    &local_error);
  if (vm->qmp != NULL)
    {
      ktstr_qmp_set_event_func (vm->qmp, on_qmp_event, vm);
      if (ktstr_qmp_negotiate (vm->qmp, KTSTR_QEMU_COMMAND_TIMEOUT_MS, &local_error))
        ctrl = ktstr_unix_socket_connect_retry (vm->ctrl_path, KTSTR_QEMU_COMMAND_TIMEOUT_MS,
                                                &vm->has_exited, &local_error);
    }
  if (ctrl != NULL)
    {
      vm->ctrl = G_IO_STREAM (g_steal_pointer (&ctrl));
      g_mutex_lock (&vm->send_lock);
      g_set_object (&vm->send_stream, g_io_stream_get_output_stream (vm->ctrl));
      g_mutex_unlock (&vm->send_lock);
      read_ctrl (vm);
      /* QEMU opened the RAM files before it answered QMP. */
      ktstr_qemu_ram_unlink (vm);
      ktstr_qemu_ram_query_vcpus (vm);
      /* Pinned while paused: the guest's first instruction runs where
       * the plan says. */
      if (pin_threads (vm, &local_error))
        {
          if (vm->verbose)
            vm->console_timer = g_timeout_add (100, echo_console, vm);
          reply = ktstr_qmp_execute (vm->qmp, "cont", NULL, KTSTR_QEMU_COMMAND_TIMEOUT_MS,
                                     &local_error);
        }
    }
  if (reply == NULL)
    {
      g_autofree char *why = NULL;
      /* QEMU may have died on a bad option; its stderr says why. */
      if (!vm->has_exited)
        g_subprocess_force_exit (vm->proc);
      while (!vm->has_exited)
        ktstr_qemu_vm_iterate (vm, g_get_monotonic_time () + G_USEC_PER_SEC);
      ktstr_qemu_vm_drain_after_exit (vm);
      why = ktstr_qemu_vm_stderr_summary (vm);
      g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
                   "QEMU did not start the guest: %s; %s", local_error->message, why);
      ktstr_qemu_vm_set_end (vm, KTSTR_VM_END_CRASHED,
                             g_strdup_printf ("%s; %s", local_error->message, why));
      return FALSE;
    }
  return TRUE;
}

/* The first line of QEMU's stderr, for a one-line message. */
char *
ktstr_qemu_vm_stderr_first_line (KtstrVm *vm)
{
  g_autofree char *text = g_strstrip (g_strdup (vm->stderr_tail->str));
  char *nl = strchr (text, '\n');
  if (nl != NULL)
    *nl = '\0';
  return *text != '\0' ? g_strdup (text) : g_strdup ("no message");
}

/* After the end is known: let QEMU exit (a guest that shut down makes it
 * exit by itself; after a deadline it gets `quit` at once), SIGKILL it if it
 * lingers, then drain its streams. */
void
ktstr_qemu_vm_finish (KtstrVm *vm)
{
  gint64 quit_at = vm->end == KTSTR_VM_END_TIMEOUT ? g_get_monotonic_time ()
                                                   : vm->end_us + KTSTR_QEMU_EXIT_GRACE_US;
  gint64 kill_at = quit_at + KTSTR_QEMU_KILL_GRACE_US;

  while (!vm->has_exited)
    {
      gint64 now = g_get_monotonic_time ();
      if (now >= kill_at)
        {
          g_subprocess_force_exit (vm->proc);
          kill_at = G_MAXINT64;
        }
      else if (now >= quit_at)
        ktstr_qemu_vm_send_quit (vm);
      ktstr_qemu_vm_iterate (vm, now >= quit_at ? kill_at : quit_at);
    }
  ktstr_qemu_vm_drain_after_exit (vm);
}
