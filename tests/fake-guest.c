#include "config.h"

#include "tests/fake-guest.h"

#include "run/executor.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "kernel/kernel-cache.h"

gint fake_guest_blocking_started;
gint fake_guest_met;
GBytes *fake_guest_last_initramfs;
const char *fake_guest_kernel = "6.12.0-fake";
const char *fake_guest_accel = "tcg";
FakeGuestLaunchFunc fake_guest_launch;
guint fake_guest_attempts;
const char *fake_guest_shared_script;
GString *fake_guest_shared_log;
/* Boots of FAKE_GUEST_NOISY and FAKE_GUEST_CALM guests so far: their
 * iterations follow them. */
static gint noisy_boots, calm_boots;

static gboolean
fake_available (GError **error)
{
  return TRUE;
}

static KtstrVm *
fake_prepare (const KtstrVmConfig *config, GError **error)
{
  KtstrVm *vm = g_new0 (KtstrVm, 1);
  vm->config = *config;
  g_clear_pointer (&fake_guest_last_initramfs, g_bytes_unref);
  g_autoptr (GMappedFile) image
      = config->initramfs_path ? g_mapped_file_new (config->initramfs_path, FALSE, NULL) : NULL;
  if (image != NULL)
    fake_guest_last_initramfs = g_mapped_file_get_bytes (image);
  return vm;
}

void
fake_guest_say (KtstrVm *vm, const char *line)
{
  vm->config.on_line (line, vm->config.user_data);
}

void
fake_guest_hello (KtstrVm *vm)
{
  g_autofree char *hello = g_strdup_printf (
      "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":5,\"kernel\":\"%s\"}", fake_guest_kernel);
  fake_guest_say (vm, hello);
}

void
fake_guest_console (KtstrVm *vm, const char *text)
{
  g_assert_true (g_file_set_contents (vm->config.console_path, text, -1, NULL));
}

static void
say_mark (KtstrVm *vm, const char *label, guint elapsed_ms, guint total_iterations)
{
  g_autofree char *line
      = g_strdup_printf ("{\"t\":\"stim\",\"elapsed_ms\":%u,\"label\":\"%s\",\"op_kind\":null,"
                         "\"detail\":null,\"total_iterations\":%u}",
                         elapsed_ms, label, total_iterations);
  fake_guest_say (vm, line);
}

void
fake_guest_pass (KtstrVm *vm, guint iterations, gboolean is_marked)
{
  fake_guest_console (vm, "reboot: Power down\n");
  fake_guest_say (vm, "{\"t\":\"topo\",\"cpus\":2,\"llcs\":[[0,1]],\"numa\":[[0,1]],\"smt\":1}");
  fake_guest_say (vm, "{\"t\":\"cgroup\",\"name\":\"cg_0\",\"cpuset\":\"\"}");
  if (is_marked)
    say_mark (vm, "ScenarioStart", 0, 0);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *w = g_strdup_printf (
          "{\"t\":\"worker\",\"cgroup\":\"cg_0\",\"index\":%d,\"work_type\":\"CpuSpin\","
          "\"pid\":%d,\"work_units\":4096,\"iterations\":%u,\"cpu_time_ns\":500000000,"
          "\"wall_time_ns\":1000000000,\"off_cpu_ns\":500000000,\"migration_count\":0,"
          "\"cpus_used\":[%d],\"max_gap_ms\":3,\"max_gap_cpu\":%d,\"max_gap_at_ms\":10,"
          "\"run_delay_ns\":1000,\"run_count\":10,\"schedstat_cpu_ns\":500000000,"
          "\"wake_sample_total\":0,\"lat_ns\":[],\"completed\":true,\"exit\":\"ok\"}",
          i, 100 + i, iterations, i, i);
      fake_guest_say (vm, w);
    }
  if (is_marked)
    say_mark (vm, "ScenarioEnd", 1000, 2 * iterations);
  fake_guest_say (vm, "{\"t\":\"done\",\"elapsed_ms\":1000}");
  vm->end = KTSTR_VM_END_POWEROFF;
}

/* The guest the variant's memory size chooses (FAKE_GUEST_*). */
static gboolean
sized_launch (KtstrVm *vm, GError **error)
{
  fake_guest_hello (vm);
  if (vm->config.memory_mb == FAKE_GUEST_BLOCK)
    {
      g_atomic_int_set (&fake_guest_blocking_started, 1);
      return TRUE;
    }
  gboolean is_alone = FALSE;
  if (vm->config.memory_mb == FAKE_GUEST_MEET)
    {
      g_atomic_int_inc (&fake_guest_met);
      gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
      while (g_atomic_int_get (&fake_guest_met) < 2 && g_get_monotonic_time () < deadline)
        g_usleep (1000);
      is_alone = g_atomic_int_get (&fake_guest_met) < 2;
    }
  if (vm->config.memory_mb == FAKE_GUEST_PANIC || is_alone)
    {
      fake_guest_console (vm, "Kernel panic - not syncing: sysrq triggered crash\n");
      vm->end = KTSTR_VM_END_PANIC;
      return TRUE;
    }
  /* Noisy guests run 4, 40, 4, 40, ... iterations a worker, calm ones
   * 400, 404, 400, ... */
  guint iterations = 4;
  if (vm->config.memory_mb == FAKE_GUEST_NOISY)
    iterations = g_atomic_int_add (&noisy_boots, 1) % 2 ? 40 : 4;
  else if (vm->config.memory_mb == FAKE_GUEST_CALM)
    iterations = g_atomic_int_add (&calm_boots, 1) % 2 ? 404 : 400;
  fake_guest_pass (vm, iterations, FALSE);
  return TRUE;
}

