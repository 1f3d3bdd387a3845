/* VM tier for the monitor (src/monitor): real runs of the fixture sched_ext
 * kernel under QEMU (TCG is enough), with its vmlinux decompressed beside a
 * link to its bzImage so that ktstr finds it as it would in a kernel cache
 * entry, and of a bare distribution kernel without one.
 *   - steady under EEVDF and under scx_simple: a summary of at least 10
 *     samples with an average imbalance near 1, from the host sampler;
 *   - all workers pinned to one CPU of two: a large imbalance, recorded
 *     (EEVDF is not judged);
 *   - the fixture scheduler crowding every task onto CPU 0: failed by the
 *     monitor, the SysRq-D dump in the report;
 *   - the watchdog override: a stalling scheduler ejected well before its
 *     own 20 s timeout, a healthy one left alone;
 *   - the guest sampler, forced and on a bare Debian bzImage.
 * Runs with KTSTR_VM_TESTS=1 (make check-vm). */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "kernel/kernel-cache.h"
#include "record/sidecar.h"
#include "tests/vm-run.h"
#include "util/datapath.h"

static const char *builddir;
static const char *fixture_kernel; /* $KTSTR_TEST_KERNEL, vmlinux.xz beside it */
static const char *schedulers;     /* $KTSTR_TEST_SCHEDULERS */
static char *kernel_dir;           /* bzImage (a link) and vmlinux */
static char *kernel;

/* The fixture kernel with its vmlinux beside it, prepared once. */
static const char *
monitored_kernel (void)
{
  if (kernel != NULL)
    return kernel;
  if (fixture_kernel == NULL)
    return NULL;
  g_autofree char *fixture_dir = g_path_get_dirname (fixture_kernel);
  g_autofree char *xz = g_build_filename (fixture_dir, "vmlinux.xz", NULL);
  const char *bz = fixture_kernel;
  g_autofree char *xz_bin = g_find_program_in_path ("xz");
  if (!g_file_test (xz, G_FILE_TEST_IS_REGULAR) || xz_bin == NULL)
    return NULL;
  kernel_dir = g_dir_make_tmp ("ktstr-vm-monitor-XXXXXX", NULL);
  g_autofree char *vml = g_build_filename (kernel_dir, "vmlinux", NULL);
  g_autofree char *cmd = g_strdup_printf ("sh -c 'xz -dc \"%s\" > \"%s\"'", xz, vml);
  int status = -1;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  g_autofree char *link = g_build_filename (kernel_dir, "bzImage", NULL);
  g_assert_cmpint (symlink (bz, link), ==, 0);
  g_autofree char *release = g_build_filename (fixture_dir, "kernel.release", NULL);
  g_autofree char *release_link = g_build_filename (kernel_dir, "kernel.release", NULL);
  g_assert_cmpint (symlink (release, release_link), ==, 0);
  kernel = g_steal_pointer (&link);
  return kernel;
}

static gboolean
need_vm (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return FALSE;
    }
  if (monitored_kernel () == NULL)
    {
      g_test_skip ("needs xz, $KTSTR_TEST_KERNEL (the fixture bzImage) and vmlinux.xz beside it");
      return FALSE;
    }
  return TRUE;
}

