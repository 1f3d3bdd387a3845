/* The runner's rule for runs killed by the emulator, not by the test: under
 * TCG a guest that dies or reports a stall before the agent's hello, or dies
 * of QEMU's code-patching race ("Oops: int3") at any stage, runs once more; anything else, and
 * anything under KVM, is judged as it is.  Driven by a fake backend whose
 * guest says, attempt by attempt, what the test scripts. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "run/runner.h"
#include "tests/fake-guest.h"

typedef enum
{
  GUEST_RACE_AFTER_HELLO,   /* hello, then "Oops: int3" and a panic */
  GUEST_PANIC_AFTER_HELLO,  /* hello, then an ordinary panic */
  GUEST_PASS,               /* a complete, passing scenario */
  GUEST_STALL_BEFORE_HELLO, /* no hello; the kernel reports an RCU stall; deadline */
  GUEST_SILENT_TIMEOUT,     /* no hello and nothing on the console; deadline */
  GUEST_EMULATOR_SEGV,      /* no hello; the emulator dies of SIGSEGV */
  GUEST_EMULATOR_KILLED,    /* no hello; the emulator is killed (SIGKILL) */
} GuestScript;

static GuestScript script[4];

static gboolean
scripted_launch (KtstrVm *vm, GError **error)
{
  GuestScript what = script[MIN (fake_guest_attempts - 1, G_N_ELEMENTS (script) - 1)];
  if (what == GUEST_EMULATOR_SEGV || what == GUEST_EMULATOR_KILLED)
    {
      fake_guest_console (vm, "Linux version 6.12.0-fake\n");
      vm->end = KTSTR_VM_END_CRASHED;
      vm->vmm_signal = what == GUEST_EMULATOR_SEGV ? SIGSEGV : SIGKILL;
      return TRUE;
    }
  if (what == GUEST_STALL_BEFORE_HELLO || what == GUEST_SILENT_TIMEOUT)
    {
      fake_guest_console (vm, what == GUEST_STALL_BEFORE_HELLO
                                  ? "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
                                    "rcu: rcu_preempt kthread timer wakeup didn't happen for 21004 "
                                    "jiffies!\n"
                                  : "");
      vm->end = KTSTR_VM_END_TIMEOUT;
      return TRUE;
    }
  fake_guest_hello (vm);
  if (what == GUEST_PASS)
    {
      fake_guest_pass (vm, 4, FALSE);
      return TRUE;
    }
  fake_guest_console (vm, what == GUEST_RACE_AFTER_HELLO
                              ? "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"
                                "Kernel panic - not syncing: Fatal exception in interrupt\n"
                              : "Kernel panic - not syncing: sysrq triggered crash\n");
  vm->end = KTSTR_VM_END_PANIC;
  return TRUE;
}

typedef FakeGuestFixture Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (f, data);
  fake_guest_launch = scripted_launch;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_tear_down (f, data);
}

static KtstrTestResult *
run_once (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  KtstrTestResult *r = ktstr_runner_run (f->runner, f->def, &error);
  g_assert_no_error (error);
  return r;
}

static void
test_race_after_hello_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
}

static void
test_race_twice_fails (Fixture *f, gconstpointer data)
{
  script[0] = script[1] = script[2] = GUEST_RACE_AFTER_HELLO;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_nonnull (strstr (r->verdict, "kernel panic"));
}

static void
test_ordinary_panic_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_PANIC_AFTER_HELLO;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_nonnull (strstr (r->verdict, "sysrq triggered crash"));
}

static void
test_race_under_kvm_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_RACE_AFTER_HELLO;
  script[1] = GUEST_PASS;
  fake_guest_accel = "kvm";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

/* Under TCG a guest whose kernel stalls before the agent starts (a timer
 * interrupt lost by the emulator on a loaded host) boots once more; a
 * silent hang, or the same stall twice, is judged as it is. */
static void
test_stall_before_hello_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_STALL_BEFORE_HELLO;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
}

static void
test_stall_twice_fails (Fixture *f, gconstpointer data)
{
  script[0] = script[1] = script[2] = GUEST_STALL_BEFORE_HELLO;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

static void
test_silent_timeout_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_SILENT_TIMEOUT;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

/* Under TCG an emulator that segfaults before the agent's hello (QEMU 7.2's
 * TCG now and then does while a kernel boots) boots once more; one killed
 * from outside, or a segfault under KVM, is judged as it is. */
static void
test_emulator_segv_reruns (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_EMULATOR_SEGV;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
}

static void
test_emulator_killed_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_EMULATOR_KILLED;
  script[1] = GUEST_PASS;
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

static void
test_emulator_segv_under_kvm_not_rerun (Fixture *f, gconstpointer data)
{
  script[0] = GUEST_EMULATOR_SEGV;
  script[1] = GUEST_PASS;
  fake_guest_accel = "kvm";
  g_autoptr (KtstrTestResult) r = run_once (f);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_FAIL);
}

/* Options that cannot make a run are refused before any boot, in the
 * runner's own error domain: a topology that is no topology, and a
 * --timeout shorter than the scenario. */
static void
test_invalid_options (Fixture *f, gconstpointer data)
{
  KtstrRunOptions opts
      = { .kernel = &f->kernel, .backend = &fake_guest_backend, .topology = "1n0l" };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunner) runner = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  g_assert_null (ktstr_runner_run (runner, f->def, &error));
  g_assert_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID);
  g_clear_error (&error);

  KtstrRunOptions short_opts
      = { .kernel = &f->kernel, .backend = &fake_guest_backend, .timeout_s = 2 };
  g_autoptr (KtstrRunner) hasty = ktstr_runner_new (&short_opts, &error);
  g_assert_no_error (error);
  g_assert_null (ktstr_runner_run (hasty, f->def, &error));
  g_assert_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "--timeout 2 is too short for test 'exec'"));
  g_assert_cmpuint (fake_guest_attempts, ==, 0);
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
  g_test_add ("/runner/retry/emulator-segv", Fixture, NULL, fixture_set_up,
              test_emulator_segv_reruns, fixture_tear_down);
  g_test_add ("/runner/retry/emulator-killed", Fixture, NULL, fixture_set_up,
              test_emulator_killed_not_rerun, fixture_tear_down);
  g_test_add ("/runner/retry/emulator-segv-kvm", Fixture, NULL, fixture_set_up,
              test_emulator_segv_under_kvm_not_rerun, fixture_tear_down);
  g_test_add ("/runner/invalid-options", Fixture, NULL, fixture_set_up, test_invalid_options,
              fixture_tear_down);
  return g_test_run ();
}