static void
console_append (KtstrVm *vm, const char *text)
{
  g_autofree char *old = NULL;
  g_file_get_contents (vm->config.console_path, &old, NULL, NULL);
  g_autofree char *both = g_strconcat (old ? old : "", text, NULL);
  fake_guest_console (vm, both);
}

static gboolean
fake_launch (KtstrVm *vm, GError **error)
{
  guint boot = (guint)g_atomic_int_add (&fake_guest_attempts, 1) + 1;
  if (fake_guest_launch != NULL)
    return fake_guest_launch (vm, error);
  if (fake_guest_shared_script == NULL)
    return sized_launch (vm, error);
  g_autofree char *banner = g_strdup_printf ("Linux version 6.12.0-fake, boot %u\n", boot);
  fake_guest_console (vm, banner);
  vm->end = KTSTR_VM_END_POWEROFF;
  fake_guest_hello (vm);
  return TRUE;
}

/* Plays test K of the shared script; FALSE when the VM ended in it. */
static gboolean
play_shared (KtstrVm *vm, guint k)
{
  char kind = k < strlen (fake_guest_shared_script) ? fake_guest_shared_script[k] : 'P';
  g_string_append_printf (fake_guest_shared_log, "%sb%u:%u", fake_guest_shared_log->len ? "," : "",
                          fake_guest_attempts, k);
  g_autofree char *begin = g_strdup_printf ("[ 1.0] ktstr-session: begin test %u\n", k);
  console_append (vm, begin);
  g_autofree char *line = g_strdup_printf ("{\"t\":\"test_begin\",\"index\":%u}", k);
  fake_guest_say (vm, line);
  g_autofree char *mine = g_strdup_printf ("[ 1.5] test %u ran here\n", k);
  console_append (vm, mine);
  if (kind == 'X')
    {
      console_append (vm, "Kernel panic - not syncing: sysrq triggered crash\n");
      vm->end = KTSTR_VM_END_PANIC;
      return FALSE;
    }
  if (kind == 'B')
    {
      g_atomic_int_set (&fake_guest_blocking_started, 1);
      g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
      while (!vm->is_killed)
        g_main_context_iteration (context, TRUE);
      return FALSE;
    }
  g_autofree char *old = NULL;
  g_file_get_contents (vm->config.console_path, &old, NULL, NULL);
  fake_guest_pass (vm, 4, TRUE);
  fake_guest_console (vm, old); /* fake_guest_pass wrote its own console */
  if (kind == 'F')
    fake_guest_say (vm, "{\"t\":\"error\",\"msg\":\"the scenario broke\"}");
  g_autofree char *end = g_strdup_printf ("[ 2.0] ktstr-session: end test %u\n", k);
  console_append (vm, end);
  g_autofree char *done = g_strdup_printf (
      "{\"t\":\"test_end\",\"index\":%u,\"rc\":%d,\"reset\":\"%s\"}", k, kind == 'F',
      kind == 'L' ? "process sleep (pid 99) was left running" : "ok");
  fake_guest_say (vm, done);
  vm->end = KTSTR_VM_END_POWEROFF;
  return kind != 'L';
}

/* A shared guest's life after hello: the host's commands, in order. */
static void
play_commands (KtstrVm *vm)
{
  char *cmd;
  while ((cmd = g_queue_pop_head (&vm->commands)) != NULL)
    {
      g_autofree char *c = cmd;
      guint k;
      if (g_str_equal (c, "session end"))
        break;
      if (sscanf (c, "session run %u", &k) == 1 && !play_shared (vm, k))
        break;
    }
}

/* A blocking guest runs until the runner's cancel source, attached to
 * this thread's default context, kills it. */
static gboolean
fake_wait (KtstrVm *vm, GError **error)
{
  if (fake_guest_shared_script != NULL && fake_guest_launch == NULL)
    {
      play_commands (vm);
      if (vm->is_killed)
        vm->end = KTSTR_VM_END_RESET;
      return TRUE;
    }
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  while (vm->config.memory_mb == FAKE_GUEST_BLOCK && !vm->is_killed)
    g_main_context_iteration (context, TRUE);
  return TRUE;
}

static void
fake_collect (KtstrVm *vm, KtstrVmResult *result)
{
  result->end = vm->is_killed ? KTSTR_VM_END_RESET : vm->end;
  result->vmm_signal = vm->vmm_signal;
  result->accel = g_strdup (fake_guest_accel);
  result->command_line = g_strdup ("fake-vm");
  result->cleanup_ms = vm->config.memory_mb == FAKE_GUEST_SLOW_CLEANUP ? 5000 : 1;
}

