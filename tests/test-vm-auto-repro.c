/* VM tier for `ktstr test --auto-repro` (run/auto-repro.h): the fixture
 * scheduler (tests/sched/scx_ktstr) calls scx_bpf_error() from its
 * callbacks after a second; the traced second boot must record the
 * events of the task that hit the error, its last ones in the failing
 * callback.  Its usage errors need no VM and always run. */
#include "config.h"

#include <string.h>

#include "record/sidecar.h"
#include "tests/vm-run.h"
#include "util/datapath.h"

static const char *kernel; /* $KTSTR_TEST_KERNEL, a sched_ext bzImage */

static const char negative_test[] = "[test]\nname=negative\nduration_ms=3000\n"
                                    "expect_err=scheduler_died\n[cgroup a]\nworkers=2\n";

/* The fixture scheduler of this build tree, or NULL (the test skipped). */
static char *
fixture_scheduler (void)
{
  const char *builddir = NULL;
  ktstr_build_tree (NULL, &builddir);
  char *path = g_build_filename (builddir, "tests", "sched", "scx_ktstr", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/sched/scx_ktstr not built: configure found no clang-19, libbpf-dev "
                   ">= 1.4 (bookworm-backports) or fixture vmlinux.h; see .ci/install-deps.sh");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

static gboolean
can_boot (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return FALSE;
    }
  if (kernel == NULL || !g_file_test (kernel, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no sched_ext fixture kernel: set KTSTR_TEST_KERNEL");
      return FALSE;
    }
  return TRUE;
}

/* Runs `ktstr test --auto-repro [--scheduler=SCHED] t.ktstr [-- KNOBS...]`
 * in a fresh repository, t.ktstr holding TEXT, with ENV added. */
static void
run_test (KtstrVmRun *r, const char *sched, const char *text, const char *const *knobs,
          const char *const *env)
{
  r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-auto-repro");
  g_autofree char *file = g_build_filename (r->cwd, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  g_autofree char *arg = sched != NULL ? g_strdup_printf ("--scheduler=%s", sched) : NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *)"--auto-repro");
  if (arg != NULL)
    g_ptr_array_add (argv, arg);
  g_ptr_array_add (argv, file);
  if (knobs != NULL)
    {
      g_ptr_array_add (argv, (char *)"--");
      for (; *knobs != NULL; knobs++)
        g_ptr_array_add (argv, (char *)*knobs);
    }
  g_ptr_array_add (argv, NULL);
  gboolean has_kernel = kernel != NULL && g_file_test (kernel, G_FILE_TEST_IS_REGULAR);
  ktstr_vm_run (r, has_kernel ? kernel : "/bin/true", (const char *const *)argv->pdata, env);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  return json_object_has_member (o, name) && !json_object_get_null_member (o, name)
             ? json_object_get_string_member (o, name)
             : NULL;
}

static gboolean
strv_has (JsonArray *a, const char *s)
{
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (g_str_equal (json_array_get_string_element (a, i), s))
      return TRUE;
  return FALSE;
}

/* The done-when of auto-repro: the error knob fires in ops.enqueue or
 * ops.dispatch; the recorded events end inside that callback: its entry,
 * then only the kernel's error path (scx_bpf_error_bstr, the trigger) and
 * at most its own exit. */
