/* --repeat auto through the real executor and runners on fake guests:
 * identical trials settle after the first round, noisy ones run to the
 * maximum and name the metric that kept them going, calm ones settle and
 * name the metric closest to its target, a failing test stops after its
 * first round; each trial writes its own sidecar. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/repeat-auto.h"
#include "cli/test-report.h"
#include "record/sidecar.h"
#include "run/executor.h"
#include "tests/fake-guest.h"

/* Runs the rounds with stdout (where the report writes) captured. */
static G_GNUC_NO_INLINE char *
run_captured (FakeGuestFixture *f, guint max_trials, KtstrExecutorSummary *summary)
{
  int saved = fake_guest_stdout_begin (f);
  {
    KtstrTestReportOptions ro = { .style = KTSTR_TEST_REPORT_PLAIN, .trials = max_trials };
    g_autoptr (KtstrTestReport) report = ktstr_test_report_new (&ro);
    g_autoptr (KtstrRepeatAuto) repeat = ktstr_repeat_auto_new (f->variants, max_trials, report);
    KtstrExecutorOptions eo
        = { .jobs = 1, .on_result = ktstr_repeat_auto_on_result, .user_data = repeat };
    g_autoptr (KtstrExecutor) ex = ktstr_executor_new (&eo);
    ktstr_test_report_begin (report, ex, 0);
    ktstr_repeat_auto_run (repeat, ex);
    ktstr_executor_get_summary (ex, summary);
  }
  return fake_guest_stdout_end (f, saved);
}

/* Lines of TEXT that start with PREFIX. */
static guint
count_lines (const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;
  for (char **l = lines; *l != NULL; l++)
    n += g_str_has_prefix (*l, prefix);
  return n;
}

/* The index of the first line of TEXT that starts with PREFIX, or -1. */
static gint
line_of (const char *text, const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (gint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return i;
  return -1;
}

static void
test_rounds (FakeGuestFixture *f, gconstpointer data)
{
  /* Each test writes into its own directory: they share the test
   * definition, so their trials' file names would collide. */
  g_autofree char *noisy_dir = g_build_filename (f->dir, "noisy", NULL);
  g_autofree char *bad_dir = g_build_filename (f->dir, "bad", NULL);
  g_autoptr (KtstrRunner) noisy_runner = fake_guest_runner_new (f, noisy_dir);
  g_autoptr (KtstrRunner) bad_runner = fake_guest_runner_new (f, bad_dir);
  fake_guest_add_variant (f, "steady", FAKE_GUEST_PASS, NULL);
  fake_guest_add_variant (f, "noisy", FAKE_GUEST_NOISY, noisy_runner);
  fake_guest_add_variant (f, "bad", FAKE_GUEST_PANIC, bad_runner);
  g_autofree char *calm_dir = g_build_filename (f->dir, "calm", NULL);
  g_autoptr (KtstrRunner) calm_runner = fake_guest_runner_new (f, calm_dir);
  fake_guest_add_variant (f, "calm", FAKE_GUEST_CALM, calm_runner);
  KtstrExecutorSummary s;
  g_autofree char *text = run_captured (f, 5, &s);

  g_assert_nonnull (strstr (text, "trials steady: 3, settled: no gated metric varies\n"));
  g_assert_nonnull (strstr (text, "trials noisy: 5 (the maximum), not settled: "
                                  "worst_iterations_per_worker kept it going, relative standard "
                                  "error "));
  g_assert_nonnull (strstr (text, "trials bad: 3, stopped: a trial failed"));
  /* 400, 404, 400 iterations a worker: CV 0.57 %, RSE 0.33 % of a 2.5 %
   * target; total_iterations (800, 808, 800) is as close to its target. */
  g_assert_nonnull (strstr (text, "trials calm: 3, settled; the last to settle was "));
  g_assert_nonnull (strstr (text, "relative standard error 0.3% (target 2.5%)"));
  /* The first round is three trials of each, round by round. */
  g_assert_cmpint (line_of (text, "PASS steady#1 "), <, line_of (text, "PASS noisy#1 "));
  g_assert_cmpint (line_of (text, "FAIL bad#1 "), <, line_of (text, "PASS steady#2 "));
  g_assert_cmpuint (count_lines (text, "PASS steady#"), ==, 3);
  g_assert_cmpuint (count_lines (text, "PASS noisy#"), ==, 5);
  g_assert_cmpuint (count_lines (text, "FAIL bad#"), ==, 3);
  g_assert_cmpuint (s.passed, ==, 11);
  g_assert_cmpuint (s.failed, ==, 3);
  g_assert_false (s.is_interrupted);

  g_assert_cmpuint (fake_guest_count_files (f->sidecars, ".ktstr.json"), ==, 3);
  g_assert_cmpuint (fake_guest_count_files (noisy_dir, ".ktstr.json"), ==, 5);
  g_assert_cmpuint (fake_guest_count_files (bad_dir, ".ktstr.json"), ==, 3);
  g_autoptr (GPtrArray) noisy = NULL;
  g_assert_true (ktstr_sidecar_collect_dir (noisy_dir, &noisy, NULL, NULL));
  guint64 seen = 0;
  for (guint i = 0; i < noisy->len; i++)
    seen |= 1u << ((KtstrSidecar *)noisy->pdata[i])->trial;
  g_assert_cmphex (seen, ==, 0x3e); /* trials 1 to 5 */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/repeat-auto/rounds", FakeGuestFixture, NULL, fake_guest_fixture_set_up, test_rounds,
              fake_guest_fixture_tear_down);
  return g_test_run ();
}
