/* ktstr run -- CMD [ARGS…] and ktstr shell: one program in a VM booted as
 * `ktstr test` boots one (the same kernel discovery, topology, backend,
 * scheduler and --include), without a test, a run directory or sidecars
 * (run/command.h does the VM). */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "cli/usage-error.h"
#include "cli/interrupt.h"
#include "common/topology.h"
#include "kernel/kernel.h"
#include "run/command.h"
#include "run/plan.h"
#include "sched/sched-binary.h"
#include "sched/scheduler-def.h"

/* `ktstr run` without --timeout: long enough for a kernel selftest under
 * TCG, short enough that a hung guest does not hold a CI job forever. */
#define RUN_DEFAULT_TIMEOUT_S 600

typedef struct
{
  const char *name; /* "run" or "shell" */
  char *kernel;
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
  char *flags;
  char **includes;
  char *shell;
} ExecArgs;

static void
exec_args_clear (ExecArgs *a)
{
  g_free (a->kernel);
  g_free (a->topology);
  g_free (a->backend);
  g_strfreev (a->kargs);
  g_free (a->scheduler);
  g_free (a->scheduler_path);
  g_strfreev (a->scheduler_args);
  g_free (a->scheduler_file);
  g_free (a->flags);
  g_strfreev (a->includes);
  g_free (a->shell);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExecArgs, exec_args_clear)

#define usage_error(a, ...) ktstr_cli_usage_error ((a)->name, KTSTR_EXIT_CMD_SETUP, __VA_ARGS__)

/* A program given on the command line as a host path: a name is looked up
 * on PATH, a path must be an executable file.  It is copied into the
 * guest at that same path. */
static char *
host_program (const char *what, const char *given, GError **error)
{
  if (strchr (given, '/') == NULL)
    {
      char *found = g_find_program_in_path (given);
      if (found == NULL)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                     "%s '%s' is not on PATH; programs are copied into the guest from this "
                     "host, so give a path or a name on PATH (other files: --include)",
                     what, given);
      return found;
    }
  g_autofree char *abs = g_canonicalize_filename (given, NULL);
  if (!g_file_test (abs, G_FILE_TEST_IS_REGULAR) || !g_file_test (abs, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "%s '%s' is not an executable file on this host; programs are copied into "
                   "the guest from the host",
                   what, given);
      return NULL;
    }
  return g_steal_pointer (&abs);
}

/* SIGINT, SIGTERM or SIGHUP (the terminal went away): the VM is killed. */
static void
on_interrupt (gpointer cancel)
{
  g_cancellable_cancel (cancel);
}

/* The status `ktstr run` and `ktstr shell` exit with for R. */
static int
exit_status (const KtstrCommandResult *r)
{
  switch (r->end)
    {
    case KTSTR_COMMAND_EXITED:
      return r->exit_code;
    case KTSTR_COMMAND_PANIC:
      return KTSTR_EXIT_CMD_PANIC;
    case KTSTR_COMMAND_HANG:
      return KTSTR_EXIT_CMD_HANG;
    case KTSTR_COMMAND_CANCELLED:
      return KTSTR_EXIT_INTERRUPTED;
    case KTSTR_COMMAND_BOOT_FAILURE:
    case KTSTR_COMMAND_FAILED:
    default:
      return KTSTR_EXIT_CMD_SETUP;
    }
}

