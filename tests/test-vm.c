/* Integration tier: real VMs through the ktstr binary (TCG is enough).
 * Runs only with KTSTR_VM_TESTS=1 (make check-vm); each test boots a
 * kernel, so the whole program takes a minute or two. */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <gio/gio.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <string.h>

#include "record/sidecar.h"
#include "tests/vm-run.h"

static void
test_steady_passes (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (), (const char *[]){ "steady", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS steady"));
  g_assert_nonnull (strstr (r.out, "1 passed, 0 failed, 0 skipped"));

  g_autofree char *dir = NULL;
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", &dir);
  /* {kernel}-{7 hex of the temp repo's HEAD} */
  g_autofree char *base = g_path_get_basename (dir);
  g_assert_true (g_str_has_prefix (base, "6.12"));
  const char *hex = strrchr (base, '-') + 1;
  g_assert_cmpuint (strlen (hex), ==, 7);
  g_assert_cmpstr (sc->project_commit, ==, hex);

  g_assert_true (sc->passed);
  g_assert_false (sc->skipped);
  g_assert_cmpstr (sc->topology, ==, "1n1l2c1t");
  g_assert_cmpstr (sc->scheduler, ==, "eevdf");
  g_assert_cmpstr (sc->work_type, ==, "CpuSpin");
  g_assert_cmpstr (sc->run_source, ==, "local");
  g_assert_nonnull (sc->host);
  g_assert_nonnull (sc->accel);
  g_assert_true (g_str_has_prefix (sc->kernel_version, "6.12"));
  g_assert_cmpuint (sc->stats->cgroups->len, ==, 2);
  g_assert_cmpuint (sc->stats->total_workers, ==, 4);
  g_assert_cmpuint (sc->stats->total_iterations, >, 0);
  g_assert_cmpfloat (sc->stats->worst_spread, <=, 15.0);
  for (guint i = 0; i < sc->stats->cgroups->len; i++)
    {
      KtstrCgroupStats *cg = sc->stats->cgroups->pdata[i];
      g_assert_cmpuint (cg->num_workers, ==, 2);
      g_assert_cmpuint (cg->total_iterations, >, 0);
      g_assert_cmpfloat (cg->iterations_per_worker, >, 0);
    }
  g_assert_cmpuint (sc->stimulus_events->len, >=, 1);
  /* The host's account of the two vCPU threads over the 3 s scenario: a
   * thread cannot run longer than the span it was measured over. */
  g_assert_true (sc->has_vcpu_host);
  g_assert_cmpuint (sc->vcpu_host_threads, ==, 2);
  g_assert_cmpuint (sc->vcpu_host_span_ms, >=, 2000);
  g_assert_cmpuint (sc->vcpu_host_run_ns, >, 0);
  g_assert_cmpuint (sc->vcpu_host_run_ns, <=, 2 * (sc->vcpu_host_span_ms + 50) * 1000000ull);

  /* The console log sits next to the sidecar. */
  g_autofree char *stem = g_strndup (sc->path, strlen (sc->path) - strlen (".ktstr.json"));
  g_autofree char *console = g_strconcat (stem, ".console.log", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (console, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "Linux version"));
  ktstr_vm_run_clear (&r);
}

static void
test_topology_two_llcs (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (),
                (const char *[]){ "--topology", "1n2l2c1t", "cpuset_split", NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "cpuset_split", NULL);
  g_assert_true (sc->passed);
  g_assert_cmpstr (sc->topology, ==, "1n2l2c1t");
  ktstr_vm_run_clear (&r);
}

/* Every work type once in a VM (tests/data/vm/all-worktypes.ktstr, one
 * cgroup per type in table order), each with its characteristic
 * measurement non-zero: iterations for all, wake latency for the types
 * that block. */
static void
test_all_worktypes (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  static const struct
  {
    const char *type;
    gboolean has_latency;
  } types[] = { { "CpuSpin", FALSE },       { "YieldHeavy", FALSE },    { "Mixed", FALSE },
                { "IoSync", TRUE },         { "Bursty", TRUE },         { "PipeIo", TRUE },
                { "FutexPingPong", TRUE },  { "CachePressure", FALSE }, { "CacheYield", TRUE },
                { "CachePipe", TRUE },      { "FutexFanOut", TRUE },    { "FanOutCompute", TRUE },
                { "Sequence", TRUE },       { "ForkExit", TRUE },       { "NiceSweep", TRUE },
                { "AffinityChurn", TRUE },  { "PolicyChurn", TRUE },    { "PageFaultChurn", FALSE },
                { "MutexContention", TRUE } };
  g_autofree char *file
      = g_test_build_filename (G_TEST_DIST, "data", "vm", "all-worktypes.ktstr", NULL);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (), (const char *[]){ file, NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "all_worktypes", NULL);
  g_assert_cmpuint (sc->stats->cgroups->len, ==, G_N_ELEMENTS (types));
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      KtstrCgroupStats *cg = sc->stats->cgroups->pdata[i];
      g_test_message ("%s: %" G_GUINT64_FORMAT " iterations, p99 %.1f us", types[i].type,
                      cg->total_iterations, cg->p99_wake_latency_us);
      g_assert_cmpuint (cg->total_iterations, >, 0);
      if (types[i].has_latency)
        g_assert_cmpfloat (cg->p99_wake_latency_us, >, 0);
    }
  ktstr_vm_run_clear (&r);
}

