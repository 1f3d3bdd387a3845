/* One program in a VM instead of a test: see run/command.h. */
#include "config.h"

#include "run/command.h"

#include "run/cpu-reserve.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/proto.h"
#include "image/initramfs.h"
#include "image/package.h"
#include "kernel/kernel-cache.h"
#include "run/boot-retry.h"
#include "run/console-scan.h"
#include "run/session.h"
#include "sched/sched-verdict.h"
#include "util/owned-tmpdir.h"

/* A shell has no deadline; the backends want one. */
#define NO_DEADLINE_S (30u * 24 * 3600)
/* As for a test: the guest powers itself off this long before the host
 * deadline, so a hung program still ends with the guest's own word. */
#define GUARD_MARGIN_S 5
#define DEFAULT_TOPOLOGY "1n1l2c1t"
#define CONSOLE_TAIL_LINES 20

void
ktstr_command_result_free (KtstrCommandResult *r)
{
  if (r == NULL)
    return;
  g_free (r->summary);
  g_free (r->report);
  g_free (r->accel);
  g_clear_pointer (&r->verifier, g_ptr_array_unref);
  g_clear_pointer (&r->sched_log, g_ptr_array_unref);
  g_free (r);
}

gboolean
ktstr_command_decode_hex (const char *hex, guint8 **data, gsize *len)
{
  gsize n = strlen (hex);
  if (n % 2 != 0)
    return FALSE;
  g_autofree guint8 *out = g_malloc (n / 2 + 1);
  for (gsize i = 0; i < n / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8)(hi << 4 | lo);
    }
  *len = n / 2;
  *data = g_steal_pointer (&out);
  return TRUE;
}

typedef struct
{
  const KtstrBackend *backend;
  KtstrVm *vm;
} KillTarget;

typedef struct
{
  const KtstrCommandRequest *request;
  KtstrSession *session;
  gboolean has_exit;
  int exit_code;
  gboolean is_output_broken; /* a write to the caller's descriptors failed */
  KillTarget *target;        /* the VM while it runs */
} Follow;

static void
write_all (Follow *f, int fd, const guint8 *data, gsize len)
{
  while (len > 0 && !f->is_output_broken)
    {
      ssize_t w = write (fd, data, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          /* The reader went away (`ktstr run -- yes | head`): as in a
           * shell pipeline the writer ends, here with its VM. */
          f->is_output_broken = TRUE;
          if (f->target != NULL)
            f->target->backend->kill (f->target->vm);
          return;
        }
      data += w;
      len -= (gsize)w;
    }
}

/* "out" and "exit" are this module's; everything else (hello, topo, the
 * scheduler's events, errors, the guard) is what a test run's session
 * understands. */
static void
on_line (const char *line, gpointer user_data)
{
  Follow *f = user_data;
  if (!g_str_has_prefix (line, "{\"t\":\"out\"") && !g_str_has_prefix (line, "{\"t\":\"exit\""))
    {
      ktstr_session_feed (f->session, line);
      return;
    }
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonNode *root;
  if (!json_parser_load_from_data (p, line, -1, NULL) || (root = json_parser_get_root (p)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root))
    {
      ktstr_session_feed (f->session, line);
      return;
    }
  JsonObject *o = json_node_get_object (root);
  if (g_str_equal (json_object_get_string_member_with_default (o, "t", ""), "exit"))
    {
      f->has_exit = TRUE;
      f->exit_code = (int)json_object_get_int_member_with_default (o, "exit_code", 255);
      return;
    }
  gint64 fd = json_object_get_int_member_with_default (o, "fd", 1);
  const char *hex = json_object_get_string_member_with_default (o, "hex", "");
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!ktstr_command_decode_hex (hex, &data, &len))
    {
      ktstr_session_feed (f->session, line);
      return;
    }
  write_all (f, fd == 2 ? f->request->err_fd : f->request->out_fd, data, len);
}

