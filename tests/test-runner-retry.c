/* The runner's rule for runs killed by the emulator, not by the test: under
 * TCG a guest that dies or reports a stall before the agent's hello, or dies
 * of QEMU's code-patching race ("Oops: int3") at any stage, runs once more; anything else, and
 * anything under KVM, is judged as it is.  Driven by a fake backend whose
 * guest says, attempt by attempt, what the test scripts. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "backends/backend.h"
#include "run/runner.h"
#include "testdef/testdef.h"

typedef enum
{
  GUEST_RACE_AFTER_HELLO,   /* hello, then "Oops: int3" and a panic */
  GUEST_PANIC_AFTER_HELLO,  /* hello, then an ordinary panic */
  GUEST_PASS,               /* a complete, passing scenario */
  GUEST_STALL_BEFORE_HELLO, /* no hello; the kernel reports an RCU stall; deadline */
  GUEST_SILENT_TIMEOUT,     /* no hello and nothing on the console; deadline */
} GuestScript;

static GuestScript script[4];
static guint attempts;
static const char *accel = "tcg";

struct _KtstrVm
{
  KtstrVmConfig config;
  KtstrVmEnd end;
};

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
  return vm;
}

static void
say (KtstrVm *vm, const char *line)
{
  vm->config.on_line (line, vm->config.user_data);
}

static gboolean
fake_launch (KtstrVm *vm, GError **error)
{
  GuestScript what = script[MIN (attempts, G_N_ELEMENTS (script) - 1)];
  attempts++;
  if (what == GUEST_STALL_BEFORE_HELLO || what == GUEST_SILENT_TIMEOUT)
    {
      const char *console
          = what == GUEST_STALL_BEFORE_HELLO
                ? "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
                  "rcu: rcu_preempt kthread timer wakeup didn't happen for 21004 jiffies!\n"
                : "";
      g_assert_true (g_file_set_contents (vm->config.console_path, console, -1, NULL));
      vm->end = KTSTR_VM_END_TIMEOUT;
      return TRUE;
    }
  say (vm, "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":5,\"kernel\":\"6.12.0-fake\"}");
  if (what != GUEST_PASS)
    {
      const char *console = what == GUEST_RACE_AFTER_HELLO
                                ? "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"
                                  "Kernel panic - not syncing: Fatal exception in interrupt\n"
                                : "Kernel panic - not syncing: sysrq triggered crash\n";
      g_assert_true (g_file_set_contents (vm->config.console_path, console, -1, NULL));
      vm->end = KTSTR_VM_END_PANIC;
      return TRUE;
    }
  g_assert_true (g_file_set_contents (vm->config.console_path, "reboot: Power down\n", -1, NULL));
  say (vm, "{\"t\":\"topo\",\"cpus\":2,\"llcs\":[[0,1]],\"numa\":[[0,1]],\"smt\":1}");
  say (vm, "{\"t\":\"cgroup\",\"name\":\"cg_0\",\"cpuset\":\"\"}");
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *w = g_strdup_printf (
          "{\"t\":\"worker\",\"cgroup\":\"cg_0\",\"index\":%d,\"work_type\":\"CpuSpin\","
          "\"pid\":%d,\"work_units\":4096,\"iterations\":4,\"cpu_time_ns\":500000000,"
          "\"wall_time_ns\":1000000000,\"off_cpu_ns\":500000000,\"migration_count\":0,"
          "\"cpus_used\":[%d],\"max_gap_ms\":3,\"max_gap_cpu\":%d,\"max_gap_at_ms\":10,"
          "\"run_delay_ns\":1000,\"run_count\":10,\"schedstat_cpu_ns\":500000000,"
          "\"wake_sample_total\":0,\"lat_ns\":[],\"completed\":true,\"exit\":\"ok\"}",
          i, 100 + i, i, i);
      say (vm, w);
    }
  say (vm, "{\"t\":\"done\",\"elapsed_ms\":1000}");
  vm->end = KTSTR_VM_END_POWEROFF;
  return TRUE;
}

static gboolean
fake_wait (KtstrVm *vm, GError **error)
{
  return TRUE;
}

static void
fake_collect (KtstrVm *vm, KtstrVmResult *result)
{
  result->end = vm->end;
  result->accel = g_strdup (accel);
  result->command_line = g_strdup ("fake-vm");
  result->cleanup_ms = 1;
}

static void
fake_kill (KtstrVm *vm)
{
}

static void
fake_cleanup (KtstrVm *vm)
{
  g_free (vm);
}

static const KtstrBackend fake_backend = {
  .name = "fake",
  .is_available = fake_available,
  .prepare = fake_prepare,
  .launch = fake_launch,
  .wait = fake_wait,
  .collect = fake_collect,
  .kill = fake_kill,
  .cleanup = fake_cleanup,
};

