/* The executor, driven through real runners with a fake backend: results
 * come back in order with their counts; a harness error becomes a FAIL
 * that leaves the rest running; stopping kills the running VM, keeps what
 * was written and leaves nothing of the variant cut short; a failure that
 * comes back after a signal is discarded; skips are reported or recorded.
 * The fake guest's behaviour is chosen by the variant's memory size
 * (tests/fake-guest.h). */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "record/sidecar.h"
#include "run/executor.h"
#include "run/runner.h"
#include "run/variant.h"
#include "testdef/testdef.h"
#include "tests/fake-guest.h"

#define GUEST_PASS FAKE_GUEST_PASS
#define GUEST_PANIC FAKE_GUEST_PANIC
#define GUEST_BLOCK FAKE_GUEST_BLOCK

static volatile sig_atomic_t interrupted;

typedef struct
{
  FakeGuestFixture fake;
  GPtrArray *seen; /* "NAME OUTCOME" per result, in order */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (&f->fake, data);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  interrupted = 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->seen);
  fake_guest_fixture_tear_down (&f->fake, data);
}

static KtstrVariant *
add_variant (Fixture *f, const char *name, guint guest, KtstrRunner *runner)
{
  return fake_guest_add_variant (&f->fake, name, guest, runner);
}

static guint
count_files (const char *dir, const char *suffix)
{
  return fake_guest_count_files (dir, suffix);
}

static const char *
word (KtstrOutcome o)
{
  return o == KTSTR_OUTCOME_PASS ? "PASS" : o == KTSTR_OUTCOME_SKIP ? "SKIP" : "FAIL";
}

static void
on_result (const KtstrVariant *v, const KtstrTestResult *r, gpointer user_data)
{
  Fixture *f = user_data;
  g_assert_cmpstr (r->name, ==, v->name);
  g_ptr_array_add (f->seen, g_strdup_printf ("%s %s%s", r->name, word (r->outcome),
                                             r->is_harness_error ? " harness" : ""));
}

static KtstrExecutor *
make_executor (Fixture *f, guint jobs)
{
  KtstrExecutorOptions o = {
    .jobs = jobs,
    .interrupted = &interrupted,
    .on_result = on_result,
    .user_data = f,
  };
  return ktstr_executor_new (&o);
}

static void
assert_seen (Fixture *f, const char *const *want)
{
  for (guint i = 0; want[i] != NULL; i++)
    {
      g_assert_cmpuint (i, <, f->seen->len);
      g_assert_cmpstr (f->seen->pdata[i], ==, want[i]);
    }
  g_assert_cmpuint (f->seen->len, ==, g_strv_length ((char **)want));
}

/* One job: results in list order, counted, one sidecar per run. */
static void
test_order_and_counts (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", GUEST_PASS, NULL);
  add_variant (f, "b", GUEST_PANIC, NULL);
  add_variant (f, "c", GUEST_PASS, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "a PASS", "b FAIL", "c PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.passed, ==, 2);
  g_assert_cmpuint (s.failed, ==, 1);
  g_assert_cmpuint (s.skipped + s.not_run + s.harness_errors, ==, 0);
  g_assert_false (s.is_interrupted);
  const KtstrProgress *p = ktstr_executor_get_progress (ex);
  g_assert_cmpuint (p->done, ==, 3);
  g_assert_cmpuint (p->total, ==, 3);
  g_assert_cmpuint (p->n_run, ==, 3);
  g_assert_cmpuint (p->running, ==, 0);
  g_assert_cmpuint (ktstr_executor_get_results (ex)->len, ==, 3);
  /* The three runs share one variant hash: the last writer wins. */
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 1);

  /* Another list on the same executor adds up. */
  g_ptr_array_set_size (f->fake.variants, 0);
  add_variant (f, "d", GUEST_PASS, NULL);
  ktstr_executor_run (ex, f->fake.variants);
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.passed, ==, 3);
  g_assert_cmpuint (ktstr_executor_get_progress (ex)->total, ==, 4);
}

/* A runner whose run directory became unusable: its variants fail as
 * harness errors, with the reason, and the others still run. */
static void
test_harness_error (Fixture *f, gconstpointer data)
{
  g_autofree char *broken_dir = g_build_filename (f->fake.dir, "broken", NULL);
  g_autoptr (KtstrRunner) broken = fake_guest_runner_new (&f->fake, broken_dir);
  g_assert_cmpint (g_rmdir (broken_dir), ==, 0);
  g_assert_true (g_file_set_contents (broken_dir, "not a directory", -1, NULL));
  add_variant (f, "a", GUEST_PASS, broken);
  add_variant (f, "b", GUEST_PASS, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "a FAIL harness", "b PASS", NULL });
  const KtstrTestResult *r = ktstr_executor_get_results (ex)->pdata[0];
  g_assert_nonnull (strstr (r->verdict, "test 'exec' ran but its sidecar could not be written"));
  g_assert_cmpstr (r->topology, ==, "1n1l2c1t");
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.failed, ==, 1);
  g_assert_cmpuint (s.harness_errors, ==, 1);
  g_assert_cmpuint (s.passed, ==, 1);
}

/* Stopping kills the running VM (its variant leaves no sidecar), starts
 * nothing more, and keeps what finished before. */