static gboolean
add_spec_line (GString *spec, const char *directive, const char *value, GError **error)
{
  if (strchr (value, '\n') != NULL)
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                   "'%s' holds a newline, which the guest's exec spec cannot carry", value);
      return FALSE;
    }
  g_string_append_printf (spec, "%s %s\n", directive, value);
  return TRUE;
}

/* The exec spec of common/proto.h for REQ, with LLP (the packed
 * libraries' folders, "" for none) in the program's environment. */
static char *
exec_spec (const KtstrCommandRequest *req, const char *llp, GError **error)
{
  g_autoptr (GString) s = g_string_new (KTSTR_EXEC_MAGIC "\n");
  g_string_append_printf (s, "mode %s\n", req->mode == KTSTR_COMMAND_SHELL ? "shell" : "run");
  if (req->timeout_s > 0)
    g_string_append_printf (s, "guard_ms %u\n",
                            (req->timeout_s - MIN (req->timeout_s / 2, GUARD_MARGIN_S)) * 1000);
  if (req->rows > 0 && req->cols > 0)
    g_string_append_printf (s, "winsize %u %u\n", req->rows, req->cols);
  if (*llp)
    g_string_append_printf (s, "env LD_LIBRARY_PATH=%s\n", llp);
  for (char **e = req->env; e != NULL && *e != NULL; e++)
    if (!add_spec_line (s, "env", *e, error))
      return NULL;
  for (char **a = req->argv; *a != NULL; a++)
    if (!add_spec_line (s, "arg", *a, error))
      return NULL;
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The per-run archive's files: the program with its libraries.  *LLP_OUT
 * gets the program's LD_LIBRARY_PATH. */
static KtstrInitramfsSpec *
pack_program (KtstrRunner *runner, const KtstrCommandRequest *req, const char *workdir,
              char **llp_out, GError **error)
{
  g_autoptr (KtstrInitramfsSpec) files = ktstr_initramfs_spec_new ("");
  g_autoptr (KtstrPackage) pkg = ktstr_package_new ();
  const char *program = req->argv[0];
  if (!g_path_is_absolute (program))
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                   "the program '%s' must be given as an absolute host path", program);
      return NULL;
    }
  if (!ktstr_package_add (pkg, files, req->mode == KTSTR_COMMAND_SHELL ? "shell" : "command",
                          program, program + 1, error))
    return NULL;
  *llp_out = ktstr_package_ld_library_path (pkg);
  return g_steal_pointer (&files);
}

/* The kernel command line: the runner's, and for a shell a quiet console
 * (the user's terminal is no boot log) unless --verbose or a loglevel of
 * the user's says otherwise. */
static char *
command_cmdline (KtstrRunner *runner, const KtstrCommandRequest *req)
{
  const KtstrRunOptions *o = ktstr_runner_get_options (runner);
  g_autofree char *base = ktstr_runner_build_cmdline (runner);
  gboolean has_loglevel = FALSE;
  for (char **k = o->kargs; k != NULL && *k != NULL; k++)
    has_loglevel |= g_str_has_prefix (*k, "loglevel=");
  if (req->mode != KTSTR_COMMAND_SHELL || o->verbose || has_loglevel)
    return g_steal_pointer (&base);
  return g_strconcat (base, " loglevel=1", NULL);
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  KillTarget *t = user_data;
  (void)cancellable;
  t->backend->kill (t->vm);
  return G_SOURCE_REMOVE;
}

static void
boot (KtstrRunner *runner, const KtstrCommandRequest *req, const KtstrVmConfig *cfg, Follow *f,
      KtstrVmResult *vm, GError **vm_error)
{
  const KtstrBackend *backend = ktstr_runner_get_options (runner)->backend;
  KtstrVm *handle = backend->prepare (cfg, vm_error);
  if (handle == NULL)
    return;
  KillTarget target = { backend, handle };
  f->target = &target;
  g_autoptr (GSource) cancel_source = NULL;
  if (req->cancel != NULL)
    {
      g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
      cancel_source = g_cancellable_source_new (req->cancel);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_cancelled), &target, NULL);
      g_source_attach (cancel_source, context);
    }
  if (backend->launch (handle, vm_error))
    backend->wait (handle, vm_error);
  if (cancel_source != NULL)
    g_source_destroy (cancel_source);
  f->target = NULL;
  backend->collect (handle, vm);
  backend->cleanup (handle);
}

