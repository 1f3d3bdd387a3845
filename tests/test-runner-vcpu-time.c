/* The runner reads the backend's account of the VM's vCPU threads
 * (KtstrVcpuTime) when the guest's ScenarioStart and ScenarioEnd lines
 * arrive, and records the difference in the result and the sidecar's
 * vcpu_host; when a reading fails, or the threads changed in between,
 * nothing is recorded rather than a wrong figure.  Driven by a fake
 * backend whose readings the test scripts. */
#include "config.h"

#include <string.h>

#include "record/sidecar.h"
#include "run/runner.h"
#include "tests/fake-guest.h"

/* The readings the fake backend returns, call by call (is_ok FALSE: the
 * read fails); a call past the end fails too. */
typedef struct
{
  gboolean is_ok;
  KtstrVcpuTime t;
} Reading;

static Reading readings[2];
static guint n_readings;
static guint n_calls;

/* A passing guest that marks its scenario's start and end. */
static gboolean
marked_launch (KtstrVm *vm, GError **error)
{
  fake_guest_hello (vm);
  fake_guest_pass (vm, 4, TRUE);
  return TRUE;
}

static gboolean
fake_vcpu_time (KtstrVm *vm, KtstrVcpuTime *out)
{
  /* Readings only at the two scenario lines, not at every line. */
  g_assert_cmpuint (n_calls, <, 2);
  guint i = n_calls++;
  memset (out, 0, sizeof *out);
  if (i >= n_readings || !readings[i].is_ok)
    return FALSE;
  *out = readings[i].t;
  return TRUE;
}

/* The fake backend with the hook (the plain one, without it, is a
 * backend that cannot tell). */
static KtstrBackend timed_backend;

typedef FakeGuestFixture Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (f, data);
  fake_guest_launch = marked_launch;
  timed_backend = fake_guest_backend;
  timed_backend.vcpu_time = fake_vcpu_time;
  memset (readings, 0, sizeof readings);
  n_readings = 0;
  n_calls = 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_tear_down (f, data);
}

/* Runs the test once; *sc gets its sidecar, read back from the file. */
static KtstrTestResult *
run_once (Fixture *f, const KtstrBackend *backend, KtstrSidecar **sc)
{
  KtstrRunOptions opts = { .kernel = &f->kernel, .backend = backend };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrRunner) runner = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  KtstrTestResult *r = ktstr_runner_run (runner, f->def, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->outcome, ==, KTSTR_OUTCOME_PASS);
  g_assert_nonnull (r->sidecar_path);
  *sc = ktstr_sidecar_load_file (r->sidecar_path, &error);
  g_assert_no_error (error);
  return r;
}

static void
set_readings (gboolean ok0, guint64 run0, guint64 wait0, guint n0, gboolean ok1, guint64 run1,
              guint64 wait1, guint n1)
{
  readings[0] = (Reading){ ok0, { run0, wait0, n0 } };
  readings[1] = (Reading){ ok1, { run1, wait1, n1 } };
  n_readings = 2;
}

static void
test_difference_recorded (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, TRUE, 3500000000, 500000000, 2);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &timed_backend, &sc);
  g_assert_cmpuint (n_calls, ==, 2);
  g_assert_true (r->has_vcpu_host);
  g_assert_cmpuint (r->vcpu_host_threads, ==, 2);
  g_assert_cmpuint (r->vcpu_host_run_ns, ==, 2500000000);
  g_assert_cmpuint (r->vcpu_host_wait_ns, ==, 300000000);
  g_assert_true (sc->has_vcpu_host);
  g_assert_cmpuint (sc->vcpu_host_threads, ==, 2);
  g_assert_cmpuint (sc->vcpu_host_run_ns, ==, 2500000000);
  g_assert_cmpuint (sc->vcpu_host_wait_ns, ==, 300000000);
  /* The fake guest sends both lines at once: well under a second apart. */
  g_assert_cmpuint (sc->vcpu_host_span_ms, <, 1000);
}

static void
test_failed_start_reading (Fixture *f, gconstpointer data)
{
  set_readings (FALSE, 0, 0, 0, TRUE, 3500000000, 500000000, 2);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &timed_backend, &sc);
  g_assert_false (r->has_vcpu_host);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_failed_end_reading (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, FALSE, 0, 0, 0);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &timed_backend, &sc);
  g_assert_cmpuint (n_calls, ==, 2);
  g_assert_false (sc->has_vcpu_host);
}

/* A vCPU thread that appeared or vanished in between makes the sums
 * incomparable, and so does a counter that went backwards. */
static void
test_threads_changed (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, TRUE, 3500000000, 500000000, 1);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &timed_backend, &sc);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_counter_backwards (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, TRUE, 900000000, 500000000, 2);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &timed_backend, &sc);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_backend_without_hook (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_guest_backend, &sc);
  g_assert_cmpuint (n_calls, ==, 0);
  g_assert_false (r->has_vcpu_host);
  g_assert_false (sc->has_vcpu_host);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/runner/vcpu-time/difference-recorded", Fixture, NULL, fixture_set_up,
              test_difference_recorded, fixture_tear_down);
  g_test_add ("/runner/vcpu-time/failed-start-reading", Fixture, NULL, fixture_set_up,
              test_failed_start_reading, fixture_tear_down);
  g_test_add ("/runner/vcpu-time/failed-end-reading", Fixture, NULL, fixture_set_up,
              test_failed_end_reading, fixture_tear_down);
  g_test_add ("/runner/vcpu-time/threads-changed", Fixture, NULL, fixture_set_up,
              test_threads_changed, fixture_tear_down);
  g_test_add ("/runner/vcpu-time/counter-backwards", Fixture, NULL, fixture_set_up,
              test_counter_backwards, fixture_tear_down);
  g_test_add ("/runner/vcpu-time/backend-without-hook", Fixture, NULL, fixture_set_up,
              test_backend_without_hook, fixture_tear_down);
  return g_test_run ();
}