static int
run_command (ExecArgs *a, char **command)
{
  gboolean is_shell = g_str_equal (a->name, "shell");
  KtstrTopology topo;
  char topo_err[256];
  if (a->topology != NULL
      && ktstr_topology_parse (a->topology, &topo, topo_err, sizeof topo_err) != 0)
    return usage_error (a, "--topology: %s", topo_err);
  if (a->memory_mb != 0 && (a->memory_mb < 128 || a->memory_mb > 65536))
    return usage_error (a, "--memory-mb must be between 128 and 65536, got %d", a->memory_mb);
  if (a->timeout_s < 0 || a->timeout_s > 7 * 86400)
    return usage_error (a, "--timeout must be between 0 (none) and 604800 seconds, got %d",
                        a->timeout_s);
  if (is_shell && (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO)))
    return usage_error (a, "needs a terminal on standard input and output (the guest's console "
                           "becomes it); to run a command without one use 'ktstr run -- CMD'");

  g_autoptr (GError) error = NULL;
  const KtstrBackend *backend = ktstr_backend_lookup (a->backend ? a->backend : "auto", &error);
  if (backend == NULL)
    return usage_error (a, "--backend: %s", error->message);
  if (a->kernel != NULL && g_file_test (a->kernel, G_FILE_TEST_IS_DIR))
    ktstr_sched_binary_set_kernel_tree (a->kernel);
  g_autofree char *program = host_program (is_shell ? "shell" : "command", command[0], &error);
  if (program == NULL)
    return usage_error (a, "%s", error->message);
  g_autoptr (KtstrKernel) kernel = ktstr_kernel_resolve (a->kernel, "/boot", &error);
  if (kernel == NULL)
    return usage_error (a, "%s", error->message);
  if (a->scheduler != NULL && a->scheduler_file != NULL)
    return usage_error (a, "give either --scheduler or --scheduler-file, not both");
  if (a->scheduler != NULL
      && (a->scheduler_path = ktstr_sched_binary_resolve (a->scheduler, NULL, &error)) == NULL)
    return usage_error (a, "--scheduler: %s", error->message);
  g_autoptr (KtstrSchedulerDef) sdef = NULL;
  if (a->scheduler_file != NULL
      && (sdef = ktstr_scheduler_def_load (a->scheduler_file, &error)) == NULL)
    return usage_error (a, "%s", error->message);
  /* The runner's options are assembled where a test run's are. */
  char *no_args[] = { NULL };
  KtstrRunRequest request = {
    .kernel = kernel,
    .backend = backend,
    .topology = a->topology,
    .memory_mb = (guint)a->memory_mb,
    .verbose = a->verbose,
    .kargs = a->kargs,
    .scheduler = a->scheduler_path,
    .scheduler_args = a->scheduler_args ? a->scheduler_args : no_args,
    .scheduler_def = sdef,
    .flags = a->flags,
    .includes = a->includes,
    .is_command = TRUE,
  };
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new_command (&request, &error);
  if (plan == NULL)
    return usage_error (a, "%s", error->message);
  KtstrRunner *runner = ktstr_run_plan_get_runner (plan);
  const char *topology = ktstr_run_plan_get_topology (plan);

  g_autoptr (GStrvBuilder) argv_b = g_strv_builder_new ();
  g_strv_builder_add (argv_b, program);
  g_strv_builder_addv (argv_b, (const char **)command + 1);
  g_auto (GStrv) argv = g_strv_builder_end (argv_b);
  g_autoptr (GStrvBuilder) env_b = g_strv_builder_new ();
  const char *term = g_getenv ("TERM");
  if (is_shell && term != NULL && *term != '\0' && strchr (term, '\n') == NULL)
    {
      g_autofree char *entry = g_strdup_printf ("TERM=%s", term);
      g_strv_builder_add (env_b, entry);
    }
  g_auto (GStrv) env = g_strv_builder_end (env_b);

  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  KtstrCommandRequest req = {
    .mode = is_shell ? KTSTR_COMMAND_SHELL : KTSTR_COMMAND_RUN,
    .argv = argv,
    .env = env,
    .topology = topology,
    .timeout_s = a->timeout_s > 0 ? (guint)a->timeout_s
                 : is_shell       ? 0
                                  : RUN_DEFAULT_TIMEOUT_S,
    .out_fd = STDOUT_FILENO,
    .err_fd = STDERR_FILENO,
    .cancel = cancel,
  };
  struct winsize ws;
  if (is_shell && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
    {
      req.rows = ws.ws_row;
      req.cols = ws.ws_col;
    }
  /* A broken pipe is an error of write(2) here, which the command module
   * turns into stopping the VM, rather than a death that leaves it. */
  signal (SIGPIPE, SIG_IGN);
  g_autoptr (KtstrInterrupt) interrupt = ktstr_interrupt_install (on_interrupt, cancel, &error);
  if (interrupt == NULL)
    return usage_error (a, "%s", error->message);
  /* QEMU sets the terminal up for the guest and puts it back as it exits;
   * one that is killed cannot, so the host puts it back too. */
  struct termios saved;
  gboolean has_saved = is_shell && tcgetattr (STDIN_FILENO, &saved) == 0;

  fprintf (stderr, "ktstr %s: kernel %s (%s, from %s), backend %s, topology %s%s\n", a->name,
           kernel->image, kernel->version ? kernel->version : "version unknown", kernel->source,
           backend->name, topology ? topology : "1n1l2c1t",
           is_shell ? "; leave the shell to power the VM off" : "");
  fflush (stderr);
  g_autoptr (KtstrCommandResult) r = ktstr_command_run (runner, &req, &error);
  if (has_saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  g_clear_pointer (&interrupt, ktstr_interrupt_remove);
  if (r == NULL)
    return usage_error (a, "%s", error->message);
  if (r->end != KTSTR_COMMAND_EXITED || r->exit_code == 128 + SIGPIPE)
    {
      fprintf (stderr, "ktstr %s: %s\n", a->name, r->summary);
      if (r->report != NULL && r->end != KTSTR_COMMAND_CANCELLED)
        fputs (r->report, stderr);
    }
  return exit_status (r);
}

/* The options both commands take, as `ktstr test` names them. */
static GOptionContext *
make_context (ExecArgs *a, const char *params, const char *summary)
{
  GOptionEntry common[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_FILENAME, &a->kernel,
      "Kernel to boot: a bzImage, a vmlinux, a build tree, or a cached kernel's version or key "
      "(default: as 'ktstr test' finds one)",
      "PATH" },
    { "topology", 't', 0, G_OPTION_ARG_STRING, &a->topology,
      "VM topology NnNlNcNt (default: the scheduler definition's, else 1n1l2c1t)", "LABEL" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &a->backend,
      "VM backend: auto (default), qemu or kvm (kvm has no interactive console)", "NAME" },
    { "memory-mb", 'm', 0, G_OPTION_ARG_INT, &a->memory_mb, "Guest memory (default 1024)", "MB" },
    { "karg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->kargs, "Extra kernel argument (repeatable)",
      "ARG" },
    { "scheduler", 's', 0, G_OPTION_ARG_FILENAME, &a->scheduler,
      "sched_ext scheduler to run first: a path, or a name looked up as for 'ktstr test'",
      "PATH|NAME" },
    { "scheduler-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->scheduler_args,
      "An argument for the scheduler (repeatable)", "ARG" },
    { "scheduler-file", 0, 0, G_OPTION_ARG_FILENAME, &a->scheduler_file,
      "Scheduler definition (see ktstr-scheduler(5))", "FILE" },
    { "flags", 0, 0, G_OPTION_ARG_STRING, &a->flags,
      "Comma-separated flags of the --scheduler-file definition", "A,B" },
    { "include", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &a->includes,
      "Extra file for the guest, at /include-files/NAME (repeatable; programs bring their "
      "libraries; /include-files is on the guest's PATH)",
      "PATH" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose,
      "Boot verbosely (loglevel=7) and echo the kernel console", NULL },
    { NULL }
  };
  GOptionEntry run_only[]
      = { { "timeout", 0, 0, G_OPTION_ARG_INT, &a->timeout_s,
            "Host deadline in seconds (default 600); the guest powers off 5 s before it",
            "SECONDS" },
          { NULL } };
  GOptionEntry shell_only[]
      = { { "shell", 0, 0, G_OPTION_ARG_FILENAME, &a->shell,
            "The shell to run, from this host (default: $SHELL, else /bin/sh)", "PROGRAM" },
          { "timeout", 0, 0, G_OPTION_ARG_INT, &a->timeout_s,
            "Host deadline in seconds (default: none)", "SECONDS" },
          { NULL } };
  GOptionContext *ctx = g_option_context_new (params);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, common, NULL);
  g_option_context_add_main_entries (ctx, g_str_equal (a->name, "shell") ? shell_only : run_only,
                                     NULL);
  return ctx;
}