static char *
helper_init (void)
{
  return g_build_filename (ktstr_vm_test_builddir (), "tests", "helpers", "ktstr-test-init", NULL);
}

static void
test_verdict (const char *mode, const char *needle, const char *timeout)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *init = helper_init ();
  if (!g_file_test (init, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/helpers/ktstr-test-init not built");
      return;
    }
  g_autofree char *karg = g_strdup_printf ("ktstr_test=%s", mode);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (),
                (const char *[]){ "--karg", karg, "--timeout", timeout, "steady", NULL },
                (const char *[]){ "KTSTR_INIT", init, NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL steady"));
  g_assert_nonnull (strstr (r.out, needle));
  /* The report names how to reproduce the boot and shows the console. */
  g_assert_nonnull (strstr (r.err, "--- diagnostics ---"));
  g_assert_nonnull (strstr (r.err, "reproduce: "));
  g_assert_nonnull (strstr (r.err, "last console lines:"));
  /* A failed test still leaves its sidecar. */
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_false (sc->passed);
  g_assert_cmpstr (sc->kargs->pdata[0], ==, karg);
  /* Bounded by the deadline plus teardown, never much longer. */
  g_assert_cmpfloat (r.seconds, <, g_ascii_strtod (timeout, NULL) + 20);
  ktstr_vm_run_clear (&r);
}

static void
test_panic_verdict (void)
{
  test_verdict ("panic", "kernel panic", "60");
}

static void
test_boot_failure_verdict (void)
{
  test_verdict ("silent", "boot failure", "60");
}

static void
test_hang_verdict (void)
{
  test_verdict ("agent-hang", "hang:", "25");
}

/* The kvm backend's per-vCPU statistics land in the sidecar.  On hosts
 * where /dev/kvm only emulates, the boot does not get far within the
 * deadline, but the counters of the run are recorded all the same. */
static void
test_kvm_stats_recorded (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      g_test_skip ("/dev/kvm cannot be opened here");
      return;
    }
  close (fd);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (),
                (const char *[]){ "--backend=kvm", "--timeout", "12", "steady", NULL }, NULL);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpstr (sc->accel, ==, "kvm");
  g_assert_nonnull (sc->kvm_stats);
  g_assert_cmpuint (sc->kvm_stats->per_vcpu->len, ==, 2);
  guint64 exits = 0;
  g_assert_true (ktstr_kvm_stats_vcpu_get (sc->kvm_stats, 0, "exits", &exits));
  g_assert_cmpuint (exits, >, 0);
  ktstr_vm_run_clear (&r);
}

