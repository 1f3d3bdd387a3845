/* The runner reads the backend's account of the VM's vCPU threads
 * (KtstrVcpuTime) when the guest's ScenarioStart and ScenarioEnd lines
 * arrive, and records the difference in the result and the sidecar's
 * vcpu_host; when a reading fails, or the threads changed in between,
 * nothing is recorded rather than a wrong figure.  Driven by a fake
 * backend whose readings the test scripts. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "backends/backend.h"
#include "record/sidecar.h"
#include "run/runner.h"
#include "testdef/testdef.h"

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

struct _KtstrVm
{
  KtstrVmConfig config;
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
  g_assert_true (g_file_set_contents (vm->config.console_path, "reboot: Power down\n", -1, NULL));
  say (vm, "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":5,\"kernel\":\"6.12.0-fake\"}");
  say (vm, "{\"t\":\"topo\",\"cpus\":2,\"llcs\":[[0,1]],\"numa\":[[0,1]],\"smt\":1}");
  say (vm, "{\"t\":\"cgroup\",\"name\":\"cg_0\",\"cpuset\":\"\"}");
  say (vm, "{\"t\":\"stim\",\"elapsed_ms\":0,\"label\":\"ScenarioStart\",\"op_kind\":null,"
           "\"detail\":null,\"total_iterations\":0}");
  /* Readings only at the two scenario lines, not at every line. */
  g_assert_cmpuint (n_calls, <=, 1);
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
  say (vm, "{\"t\":\"stim\",\"elapsed_ms\":1000,\"label\":\"ScenarioEnd\",\"op_kind\":null,"
           "\"detail\":null,\"total_iterations\":8}");
  say (vm, "{\"t\":\"done\",\"elapsed_ms\":1000}");
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
  result->end = KTSTR_VM_END_POWEROFF;
  result->accel = g_strdup ("tcg");
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

static gboolean
fake_vcpu_time (KtstrVm *vm, KtstrVcpuTime *out)
{
  guint i = n_calls++;
  memset (out, 0, sizeof *out);
  if (i >= n_readings || !readings[i].is_ok)
    return FALSE;
  *out = readings[i].t;
  return TRUE;
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
  .vcpu_time = fake_vcpu_time,
};

/* The same backend without the hook, as a backend that cannot tell. */
static const KtstrBackend blind_backend = {
  .name = "blind",
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
  f->dir = g_dir_make_tmp ("ktstr-vcpu-time-XXXXXX", NULL);
  g_autofree char *agent = g_build_filename (f->dir, "agent", NULL);
  g_autofree char *sidecars = g_build_filename (f->dir, "sidecars", NULL);
  g_autofree char *cache = g_build_filename (f->dir, "cache", NULL);
  g_autofree char *file = g_build_filename (f->dir, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (agent, "not really an agent", -1, NULL));
  g_assert_true (g_file_set_contents (
      file, "[test]\nname=vcpu\nduration_ms=1000\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", -1,
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
  memset (readings, 0, sizeof readings);
  n_readings = 0;
  n_calls = 0;
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
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_backend, &sc);
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
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_backend, &sc);
  g_assert_false (r->has_vcpu_host);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_failed_end_reading (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, FALSE, 0, 0, 0);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_backend, &sc);
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
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_backend, &sc);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_counter_backwards (Fixture *f, gconstpointer data)
{
  set_readings (TRUE, 1000000000, 200000000, 2, TRUE, 900000000, 500000000, 2);
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &fake_backend, &sc);
  g_assert_false (sc->has_vcpu_host);
}

static void
test_backend_without_hook (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) sc = NULL;
  g_autoptr (KtstrTestResult) r = run_once (f, &blind_backend, &sc);
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
