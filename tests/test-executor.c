/* The executor, driven through real runners with a fake backend: results
 * come back in order with their counts; a harness error becomes a FAIL
 * that leaves the rest running; stopping kills the running VM, keeps what
 * was written and leaves nothing of the variant cut short; a failure that
 * comes back after a signal is discarded; skips are reported or recorded.
 * The fake guest's behaviour is chosen by the variant's memory size. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "backends/backend.h"
#include "kernel/kernel-cache.h"
#include "record/sidecar.h"
#include "run/executor.h"
#include "run/runner.h"
#include "run/variant.h"
#include "testdef/testdef.h"

enum
{
  GUEST_PASS = 256,  /* a complete, passing scenario */
  GUEST_PANIC = 257, /* hello, then a kernel panic */
  GUEST_BLOCK = 258, /* runs until it is killed */
};

static volatile sig_atomic_t interrupted;
static gint blocking_started;

struct _KtstrVm
{
  KtstrVmConfig config;
  KtstrVmEnd end;
  gboolean is_killed;
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
  say (vm, "{\"t\":\"hello\",\"proto\":1,\"uptime_ms\":5,\"kernel\":\"6.12.0-fake\"}");
  if (vm->config.memory_mb == GUEST_BLOCK)
    {
      g_atomic_int_set (&blocking_started, 1);
      return TRUE;
    }
  if (vm->config.memory_mb == GUEST_PANIC)
    {
      g_assert_true (g_file_set_contents (vm->config.console_path,
                                          "Kernel panic - not syncing: sysrq triggered crash\n", -1,
                                          NULL));
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

/* A blocking guest runs until the runner's cancel source, attached to
 * this thread's default context, kills it. */
static gboolean
fake_wait (KtstrVm *vm, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();
  while (vm->config.memory_mb == GUEST_BLOCK && !vm->is_killed)
    g_main_context_iteration (context, TRUE);
  return TRUE;
}

static void
fake_collect (KtstrVm *vm, KtstrVmResult *result)
{
  result->end = vm->is_killed ? KTSTR_VM_END_RESET : vm->end;
  result->accel = g_strdup ("tcg");
  result->command_line = g_strdup ("fake-vm");
  result->cleanup_ms = 1;
}

static void
fake_kill (KtstrVm *vm)
{
  vm->is_killed = TRUE;
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
  char *sidecars;
  KtstrTestDef *def;
  KtstrKernel kernel;
  KtstrRunner *runner;
  GPtrArray *variants;
  GPtrArray *seen; /* "NAME OUTCOME" per result, in order */
} Fixture;

static KtstrRunner *
make_runner (Fixture *f, const char *sidecar_dir)
{
  g_setenv ("KTSTR_SIDECAR_DIR", sidecar_dir, TRUE);
  KtstrRunOptions opts = { .kernel = &f->kernel, .backend = &fake_backend };
  g_autoptr (GError) error = NULL;
  KtstrRunner *r = ktstr_runner_new (&opts, &error);
  g_assert_no_error (error);
  return r;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ktstr-executor-XXXXXX", NULL);
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
  f->runner = make_runner (f, f->sidecars);
  f->variants = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  interrupted = 0;
  g_atomic_int_set (&blocking_started, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->variants);
  g_ptr_array_unref (f->seen);
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

static KtstrVariant *
add_variant (Fixture *f, const char *name, guint guest, KtstrRunner *runner)
{
  KtstrVariant *v = ktstr_variant_new (name, f->def, "1n1l2c1t");
  v->memory_mb = guest;
  v->runner = runner ? runner : f->runner;
  g_ptr_array_add (f->variants, v);
  return v;
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

static guint
count_files (const char *dir, const char *suffix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += g_str_has_suffix (name, suffix);
  return n;
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
  ktstr_executor_run (ex, f->variants);
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
  g_assert_cmpuint (count_files (f->sidecars, ".ktstr.json"), ==, 1);

  /* Another list on the same executor adds up. */
  g_ptr_array_set_size (f->variants, 0);
  add_variant (f, "d", GUEST_PASS, NULL);
  ktstr_executor_run (ex, f->variants);
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.passed, ==, 3);
  g_assert_cmpuint (ktstr_executor_get_progress (ex)->total, ==, 4);
}

/* A runner whose run directory became unusable: its variants fail as
 * harness errors, with the reason, and the others still run. */
static void
test_harness_error (Fixture *f, gconstpointer data)
{
  g_autofree char *broken_dir = g_build_filename (f->dir, "broken", NULL);
  g_autoptr (KtstrRunner) broken = make_runner (f, broken_dir);
  g_assert_cmpint (g_rmdir (broken_dir), ==, 0);
  g_assert_true (g_file_set_contents (broken_dir, "not a directory", -1, NULL));
  add_variant (f, "a", GUEST_PASS, broken);
  add_variant (f, "b", GUEST_PASS, NULL);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, f->variants);
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

static gboolean
stop_when_blocking (gpointer user_data)
{
  if (!g_atomic_int_get (&blocking_started))
    return G_SOURCE_CONTINUE;
  ktstr_executor_stop (user_data);
  return G_SOURCE_REMOVE;
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
  g_timeout_add (10, stop_when_blocking, ex);
  ktstr_executor_run (ex, f->variants);
  g_assert_true (g_atomic_int_get (&blocking_started));
  assert_seen (f, (const char *[]){ "a PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_true (s.is_interrupted);
  g_assert_cmpuint (s.passed, ==, 1);
  g_assert_cmpuint (s.not_run, ==, 2);
  g_assert_cmpuint (count_files (f->sidecars, ".ktstr.json"), ==, 1);
  g_assert_cmpuint (count_files (f->sidecars, ".console.log"), ==, 1);
  /* Nothing runs after a stop. */
  ktstr_executor_run (ex, f->variants);
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
  ktstr_executor_run (ex, f->variants);
  g_assert_cmpuint (count_files (f->sidecars, ".ktstr.json"), ==, 1);

  g_ptr_array_set_size (f->variants, 0);
  add_variant (f, "b", GUEST_PANIC, NULL);
  raise_flag (NULL);
  ktstr_executor_run (ex, f->variants);
  assert_seen (f, (const char *[]){ "a PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_cmpuint (s.not_run, ==, 1);
  g_assert_cmpuint (s.failed, ==, 0);
  /* b had the same variant hash as a and replaced its sidecar before it
   * was discarded: none is left. */
  g_assert_cmpuint (count_files (f->sidecars, ".ktstr.json"), ==, 0);
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
  ktstr_executor_run (ex, f->variants);
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
  g_autoptr (GPtrArray) trials = ktstr_variants_repeat (f->variants, 2);
  g_autoptr (KtstrExecutor) ex = make_executor (f, 1);
  ktstr_executor_run (ex, trials);
  assert_seen (f, (const char *[]){ "a#1 PASS", "a#2 PASS", NULL });
  g_assert_cmpuint (count_files (f->sidecars, ".ktstr.json"), ==, 2);
  g_assert_cmpuint (count_files (f->sidecars, ".console.log"), ==, 2);
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
#undef ADD
  return g_test_run ();
}