/* NUMA page locality from the workers' numa_maps on a 2-node guest
 * (tests/data/vm/numa-locality.ktstr, one cgroup per node).  Each worker's
 * 4 MiB buffer is on its own node, so both are mostly local.  Both also
 * map the agent's text from the one page cache copy, which sits on a
 * single node: one of the two cannot be fully local.  That is what tells
 * a measurement from the 1.0 of "no pages" (the old placeholder). */
static void
test_numa_page_locality (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *file
      = g_test_build_filename (G_TEST_DIST, "data", "vm", "numa-locality.ktstr", NULL);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (), (const char *[]){ file, NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "numa_locality", NULL);
  g_assert_cmpstr (sc->topology, ==, "2n2l1c1t");
  g_assert_cmpuint (sc->stats->cgroups->len, ==, 2);
  double worst = 1.0;
  for (guint i = 0; i < 2; i++)
    {
      KtstrCgroupStats *cg = sc->stats->cgroups->pdata[i];
      g_test_message ("node%u: page locality %.4f, cross-node migration ratio %.4f", i,
                      cg->page_locality, cg->cross_node_migration_ratio);
      g_assert_cmpfloat (cg->page_locality, >, 0.5);
      g_assert_cmpfloat (cg->page_locality, <=, 1.0);
      g_assert_cmpfloat (cg->cross_node_migration_ratio, >=, 0.0);
      g_assert_true (isfinite (cg->cross_node_migration_ratio));
      worst = MIN (worst, cg->page_locality);
    }
  g_assert_cmpfloat (worst, <, 1.0);
  g_assert_cmpfloat (sc->stats->worst_page_locality, ==, worst);
  ktstr_vm_run_clear (&r);
}

/* The newest Debian kernel image installed in /boot, or NULL. */
static char *
distribution_kernel (void)
{
  g_autoptr (GDir) d = g_dir_open ("/boot", 0, NULL);
  const char *name;
  char *best = NULL;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "vmlinuz-") && (best == NULL || strverscmp (name, best) > 0))
      {
        g_free (best);
        best = g_strdup (name);
      }
  if (best == NULL)
    return NULL;
  g_autofree char *owned = best;
  return g_build_filename ("/boot", owned, NULL);
}

/* Two kernels in one run (the fixture kernel and the distribution's): each
 * test named TEST@VERSION, each kernel's sidecar in its own run directory
 * with its own kernel version, and the printed ktstr-stats command
 * compares the two, pairing the test across them. */
