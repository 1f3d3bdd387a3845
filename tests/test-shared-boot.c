/* Shared boots (run/shared-group.h), driven through the executor and real
 * runners on fake guests that play the host's "session run K" commands
 * (tests/fake-guest.h): which tests share a VM, a failing test ending the
 * VM with the rest continuing in a fresh one, a guest that cannot clear a
 * test's leftovers, a panic, each test's own sidecar and console part,
 * the switch for one boot per test, and a stop in the middle. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "record/sidecar.h"
#include "run/executor.h"
#include "run/console-scan.h"
#include "run/runner.h"
#include "run/shared-group.h"
#include "run/variant.h"
#include "testdef/testdef.h"
#include "tests/fake-guest.h"

typedef struct
{
  FakeGuestFixture fake;
  GPtrArray *defs; /* KtstrTestDef*, owned */
  GPtrArray *seen; /* "NAME OUTCOME" per result, in order */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  fake_guest_fixture_set_up (&f->fake, data);
  f->defs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  f->seen = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->seen);
  /* The variants borrow the definitions: they go first. */
  g_ptr_array_set_size (f->fake.variants, 0);
  g_ptr_array_unref (f->defs);
  fake_guest_fixture_tear_down (&f->fake, data);
}

/* A test named NAME, one cgroup of two CpuSpin workers, with EXTRA [test]
 * lines. */
static const KtstrTestDef *
def_new (Fixture *f, const char *name, const char *extra)
{
  g_autofree char *file = g_strdup_printf ("%s/%s.ktstr", f->fake.dir, name);
  g_autofree char *text = g_strdup_printf (
      "[test]\nname=%s\nduration_ms=1000\n%s\n[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n", name,
      extra ? extra : "");
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  g_autoptr (GError) error = NULL;
  KtstrTestDef *def = ktstr_testdef_load (file, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->defs, def);
  return def;
}

static KtstrVariant *
add (Fixture *f, const char *name, const char *extra)
{
  KtstrVariant *v = fake_guest_add_variant (&f->fake, name, FAKE_GUEST_PASS, NULL);
  v->def = def_new (f, name, extra);
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
  g_ptr_array_add (f->seen, g_strdup_printf ("%s %s", r->name, word (r->outcome)));
}

static KtstrExecutor *
run (Fixture *f, guint jobs, gboolean is_shared)
{
  KtstrExecutorOptions o = {
    .jobs = jobs,
    .on_result = on_result,
    .user_data = f,
    .is_shared_boot = is_shared,
  };
  KtstrExecutor *ex = ktstr_executor_new (&o);
  ktstr_executor_run (ex, f->fake.variants);
  return ex;
}

static void
assert_seen (Fixture *f, const char *const *want)
{
  GString *got = g_string_new (NULL);
  for (guint i = 0; i < f->seen->len; i++)
    g_string_append_printf (got, "%s%s", i ? ", " : "", (char *)f->seen->pdata[i]);
  g_autofree char *all = g_string_free (got, FALSE);
  g_autofree char *expected = g_strjoinv (", ", (char **)want);
  g_assert_cmpstr (all, ==, expected);
}

/* The sidecar of test NAME (one per test: their names differ). */
static KtstrSidecar *
sidecar_of (Fixture *f, const char *name)
{
  g_autoptr (GDir) d = g_dir_open (f->fake.sidecars, 0, NULL);
  g_assert_nonnull (d);
  g_autofree char *prefix = g_strconcat (name, "-", NULL);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (e, prefix) && g_str_has_suffix (e, ".ktstr.json"))
      {
        g_autofree char *path = g_build_filename (f->fake.sidecars, e, NULL);
        g_autoptr (GError) error = NULL;
        KtstrSidecar *sc = ktstr_sidecar_load_file (path, &error);
        g_assert_no_error (error);
        return sc;
      }
  g_assert_not_reached ();
}

