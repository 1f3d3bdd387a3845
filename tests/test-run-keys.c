/* The [test] keys that change how a test is run and judged, each shown
 * to take effect (a test that would pass if the key were ignored):
 * expect_err, cleanup_budget_ms and include_files on fake guests through
 * real runners; memory_mb in plain and gauntlet plans; swappable with
 * --work-type in the rendered plan; and the load errors of every key,
 * naming the file and the key. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "record/sidecar.h"
#include "run/gauntlet.h"
#include "run/plan.h"
#include "run/profiles.h"
#include "run/select.h"
#include "run/verdict.h"
#include "testdef/expect-err.h"
#include "tests/fake-guest.h"

typedef FakeGuestFixture Fixture;

/* A test of one cgroup of two CpuSpin workers (what the fake guests
 * report) with EXTRA added to its [test] group, written into F's
 * directory. */
static KtstrTestDef *
load_keys (Fixture *f, const char *extra, GError **error)
{
  g_autofree char *path = g_build_filename (f->dir, "keys.ktstr", NULL);
  g_autofree char *text = g_strdup_printf (
      "[test]\nname=keys\nduration_ms=1000\n%s\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", extra);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return ktstr_testdef_load (path, error);
}

/* Runs DEF once on a fake guest that does GUEST. */
static KtstrTestResult *
run_on (Fixture *f, KtstrRunner *runner, const KtstrTestDef *def, guint guest)
{
  KtstrRunVariant rv = { .topology = "1n1l2c1t", .memory_mb = guest };
  g_autoptr (GError) error = NULL;
  KtstrTestResult *r = ktstr_runner_run_variant (runner ? runner : f->runner, def, &rv, &error);
  g_assert_no_error (error);
  return r;
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("'%s' not in '%s'", needle, text ? text : "(null)");
}

/* The named failure makes the test pass, recorded in its sidecar; without
 * it, or with another failure, the test fails, naming what was expected. */
