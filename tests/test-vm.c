/* Integration tier: real VMs through the ktstr binary (TCG is enough).
 * Runs only with KTSTR_VM_TESTS=1 (make check-vm); each test boots a
 * kernel, so the whole program takes a minute or two. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sidecar.h"

static const char *builddir;
static char *kernel;

typedef struct
{
  char *cwd;
  int status;
  char *out;
  char *err;
  double seconds;
} Run;

static void
run_clear (Run *r)
{
  if (r->cwd != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", r->cwd);
      g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
    }
  g_free (r->cwd);
  g_free (r->out);
  g_free (r->err);
}

static gboolean
need_vm (void)
{
  if (g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return FALSE;
    }
  if (kernel == NULL)
    {
      g_test_skip ("no test kernel: set KTSTR_TEST_KERNEL or provide "
                   "../shared/fixtures/linux-6.12-scx/bzImage");
      return FALSE;
    }
  return TRUE;
}

/* Runs `ktstr test ARGS` in a fresh git repository so the run directory
 * has a real commit key. */
static void
run_ktstr (Run *r, const char *const *args, const char *const *env_extra)
{
  r->cwd = g_dir_make_tmp ("ktstr-vm-test-XXXXXX", NULL);
  g_autofree char *git = g_strdup_printf (
      "sh -c 'cd %s && git init -q && git -c user.name=t -c user.email=t@t commit -q "
      "--allow-empty -m init'",
      r->cwd);
  g_assert_true (g_spawn_command_line_sync (git, NULL, NULL, NULL, NULL));

  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_build_filename (builddir, "src", "ktstr", NULL));
  g_ptr_array_add (argv, g_strdup ("test"));
  g_ptr_array_add (argv, g_strdup_printf ("--kernel=%s", kernel));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);

  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_unsetenv (envp, "KTSTR_SIDECAR_DIR");
  envp = g_environ_unsetenv (envp, "CARGO_TARGET_DIR");
  for (const char *const *e = env_extra; e && *e; e += 2)
    envp = g_environ_setenv (envp, e[0], e[1], TRUE);

  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (r->cwd, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &r->status, &error));
  g_assert_no_error (error);
  r->seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("ktstr took %.1fs; stdout:\n%s\nstderr:\n%s", r->seconds, r->out, r->err);
}

static int
exit_code (const Run *r)
{
  return WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
}

/* The one run directory under target/ktstr and the sidecar of TEST in it. */
static KtstrSidecar *
load_sidecar (const Run *r, const char *test, char **dir_out)
{
  g_autofree char *root = g_build_filename (r->cwd, "target", "ktstr", NULL);
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  g_assert_nonnull (d);
  const char *name, *run = NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      {
        g_assert_null (run);
        run = name;
      }
  g_assert_nonnull (run);
  g_autofree char *dir = g_build_filename (root, run, NULL);
  g_autoptr (GDir) rd = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (test, "-", NULL);
  while ((name = g_dir_read_name (rd)) != NULL)
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".ktstr.json"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autoptr (GError) error = NULL;
        KtstrSidecar *sc = ktstr_sidecar_load_file (path, &error);
        g_assert_no_error (error);
        if (dir_out)
          *dir_out = g_steal_pointer (&dir);
        return sc;
      }
  g_error ("no sidecar for %s in %s", test, dir);
  return NULL;
}