static char *
console_of (Fixture *f, const char *name)
{
  g_autoptr (GDir) d = g_dir_open (f->fake.sidecars, 0, NULL);
  g_autofree char *prefix = g_strconcat (name, "-", NULL);
  const char *e;
  while ((e = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (e, prefix) && g_str_has_suffix (e, ".console.log"))
      {
        g_autofree char *path = g_build_filename (f->fake.sidecars, e, NULL);
        char *text = NULL;
        g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
        return text;
      }
  g_assert_not_reached ();
}

/* Three passing tests: one boot; each its own sidecar (the same boot id,
 * its place in it, the boot's time) and its own part of the console, the
 * first holding the boot. */
static void
test_one_boot (Fixture *f, gconstpointer data)
{
  fake_guest_shared_script = "PPP";
  add (f, "a", NULL);
  add (f, "b", NULL);
  add (f, "c", NULL);
  g_autoptr (KtstrExecutor) ex = run (f, 1, TRUE);
  assert_seen (f, (const char *[]){ "a PASS", "b PASS", "c PASS", NULL });
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
  g_assert_cmpstr (fake_guest_shared_log->str, ==, "b1:0,b1:1,b1:2");
  g_autoptr (KtstrSidecar) a = sidecar_of (f, "a");
  g_autoptr (KtstrSidecar) c = sidecar_of (f, "c");
  g_assert_nonnull (a->shared_boot_id);
  g_assert_cmpstr (a->shared_boot_id, ==, c->shared_boot_id);
  g_assert_cmpuint (a->shared_boot_index, ==, 0);
  g_assert_cmpuint (c->shared_boot_index, ==, 2);
  g_assert_true (a->has_wall_ms && c->has_wall_ms);
  g_assert_false (c->has_cleanup_duration_ms);
  g_assert_true (a->passed && c->passed);
  g_assert_cmpuint (c->stats->total_workers, ==, 2);
  g_autofree char *log_a = console_of (f, "a");
  g_autofree char *log_b = console_of (f, "b");
  g_assert_nonnull (strstr (log_a, "Linux version"));
  g_assert_nonnull (strstr (log_a, "test 0 ran here"));
  g_assert_null (strstr (log_a, "test 1 ran here"));
  g_assert_null (strstr (log_b, "Linux version"));
  g_assert_nonnull (strstr (log_b, "begin test 1"));
  g_assert_nonnull (strstr (log_b, "end test 1"));
  g_assert_null (strstr (log_b, "test 0 ran here"));
  g_assert_null (strstr (log_b, "test 2"));
}

/* A failing test ends its VM; the tests after it run in a fresh one, and
 * its failure is the same as in a boot of its own. */
static void
test_failure_ends_session (Fixture *f, gconstpointer data)
{
  fake_guest_shared_script = "PFPP";
  add (f, "a", NULL);
  add (f, "b", NULL);
  add (f, "c", NULL);
  add (f, "d", NULL);
  g_autoptr (KtstrExecutor) ex = run (f, 1, TRUE);
  assert_seen (f, (const char *[]){ "a PASS", "b FAIL", "c PASS", "d PASS", NULL });
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_assert_cmpstr (fake_guest_shared_log->str, ==, "b1:0,b1:1,b2:2,b2:3");
  const KtstrTestResult *b = ktstr_executor_get_results (ex)->pdata[1];
  g_assert_nonnull (strstr (b->verdict, "the scenario broke"));
  g_autoptr (KtstrSidecar) sb = sidecar_of (f, "b");
  g_autoptr (KtstrSidecar) sc = sidecar_of (f, "c");
  g_assert_cmpstr (sb->shared_boot_id, !=, sc->shared_boot_id);
  g_assert_cmpuint (sc->shared_boot_index, ==, 0);
  g_autofree char *log_c = console_of (f, "c");
  g_assert_nonnull (strstr (log_c, "boot 2"));
}

/* A guest that could not clear what a test left ends the VM even though
 * the test passed; a panic fails its test and ends the VM too. */
static void
test_leftovers_and_panic (Fixture *f, gconstpointer data)
{
  fake_guest_shared_script = "PLPXP";
  for (const char *n = "abcde"; *n; n++)
    {
      char name[2] = { *n, 0 };
      add (f, name, NULL);
    }
  g_autoptr (KtstrExecutor) ex = run (f, 1, TRUE);
  assert_seen (f, (const char *[]){ "a PASS", "b PASS", "c PASS", "d FAIL", "e PASS", NULL });
  g_assert_cmpuint (fake_guest_attempts, ==, 3);
  g_assert_cmpstr (fake_guest_shared_log->str, ==, "b1:0,b1:1,b2:2,b2:3,b3:4");
  const KtstrTestResult *d = ktstr_executor_get_results (ex)->pdata[3];
  g_assert_nonnull (strstr (d->verdict, "kernel panic"));
  g_autofree char *log_d = console_of (f, "d");
  g_assert_nonnull (strstr (log_d, "Kernel panic"));
  g_assert_null (strstr (log_d, "test 2 ran here"));
}

/* Who shares: tests that would boot the same VM; not a test with
 * fresh_boot=true, expect_err or a cleanup budget, nor a trial, a skip,
 * another topology or another memory size.  A group is cut into JOBS
 * parts. */
static void
test_grouping (Fixture *f, gconstpointer data)
{
  add (f, "a", NULL);
  add (f, "alone", "fresh_boot=true");
  add (f, "b", NULL);
  KtstrVariant *other_topo = add (f, "t", NULL);
  g_free (other_topo->topology);
  other_topo->topology = g_strdup ("1n1l4c1t");
  add (f, "c", NULL);
  add (f, "expects", "expect_err=panic");
  add (f, "budget", "cleanup_budget_ms=100");
  KtstrVariant *trial = add (f, "trial", NULL);
  trial->trial = 1;
  KtstrVariant *mem = add (f, "m", NULL);
  mem->memory_mb = 2048;
  add (f, "d", NULL);
  const char *why = NULL;
  g_assert_false (ktstr_runner_can_share (f->fake.runner,
                                          ((KtstrVariant *)f->fake.variants->pdata[1])->def, &why));
  g_assert_nonnull (strstr (why, "fresh_boot=true"));

  g_autoptr (GPtrArray) one = ktstr_shared_group (f->fake.variants, 1, TRUE);
  GString *shape = g_string_new (NULL);
  for (guint u = 0; u < one->len; u++)
    {
      GPtrArray *unit = one->pdata[u];
      g_string_append (shape, u ? " " : "");
      for (guint i = 0; i < unit->len; i++)
        g_string_append_printf (shape, "%s%s", i ? "+" : "",
                                ((KtstrVariant *)unit->pdata[i])->name);
    }
  g_autofree char *s1 = g_string_free (shape, FALSE);
  g_assert_cmpstr (s1, ==, "a+b+c+d alone t expects budget trial m");

  g_autoptr (GPtrArray) two = ktstr_shared_group (f->fake.variants, 3, TRUE);
  g_assert_cmpuint (two->len, ==, 3 + 6);
  g_assert_cmpuint (((GPtrArray *)two->pdata[0])->len, ==, 2);
  g_assert_cmpuint (((GPtrArray *)two->pdata[1])->len, ==, 1);
  g_assert_cmpuint (((GPtrArray *)two->pdata[2])->len, ==, 1);

  g_autoptr (GPtrArray) off = ktstr_shared_group (f->fake.variants, 1, FALSE);
  g_assert_cmpuint (off->len, ==, f->fake.variants->len);
}

/* The switch: without shared boots every test boots its own VM. */
static void
test_fresh_boot (Fixture *f, gconstpointer data)
{
  add (f, "a", NULL);
  add (f, "b", NULL);
  g_autoptr (KtstrExecutor) ex = run (f, 1, FALSE);
  assert_seen (f, (const char *[]){ "a PASS", "b PASS", NULL });
  g_assert_cmpuint (fake_guest_attempts, ==, 2);
  g_autoptr (KtstrSidecar) a = sidecar_of (f, "a");
  g_assert_null (a->shared_boot_id);
}

/* A stop in the middle of a shared VM: the VM is killed, the tests that
 * ended keep their sidecars, the one cut short and the rest are not run. */
static void
test_stop (Fixture *f, gconstpointer data)
{
  fake_guest_shared_script = "PBP";
  add (f, "a", NULL);
  add (f, "b", NULL);
  add (f, "c", NULL);
  KtstrExecutorOptions o
      = { .jobs = 1, .on_result = on_result, .user_data = f, .is_shared_boot = TRUE };
  g_autoptr (KtstrExecutor) ex = ktstr_executor_new (&o);
  g_timeout_add (10, fake_guest_stop_when_blocking, ex);
  ktstr_executor_run (ex, f->fake.variants);
  assert_seen (f, (const char *[]){ "a PASS", NULL });
  KtstrExecutorSummary s;
  ktstr_executor_get_summary (ex, &s);
  g_assert_true (s.is_interrupted);
  g_assert_cmpuint (s.not_run, ==, 2);
  g_assert_cmpuint (fake_guest_count_files (f->fake.sidecars, ".ktstr.json"), ==, 1);
  g_assert_cmpuint (fake_guest_attempts, ==, 1);
}

/* The console cut: at the end line of the test, whole lines, never at the
 * line of another index that starts alike; the rest of the log when the
 * line is not there. */
static void
test_console_slice (void)
{
  const char *log = "boot\n[ 1] ktstr-session: end test 12\r\n[ 2] x\n"
                    "[ 3] ktstr-session: end test 1\r\n[ 4] next\n";
  gsize len = strlen (log);
  gsize end = ktstr_console_slice_end (log, len, 0, 1);
  g_autofree char *part = g_strndup (log, end);
  g_assert_true (g_str_has_suffix (part, "end test 1\r\n"));
  g_assert_cmpstr (log + end, ==, "[ 4] next\n");
  g_assert_cmpuint (ktstr_console_slice_end (log, len, 0, 12), ==, strstr (log, "[ 2]") - log);
  g_assert_cmpuint (ktstr_console_slice_end (log, len, 0, 3), ==, len);
  g_assert_cmpuint (ktstr_console_slice_end (log, len, end, 1), ==, len);
  g_assert_cmpuint (ktstr_console_slice_end (NULL, 0, 0, 1), ==, 0);
  const char *no_newline = "ktstr-session: end test 4";
  g_assert_cmpuint (ktstr_console_slice_end (no_newline, strlen (no_newline), 0, 4), ==,
                    strlen (no_newline));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/shared/one-boot", test_one_boot);
  ADD ("/shared/failure-ends-session", test_failure_ends_session);
  ADD ("/shared/leftovers-and-panic", test_leftovers_and_panic);
  ADD ("/shared/grouping", test_grouping);
  ADD ("/shared/fresh-boot", test_fresh_boot);
  ADD ("/shared/stop", test_stop);
#undef ADD
  g_test_add_func ("/shared/console-slice", test_console_slice);
  return g_test_run ();
}