static char *
fixture_scheduler (const char *name)
{
  char *path = g_build_filename (schedulers != NULL ? schedulers : "/nonexistent", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("fixture schedulers not found: set KTSTR_TEST_SCHEDULERS");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

static char *
own_scheduler (void)
{
  char *path = g_build_filename (builddir, "tests", "sched", "scx_ktstr", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/sched/scx_ktstr not built (needs clang-19 and libbpf >= 1.4)");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* Writes TEXT as NAME.ktstr in a fresh repository for R. */
static char *
write_test (KtstrVmRun *r, const char *name, const char *text)
{
  r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-monitor");
  g_autofree char *base = g_strconcat (name, ".ktstr", NULL);
  char *file = g_build_filename (r->cwd, base, NULL);
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  return file;
}

static void
assert_series (const KtstrSidecar *sc, guint64 min_samples)
{
  g_autofree char *stem = g_strndup (sc->path, strlen (sc->path) - strlen (".ktstr.json"));
  g_autofree char *series = g_strconcat (stem, ".monitor.jsonl", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (series, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "{\"monitor\":\"ktstr\""));
  /* Header, one line per sample, the final empty string. */
  g_assert_cmpuint (g_strv_length (lines), ==, sc->monitor->total_samples + 2);
  g_assert_cmpuint (sc->monitor->total_samples, >=, min_samples);
}

static void
test_steady_eevdf (void)
{
  if (!need_vm ())
    return;
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, (const char *[]){ "steady", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_nonnull (sc->monitor);
  g_assert_cmpstr (sc->monitor->sampler, ==, "host-memory");
  g_assert_cmpuint (sc->monitor->total_samples, >=, 10);
  /* 4 CPU-bound workers on 2 CPUs: even, but for the idle moments before
   * the workers start and after they stop. */
  g_assert_cmpfloat (fabs (sc->monitor->avg_imbalance_ratio - 1.0), <, 0.5);
  g_assert_cmpfloat (sc->monitor->avg_nr_running, >=, 1.0);
  g_assert_nonnull (sc->monitor->schedstat_deltas);
  g_assert_null (sc->monitor->event_deltas); /* 6.12 has no SCX_EV_* counters */
  g_assert_null (sc->monitor->watchdog_timeout);
  assert_series (sc, 10);
  ktstr_vm_run_clear (&r);
}

static void
test_steady_simple (void)
{
  if (!need_vm ())
    return;
  g_autofree char *sched = fixture_scheduler ("scx_simple");
  if (sched == NULL)
    return;
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, (const char *[]){ arg, "steady", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpstr (sc->scheduler, ==, "simple");
  g_assert_cmpstr (sc->monitor->sampler, ==, "host-memory");
  g_assert_cmpuint (sc->monitor->total_samples, >=, 10);
  g_assert_cmpfloat (fabs (sc->monitor->avg_imbalance_ratio - 1.0), <, 0.5);
  /* Per struct_ops program: calls and time between ready and stop. */
  g_assert_nonnull (sc->monitor->prog_stats_deltas);
  JsonArray *progs = json_node_get_array (sc->monitor->prog_stats_deltas);
  gboolean has_calls = FALSE;
  for (guint i = 0; i < json_array_get_length (progs); i++)
    has_calls |= json_object_get_int_member (json_array_get_object_element (progs, i), "cnt") > 0;
  g_assert_true (has_calls);
  g_assert_null (sc->scheduler_exit);
  assert_series (sc, 10);
  ktstr_vm_run_clear (&r);
}

static void
test_pinned_imbalance (void)
{
  if (!need_vm ())
    return;
  KtstrVmRun r = { 0 };
  g_autofree char *file = write_test (&r, "pinned",
                                      "[test]\nname=pinned\nduration_ms=4000\n"
                                      "[cgroup cg_0]\nwork=CpuSpin\nworkers=6\n"
                                      "affinity=exact:0\n"
                                      "[checks]\nmax_spread_pct=100\n");
  ktstr_vm_run (&r, kernel, (const char *[]){ file, NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "pinned", NULL);
  /* Six runnable on CPU 0, about none on CPU 1; EEVDF is not judged. */
  g_assert_cmpfloat (sc->monitor->max_imbalance_ratio, >=, 6.0);
  g_assert_cmpfloat (sc->monitor->avg_imbalance_ratio, >, 3.0);
  g_assert_true (sc->passed);
  ktstr_vm_run_clear (&r);
}

static void
test_crowding_scheduler_fails (void)
{
  if (!need_vm ())
    return;
  g_autofree char *sched = own_scheduler ();
  if (sched == NULL)
    return;
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  g_autofree char *file = write_test (&r, "crowd",
                                      "[test]\nname=crowd\nduration_ms=5000\n"
                                      "[cgroup cg_0]\nwork=CpuSpin\nworkers=6\n");
  ktstr_vm_run (&r, kernel, (const char *[]){ arg, file, "--", "--crowd", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL crowd"));
  g_assert_nonnull (strstr (r.out, "monitor: imbalance ratio"));
  g_assert_nonnull (strstr (r.err, "--- monitor ---"));
  g_assert_nonnull (strstr (r.err, "sched_ext dump asked for at +"));
  g_assert_nonnull (strstr (r.err, "MonitorViolation imbalance"));
  /* The dump the monitor asked for, quoted in the report. */
  const char *dump = strstr (r.err, "--- sched_ext dump ---");
  g_assert_nonnull (dump);
  g_assert_nonnull (strstr (dump, "SysRq-D"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "crowd", NULL);
  g_assert_false (sc->passed);
  g_assert_cmpfloat (sc->monitor->max_imbalance_ratio, >, 4.0);
  gboolean has_violation = FALSE;
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    has_violation |= g_str_equal (((KtstrStimulusEvent *)sc->stimulus_events->pdata[i])->label,
                                  "MonitorViolation");
  g_assert_true (has_violation);
  ktstr_vm_run_clear (&r);
}

static const char stall_test[] = "[test]\nname=%s\nduration_ms=20000\n"
                                 "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n"
                                 "[checks]\nwatchdog_timeout_s=3\n";

/* The fixture scheduler stops dispatching after 1 s; its own watchdog
 * timeout is 20 s.  With the override at 3 s it is gone long before. */
static void
test_watchdog_override_stall (void)
{
  if (!need_vm ())
    return;
  g_autofree char *sched = own_scheduler ();
  if (sched == NULL)
    return;
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  g_autofree char *text = g_strdup_printf (stall_test, "stall");
  g_autofree char *file = write_test (&r, "stall", text);
  ktstr_vm_run (&r, kernel, (const char *[]){ arg, file, "--", "--stall-after", "1", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "runnable task stall (kind 1026)"));
  /* "sched_ext left the enabled state (state 'disabled') N ms after start" */
  const char *left = strstr (r.out, "sched_ext left the enabled state");
  g_assert_nonnull (left);
  const char *ms = strstr (left, ") ");
  guint64 after = g_ascii_strtoull (ms + 2, NULL, 10);
  g_test_message ("ejected %" G_GUINT64_FORMAT " ms after start (own timeout 20000 ms)", after);
  g_assert_cmpuint (after, <, 15000);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "stall", NULL);
  JsonObject *w = json_node_get_object (sc->monitor->watchdog_timeout);
  g_assert_cmpint (json_object_get_int_member (w, "requested_ms"), ==, 3000);
  g_assert_cmpint (json_object_get_int_member (w, "read_back_jiffies"), ==, 3000); /* HZ 1000 */
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (sc->scheduler_exit), "kind"),
                   ==, 1026);
  ktstr_vm_run_clear (&r);
}

/* scx_simple keeps the kernel's 30 s watchdog, whose work first runs 15 s
 * after it is enabled: a 3 s override must not eject it meanwhile. */
static void
test_watchdog_override_healthy (void)
{
  if (!need_vm ())
    return;
  g_autofree char *sched = fixture_scheduler ("scx_simple");
  if (sched == NULL)
    return;
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  g_autofree char *text = g_strdup_printf (stall_test, "healthy");
  g_autofree char *file = write_test (&r, "healthy", text);
  ktstr_vm_run (&r, kernel, (const char *[]){ arg, file, NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "healthy", NULL);
  JsonObject *w = json_node_get_object (sc->monitor->watchdog_timeout);
  g_assert_cmpint (json_object_get_int_member (w, "read_back_jiffies"), ==, 3000);
  ktstr_vm_run_clear (&r);
}

static void
test_guest_sampler_forced (void)
{
  if (!need_vm ())
    return;
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, (const char *[]){ "--monitor=guest", "steady", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpstr (sc->monitor->sampler, ==, "guest");
  g_assert_cmpuint (sc->monitor->total_samples, >=, 10);
  g_assert_cmpfloat (fabs (sc->monitor->avg_imbalance_ratio - 1.0), <, 0.7);
  g_assert_cmpuint (sc->monitor->max_local_dsq_depth, ==, 0); /* not visible to the guest */
  assert_series (sc, 10);
  ktstr_vm_run_clear (&r);
}

/* A distribution kernel with no vmlinux anywhere: the guest samples. */
static void
test_bare_distribution_kernel (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return;
    }
  g_autoptr (GDir) boot = g_dir_open ("/boot", 0, NULL);
  g_autofree char *image = NULL;
  const char *name;
  while (boot != NULL && (name = g_dir_read_name (boot)) != NULL)
    if (g_str_has_prefix (name, "vmlinuz-") && image == NULL)
      image = g_build_filename ("/boot", name, NULL);
  if (image == NULL || g_access (image, R_OK) != 0)
    {
      g_test_skip ("no readable /boot/vmlinuz-*");
      return;
    }
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, image, (const char *[]){ "steady", NULL },
                (const char *const[]){ "KTSTR_VMLINUX", "", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpstr (sc->monitor->sampler, ==, "guest");
  g_assert_cmpuint (sc->monitor->total_samples, >=, 10);
  g_assert_cmpfloat (sc->monitor->avg_nr_running, >, 0.5);
  ktstr_vm_run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  const char *tree_builddir = NULL;
  ktstr_build_tree (NULL, &tree_builddir);
  builddir = g_getenv ("KTSTR_TOP_BUILDDIR") ? g_getenv ("KTSTR_TOP_BUILDDIR") : tree_builddir;
  fixture_kernel = g_getenv ("KTSTR_TEST_KERNEL");
  schedulers = g_getenv ("KTSTR_TEST_SCHEDULERS");
  g_test_add_func ("/vm/monitor/eevdf/steady", test_steady_eevdf);
  g_test_add_func ("/vm/monitor/simple/steady", test_steady_simple);
  g_test_add_func ("/vm/monitor/pinned-imbalance", test_pinned_imbalance);
  g_test_add_func ("/vm/monitor/fixture/crowd", test_crowding_scheduler_fails);
  g_test_add_func ("/vm/monitor/watchdog/stall", test_watchdog_override_stall);
  g_test_add_func ("/vm/monitor/watchdog/healthy", test_watchdog_override_healthy);
  g_test_add_func ("/vm/monitor/guest/forced", test_guest_sampler_forced);
  g_test_add_func ("/vm/monitor/guest/bare-kernel", test_bare_distribution_kernel);
  int rc = g_test_run ();
  if (kernel_dir != NULL)
    ktstr_rm_rf (kernel_dir, NULL);
  g_free (kernel);
  g_free (kernel_dir);
  return rc;
}