/* How it ended, in the order a test's verdict uses (run/verdict.c):
 * panics first, then what the program itself said, then the ways the
 * guest can fail to say it. */
static void
decide (KtstrCommandResult *r, const Follow *f, const KtstrVmResult *vm, const char *console,
        const char *backend_error, guint timeout_s)
{
  const KtstrSession *s = f->session;
  g_autofree char *text = NULL;
  g_file_get_contents (console, &text, NULL, NULL);
  g_autofree char *panic_line = ktstr_console_line_with (text, KTSTR_CONSOLE_PANIC_MARK);
  g_autofree char *sched_start = ktstr_sched_verdict_start (s->sched, text);
  g_autofree char *while_sched = s->sched->is_ready
                                     ? g_strdup_printf (" while scheduler '%s' was running",
                                                        s->sched->ops ? s->sched->ops : "?")
                                     : g_strdup ("");
  if (vm->end == KTSTR_VM_END_PANIC || panic_line != NULL)
    {
      r->end = KTSTR_COMMAND_PANIC;
      r->summary = g_strdup_printf ("kernel panic%s: %s", while_sched,
                                    panic_line ? panic_line : "reported by the platform (pvpanic)");
    }
  else if (f->is_output_broken)
    {
      r->end = KTSTR_COMMAND_EXITED;
      r->exit_code = 128 + SIGPIPE;
      r->summary = g_strdup ("its output was closed (SIGPIPE); the VM was stopped");
    }
  else if (f->has_exit)
    {
      r->end = KTSTR_COMMAND_EXITED;
      r->exit_code = f->exit_code;
      r->summary = g_strdup_printf ("the program exited with status %d", f->exit_code);
    }
  else if (backend_error != NULL && vm->end == KTSTR_VM_END_NONE)
    {
      r->end = KTSTR_COMMAND_FAILED;
      r->summary = g_strdup_printf ("the VM could not run: %s", backend_error);
    }
  else if (!s->has_hello)
    {
      r->end = KTSTR_COMMAND_BOOT_FAILURE;
      r->summary = g_strdup_printf ("boot failure: the guest agent never said hello (vm end: %s)",
                                    ktstr_vm_end_to_string (vm->end));
    }
  else if (sched_start != NULL)
    {
      r->end = KTSTR_COMMAND_FAILED;
      r->summary = g_steal_pointer (&sched_start);
    }
  else if (vm->end == KTSTR_VM_END_TIMEOUT)
    {
      r->end = KTSTR_COMMAND_HANG;
      r->summary = g_strdup_printf ("hang%s: the guest did not finish within %u s (--timeout); "
                                    "the VM was killed",
                                    while_sched, timeout_s);
    }
  else if (s->guard_error != NULL)
    {
      r->end = KTSTR_COMMAND_HANG;
      r->summary = g_strdup_printf ("hang%s: %s", while_sched, s->guard_error);
    }
  else if (s->errors->len > 0)
    {
      r->end = KTSTR_COMMAND_FAILED;
      r->summary = g_strdup_printf ("guest agent error: %s", (char *)s->errors->pdata[0]);
    }
  else
    {
      r->end = KTSTR_COMMAND_FAILED;
      r->summary = g_strdup_printf ("the VM ended (%s) before the program's exit was reported",
                                    ktstr_vm_end_to_string (vm->end));
    }
  if (r->end == KTSTR_COMMAND_EXITED)
    return;

  g_autoptr (GString) rep = g_string_new (NULL);
  g_string_append_printf (rep, "%s\n", r->summary);
  if (s->sched->is_expected)
    ktstr_sched_report_append (rep, s->sched, console);
  g_string_append (rep, "--- diagnostics ---\n");
  g_string_append_printf (rep, "  vm end: %s%s%s\n", ktstr_vm_end_to_string (vm->end),
                          vm->end_detail ? " " : "", vm->end_detail ? vm->end_detail : "");
  if (vm->accel != NULL)
    g_string_append_printf (rep, "  accelerator: %s\n", vm->accel);
  if (backend_error != NULL)
    g_string_append_printf (rep, "  backend: %s\n", backend_error);
  for (guint i = 0; i < s->errors->len; i++)
    g_string_append_printf (rep, "  agent error: %s\n", (char *)s->errors->pdata[i]);
  for (guint i = 0; i < s->logs->len; i++)
    g_string_append_printf (rep, "  agent log: %s\n", (char *)s->logs->pdata[i]);
  if (vm->command_line != NULL)
    g_string_append_printf (rep, "  reproduce: %s\n", vm->command_line);
  g_autofree char *tail = ktstr_console_tail (text, CONSOLE_TAIL_LINES);
  g_string_append_printf (rep, "  last console lines:\n%s", *tail ? tail : "  (console empty)\n");
  r->report = g_string_free (g_steal_pointer (&rep), FALSE);
}

