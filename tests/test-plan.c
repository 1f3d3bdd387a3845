/* The plan of a `ktstr test` run on the fake backend: a plain run is one
 * variant per test with its runner, a test its topology rules out is a
 * recorded skip, tests sharing a scheduler choice share a runner, a
 * gauntlet is tests x presets x profiles; and what cannot run is refused
 * before any VM with its own error code. */
#include "config.h"

#include <string.h>

#include "run/plan.h"
#include "run/runner.h"
#include "tests/fake-guest.h"

typedef struct
{
  FakeGuestFixture fake;
  GPtrArray *tests; /* KtstrTestDef*: exec (1n1l2c1t), llc (needs 2 LLCs) */
  KtstrRunRequest request;
  char *no_args[1];
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (&f->fake, data);
  g_autofree char *llc = g_build_filename (f->fake.dir, "llc.ktstr", NULL);
  g_assert_true (
      g_file_set_contents (llc,
                           "[test]\nname=llc\nduration_ms=1000\ntopology=1n2l1c1t\nmin_llcs=2\n"
                           "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n",
                           -1, NULL));
  g_autoptr (GError) error = NULL;
  f->tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  g_ptr_array_add (f->tests, ktstr_testdef_load (f->fake.def->path, &error));
  g_assert_no_error (error);
  g_ptr_array_add (f->tests, ktstr_testdef_load (llc, &error));
  g_assert_no_error (error);
  f->request = (KtstrRunRequest){
    .kernel = &f->fake.kernel,
    .backend = &fake_guest_backend,
    .scheduler_args = f->no_args,
  };
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->tests);
  fake_guest_fixture_tear_down (&f->fake, data);
}

static void
test_plain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&f->request, f->tests, &error);
  g_assert_no_error (error);
  GPtrArray *v = ktstr_run_plan_get_variants (plan);
  g_assert_cmpuint (v->len, ==, 2);
  const KtstrVariant *exec = v->pdata[0], *llc = v->pdata[1];
  g_assert_cmpstr (exec->name, ==, "exec");
  g_assert_cmpstr (exec->topology, ==, "1n1l2c1t");
  g_assert_null (exec->skip_reason);
  g_assert_cmpuint (exec->trial, ==, 0);
  g_assert_cmpstr (llc->name, ==, "llc");
  g_assert_cmpstr (llc->topology, ==, "1n2l1c1t");
  g_assert_null (llc->skip_reason);
  /* One scheduler choice (none): one runner for both. */
  g_assert_true (exec->runner != NULL && exec->runner == llc->runner);
  g_assert_false (ktstr_runner_has_scheduler (exec->runner));
  g_assert_cmpstr (ktstr_run_plan_get_rundir (plan), ==, f->fake.sidecars);
  guint presets, profiles;
  gboolean is_kvm;
  ktstr_run_plan_get_gauntlet_shape (plan, &presets, &profiles, &is_kvm);
  g_assert_cmpuint (presets + profiles, ==, 0);
}

/* --topology for every test: one that needs 2 LLCs is a recorded skip. */
static void
test_plain_skip (Fixture *f, gconstpointer data)
{
  f->request.topology = "1n1l2c1t";
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&f->request, f->tests, &error);
  g_assert_no_error (error);
  const KtstrVariant *llc = ktstr_run_plan_get_variants (plan)->pdata[1];
  g_assert_cmpstr (llc->topology, ==, "1n1l2c1t");
  g_assert_cmpstr (llc->skip_reason, ==, "1n1l2c1t has 1 LLCs; test 'llc' needs 2 to 64");
  g_assert_true (llc->is_skip_recorded);
}

/* Tests x presets x profiles, each variant with its profile's runner and
 * the preset's topology; presets that do not fit are unrecorded skips. */
