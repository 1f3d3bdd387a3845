/* VM tier: one small real gauntlet (two presets that fit, one that does
 * not) with --tap and --junit, a gauntlet stopped by SIGINT, a plain run
 * stopped by SIGINT (the same executor: the same behaviour), and a plain
 * run of two VMs at once.  Runs
 * only with KTSTR_VM_TESTS=1 (make check-vm). */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "record/sidecar.h"
#include "tests/vm-run.h"

static GPtrArray *
ktstr_argv (const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL));
  g_ptr_array_add (argv, g_strdup ("test"));
  g_ptr_array_add (argv, g_strdup_printf ("--kernel=%s", ktstr_vm_test_kernel ()));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static char **
ktstr_env (void)
{
  char **envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_unsetenv (envp, "CARGO_TARGET_DIR");
  /* TCG: two 4-vCPU presets fit, odd-3llc (9 vCPUs) does not. */
  envp = g_environ_setenv (envp, "KTSTR_VCPU_BUDGET", "8", TRUE);
  return envp;
}

static void
test_two_presets (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-gauntlet-vm");
  g_autofree char *junit = g_build_filename (cwd, "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit=", junit, NULL);
  g_autoptr (GPtrArray) argv = ktstr_argv ((const char *[]){ "--gauntlet", "-j", "2", "--preset",
                                                             "tiny-1llc,tiny-2llc,odd-3llc",
                                                             "--tap", junit_arg, "steady", NULL });
  g_auto (GStrv) envp = ktstr_env ();
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (cwd, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", out, err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  /* TAP on stdout: the plan, two passes, one skip with its reason. */
  g_assert_true (g_str_has_prefix (out, "TAP version 13\n1..3\n"));
  g_assert_nonnull (strstr (out, "ok 1 - gauntlet/steady/odd-3llc/default # SKIP 9 vCPUs > "
                                 "the TCG budget of 8"));
  g_assert_nonnull (strstr (out, " - gauntlet/steady/tiny-1llc/default\n"));
  g_assert_nonnull (strstr (out, " - gauntlet/steady/tiny-2llc/default\n"));
  g_assert_null (strstr (out, "not ok"));
  /* Human lines went to stderr. */
  g_assert_nonnull (strstr (err, "gauntlet: 2 passed, 0 failed, 1 skipped, 0 not run"));

  /* One sidecar per variant that ran; bare test name, topology tells them apart. */
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 2);
  gboolean seen_1llc = FALSE, seen_2llc = FALSE;
  for (guint i = 0; i < scs->len; i++)
    {
      const KtstrSidecar *sc = scs->pdata[i];
      g_assert_cmpstr (sc->test_name, ==, "steady");
      g_assert_true (sc->passed);
      g_assert_cmpuint (sc->active_flags->len, ==, 0);
      seen_1llc |= g_str_equal (sc->topology, "1n1l4c1t");
      seen_2llc |= g_str_equal (sc->topology, "1n2l2c1t");
      g_assert_cmpuint (sc->stats->total_cpus, >, 0);
    }
  g_assert_true (seen_1llc && seen_2llc);

  /* JUnit: three testcases, one skipped. */
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"1\""));
  g_assert_nonnull (strstr (xml, "<testcase name=\"gauntlet/steady/tiny-2llc/default\" "
                                 "classname=\"gauntlet.steady\""));
  ktstr_vm_test_remove_tree (cwd);
}

static void
test_interrupt (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-gauntlet-vm");
  g_autoptr (GPtrArray) argv = ktstr_argv ((const char *[]){
      "--gauntlet", "-j", "2", "--preset", "tiny-1llc,tiny-2llc", "steady", "steady_mixed", NULL });
  g_auto (GStrv) envp = ktstr_env ();
  g_autoptr (GError) error = NULL;
  GPid pid;
  int out_fd = -1;
  g_assert_true (g_spawn_async_with_pipes (cwd, (char **)argv->pdata, envp,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                           &out_fd, NULL, &error));
  g_assert_no_error (error);
  /* Both VMs are booting (a TCG boot takes several seconds). */
  g_usleep (2 * G_USEC_PER_SEC);
  kill (pid, SIGINT);
  gint64 sent = g_get_monotonic_time ();
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  double stop_s = (g_get_monotonic_time () - sent) / 1e6;
  g_autoptr (GIOChannel) ch = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (ch, TRUE);
  g_autofree char *out = NULL;
  g_io_channel_read_to_end (ch, &out, NULL, NULL);
  g_test_message ("stopped %.1fs after SIGINT; stdout:\n%s", stop_s, out);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  g_assert_nonnull (strstr (out, "ktstr: interrupted: stopping 2 running VMs"));
  g_assert_nonnull (strstr (out, "4 not run (interrupted)"));
  /* The VMs were killed, not waited for. */
  g_assert_cmpfloat (stop_s, <, 10);
  /* A variant cut short leaves no sidecar. */
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 0);
  ktstr_vm_test_remove_tree (cwd);
}