int
ktstr_cmd_run (int argc, char **argv)
{
  g_auto (ExecArgs) a = { .name = "run" };
  /* Everything after "--" is the command, options included. */
  int dash = -1;
  for (int i = 1; i < argc && dash < 0; i++)
    if (g_str_equal (argv[i], "--"))
      dash = i;
  int opt_argc = dash >= 0 ? dash : argc;
  g_autoptr (GOptionContext) ctx = make_context (
      &a, "[OPTION…] -- CMD [ARG…]",
      "Boots a VM as 'ktstr test' would (kernel, topology, backend, scheduler, --include) and "
      "runs CMD in it: the program and its libraries are copied from this host to the same "
      "path in the guest; its output streams to this terminal; no sidecar is written.\n"
      "Exit status: CMD's own (128+N after signal N); 123 the guest kernel panicked; 124 the "
      "guest hung (--timeout passed); 125 ktstr could not run it (usage, setup, boot failure, "
      "the scheduler did not start); 130 interrupted.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &opt_argc, &argv, &error))
    return usage_error (&a, "%s (see --help)", error->message);
  if (opt_argc > 1)
    return usage_error (&a,
                        "unexpected argument '%s'; the command goes after '--' (ktstr run "
                        "[OPTION…] -- CMD [ARG…])",
                        argv[1]);
  if (dash < 0 || dash + 1 >= argc)
    return usage_error (&a, "no command: ktstr run [OPTION…] -- CMD [ARG…]");
  return run_command (&a, argv + dash + 1);
}

int
ktstr_cmd_shell (int argc, char **argv)
{
  g_auto (ExecArgs) a = { .name = "shell" };
  g_autoptr (GOptionContext) ctx = make_context (
      &a, "[OPTION…]",
      "Boots a VM as 'ktstr test' would (kernel, topology, backend, scheduler, --include) with "
      "an interactive shell on its console, this terminal.  The shell and its libraries are "
      "copied from this host; other programs come with --include.  Leaving the shell powers the "
      "VM off.\n"
      "Exit status: the shell's; 123 the guest kernel panicked; 124 --timeout passed; 125 "
      "ktstr could not start it (no terminal, usage, setup, boot failure); 130 interrupted.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (&a, "%s (see --help)", error->message);
  if (argc > 1)
    return usage_error (&a, "unexpected argument '%s' (to run a command, use 'ktstr run -- CMD')",
                        argv[1]);
  const char *env_shell = g_getenv ("SHELL");
  const char *shell = a.shell ? a.shell : env_shell && *env_shell ? env_shell : "/bin/sh";
  char *command[] = { (char *)shell, NULL };
  return run_command (&a, command);
}