static void
test_gauntlet (Fixture *f, gconstpointer data)
{
  f->request.is_gauntlet = TRUE;
  f->request.presets = "tiny-1llc,tiny-2llc";
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&f->request, f->tests, &error);
  g_assert_no_error (error);
  GPtrArray *v = ktstr_run_plan_get_variants (plan);
  g_assert_cmpuint (v->len, ==, 4);
  const KtstrVariant *llc_1 = v->pdata[2], *llc_2 = v->pdata[3];
  g_assert_cmpstr (llc_1->name, ==, "gauntlet/llc/tiny-1llc/default");
  g_assert_cmpstr (llc_1->topology, ==, "1n1l4c1t");
  g_assert_nonnull (llc_1->skip_reason);
  g_assert_false (llc_1->is_skip_recorded);
  g_assert_cmpstr (llc_2->name, ==, "gauntlet/llc/tiny-2llc/default");
  g_assert_null (llc_2->skip_reason);
  g_assert_true (llc_2->runner == ((KtstrVariant *)v->pdata[0])->runner);
  guint presets, profiles;
  gboolean is_kvm;
  ktstr_run_plan_get_gauntlet_shape (plan, &presets, &profiles, &is_kvm);
  g_assert_cmpuint (presets, ==, 2);
  g_assert_cmpuint (profiles, ==, 1);
}

static void
assert_refused (Fixture *f, GPtrArray *tests, GQuark domain, gint code, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&f->request, tests, &error);
  g_assert_null (plan);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, message));
}

/* A test whose cpusets the topology cannot hold: --topology in a plain
 * run is refused before any VM, naming file, key and topology; in a
 * gauntlet a preset that cannot hold them is a skip that says why. */
static void
test_topology_cpus (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->fake.dir, "pinned.ktstr", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[test]\nname=pinned\nduration_ms=1000\n"
                                      "topology=1n2l2c1t\n[cgroup a]\ncpuset=llc:1\n"
                                      "work=CpuSpin\n",
                                      -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  g_ptr_array_add (tests, ktstr_testdef_load (path, &error));
  g_assert_no_error (error);

  f->request.topology = "1n1l2c1t";
  g_autofree char *want = g_strdup_printf ("%s:6: [cgroup a] cpuset: at topology 1n1l2c1t: "
                                           "cpuset 'llc:1': the guest has 1 LLC",
                                           path);
  assert_refused (f, tests, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_CPUS, want);

  f->request.topology = NULL;
  f->request.is_gauntlet = TRUE;
  f->request.presets = "tiny-1llc,tiny-2llc";
  g_autoptr (KtstrRunPlan) plan = ktstr_run_plan_new (&f->request, tests, &error);
  g_assert_no_error (error);
  GPtrArray *v = ktstr_run_plan_get_variants (plan);
  g_assert_cmpuint (v->len, ==, 2);
  const KtstrVariant *one = v->pdata[0], *two = v->pdata[1];
  g_assert_nonnull (strstr (one->skip_reason, "at topology 1n1l4c1t: cpuset 'llc:1'"));
  g_assert_false (one->is_skip_recorded);
  g_assert_null (two->skip_reason);
}

/* Refusals, before any VM: each with its own code and a message naming
 * the input. */
static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  assert_refused (f, none, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_NO_TESTS, "no tests");

  char *console[] = { (char *)"console=ttyS1", NULL };
  f->request.kargs = console;
  assert_refused (f, f->tests, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_KARG,
                  "--karg 'console=ttyS1': ktstr sets console= itself");
  f->request.kargs = NULL;

  char *sched_args[] = { (char *)"--slice-us=100", NULL };
  f->request.scheduler_args = sched_args;
  assert_refused (f, f->tests, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_SCHEDULER_ARGS,
                  "arguments after '--' are for a scheduler");
  f->request.scheduler_args = f->no_args;

  f->request.flags = "fast";
  assert_refused (f, f->tests, KTSTR_RUN_PLAN_ERROR, KTSTR_RUN_PLAN_ERROR_FLAGS,
                  "--flags: test 'exec' names no scheduler definition");
  f->request.flags = NULL;

  /* A --timeout shorter than a test's settle + duration. */
  f->request.timeout_s = 1;
  assert_refused (f, f->tests, KTSTR_RUNNER_ERROR, KTSTR_RUNNER_ERROR_INVALID,
                  "--timeout 1 is too short for test 'exec'");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/plan/plain", test_plain);
  ADD ("/plan/plain/skip", test_plain_skip);
  ADD ("/plan/gauntlet", test_gauntlet);
  ADD ("/plan/topology-cpus", test_topology_cpus);
  ADD ("/plan/refused", test_refused);
#undef ADD
  return g_test_run ();
}