/* A plain run stopped by SIGINT behaves as a gauntlet does: the sidecar
 * of the test that finished stays, the running VM is killed and leaves
 * none, the summary says what did not run, --junit is written, exit 130. */
static void
test_plain_interrupt (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-plain-vm");
  g_autofree char *junit = g_build_filename (cwd, "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit=", junit, NULL);
  g_autoptr (GPtrArray) argv
      = ktstr_argv ((const char *[]){ "-j", "1", junit_arg, "steady", "steady_mixed", NULL });
  g_auto (GStrv) envp = ktstr_env ();
  g_autoptr (GError) error = NULL;
  GPid pid;
  int out_fd = -1;
  g_assert_true (g_spawn_async_with_pipes (cwd, (char **)argv->pdata, envp,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                           &out_fd, NULL, &error));
  g_assert_no_error (error);
  /* Wait for the first test's line, then interrupt the second's boot. */
  g_autoptr (GIOChannel) ch = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (ch, TRUE);
  g_autoptr (GString) out = g_string_new (NULL);
  for (;;)
    {
      g_autofree char *line = NULL;
      if (g_io_channel_read_line (ch, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL)
        break;
      g_string_append (out, line);
      if (g_str_has_prefix (line, "PASS steady ") || g_str_has_prefix (line, "FAIL steady "))
        break;
    }
  g_assert_nonnull (strstr (out->str, "PASS steady "));
  g_usleep (G_USEC_PER_SEC);
  kill (pid, SIGINT);
  gint64 sent = g_get_monotonic_time ();
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  double stop_s = (g_get_monotonic_time () - sent) / 1e6;
  g_autofree char *rest = NULL;
  g_io_channel_read_to_end (ch, &rest, NULL, NULL);
  g_string_append (out, rest);
  g_test_message ("stopped %.1fs after SIGINT; stdout:\n%s", stop_s, out->str);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  g_assert_nonnull (
      strstr (out->str, "ktstr: interrupted: stopping 1 running VM, starting no more"));
  g_assert_nonnull (strstr (out->str, "sidecars: "));
  g_assert_nonnull (strstr (out->str, "1 passed, 0 failed, 0 skipped, 1 not run (interrupted)"));
  g_assert_cmpfloat (stop_s, <, 10);
  /* The finished test's sidecar stays; the one cut short left none. */
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 1);
  g_assert_cmpstr (((KtstrSidecar *)scs->pdata[0])->test_name, ==, "steady");
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\""));
  ktstr_vm_test_remove_tree (cwd);
}

/* A plain run with -j 2: both VMs run at once (the header and the summary
 * say so), each test keeps its own line, TAP entry and sidecar. */
static void
test_plain_parallel (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-plain-vm");
  g_autofree char *junit = g_build_filename (cwd, "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit=", junit, NULL);
  g_autoptr (GPtrArray) argv = ktstr_argv (
      (const char *[]){ "-j", "2", "--tap", junit_arg, "steady", "steady_mixed", NULL });
  g_auto (GStrv) envp = ktstr_env ();
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_true (g_spawn_sync (cwd, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("%.1fs; stdout:\n%s\nstderr:\n%s", (g_get_monotonic_time () - start) / 1e6, out,
                  err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_true (g_str_has_prefix (out, "TAP version 13\n1..2\n"));
  g_assert_nonnull (strstr (out, " - steady\n"));
  g_assert_nonnull (strstr (out, " - steady_mixed\n"));
  g_assert_null (strstr (out, "not ok"));
  g_assert_nonnull (strstr (err, ", 2 tests, 2 at a time\n"));
  g_assert_nonnull (strstr (err, "PASS steady "));
  g_assert_nonnull (strstr (err, "PASS steady_mixed "));
  g_assert_nonnull (strstr (err, "2 passed, 0 failed, 0 skipped ("));
  g_assert_nonnull (strstr (err, "s, 2 at a time)\n"));
  g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (scs->len, ==, 2);
  gboolean seen_steady = FALSE, seen_mixed = FALSE;
  for (guint i = 0; i < scs->len; i++)
    {
      const KtstrSidecar *sc = scs->pdata[i];
      g_assert_true (sc->passed);
      seen_steady |= g_str_equal (sc->test_name, "steady");
      seen_mixed |= g_str_equal (sc->test_name, "steady_mixed");
      g_assert_cmpuint (sc->stats->total_cpus, >, 0);
    }
  g_assert_true (seen_steady && seen_mixed);
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"0\""));
  ktstr_vm_test_remove_tree (cwd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vm-gauntlet/two-presets", test_two_presets);
  g_test_add_func ("/vm-gauntlet/interrupt", test_interrupt);
  g_test_add_func ("/vm-plain/interrupt", test_plain_interrupt);
  g_test_add_func ("/vm-plain/parallel", test_plain_parallel);
  return g_test_run ();
}