static void
test_stop_kills_running (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", GUEST_PASS, NULL);
  add_variant (f, "b", GUEST_BLOCK, NULL);
  add_variant (f, "c", GUEST_PASS, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  g_timeout_add (10, fake_guest_stop_when_blocking, ex);
  ktstr_executor_run (ex, f->fake.variants);
  g_assert_true (g_atomic_int_get (&fake_guest_blocking_started));
  assert_seen (f, (const char *[]){ "a PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_true (s.is_interrupted);
  g_assert_cmpuint (s.passed, ==, 1);
  g_assert_cmpuint (s.not_run, ==, 2);
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 1);
  g_assert_cmpuint (count_files (f->fake.sidecars, ".console.log"), ==, 1);
  /* Nothing runs after a stop. */
  ktstr_executor_run (ex, f->fake.variants);
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.not_run, ==, 5);
  g_assert_cmpuint (f->seen->len, ==, 1);
}

/* A failure that comes back after the caller's signal flag went up is
 * taken for a VM the signal killed: discarded with its sidecar. */
static gboolean
raise_flag (gpointer user_data)
{
  interrupted = 1;
  return G_SOURCE_REMOVE;
}

static void
test_interrupted_failure_discarded (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", GUEST_PASS, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->fake.variants);
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 1);

  g_ptr_array_set_size (f->fake.variants, 0);
  add_variant (f, "b", GUEST_PANIC, NULL);
  raise_flag (NULL);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "a PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.not_run, ==, 1);
  g_assert_cmpuint (s.failed, ==, 0);
  /* b had the same variant hash as a and replaced its sidecar before it
   * was discarded: none is left. */
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 0);
}

/* A skip that writes nothing is reported when its turn to be queued comes,
 * before the runs queued ahead of it finish; a recorded skip writes its
 * sidecar in order. */
static void
test_skips (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", GUEST_PASS, NULL);
  KtstrVariant *b = add_variant (f, "b", GUEST_PASS, NULL);
  b->skip_reason = g_strdup ("does not fit");
  KtstrVariant *c = add_variant (f, "c", GUEST_PASS, NULL);
  c->skip_reason = g_strdup ("needs 2 LLCs");
  c->is_skip_recorded = TRUE;
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "b SKIP", "a PASS", "c SKIP", NULL });
  GPtrArray *results = ktstr_executor_get_results (ex);
  const KtstrTestResult *rb = results->pdata[0], *rc = results->pdata[2];
  g_assert_cmpstr (rb->verdict, ==, "does not fit");
  g_assert_null (rb->sidecar_path);
  g_assert_cmpstr (rc->verdict, ==, "needs 2 LLCs");
  g_assert_nonnull (rc->sidecar_path);
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.skipped, ==, 2);
  g_assert_cmpuint (ktstr_executor_get_progress (ex)->n_run, ==, 1);
}

/* Trials of one variant each keep their sidecar, with their index. */
static void
test_trials (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", GUEST_PASS, NULL);
  g_autoptr (GPtrArray) trials = ktstr_variants_repeat (f->fake.variants, 2);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, trials);
  assert_seen (f, (const char *[]){ "a#1 PASS", "a#2 PASS", NULL });
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 2);
  g_assert_cmpuint (count_files (f->fake.sidecars, ".console.log"), ==, 2);
  GPtrArray *results = ktstr_executor_get_results (ex);
  for (guint i = 0; i < 2; i++)
    {
      const KtstrTestResult *r = results->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (r->sidecar_path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (sc->trial, ==, i + 1);
      g_assert_cmpstr (sc->test_name, ==, "exec");
      g_autofree char *suffix = g_strdup_printf ("-trial%u.ktstr.json", i + 1);
      g_assert_true (g_str_has_suffix (r->sidecar_path, suffix));
    }
}

/* Two jobs: two VMs run at once (each guest waits for the other to
 * start, and fails alone), and each result and sidecar stays its test's. */
static void
test_jobs_overlap (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->fake.dir, "other.ktstr", NULL);
  g_assert_true (g_file_set_contents (
      file, "[test]\nname=other\nduration_ms=1000\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", -1,
      NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) other = ktstr_testdef_load (file, &error);
  g_assert_no_error (error);
  add_variant (f, "exec", FAKE_GUEST_MEET, NULL);
  KtstrVariant *b = add_variant (f, "other", FAKE_GUEST_MEET, NULL);
  b->def = other;
  g_autoptr (KtstrExecutor) ex = make_executor (f, 2);
  ktstr_executor_run (ex, f->fake.variants);
  g_assert_cmpint (g_atomic_int_get (&fake_guest_met), ==, 2);
  g_assert_cmpuint (f->seen->len, ==, 2);
  GPtrArray *results = ktstr_executor_get_results (ex);
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrTestResult *r = results->pdata[i];
      g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
      g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (r->sidecar_path, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (sc->test_name, ==, r->name);
      g_assert_true (sc->passed);
      g_assert_cmpuint (sc->stats->total_workers, ==, 2);
    }
  g_assert_cmpuint (count_files (f->fake.sidecars, ".ktstr.json"), ==, 2);
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.passed, ==, 2);
  g_assert_cmpuint (ktstr_executor_get_progress (ex)->jobs, ==, 2);
}

/* The same two guests one at a time: the first waits alone and fails,
 * so the overlap above is the jobs', not the guests'. */
static void
test_jobs_one_at_a_time (Fixture *f, gconstpointer data)
{
  add_variant (f, "a", FAKE_GUEST_MEET, NULL);
  add_variant (f, "b", FAKE_GUEST_MEET, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "a FAIL", "b PASS", NULL });
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/executor/order-and-counts", test_order_and_counts);
  ADD ("/executor/harness-error", test_harness_error);
  ADD ("/executor/stop/kills-running", test_stop_kills_running);
  ADD ("/executor/stop/interrupted-failure-discarded", test_interrupted_failure_discarded);
  ADD ("/executor/skips", test_skips);
  ADD ("/executor/trials", test_trials);
  ADD ("/executor/jobs/overlap", test_jobs_overlap);
  ADD ("/executor/jobs/one-at-a-time", test_jobs_one_at_a_time);
#undef ADD
  return g_test_run ();
}