static void
test_expect_err (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_keys (f, "expect_err=panic", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (def->expect_err, ==, "panic");

  g_autoptr (KtstrTestResult) panicked = run_on (f, NULL, def, FAKE_GUEST_PANIC);
  g_assert_cmpint (panicked->outcome, ==, KTSTR_OUTCOME_PASS);
  assert_contains (panicked->verdict, "expected error panic happened: kernel panic");
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (panicked->sidecar_path, &error);
  g_assert_no_error (error);
  g_assert_true (sc->passed);
  assert_contains (sc->verdict_summary, "expected error panic happened");

  g_autoptr (KtstrTestResult) clean = run_on (f, NULL, def, FAKE_GUEST_PASS);
  g_assert_cmpint (clean->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_cmpstr (clean->verdict, ==, "expected error panic did not happen (expect_err)");

  /* Another failure than the one expected is no pass: both are named. */
  g_autoptr (KtstrTestDef) hang = load_keys (f, "expect_err=hang", &error);
  g_assert_no_error (error);
  g_autoptr (KtstrTestResult) other = run_on (f, NULL, hang, FAKE_GUEST_PANIC);
  g_assert_cmpint (other->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_cmpstr (other->verdict, ==, "expected error hang did not happen (expect_err)");
  assert_contains (other->report, "kernel panic");
}

/* scheduler_error stands for every failure of the scheduler. */
static void
test_expect_err_names (void)
{
  g_assert_true (ktstr_expect_err_matches ("scheduler_error", "scheduler_died"));
  g_assert_true (ktstr_expect_err_matches ("scheduler_error", "scheduler_start"));
  g_assert_true (ktstr_expect_err_matches ("scheduler_error", "scheduler_not_detached"));
  g_assert_false (ktstr_expect_err_matches ("scheduler_error", "hang"));
  g_assert_true (ktstr_expect_err_matches ("scheduler_died", "scheduler_died"));
  g_assert_false (ktstr_expect_err_matches ("scheduler_died", "scheduler_start"));
  g_assert_false (ktstr_expect_err_matches (NULL, "panic"));
  g_assert_true (g_strv_contains (ktstr_expect_err_names (), "starved"));
}

/* A kernel-built-in scheduler's failed enable action is the scheduler's
 * failure (scheduler_start, so scheduler_error too), not the scenario's. */
static void
test_expect_err_builtin (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_keys (f, "expect_err=scheduler_error", &error);
  g_assert_no_error (error);
  g_autoptr (KtstrTestDef) other = load_keys (f, "expect_err=scenario_error", &error);
  g_assert_no_error (error);
  KtstrTopology topo;
  g_assert_cmpint (ktstr_topology_parse ("1n1l2c1t", &topo, NULL, 0), ==, 0);
  g_autoptr (KtstrSession) s = ktstr_session_new ();
  ktstr_session_feed (s, "{\"t\":\"hello\",\"kernel\":\"6.12\"}");
  ktstr_session_feed (s, "{\"t\":\"error\",\"msg\":\"built-in scheduler enable: writing '1' "
                         "to /proc/sys/x failed: No such file or directory\"}");
  KtstrVmResult vm = { .end = KTSTR_VM_END_POWEROFF, .cleanup_ms = 1 };
  g_autoptr (KtstrVerdict) v = ktstr_verdict_decide (def, &topo, s, &vm, "", NULL);
  g_assert_cmpint (v->outcome, ==, KTSTR_OUTCOME_PASS);
  assert_contains (v->summary, "expected error scheduler_error happened: scenario error: "
                               "built-in scheduler enable");
  g_autoptr (KtstrVerdict) no = ktstr_verdict_decide (other, &topo, s, &vm, "", NULL);
  g_assert_cmpint (no->outcome, ==, KTSTR_OUTCOME_FAIL);
}

/* The fake's slow teardown (5 s) is over a 1 s budget, its normal one
 * (1 ms) is not. */
static void
test_cleanup_budget (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_keys (f, "cleanup_budget_ms=1000", &error);
  g_assert_no_error (error);
  g_autoptr (KtstrTestResult) slow = run_on (f, NULL, def, FAKE_GUEST_SLOW_CLEANUP);
  g_assert_cmpint (slow->outcome, ==, KTSTR_OUTCOME_FAIL);
  g_assert_cmpstr (slow->verdict, ==,
                   "cleanup over budget: tearing the VM down took 5000 ms, more than "
                   "cleanup_budget_ms 1000");
  g_autoptr (KtstrTestResult) quick = run_on (f, NULL, def, FAKE_GUEST_PASS);
  g_assert_cmpint (quick->outcome, ==, KTSTR_OUTCOME_PASS);
  g_assert_null (quick->verdict);

  /* Without the key the slow teardown passes. */
  g_autoptr (KtstrTestResult) unchecked = run_on (f, NULL, f->def, FAKE_GUEST_SLOW_CLEANUP);
  g_assert_cmpint (unchecked->outcome, ==, KTSTR_OUTCOME_PASS);

  g_autoptr (KtstrTestDef) expect
      = load_keys (f, "cleanup_budget_ms=1000\nexpect_err=cleanup_budget", &error);
  g_assert_no_error (error);
  g_autoptr (KtstrTestResult) expected = run_on (f, NULL, expect, FAKE_GUEST_SLOW_CLEANUP);
  g_assert_cmpint (expected->outcome, ==, KTSTR_OUTCOME_PASS);
}

static gboolean
image_has (const char *needle)
{
  g_assert_nonnull (fake_guest_last_initramfs);
  gsize len;
  const char *data = g_bytes_get_data (fake_guest_last_initramfs, &len);
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

/* include_files land in the test's own archive at /include-files/NAME,
 * and share that directory with --include. */
static void
test_include_files (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->dir, "probe-data.txt", NULL);
  g_assert_true (g_file_set_contents (file, "include-marker-7f3a\n", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_keys (f, "include_files=probe-data.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (def->include_files, ((const char *const[]){ file, NULL }));
  g_autoptr (KtstrTestResult) r = run_on (f, NULL, def, FAKE_GUEST_PASS);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
  g_assert_true (image_has ("include-files/probe-data.txt"));
  g_assert_true (image_has ("include-marker-7f3a"));
  g_autoptr (KtstrTestResult) without = run_on (f, NULL, f->def, FAKE_GUEST_PASS);
  g_assert_false (image_has ("include-marker-7f3a"));

  /* The same name from --include: refused before any boot. */
  char *includes[] = { file, NULL };
  KtstrRunOptions opts
      = { .kernel = &f->kernel, .backend = &fake_guest_backend, .includes = includes };
  g_autoptr (KtstrRunner) runner = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  KtstrRunVariant rv = { .topology = "1n1l2c1t" };
  g_assert_false (ktstr_runner_check_variant (runner, def, &rv, &error));
  g_assert_error (error, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID);
  assert_contains (error->message, "would both be /include-files/probe-data.txt");
}

/* memory_mb: the variant's memory in a plain run unless --memory-mb is
 * given; in a gauntlet the floor of every preset's. */
static void
test_memory_mb (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  g_ptr_array_add (tests, load_keys (f, "memory_mb=3072", &error));
  g_assert_no_error (error);
  KtstrTestDef *def = tests->pdata[0];
  g_assert_cmpuint (def->memory_mb, ==, 3072);
  char *no_args[] = { NULL };
  KtstrRunRequest q
      = { .kernel = &f->kernel, .backend = &fake_guest_backend, .scheduler_args = no_args };
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&q, tests, &error);
  g_assert_no_error (error);
  const KtstrVariant *v = ktstr_run_plan_get_variants (plan)->pdata[0];
  g_assert_cmpuint (v->memory_mb, ==, 3072);
  q.memory_mb = 512;
  g_autoptr (KtstrRunPlan) cli = ktstr_run_plan_new (&q, tests, &error);
  g_assert_no_error (error);
  v = ktstr_run_plan_get_variants (cli)->pdata[0];
  g_assert_cmpuint (v->memory_mb, ==, 0); /* the runner's: --memory-mb */

  static const KtstrHostCapacity big = { TRUE, 512, 64, 1 << 20, 0 };
  g_autoptr (GPtrArray) profiles = ktstr_profiles_expand (NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) variants = ktstr_gauntlet_expand (tests, NULL, profiles, NULL, &big, 0);
  g_assert_cmpuint (variants->len, >, 0);
  gboolean has_larger = FALSE;
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *gv = variants->pdata[i];
      g_assert_cmpuint (gv->memory_mb, >=, 3072);
      has_larger |= gv->memory_mb > 3072 && gv->memory_mb == gv->preset->memory_mb;
    }
  g_assert_true (has_larger); /* a preset that needs more keeps its own */
}

/* --work-type: a swappable test's works change type, keeping options and
 * the parameters the new type has; other tests keep theirs. */
static void
test_work_type (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "swap.ktstr", NULL);
  g_assert_true (g_file_set_contents (
      path,
      "[test]\nname=swap\nswappable=true\n[cgroup a]\nwork=Bursty\nwork.burst_ms=20\n"
      "work.sleep_ms=30\nnice=5\nworkers=1\n",
      -1, NULL));
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  g_ptr_array_add (tests, ktstr_testdef_load (path, &error));
  g_assert_no_error (error);
  g_ptr_array_add (tests, load_keys (f, "", &error));
  g_assert_no_error (error);
  KtstrTestDef *swap = tests->pdata[0], *fixed = tests->pdata[1];
  g_assert_true (swap->is_swappable);
  g_assert_false (fixed->is_swappable);

  g_assert_cmpuint (ktstr_tests_swap_work_type (tests, "Nope", &error), ==, 0);
  g_assert_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID);
  assert_contains (error->message, "--work-type: unknown work type 'Nope'");
  g_clear_error (&error);

  g_assert_cmpuint (ktstr_tests_swap_work_type (tests, "YieldHeavy", &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpstr (ktstr_testdef_work_type (swap), ==, "YieldHeavy");
  g_assert_cmpstr (ktstr_testdef_work_type (fixed), ==, "CpuSpin");
  g_autofree char *plan = ktstr_testdef_to_plan (swap, swap->topology, 10000);
  assert_contains (plan, "work a YieldHeavy workers=1 nice=5\n");
  g_assert_null (strstr (plan, "burst_ms"));

  /* Nothing swappable among the tests: the option would do nothing. */
  g_ptr_array_remove_index (tests, 0);
  g_assert_cmpuint (ktstr_tests_swap_work_type (tests, "CpuSpin", &error), ==, 0);
  assert_contains (error->message, "none of the selected tests is swappable");
  g_clear_error (&error);
  g_assert_false (ktstr_testdef_swap_work_type (fixed, "CpuSpin", &error));
  assert_contains (error->message, "is not swappable");
}

/* Each key's error names the file, the group and the key. */
static void
test_load_errors (Fixture *f, gconstpointer data)
{
  static const char *const cases[][2] = {
    { "expect_err=explode", "[test] expect_err: 'explode' is not a failure" },
    { "memory_mb=64", "[test] memory_mb: '64' is not a whole number between 128 and 65536" },
    { "cleanup_budget_ms=0", "[test] cleanup_budget_ms: '0' is not a whole number" },
    { "include_files=missing.bin", "[test] include_files: " },
    { "include_files=a.txt,sub/a.txt", "two files are named 'a.txt'" },
    { "include_files=a.txt,,", "[test] include_files: an empty entry" },
    { "swappable=maybe", "[test] swappable: 'maybe' is not true or false" },
  };
  g_autofree char *sub = g_build_filename (f->dir, "sub", NULL);
  g_autofree char *a = g_build_filename (f->dir, "a.txt", NULL);
  g_autofree char *sub_a = g_build_filename (sub, "a.txt", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (g_file_set_contents (a, "a", -1, NULL));
  g_assert_true (g_file_set_contents (sub_a, "a", -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrTestDef) def = load_keys (f, cases[i][0], &error);
      g_assert_null (def);
      g_assert_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID);
      assert_contains (error->message, "keys.ktstr:");
      assert_contains (error->message, cases[i][1]);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) missing = load_keys (f, "include_files=missing.bin", &error);
  assert_contains (error->message, "missing.bin: no such file");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/run-keys/expect-err", Fixture, NULL, fake_guest_fixture_set_up, test_expect_err,
              fake_guest_fixture_tear_down);
  g_test_add_func ("/run-keys/expect-err/names", test_expect_err_names);
  g_test_add ("/run-keys/expect-err/builtin", Fixture, NULL, fake_guest_fixture_set_up,
              test_expect_err_builtin, fake_guest_fixture_tear_down);
  g_test_add ("/run-keys/cleanup-budget", Fixture, NULL, fake_guest_fixture_set_up,
              test_cleanup_budget, fake_guest_fixture_tear_down);
  g_test_add ("/run-keys/include-files", Fixture, NULL, fake_guest_fixture_set_up,
              test_include_files, fake_guest_fixture_tear_down);
  g_test_add ("/run-keys/memory-mb", Fixture, NULL, fake_guest_fixture_set_up, test_memory_mb,
              fake_guest_fixture_tear_down);
  g_test_add ("/run-keys/work-type", Fixture, NULL, fake_guest_fixture_set_up, test_work_type,
              fake_guest_fixture_tear_down);
  g_test_add ("/run-keys/load-errors", Fixture, NULL, fake_guest_fixture_set_up, test_load_errors,
              fake_guest_fixture_tear_down);
  return g_test_run ();
}