static void
test_two_kernels (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *other = distribution_kernel ();
  if (other == NULL)
    {
      g_test_skip ("no /boot/vmlinuz-* to run next to the fixture kernel");
      return;
    }
  g_autofree char *file
      = g_test_build_filename (G_TEST_DIST, "data", "vm", "short-spin.ktstr", NULL);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (), (const char *[]){ "--kernel", other, file, NULL },
                NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "ktstr: kernel 1/2: "));
  g_assert_nonnull (strstr (r.out, "ktstr: kernel 2/2: "));
  g_assert_nonnull (strstr (r.out, "2 passed, 0 failed, 0 skipped"));

  g_autoptr (GPtrArray) sidecars = ktstr_vm_test_load_sidecars (r.cwd);
  g_assert_cmpuint (sidecars->len, ==, 2);
  const KtstrSidecar *a = sidecars->pdata[0], *b = sidecars->pdata[1];
  g_autofree char *dir_a = g_path_get_dirname (a->path);
  g_autofree char *dir_b = g_path_get_dirname (b->path);
  g_assert_cmpstr (dir_a, !=, dir_b);
  g_assert_cmpstr (a->kernel_version, !=, b->kernel_version);
  for (guint i = 0; i < 2; i++)
    {
      const KtstrSidecar *sc = sidecars->pdata[i];
      g_assert_cmpstr (sc->test_name, ==, "short_spin");
      /* What the test cost, for --budget: at least its 1.2 s scenario. */
      g_assert_true (sc->has_wall_ms);
      g_assert_cmpuint (sc->wall_ms, >=, 1200);
      g_autofree char *dir = g_path_get_dirname (sc->path);
      g_autofree char *base = g_path_get_basename (dir);
      g_assert_true (g_str_has_prefix (base, sc->kernel_version));
      g_autofree char *line = g_strdup_printf ("PASS short_spin@%s ", sc->kernel_version);
      g_assert_nonnull (strstr (r.out, line));
    }

  /* The hint, run as printed (with the built ktstr-stats), in the same
   * directory: both kernels' sidecars, paired on the test. */
  const char *hint = strstr (r.out, "compare: ktstr-stats compare --a-kernel ");
  g_assert_nonnull (hint);
  hint += strlen ("compare: ");
  g_autofree char *line = g_strndup (hint, strcspn (hint, "\n"));
  g_auto (GStrv) words = NULL;
  g_assert_true (g_shell_parse_argv (line, NULL, &words, NULL));
  /* ktstr-stats compare --a-kernel A --b-kernel B --project-commit C:
   * the two kernels the sidecars recorded. */
  g_assert_cmpuint (g_strv_length (words), ==, 8);
  g_assert_true (
      (g_str_equal (words[3], a->kernel_version) && g_str_equal (words[5], b->kernel_version))
      || (g_str_equal (words[3], b->kernel_version) && g_str_equal (words[5], a->kernel_version)));
  g_assert_cmpstr (words[7], ==, a->project_commit);
  g_free (words[0]);
  words[0] = g_build_filename (ktstr_vm_test_builddir (), "src", "stats", "ktstr-stats", NULL);
  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_unsetenv (envp, "CARGO_TARGET_DIR");
  g_autofree char *out = NULL, *err = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_sync (r.cwd, words, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &wait_status, NULL));
  g_test_message ("%s\n%s", out, err);
  /* 0 or 1 (a regression between two kernels is a finding, not an
   * error); 2 would be a usage error or no sidecars. */
  g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) <= 1);
  g_autofree char *averaged
      = g_strdup_printf ("averaged across 1 runs (%s) and 1 runs (%s)", words[3], words[5]);
  g_assert_nonnull (strstr (out, averaged));
  g_assert_nonnull (strstr (out, "short_spin/eevdf/1n1l2c1t/CpuSpin/"));
  ktstr_vm_run_clear (&r);
}

/* Shared boots: consecutive tests that would boot the same VM run in one,
 * each with its own sidecar (the boot's id, its place in it) and its own
 * part of the console; a failing test ends the VM and the rest run in a
 * fresh one. */
