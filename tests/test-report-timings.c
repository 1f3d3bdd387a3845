/* `ktstr test --timings` lines through the real executor and report on
 * fake guests: a test that ran its scenario has the scenario's length taken
 * out of its overhead, also the second test of a shared boot (which sees
 * no hello of its own), and one whose guest never said hello ran no
 * scenario, so its whole time is overhead (never a negative figure). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/test-report.h"
#include "run/executor.h"
#include "tests/fake-guest.h"

/* The fake guests' script, one test at a time: the first boot passes; every
 * later one (the second test, and the boot the runner retries it with)
 * ends at the deadline before any hello, its console empty. */
static gboolean
scripted_launch (KtstrVm *vm, GError **error)
{
  (void)error;
  if (fake_guest_attempts > 1)
    {
      fake_guest_console (vm, "");
      vm->end = KTSTR_VM_END_TIMEOUT;
      return TRUE;
    }
  fake_guest_hello (vm);
  fake_guest_pass (vm, 4, TRUE);
  return TRUE;
}

static char *
run_captured (FakeGuestFixture *f, gboolean is_shared)
{
  int saved = fake_guest_stdout_begin (f);
  {
    KtstrTestReportOptions ro = { .style = KTSTR_TEST_REPORT_PLAIN, .trials = 1, .timings = TRUE };
    g_autoptr (KtstrTestReport) report = ktstr_test_report_new (&ro);
    KtstrExecutorOptions eo = { .jobs = 1,
                                .on_result = ktstr_test_report_result,
                                .user_data = report,
                                .is_shared_boot = is_shared };
    g_autoptr (KtstrExecutor) ex = ktstr_executor_new (&eo);
    ktstr_test_report_begin (report, ex, 0);
    ktstr_executor_run (ex, f->variants);
  }
  return fake_guest_stdout_end (f, saved);
}

/* The value of KEY= in the "timing NAME: start_to_hello_ms=" line of TEXT. */
static double
timing_value (const char *text, const char *name, const char *key)
{
  g_autofree char *prefix = g_strdup_printf ("timing %s: start_to_hello_ms=", name);
  g_autofree char *needle = g_strdup_printf (" %s=", key);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    if (g_str_has_prefix (*l, prefix))
      {
        const char *at = strstr (*l, needle);
        g_assert_nonnull (at);
        return g_ascii_strtod (at + strlen (needle), NULL);
      }
  g_assert_not_reached ();
}

static void
test_overhead (FakeGuestFixture *f, gconstpointer data)
{
  (void)data;
  fake_guest_launch = scripted_launch;
  fake_guest_add_variant (f, "ran", FAKE_GUEST_PASS, NULL);
  fake_guest_add_variant (f, "silent", FAKE_GUEST_PASS, NULL);
  g_autofree char *text = run_captured (f, FALSE);

  /* The fixture's test runs 1 s: that much is scenario, not overhead. */
  g_assert_cmpfloat (timing_value (text, "ran", "scenario_ms"), >, 0);
  g_assert_cmpfloat_with_epsilon (
      timing_value (text, "ran", "overhead_ms"),
      timing_value (text, "ran", "total_ms") - timing_value (text, "ran", "scenario_ms"), 1.0);
  g_assert_cmpfloat (timing_value (text, "silent", "scenario_ms"), ==, 0);
  g_assert_cmpfloat (timing_value (text, "silent", "overhead_ms"), >=, 0);
  g_assert_cmpfloat (timing_value (text, "silent", "overhead_ms"), ==,
                     timing_value (text, "silent", "total_ms"));
}

/* Two tests in one shared boot: both ran their scenario. */
static void
test_shared (FakeGuestFixture *f, gconstpointer data)
{
  (void)data;
  GPtrArray *defs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  fake_guest_shared_script = "PP"; /* the shared VM's agent passes both */
  const char *names[] = { "first", "second" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s.ktstr", f->dir, names[i]);
      g_autofree char *body = g_strdup_printf (
          "[test]\nname=%s\nduration_ms=1000\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", names[i]);
      g_assert_true (g_file_set_contents (file, body, -1, NULL));
      g_autoptr (GError) error = NULL;
      KtstrTestDef *def = ktstr_testdef_load (file, &error);
      g_assert_no_error (error);
      g_ptr_array_add (defs, def);
      fake_guest_add_variant (f, names[i], FAKE_GUEST_PASS, NULL)->def = def;
    }
  g_autofree char *text = run_captured (f, TRUE);
  g_assert_cmpuint (fake_guest_attempts, ==, 1); /* one boot for both */
  /* Settle and duration: what the agent ran, not booting. */
  double scenario_ms = (((KtstrTestDef *)defs->pdata[0])->settle_ms + 1000);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpfloat (timing_value (text, names[i], "scenario_ms"), ==, scenario_ms);
      g_assert_cmpfloat_with_epsilon (timing_value (text, names[i], "overhead_ms"),
                                      timing_value (text, names[i], "total_ms") - scenario_ms, 1.0);
    }
  /* The variants borrow the definitions: they go first. */
  g_ptr_array_set_size (f->variants, 0);
  g_ptr_array_unref (defs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/report/timings/overhead", FakeGuestFixture, NULL, fake_guest_fixture_set_up,
              test_overhead, fake_guest_fixture_tear_down);
  g_test_add ("/report/timings/shared", FakeGuestFixture, NULL, fake_guest_fixture_set_up,
              test_shared, fake_guest_fixture_tear_down);
  return g_test_run ();
}