static void
test_error_knob (void)
{
  if (!can_boot ())
    return;
  g_autofree char *sched = fixture_scheduler ();
  if (sched == NULL)
    return;
  KtstrVmRun r = { 0 };
  run_test (&r, sched, negative_test, (const char *const[]){ "--error-after", "1", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS negative"));
  g_assert_nonnull (strstr (r.err, "negative: the scheduler ended on its own during the run; "
                                   "booting it once more with the auto-repro tracer"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "negative", NULL);
  g_assert_nonnull (sc->auto_repro);
  JsonObject *ar = json_node_get_object (sc->auto_repro);
  g_assert_true (json_object_get_boolean_member (ar, "ran"));
  g_assert_true (json_object_get_boolean_member (ar, "reproduced"));
  JsonObject *trigger = json_object_get_object_member (ar, "trigger");
  g_assert_cmpint (json_object_get_int_member (trigger, "exit_kind"), ==, 1025);
  /* The first run's call chain and the scheduler's callbacks were probed. */
  JsonArray *probes = json_object_get_array_member (ar, "probes");
  g_assert_true (strv_has (probes, "kprobe scx_bpf_error_bstr"));
  g_assert_true (strv_has (probes, "kprobe scx_ops_exit_kind"));
  g_assert_true (strv_has (probes, "entry ktstr_dispatch"));
  g_assert_true (strv_has (probes, "exit ktstr_enqueue"));

  JsonArray *events = json_object_get_array_member (ar, "events");
  guint n = json_array_get_length (events);
  g_assert_cmpuint (n, >=, 3);
  /* The last entry into a callback. */
  gint entry = -1;
  for (guint i = 0; i < n; i++)
    if (g_str_equal (
            json_object_get_string_member (json_array_get_object_element (events, i), "kind"),
            "entry"))
      entry = (gint)i;
  g_assert_cmpint (entry, >=, 0);
  const char *callback
      = json_object_get_string_member (json_array_get_object_element (events, entry), "function");
  g_assert_true (g_str_equal (callback, "ktstr_dispatch")
                 || g_str_equal (callback, "ktstr_enqueue"));
  gboolean has_error = FALSE, has_trigger = FALSE;
  for (guint i = entry + 1; i < n; i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      const char *fn = json_object_get_string_member (e, "function");
      if (g_str_equal (kind, "exit"))
        {
          /* Only the failing callback's own return, and last. */
          g_assert_cmpstr (fn, ==, callback);
          g_assert_cmpuint (i, ==, n - 1);
          continue;
        }
      g_assert_cmpstr (kind, ==, "kprobe");
      has_error |= g_str_equal (fn, "scx_bpf_error_bstr");
      has_trigger |= g_str_equal (fn, "scx_ops_exit_kind");
      g_assert_true (has_error || !has_trigger); /* the error before the exit decision */
    }
  g_assert_true (has_error);
  g_assert_true (has_trigger);
  g_assert_cmpstr (member_string (json_array_get_object_element (events, entry), "arg"), ==, NULL);
  ktstr_vm_run_clear (&r);
}

/* Usage errors, before any VM: no sched_ext scheduler to trace, and a
 * tracer that is not where KTSTR_TRACE says. */
static void
test_usage_errors (void)
{
  /* Any kernel image will do: nothing boots.  Without the fixture kernel
   * the exit status is all there is to check. */
  gboolean has_kernel = kernel != NULL && g_file_test (kernel, G_FILE_TEST_IS_REGULAR);
  KtstrVmRun r = { 0 };
  run_test (&r, NULL, negative_test, NULL, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 2);
  if (has_kernel)
    g_assert_nonnull (strstr (r.err, "--auto-repro (or a definition's auto_repro) traces a "
                                     "sched_ext scheduler's callbacks: give one with --scheduler"));
  ktstr_vm_run_clear (&r);

  g_autofree char *sched = fixture_scheduler ();
  if (sched == NULL)
    return;
  KtstrVmRun t = { 0 };
  run_test (&t, sched, negative_test, NULL,
            (const char *const[]){ "KTSTR_TRACE", "/nonexistent/ktstr-trace", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&t), ==, 2);
  if (has_kernel)
    g_assert_nonnull (strstr (t.err, "KTSTR_TRACE='/nonexistent/ktstr-trace' is not a file"));
  ktstr_vm_run_clear (&t);

  /* A definition's auto_repro=true asks for the tracer as --auto-repro
   * does: the same missing tracer stops the run. */
  KtstrVmRun d = { 0 };
  d.cwd = ktstr_vm_test_make_repo ("ktstr-vm-auto-repro");
  g_autofree char *def = g_build_filename (d.cwd, "s.ini", NULL);
  g_autofree char *def_text
      = g_strdup_printf ("[scheduler]\nname=fixture\nbinary=%s\nauto_repro=true\n", sched);
  g_assert_true (g_file_set_contents (def, def_text, -1, NULL));
  g_autofree char *file = g_build_filename (d.cwd, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (file, negative_test, -1, NULL));
  g_autofree char *def_arg = g_strdup_printf ("--scheduler-file=%s", def);
  ktstr_vm_run (&d, has_kernel ? kernel : "/bin/true", (const char *const[]){ def_arg, file, NULL },
                (const char *const[]){ "KTSTR_TRACE", "/nonexistent/ktstr-trace", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&d), ==, 2);
  if (has_kernel)
    g_assert_nonnull (strstr (d.err, "KTSTR_TRACE='/nonexistent/ktstr-trace' is not a file"));
  ktstr_vm_run_clear (&d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  kernel = g_getenv ("KTSTR_TEST_KERNEL");
  g_test_add_func ("/vm/auto-repro/usage-errors", test_usage_errors);
  g_test_add_func ("/vm/auto-repro/error-knob", test_error_knob);
  return g_test_run ();
}