KtstrCommandResult *
ktstr_command_run (KtstrRunner *runner, const KtstrCommandRequest *req, GError **error)
{
  const KtstrRunOptions *o = ktstr_runner_get_options (runner);
  gint64 start = g_get_monotonic_time ();
  const char *topology = req->topology ? req->topology : DEFAULT_TOPOLOGY;
  KtstrTopology topo;
  char topo_err[256];
  if (ktstr_topology_parse (topology, &topo, topo_err, sizeof topo_err) != 0)
    {
      g_set_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID, "%s", topo_err);
      return NULL;
    }
  g_autofree char *workdir = ktstr_owned_tmpdir_new (KTSTR_CMD_WORKDIR_PREFIX, error);
  if (workdir == NULL)
    return NULL;
  g_autofree char *llp = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *initrd = g_build_filename (workdir, "initramfs.cpio", NULL);
  g_autofree char *console = g_build_filename (workdir, "console.log", NULL);
  g_autoptr (KtstrInitramfsSpec) files = pack_program (runner, req, workdir, &llp, error);
  g_autofree char *spec_path = g_build_filename (workdir, "exec", NULL);
  /* The plan holds nothing but the scheduler under test, if any: the
   * agent starts it from there, as for a test. */
  const char *sched_lines = ktstr_runner_get_sched_lines (runner);
  g_autofree char *plan = g_strconcat (KTSTR_PLAN_MAGIC "\n", sched_lines ? sched_lines : "", NULL);
  /* Archive paths are relative: the spec's absolute guest path minus its '/'. */
  if (files != NULL)
    {
      ktstr_initramfs_spec_add (files, &KTSTR_EXEC_SPEC_PATH[1], spec_path);
      ktstr_runner_add_includes (runner, files);
    }
  if (files == NULL || (spec = exec_spec (req, llp, error)) == NULL
      || !g_file_set_contents (spec_path, spec, -1, error)
      || !ktstr_initramfs_compose_files (ktstr_runner_get_base_image (runner), plan, files, initrd,
                                         error))
    {
      ktstr_rm_rf (workdir, NULL);
      return NULL;
    }

  /* Like a test's VM: on the host CPUs no one has pinned, reserved shared
   * so that no other ktstr process pins a VM onto them meanwhile
   * (run/cpu-reserve.h). */
  KtstrCpuReserveRequest rq
      = { .mode = KTSTR_PLACEMENT_FLOAT, .topology = topo, .cancellable = req->cancel };
  g_autoptr (KtstrCpuReservation) cpus = ktstr_cpu_reserve (&rq, error);
  if (cpus == NULL)
    {
      ktstr_rm_rf (workdir, NULL);
      return NULL;
    }
  KtstrVmPlacement placement = { 0 };
  if (!cpus->plan->is_all)
    placement.cpus = placement.service_cpus = cpus->plan->cpus;

  g_autofree char *cmdline = command_cmdline (runner, req);
  g_autoptr (KtstrSession) session = NULL;
  Follow follow = { .request = req };
  const KtstrVmConfig cfg = {
    .kernel_path = ktstr_runner_get_boot_image (runner),
    .initramfs_path = initrd,
    .cmdline = cmdline,
    .topology = topo,
    .memory_mb = o->memory_mb,
    .workdir = workdir,
    .console_path = console,
    .accel = o->accel,
    .timeout_s = req->timeout_s > 0 ? req->timeout_s : NO_DEADLINE_S,
    .on_line = on_line,
    .user_data = &follow,
    .verbose = o->verbose,
    .is_console_interactive = req->mode == KTSTR_COMMAND_SHELL,
    .placement = placement,
  };
  KtstrVmResult vm = { 0 };
  g_autoptr (GError) vm_error = NULL;
  for (guint attempt = 1;; attempt++)
    {
      g_clear_pointer (&session, ktstr_session_free);
      g_clear_error (&vm_error);
      ktstr_vm_result_clear (&vm);
      session = ktstr_session_new ();
      session->sched->is_expected = o->scheduler != NULL;
      session->sched->checks = o->scheduler_checks;
      follow = (Follow){ .request = req, .session = session };
      boot (runner, req, &cfg, &follow, &vm, &vm_error);
      if (attempt >= KTSTR_BOOT_MAX_ATTEMPTS
          || (req->cancel != NULL && g_cancellable_is_cancelled (req->cancel)))
        break;
      /* Only a death before the agent's hello: after it the program may
       * have run, printed or been typed at, and running it again would
       * repeat that (a test's code-patching-race rerun is not for here). */
      g_autofree char *text = NULL;
      g_file_get_contents (console, &text, NULL, NULL);
      g_autofree char *why = ktstr_boot_died_before_agent (session, &vm, text);
      gboolean is_early = why != NULL;
      if (!is_early && req->is_rerunnable)
        why = ktstr_boot_hit_tcg_patch_race (&vm, text);
      if (why == NULL)
        break;
      if (o->notice != NULL)
        {
          g_autofree char *message
              = g_strdup_printf (is_early ? "the guest died or stalled before the agent "
                                            "started under TCG (%s); booting it once more"
                                          : "the guest kernel died of the emulator's "
                                            "code-patching race under TCG (%s); booting it "
                                            "once more",
                                 why);
          o->notice (message, o->notice_data);
        }
    }

  g_autoptr (KtstrCommandResult) r = g_new0 (KtstrCommandResult, 1);
  if (req->cancel != NULL && g_cancellable_is_cancelled (req->cancel))
    {
      r->end = KTSTR_COMMAND_CANCELLED;
      r->summary = g_strdup ("stopped: the VM was killed");
    }
  else if (vm_error != NULL && vm.end == KTSTR_VM_END_NONE && vm.launch_us == 0)
    {
      /* Nothing booted: the backend refused the config or could not
       * start (no QEMU, a kernel it cannot boot, no terminal for it). */
      ktstr_vm_result_clear (&vm);
      ktstr_rm_rf (workdir, NULL);
      g_propagate_error (error, g_steal_pointer (&vm_error));
      return NULL;
    }
  else
    decide (r, &follow, &vm, console, vm_error ? vm_error->message : NULL, cfg.timeout_s);
  g_clear_pointer (&cpus, ktstr_cpu_reservation_free);
  r->accel = g_strdup (vm.accel);
  r->is_sched_ready = session->sched->is_ready;
  r->verifier = g_ptr_array_ref (session->sched->verifier);
  r->sched_log = g_ptr_array_ref (session->sched->log);
  r->duration_s = (g_get_monotonic_time () - start) / 1e6;
  ktstr_vm_result_clear (&vm);
  g_autoptr (GError) rm_error = NULL;
  if (!ktstr_rm_rf (workdir, &rm_error))
    g_printerr ("ktstr: warning: %s\n", rm_error->message);
  return g_steal_pointer (&r);
}