static void
write_test (const char *dir, const char *name, const char *checks)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.ktstr", dir, name);
  g_autofree char *text = g_strdup_printf ("[test]\nname=%s\nduration_ms=500\nsettle_ms=0\n"
                                           "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n%s",
                                           name, checks);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_shared_boot (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *dir = g_dir_make_tmp ("ktstr-vm-shared-XXXXXX", NULL);
  write_test (dir, "sh_a", "");
  /* No CPU does 10^15 iterations a second: a check failure. */
  write_test (dir, "sh_b", "[checks]\nmin_iteration_rate=1e15\n");
  write_test (dir, "sh_c", "");
  write_test (dir, "sh_d", "");
  g_autofree char *a = g_strdup_printf ("%s/sh_a.ktstr", dir);
  g_autofree char *b = g_strdup_printf ("%s/sh_b.ktstr", dir);
  g_autofree char *c = g_strdup_printf ("%s/sh_c.ktstr", dir);
  g_autofree char *d = g_strdup_printf ("%s/sh_d.ktstr", dir);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, ktstr_vm_test_kernel (), (const char *[]){ "-j", "1", a, b, c, d, NULL }, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "PASS sh_a"));
  g_assert_nonnull (strstr (r.out, "FAIL sh_b"));
  g_assert_nonnull (strstr (r.out, "PASS sh_c"));
  g_assert_nonnull (strstr (r.out, "PASS sh_d"));
  const char *names[] = { "sh_a", "sh_b", "sh_c", "sh_d" };
  KtstrSidecar *sc[4];
  char *console[4];
  for (guint i = 0; i < 4; i++)
    {
      sc[i] = ktstr_vm_test_load_sidecar (r.cwd, names[i], NULL);
      g_assert_nonnull (sc[i]->shared_boot_id);
      g_autofree char *stem
          = g_strndup (sc[i]->path, strlen (sc[i]->path) - strlen (".ktstr.json"));
      g_autofree char *log = g_strconcat (stem, ".console.log", NULL);
      g_assert_true (g_file_get_contents (log, &console[i], NULL, NULL));
    }
  /* a and b in one VM, c and d in the next. */
  g_assert_cmpstr (sc[0]->shared_boot_id, ==, sc[1]->shared_boot_id);
  g_assert_cmpstr (sc[2]->shared_boot_id, ==, sc[3]->shared_boot_id);
  g_assert_cmpstr (sc[0]->shared_boot_id, !=, sc[2]->shared_boot_id);
  g_assert_cmpuint (sc[0]->shared_boot_index, ==, 0);
  g_assert_cmpuint (sc[1]->shared_boot_index, ==, 1);
  g_assert_cmpuint (sc[2]->shared_boot_index, ==, 0);
  g_assert_cmpuint (sc[3]->shared_boot_index, ==, 1);
  g_assert_false (sc[1]->passed);
  g_assert_true (sc[0]->passed && sc[2]->passed && sc[3]->passed);
  /* Each test measured its own workers. */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (sc[i]->stats->total_workers, ==, 2);
  /* The boot is the first test's part of the console; each later part
   * holds its test's markers and no other test's. */
  g_assert_nonnull (strstr (console[0], "Linux version"));
  g_assert_nonnull (strstr (console[0], "ktstr-session: end test 0"));
  g_assert_null (strstr (console[1], "Linux version"));
  g_assert_nonnull (strstr (console[1], "ktstr-session: begin test 1"));
  g_assert_nonnull (strstr (console[1], "ktstr-session: end test 1"));
  g_assert_null (strstr (console[1], "test 0"));
  g_assert_nonnull (strstr (console[2], "Linux version"));
  g_assert_nonnull (strstr (console[3], "ktstr-session: end test 3"));
  /* The boot's time is recorded in each; only the first's wall has it. */
  g_assert_cmpuint (sc[0]->shared_boot_ms, >, 0);
  g_assert_cmpuint (sc[0]->wall_ms, >, sc[1]->wall_ms);
  for (guint i = 0; i < 4; i++)
    {
      ktstr_sidecar_free (sc[i]);
      g_free (console[i]);
    }
  ktstr_vm_run_clear (&r);
  ktstr_vm_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vm/steady", test_steady_passes);
  g_test_add_func ("/vm/topology/two-llcs", test_topology_two_llcs);
  g_test_add_func ("/vm/worktypes/all", test_all_worktypes);
  g_test_add_func ("/vm/numa/page-locality", test_numa_page_locality);
  g_test_add_func ("/vm/verdict/panic", test_panic_verdict);
  g_test_add_func ("/vm/verdict/boot-failure", test_boot_failure_verdict);
  g_test_add_func ("/vm/verdict/hang", test_hang_verdict);
  g_test_add_func ("/vm/kvm/stats-recorded", test_kvm_stats_recorded);
  g_test_add_func ("/vm/kernels/two", test_two_kernels);
  g_test_add_func ("/vm/shared-boot", test_shared_boot);
  return g_test_run ();
}