typedef struct
{
  char *dir;
  KtstrTestDef *def;
  KtstrKernel kernel;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ktstr-retry-XXXXXX", NULL);
  g_autofree char *agent = g_build_filename (f->dir, "agent", NULL);
  g_autofree char *sidecars = g_build_filename (f->dir, "sidecars", NULL);
  g_autofree char *cache = g_build_filename (f->dir, "cache", NULL);
  g_autofree char *file = g_build_filename (f->dir, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (agent, "not really an agent", -1, NULL));
  g_assert_true (g_file_set_contents (
      file, "[test]\nname=retry\nduration_ms=1000\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", -1,
      NULL));
  g_setenv ("KTSTR_INIT", agent, TRUE);
  g_setenv ("KTSTR_SIDECAR_DIR", sidecars, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_autoptr (GError) error = NULL;
  f->def = ktstr_testdef_load (file, &error);
  g_assert_no_error (error);
  f->kernel.image = g_strdup ("/nonexistent/bzImage");
  f->kernel.version = g_strdup ("6.12.0-fake");
  f->kernel.source = g_strdup ("test");
  attempts = 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ktstr_testdef_free (f->def);
  g_free (f->kernel.image);
  g_free (f->kernel.version);
  g_free (f->kernel.source);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (f->dir);
}

static KtstrTestResult *
run_once (Fixture *f)
{
  KtstrRunOptions opts = { .kernel = &f->kernel, .backend = &fake_backend };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunner) runner = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  KtstrTestResult *r = ktstr_runner_run (runner, f->def, &error);
  g_assert_no_error (error);
  return r;
}

static void
test_race_after_hello_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_PASS;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
}

static void
test_race_twice_fails (Fixture *f, gconstpointer data)
{
  script[0] = script[1] = script[2] = GUEST_RACE_AFTER_HELLO;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_nonnull (strstr (r->verdict, "kernel panic"));
}

static void
test_ordinary_panic_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_PANIC_AFTER_HELLO;
  script[1] = GUEST_PASS;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_nonnull (strstr (r->verdict, "sysrq triggered crash"));
}

static void
test_race_under_kvm_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_PASS;
  accel = "kvm";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
  accel = "tcg";
}

/* Under TCG a guest whose kernel stalls before the agent starts (a timer
 * interrupt lost by the emulator on a loaded host) boots once more; a
 * silent hang, or the same stall twice, is judged as it is. */
static void
test_stall_before_hello_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_STALL_BEFORE_HELLO;
  script[1] = GUEST_PASS;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
}

static void
test_stall_twice_fails (Fixture *f, gconstpointer data)
{
  script[0] = script[1] = script[2] = GUEST_STALL_BEFORE_HELLO;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

static void
test_silent_timeout_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_SILENT_TIMEOUT;
  script[1] = GUEST_PASS;
  accel = "tcg";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

/* Options that cannot make a run are refused before any boot, in the
 * runner's own error domain: a topology that is no topology, and a
 * --timeout shorter than the scenario. */
static void
test_invalid_options (Fixture *f, gconstpointer data)
{
  KtstrRunOptions opts = { .kernel = &f->kernel, .backend = &fake_backend, .topology = "1n0l" };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunner) runner = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  g_assert_null (ktstr_runner_run (runner, f->def, &error));
  g_assert_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID);
  g_clear_error (&error);

  KtstrRunOptions short_opts = { .kernel = &f->kernel, .backend = &fake_backend, .timeout_s = 2 };
  g_autoptr (KtstrRunner) hasty = ktstr_runner_new (&short_opts, &error);
  g_assert_no_error (error);
  g_assert_null (ktstr_runner_run (hasty, f->def, &error));
  g_assert_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "--timeout 2 is too short for test 'retry'"));
  g_assert_cmpuint (attempts, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/runner/retry/tcg-race-after-hello", Fixture, NULL, fixture_set_up,
              test_race_after_hello_reruns, fixture_tear_down);
  g_test_add ("/runner/retry/tcg-race-twice", Fixture, NULL, fixture_set_up, test_race_twice_fails,
              fixture_tear_down);
  g_test_add ("/runner/retry/ordinary-panic", Fixture, NULL, fixture_set_up,
              test_ordinary_panic_not_rerun, fixture_tear_down);
  g_test_add ("/runner/retry/kvm", Fixture, NULL, fixture_set_up, test_race_under_kvm_not_rerun,
              fixture_tear_down);
  g_test_add ("/runner/retry/tcg-stall-before-hello", Fixture, NULL, fixture_set_up,
              test_stall_before_hello_reruns, fixture_tear_down);
  g_test_add ("/runner/retry/tcg-stall-twice", Fixture, NULL, fixture_set_up,
              test_stall_twice_fails, fixture_tear_down);
  g_test_add ("/runner/retry/silent-timeout", Fixture, NULL, fixture_set_up,
              test_silent_timeout_not_rerun, fixture_tear_down);
  g_test_add ("/runner/invalid-options", Fixture, NULL, fixture_set_up, test_invalid_options,
              fixture_tear_down);
  return g_test_run ();
}