static void
test_steady_passes (void)
{
  if (!need_vm ())
    return;
  Run r = { 0 };
  run_ktstr (&r, (const char *[]){ "steady", NULL }, NULL);
  g_assert_cmpint (exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS steady"));
  g_assert_nonnull (strstr (r.out, "1 passed, 0 failed, 0 skipped"));

  g_autofree char *dir = NULL;
  g_autoptr (KtstrSidecar) sc = load_sidecar (&r, "steady", &dir);
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

  /* The console log sits next to the sidecar. */
  g_autofree char *stem = g_strndup (sc->path, strlen (sc->path) - strlen (".ktstr.json"));
  g_autofree char *console = g_strconcat (stem, ".console.log", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (console, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "Linux version"));
  run_clear (&r);
}

static void
test_topology_two_llcs (void)
{
  if (!need_vm ())
    return;
  Run r = { 0 };
  run_ktstr (&r, (const char *[]){ "--topology", "1n2l2c1t", "cpuset_split", NULL }, NULL);
  g_assert_cmpint (exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = load_sidecar (&r, "cpuset_split", NULL);
  g_assert_true (sc->passed);
  g_assert_cmpstr (sc->topology, ==, "1n2l2c1t");
  run_clear (&r);
}

/* Every work type once in a VM (tests/data/vm/all-worktypes.ktstr, one
 * cgroup per type in table order), each with its characteristic
 * measurement non-zero: iterations for all, wake latency for the types
 * that block. */
static void
test_all_worktypes (void)
{
  if (!need_vm ())
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
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "vm", "all-worktypes.ktstr",
                                                 NULL);
  Run r = { 0 };
  run_ktstr (&r, (const char *[]){ file, NULL }, NULL);
  g_assert_cmpint (exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = load_sidecar (&r, "all_worktypes", NULL);
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
  run_clear (&r);
}

static char *
helper_init (void)
{
  return g_build_filename (builddir, "tests", "helpers", "ktstr-test-init", NULL);
}

static void
test_verdict (const char *mode, const char *needle, const char *timeout)
{
  if (!need_vm ())
    return;
  g_autofree char *init = helper_init ();
  if (!g_file_test (init, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/helpers/ktstr-test-init not built");
      return;
    }
  g_autofree char *karg = g_strdup_printf ("ktstr_test=%s", mode);
  Run r = { 0 };
  run_ktstr (&r, (const char *[]){ "--karg", karg, "--timeout", timeout, "steady", NULL },
             (const char *[]){ "KTSTR_INIT", init, NULL });
  g_assert_cmpint (exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL steady"));
  g_assert_nonnull (strstr (r.out, needle));
  /* The report names how to reproduce the boot and shows the console. */
  g_assert_nonnull (strstr (r.err, "--- diagnostics ---"));
  g_assert_nonnull (strstr (r.err, "reproduce: "));
  g_assert_nonnull (strstr (r.err, "last console lines:"));
  /* A failed test still leaves its sidecar. */
  g_autoptr (KtstrSidecar) sc = load_sidecar (&r, "steady", NULL);
  g_assert_false (sc->passed);
  g_assert_cmpstr (sc->kargs->pdata[0], ==, karg);
  /* Bounded by the deadline plus teardown, never much longer. */
  g_assert_cmpfloat (r.seconds, <, g_ascii_strtod (timeout, NULL) + 20);
  run_clear (&r);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  builddir = g_getenv ("KTSTR_TOP_BUILDDIR");
  if (builddir == NULL)
    builddir = ".";
  const char *env = g_getenv ("KTSTR_TEST_KERNEL");
  if (env != NULL && *env)
    kernel = g_strdup (env);
  else
    {
      const char *top = g_getenv ("KTSTR_TOP_SRCDIR");
      g_autofree char *fixture = g_build_filename (top ? top : ".", "..", "shared", "fixtures",
                                                   "linux-6.12-scx", "bzImage", NULL);
      if (g_file_test (fixture, G_FILE_TEST_EXISTS))
        kernel = g_canonicalize_filename (fixture, NULL);
    }
  g_test_add_func ("/vm/steady", test_steady_passes);
  g_test_add_func ("/vm/topology/two-llcs", test_topology_two_llcs);
  g_test_add_func ("/vm/worktypes/all", test_all_worktypes);
  g_test_add_func ("/vm/verdict/panic", test_panic_verdict);
  g_test_add_func ("/vm/verdict/boot-failure", test_boot_failure_verdict);
  g_test_add_func ("/vm/verdict/hang", test_hang_verdict);
  int rc = g_test_run ();
  g_free (kernel);
  return rc;
}