static void
fake_kill (KtstrVm *vm)
{
  vm->is_killed = TRUE;
}

static void
fake_cleanup (KtstrVm *vm)
{
  g_queue_clear_full (&vm->commands, g_free);
  g_free (vm);
}

static void
fake_send (KtstrVm *vm, const char *line)
{
  g_queue_push_tail (&vm->commands, g_strdup (line));
}

const KtstrBackend fake_guest_backend = {
  .name = "fake",
  .is_available = fake_available,
  .prepare = fake_prepare,
  .launch = fake_launch,
  .wait = fake_wait,
  .collect = fake_collect,
  .kill = fake_kill,
  .cleanup = fake_cleanup,
  .send_to_guest = fake_send,
};

KtstrRunner *
fake_guest_runner_new (FakeGuestFixture *f, const char *sidecar_dir)
{
  g_setenv ("KTSTR_SIDECAR_DIR", sidecar_dir, TRUE);
  KtstrRunOptions opts = { .kernel = &f->kernel, .backend = &fake_guest_backend };
  g_autoptr (GError) error = NULL;
  KtstrRunner *r = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  return r;
}

void
fake_guest_fixture_set_up (FakeGuestFixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ktstr-fake-guest-XXXXXX", NULL);
  g_autofree char *agent = g_build_filename (f->dir, "agent", NULL);
  g_autofree char *cache = g_build_filename (f->dir, "cache", NULL);
  g_autofree char *file = g_build_filename (f->dir, "t.ktstr", NULL);
  f->sidecars = g_build_filename (f->dir, "sidecars", NULL);
  g_assert_true (g_file_set_contents (agent, "not really an agent", -1, NULL));
  g_assert_true (g_file_set_contents (
      file, "[test]\nname=exec\nduration_ms=1000\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", -1,
      NULL));
  g_setenv ("KTSTR_INIT", agent, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_autoptr (GError) error = NULL;
  f->def = ktstr_testdef_load (file, &error);
  g_assert_no_error (error);
  f->kernel.image = g_strdup ("/nonexistent/bzImage");
  f->kernel.version = g_strdup ("6.12.0-fake");
  f->kernel.source = g_strdup ("test");
  f->runner = fake_guest_runner_new (f, f->sidecars);
  f->variants = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  g_atomic_int_set (&fake_guest_blocking_started, 0);
  g_atomic_int_set (&fake_guest_met, 0);
  fake_guest_kernel = "6.12.0-fake";
  fake_guest_accel = "tcg";
  fake_guest_launch = NULL;
  fake_guest_attempts = 0;
  fake_guest_shared_script = NULL;
  if (fake_guest_shared_log == NULL)
    fake_guest_shared_log = g_string_new (NULL);
  g_string_truncate (fake_guest_shared_log, 0);
  g_atomic_int_set (&noisy_boots, 0);
  g_atomic_int_set (&calm_boots, 0);
}

void
fake_guest_fixture_tear_down (FakeGuestFixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->variants);
  g_clear_pointer (&fake_guest_last_initramfs, g_bytes_unref);
  ktstr_runner_free (f->runner);
  ktstr_testdef_free (f->def);
  g_free (f->kernel.image);
  g_free (f->kernel.version);
  g_free (f->kernel.source);
  g_assert_true (ktstr_rm_rf (f->dir, NULL));
  g_free (f->sidecars);
  g_free (f->dir);
  g_unsetenv ("KTSTR_SIDECAR_DIR");
}

KtstrVariant *
fake_guest_add_variant (FakeGuestFixture *f, const char *name, guint guest, KtstrRunner *runner)
{
  KtstrVariant *v = ktstr_variant_new (name, f->def, "1n1l2c1t");
  v->memory_mb = guest;
  v->runner = runner ? runner : f->runner;
  g_ptr_array_add (f->variants, v);
  return v;
}

guint
fake_guest_count_files (const char *dir, const char *suffix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += g_str_has_suffix (name, suffix);
  return n;
}

static char *
stdout_path (FakeGuestFixture *f)
{
  return g_build_filename (f->dir, "stdout", NULL);
}

int
fake_guest_stdout_begin (FakeGuestFixture *f)
{
  g_autofree char *path = stdout_path (f);
  fflush (stdout);
  int saved = dup (STDOUT_FILENO);
  FILE *out = fopen (path, "w");
  g_assert_nonnull (out);
  dup2 (fileno (out), STDOUT_FILENO);
  fclose (out);
  return saved;
}

char *
fake_guest_stdout_end (FakeGuestFixture *f, int saved)
{
  g_autofree char *path = stdout_path (f);
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_test_message ("report:\n%s", text);
  return text;
}

gboolean
fake_guest_stop_when_blocking (gpointer user_data)
{
  if (!g_atomic_int_get (&fake_guest_blocking_started))
    return G_SOURCE_CONTINUE;
  ktstr_executor_stop (user_data);
  return G_SOURCE_REMOVE;
}
