/* The ktstr program end to end where no VM boots: `ktstr show-thresholds`
 * (golden outputs for each layer of the checks merge, exit statuses) and
 * `ktstr test` deciding before any boot that a test is skipped (its
 * constraints, its scheduler's, its required/excluded flags).  The kernel
 * handed to `ktstr test` is tests/data/boot/fake-bzImage, a complete boot
 * header with nothing to boot: a test that did boot would fail, so a skip
 * that goes wrong shows as exit 1. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/sidecar.h"
#include "run/cpu-plan.h"
#include "tests/cli-run.h"
#include "tests/lock-holder.h"
#include "tests/vm-run.h"
#include "util/json-util.h"

/* "--kernel=" and the fake bzImage (set in main). */
static char *fake_kernel_arg;

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "cli", name, NULL);
}

/* Runs ktstr ARGS… in CWD (NULL: here); the top source directory in its
 * output becomes @SRCDIR@, so goldens do not depend on where the tree is. */
static void
cli_run (KtstrCliRun *r, const char *cwd, const char *const *args)
{
  ktstr_cli_run (r, cwd, args, NULL);
  /* The source directory as configure spelled it (e.g. "build/../src"),
   * then in canonical form. */
  const char *top = g_getenv ("KTSTR_TOP_SRCDIR");
  g_autofree char *canonical = g_canonicalize_filename (top, NULL);
  const char *const tops[] = { top, canonical };
  for (gsize i = 0; i < G_N_ELEMENTS (tops); i++)
    {
      g_auto (GStrv) outs = g_strsplit (r->out, tops[i], -1);
      g_auto (GStrv) errs = g_strsplit (r->err, tops[i], -1);
      g_free (r->out);
      g_free (r->err);
      r->out = g_strjoinv ("@SRCDIR@", outs);
      r->err = g_strjoinv ("@SRCDIR@", errs);
    }
}

static void
assert_golden (const char *actual, const char *name)
{
  g_autofree char *path = data_path (name);
  if (g_strcmp0 (g_getenv ("KTSTR_UPDATE_GOLDEN"), "1") == 0)
    {
      g_assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents (path, &expected, NULL, NULL))
    g_error ("golden file %s is missing; run with KTSTR_UPDATE_GOLDEN=1 to create it", path);
  g_assert_cmpstr (actual, ==, expected);
}

/* Only the defaults: no scheduler layer, steady sets no [checks]. */
static void
test_thresholds_builtin (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "show-thresholds", "steady", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  assert_golden (r.out, "show-thresholds-steady.txt");
}

/* All three layers: the definition's gap and isolation, the test's
 * spread (over the definition's 50) and p99 wake latency. */
static void
test_thresholds_scheduler_file (void)
{
  g_autofree char *sched = data_path ("sched-checks.ini");
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", sched);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "show-thresholds", arg, "perf_wake_latency", NULL });
  g_assert_cmpint (r.status, ==, 0);
  assert_golden (r.out, "show-thresholds-perf_wake_latency-sched.txt");
}

/* The test's own scheduler= is the middle layer; --scheduler-file
 * replaces it. */
static void
test_thresholds_test_scheduler (void)
{
  g_autofree char *file = data_path ("named-sched.ktstr");
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "show-thresholds", file, NULL });
  g_assert_cmpint (r.status, ==, 0);
  assert_golden (r.out, "show-thresholds-named-sched.txt");

  g_autofree char *qmap = g_build_filename (g_getenv ("KTSTR_TOP_SRCDIR"), "data", "schedulers",
                                            "scx_qmap.ini", NULL);
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", qmap);
  g_auto (KtstrCliRun) o = { 0 };
  cli_run (&o, NULL, (const char *[]){ "show-thresholds", arg, file, NULL });
  g_assert_cmpint (o.status, ==, 0);
  g_assert_nonnull (strstr (o.out, "scheduler qmap ("));
  g_assert_nonnull (
      strstr (o.out, "  max_gap_ms                       3000         scheduler  workers\n"));
  g_assert_nonnull (
      strstr (o.out, "  isolation                        off          -          workers\n"));
}

static void
test_thresholds_errors (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "show-thresholds", "stedy", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_cmpstr (r.err, ==,
                   "ktstr show-thresholds: no built-in test 'stedy' (see 'ktstr list') and no "
                   "such file; did you mean 'steady'?\n");

  g_auto (KtstrCliRun) far = { 0 };
  cli_run (&far, NULL, (const char *[]){ "show-thresholds", "qqqqqqqqqq", NULL });
  g_assert_cmpint (far.status, ==, 2);
  g_assert_null (strstr (far.err, "did you mean"));

  g_auto (KtstrCliRun) none = { 0 };
  cli_run (&none, NULL, (const char *[]){ "show-thresholds", NULL });
  g_assert_cmpint (none.status, ==, 2);

  /* A definition whose [checks] names no check fails on load, naming the
   * file, the line, the group and the key. */
  g_autofree char *bad = data_path ("bad-checks.ini");
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", bad);
  g_auto (KtstrCliRun) b = { 0 };
  cli_run (&b, NULL, (const char *[]){ "show-thresholds", arg, "steady", NULL });
  g_assert_cmpint (b.status, ==, 2);
  g_assert_nonnull (strstr (b.err, "bad-checks.ini:6: [checks] max_gap: unknown key (valid keys: "
                                   "not_starved,"));
}

/* `ktstr test ARGS…` in a fresh repository with the fake kernel;
 * returns the run's one sidecar (asserting there is exactly one). */
static KtstrSidecar *
run_skipped (const char *const *args, KtstrCliRun *r)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, "test");
  g_ptr_array_add (argv, fake_kernel_arg);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, (char *)*a);
  g_ptr_array_add (argv, NULL);
  cli_run (r, cwd, (const char *const *)argv->pdata);
  g_autoptr (GPtrArray) all = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (all->len, ==, 1);
  /* Nothing booted: no console log beside the sidecar. */
  KtstrSidecar *sc = g_ptr_array_steal_index (all, 0);
  g_autofree char *dir = g_path_get_dirname (sc->path);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (g_str_has_suffix (name, ".console.log"));
  ktstr_vm_test_remove_tree (cwd);
  return sc;
}

static void
assert_skip (const KtstrCliRun *r, const KtstrSidecar *sc, const char *test, const char *reason)
{
  if (r->status != 0)
    g_error ("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
  g_autofree char *line = g_strdup_printf ("SKIP %-24s", test);
  g_assert_nonnull (strstr (r->out, line));
  g_assert_nonnull (strstr (r->out, reason));
  g_assert_nonnull (strstr (r->out, "0 passed, 0 failed, 1 skipped"));
  g_autofree char *err_line = g_strdup_printf ("ktstr: SKIP: %s", reason);
  g_assert_nonnull (strstr (r->err, err_line));
  g_assert_cmpstr (sc->test_name, ==, test);
  g_assert_true (sc->passed);
  g_assert_true (sc->skipped);
}

/* --topology below the test's min_llcs. */
static void
test_skip_test_constraints (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc
      = run_skipped ((const char *[]){ "--topology=1n1l2c1t", "steady_llc", NULL }, &r);
  assert_skip (&r, sc, "steady_llc", "1n1l2c1t has 1 LLCs; test 'steady_llc' needs 2 to 64");
  g_assert_cmpstr (sc->topology, ==, "1n1l2c1t");
  g_assert_cmpstr (sc->scheduler, ==, "eevdf");
}

/* --topology below the --scheduler-file definition's min_cpus. */
static void
test_skip_scheduler_constraints (void)
{
  g_autofree char *sched = data_path ("sched-checks.ini");
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", sched);
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc
      = run_skipped ((const char *[]){ arg, "--topology=1n1l1c1t", "steady", NULL }, &r);
  assert_skip (&r, sc, "steady", "topology 1n1l1c1t has 1 CPUs; scheduler 'checksched' needs 2");
  g_assert_cmpstr (sc->scheduler, ==, "checksched");
}

/* A definition in the old kebab-case keys: its min-cpus is honoured, and
 * ktstr warns once, naming the file, line, old key and new spelling. */
static void
test_skip_old_spelling (void)
{
  g_autofree char *sched = data_path ("old-spelling-sched.ini");
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", sched);
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc
      = run_skipped ((const char *[]){ arg, "--topology=1n1l1c1t", "steady", NULL }, &r);
  assert_skip (&r, sc, "steady", "topology 1n1l1c1t has 1 CPUs; scheduler 'oldsched' needs 2");
  const char *warning = "old-spelling-sched.ini:9: [constraints] min-cpus is deprecated; write "
                        "min_cpus (the old spelling is still read, for now)\n";
  const char *at = strstr (r.err, warning);
  if (at == NULL)
    g_error ("no deprecation warning for min-cpus in:\n%s", r.err);
  g_assert_null (strstr (at + 1, warning));
  g_assert_nonnull (strstr (r.err, "ktstr test: warning: "));
  g_assert_nonnull (strstr (r.err, "old-spelling-sched.ini:6: [scheduler] ready-ms is deprecated; "
                                   "write ready_ms"));
}

/* The test's scheduler= applies its constraints too, and --flags
 * replaces its flags= (here with one its excluded_flags forbids). */
static void
test_skip_named_scheduler (void)
{
  g_autofree char *file = data_path ("named-sched.ktstr");
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc
      = run_skipped ((const char *[]){ "--topology=1n1l1c1t", file, NULL }, &r);
  assert_skip (&r, sc, "named_sched",
               "topology 1n1l1c1t has 1 CPUs; scheduler 'checksched' needs 2");
  g_assert_cmpstr (sc->scheduler, ==, "checksched");

  g_auto (KtstrCliRun) f = { 0 };
  g_autoptr (KtstrSidecar) fsc
      = run_skipped ((const char *[]){ "--flags=fast,slow", file, NULL }, &f);
  assert_skip (&f, fsc, "named_sched", "test 'named_sched' excludes flag 'slow' (excluded_flags)");
  g_assert_cmpuint (fsc->active_flags->len, ==, 2);

  g_auto (KtstrCliRun) g = { 0 };
  g_autoptr (KtstrSidecar) gsc = run_skipped ((const char *[]){ "--flags=slow", file, NULL }, &g);
  assert_skip (&g, gsc, "named_sched", "test 'named_sched' requires flag 'fast' (required_flags)");
}

/* A skip is no trial: with --repeat it is decided and recorded once. */
static void
test_skip_repeat (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc = run_skipped (
      (const char *[]){ "--repeat=3", "--topology=1n1l2c1t", "steady_llc", NULL }, &r);
  assert_skip (&r, sc, "steady_llc", "1n1l2c1t has 1 LLCs; test 'steady_llc' needs 2 to 64");
  g_assert_nonnull (strstr (r.out, "1 test × 3 trials, one VM each"));
  g_assert_cmpuint (sc->trial, ==, 0);
}

/* Trials run one VM at a time unless -j says otherwise: a neighbour VM's
 * load would land in their variance.  QEMU is /bin/false, so each boot
 * fails at once; only the header and summary matter here. */
static void
test_repeat_one_at_a_time (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-jobs");
  g_setenv ("KTSTR_QEMU", "/bin/false", TRUE);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd,
           (const char *[]){ "test", fake_kernel_arg, "--backend=qemu", "--repeat=2", "steady",
                             "steady_mixed", NULL });
  /* The human report goes to stdout unless --tap takes it. */
  g_assert_nonnull (strstr (r.out, "2 tests × 2 trials, one VM each\n"));
  g_assert_null (strstr (r.out, "at a time"));
  if (g_get_num_processors () >= 2)
    {
      /* The same tests without trials share the host. */
      g_auto (KtstrCliRun) p = { 0 };
      cli_run (&p, cwd,
               (const char *[]){ "test", fake_kernel_arg, "--backend=qemu", "steady",
                                 "steady_mixed", NULL });
      g_assert_nonnull (strstr (p.out, "2 tests, 2 at a time\n"));
    }
  g_unsetenv ("KTSTR_QEMU");
}

/* Shared boots are the default and --fresh-boot (or KTSTR_FRESH_BOOT)
 * turns them off: the sidecars say which kind each test had.  QEMU is
 * /bin/false, so every boot fails at once (each test then gets a boot of
 * its own either way); what matters is the record. */
static guint
count_shared (const char *const *extra, const char *env)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli-shared");
  g_setenv ("KTSTR_QEMU", "/bin/false", TRUE);
  if (env != NULL)
    g_setenv ("KTSTR_FRESH_BOOT", env, TRUE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, "test");
  g_ptr_array_add (argv, fake_kernel_arg);
  g_ptr_array_add (argv, "--backend=qemu");
  g_ptr_array_add (argv, "-j");
  g_ptr_array_add (argv, "1");
  for (const char *const *a = extra; *a; a++)
    g_ptr_array_add (argv, (char *)*a);
  g_ptr_array_add (argv, "steady");
  g_ptr_array_add (argv, "steady_mixed");
  g_ptr_array_add (argv, NULL);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *const *)argv->pdata);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "0 passed, 2 failed"));
  g_autoptr (GPtrArray) all = ktstr_vm_test_load_sidecars (cwd);
  g_assert_cmpuint (all->len, ==, 2);
  guint n = 0;
  for (guint i = 0; i < all->len; i++)
    n += ((KtstrSidecar *)all->pdata[i])->shared_boot_id != NULL;
  g_unsetenv ("KTSTR_QEMU");
  g_unsetenv ("KTSTR_FRESH_BOOT");
  ktstr_vm_test_remove_tree (cwd);
  return n;
}

static void
test_fresh_boot_switch (void)
{
  g_assert_cmpuint (count_shared ((const char *[]){ NULL }, NULL), ==, 2);
  g_assert_cmpuint (count_shared ((const char *[]){ "--fresh-boot", NULL }, NULL), ==, 0);
  g_assert_cmpuint (count_shared ((const char *[]){ NULL }, "1"), ==, 0);
  g_assert_cmpuint (count_shared ((const char *[]){ NULL }, "0"), ==, 2);
}

/* --repeat takes a number of trials in range, or auto with a maximum in
 * range. */
static void
test_repeat_invalid (void)
{
  static const char *const bad[] = { "--repeat=0",  "--repeat=101", "--repeat=x",
                                     "--repeat=-2", "--repeat=",    "--repeat=autox" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, NULL, (const char *[]){ "test", fake_kernel_arg, bad[i], "steady", NULL });
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (
          strstr (r.err, "--repeat takes a number of trials from 1 to 100, or auto[:MAX], got '"));
    }
  static const char *const bad_auto[]
      = { "--repeat=auto:2", "--repeat=auto:101", "--repeat=auto:", "--repeat=auto:x" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_auto); i++)
    {
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, NULL, (const char *[]){ "test", fake_kernel_arg, bad_auto[i], "steady", NULL });
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, "--repeat auto:MAX takes a maximum from 3 to 100 trials"));
    }
}

/* --flags with neither --scheduler-file nor a test naming a scheduler. */
static void
test_flags_without_scheduler (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *[]){ "test", fake_kernel_arg, "--flags=fast", "steady", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "test 'steady' names no scheduler definition"));
  ktstr_vm_test_remove_tree (cwd);
}

/* A definition whose binary= names a program found nowhere is refused
 * before any boot, listing the folders searched; the same definition
 * still serves show-thresholds. */
static void
test_scheduler_binary_not_found (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autofree char *def = g_build_filename (cwd, "nowhere.ini", NULL);
  g_assert_true (
      g_file_set_contents (def, "[scheduler]\nname=nowhere\nbinary=scx_ktstr_nowhere\n", -1, NULL));
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", def);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *[]){ "test", fake_kernel_arg, arg, "steady", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_autofree char *want
      = g_strdup_printf ("scheduler binary 'scx_ktstr_nowhere' not found, looked in %s, ", cwd);
  g_assert_nonnull (strstr (r.err, want));
  g_assert_null (strstr (r.out, "FAIL"));

  g_auto (KtstrCliRun) t = { 0 };
  cli_run (&t, cwd, (const char *[]){ "show-thresholds", arg, "steady", NULL });
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "scheduler nowhere ("));
  ktstr_vm_test_remove_tree (cwd);
}

/* --scheduler NAME (no '/') is looked up like a definition's binary=:
 * found nowhere, it is refused before anything else, every folder named,
 * the build locations and --kernel's tree among them. */
static void
test_scheduler_name_not_found (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autofree char *tree = g_build_filename (cwd, "mylinux", NULL);
  g_assert_cmpint (g_mkdir_with_parents (tree, 0755), ==, 0);
  g_autofree char *kernel_arg = g_strdup_printf ("--kernel=%s", tree);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (
      &r, cwd,
      (const char *[]){ "test", kernel_arg, "--scheduler", "scx_ktstr_nowhere", "steady", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (
      r.err,
      "ktstr test: --scheduler: scheduler binary 'scx_ktstr_nowhere' not found, looked in "));
  g_autofree char *in_tree = g_strdup_printf ("%s/tools/sched_ext/build/bin, ", tree);
  g_assert_nonnull (strstr (r.err, in_tree));
  g_assert_nonnull (strstr (r.err, "./target/release, ./target/debug, "));
  g_assert_null (strstr (r.out, "FAIL"));
  ktstr_vm_test_remove_tree (cwd);
}

/* ktstr run and ktstr shell refuse before any boot, with exit 125 (their
 * "could not run it") and a message naming the input: a missing command,
 * a program not on PATH, a scheduler name found nowhere, options that
 * need a scheduler, a kernel argument ktstr sets, a shell without a
 * terminal (the test's standard streams are pipes). */
static void
test_exec_refused (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  static const struct
  {
    const char *args[8];
    const char *message;
  } cases[] = {
    { { "run", "--kernel=/bin/true", NULL }, "ktstr run: no command: ktstr run [OPTION…] -- CMD" },
    { { "run", "--kernel=/bin/true", "/bin/true", NULL },
      "ktstr run: unexpected argument '/bin/true'; the command goes after '--'" },
    { { "run", "--kernel=/bin/true", "--", "ktstr-no-such-program", NULL },
      "ktstr run: command 'ktstr-no-such-program' is not on PATH" },
    { { "run", "--kernel=/bin/true", "--", "./ktstr-no-such-file", NULL },
      "is not an executable file on this host" },
    { { "run", "--kernel=/bin/true", "--scheduler", "scx_ktstr_nowhere", "--", "/bin/true", NULL },
      "ktstr run: --scheduler: scheduler binary 'scx_ktstr_nowhere' not found, looked in " },
    { { "run", "--kernel=/bin/true", "--flags", "a", "--", "/bin/true", NULL },
      "ktstr run: --flags selects flags of a --scheduler-file definition" },
    { { "run", "--kernel=/bin/true", "--scheduler-arg", "-v", "--", "/bin/true", NULL },
      "ktstr run: --scheduler-arg is for a scheduler" },
    { { "run", "--kernel=/bin/true", "--karg", "console=ttyS1", "--", "/bin/true", NULL },
      "--karg 'console=ttyS1': ktstr sets console= itself" },
    { { "run", "--kernel=/bin/true", "--topology", "1n0l", "--", "/bin/true", NULL },
      "ktstr run: --topology: " },
    { { "shell", "--kernel=/bin/true", NULL }, "ktstr shell: needs a terminal on standard input" },
    { { "shell", "--kernel=/bin/true", "ls", NULL },
      "ktstr shell: unexpected argument 'ls' (to run a command, use 'ktstr run -- CMD')" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* Every case names a kernel ktstr can boot: a non-kernel is refused
       * before anything these cases check. */
      const char *args[G_N_ELEMENTS (cases[i].args)];
      for (gsize k = 0; k < G_N_ELEMENTS (args); k++)
        args[k] = g_strcmp0 (cases[i].args[k], "--kernel=/bin/true") == 0 ? fake_kernel_arg
                                                                          : cases[i].args[k];
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, cwd, args);
      if (strstr (r.err, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": expected '%s' in:\n%s", i, cases[i].message, r.err);
      g_assert_cmpint (r.status, ==, 125);
      g_assert_cmpstr (r.out, ==, "");
    }
  ktstr_vm_test_remove_tree (cwd);
}

/* A --timeout that cannot fit the scenario is refused before any boot,
 * naming the test and the least timeout that fits. */
static void
test_timeout_too_short (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *[]){ "test", fake_kernel_arg, "--timeout=3", "steady", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--timeout 3 is too short for test 'steady': its settle + "
                                   "duration alone take 3500 ms; use at least --timeout 19"));
  g_assert_null (strstr (r.out, "FAIL"));
  ktstr_vm_test_remove_tree (cwd);
}

/* `ktstr list --json` is printed in the one JSON style of ktstr-stats and
 * the sidecars: printing what it parses to gives the same text back. */
static void
test_list_json (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "list", "--json", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_true (g_str_has_prefix (r.out, "[\n  {\n    \"name\": \"affinity_churn\",\n"));
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (r.out);
  g_autofree char *again = ktstr_json_to_data (root, NULL);
  g_assert_cmpstr (again, ==, r.out);

  g_auto (KtstrCliRun) plain = { 0 };
  cli_run (&plain, NULL, (const char *[]){ "list", NULL });
  g_autofree char *count
      = g_strdup_printf ("%u tests\n", json_array_get_length (json_node_get_array (root)));
  g_assert_true (g_str_has_suffix (plain.out, count));
  JsonObject *first = json_array_get_object_element (json_node_get_array (root), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "path"), ==,
                   "@SRCDIR@/data/tests/affinity_churn.ktstr");
  g_assert_cmpint (json_object_get_int_member (first, "duration_ms"), >, 0);
}

/* The listings the shell completion reads: test names as `list --json`
 * has them, the 24 presets, a definition's flags; one at a time. */
static void
test_list_names (void)
{
  g_auto (KtstrCliRun) names = { 0 };
  g_auto (KtstrCliRun) json = { 0 };
  cli_run (&names, NULL, (const char *[]){ "list", "--names", NULL });
  cli_run (&json, NULL, (const char *[]){ "list", "--json", NULL });
  g_assert_cmpint (names.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (json.out);
  JsonArray *tests = json_node_get_array (root);
  g_autoptr (GString) want = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (tests); i++)
    g_string_append_printf (
        want, "%s\n",
        json_object_get_string_member (json_array_get_object_element (tests, i), "name"));
  g_assert_cmpstr (names.out, ==, want->str);

  g_auto (KtstrCliRun) presets = { 0 };
  cli_run (&presets, NULL, (const char *[]){ "list", "--presets", NULL });
  g_assert_cmpint (presets.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (presets.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 24 + 1);
  g_assert_cmpstr (lines[0], ==, "tiny-1llc");
  g_assert_cmpstr (lines[23], ==, "numa4-12llc");

  g_autofree char *sched = data_path ("sched-checks.ini");
  g_autofree char *arg = g_strdup_printf ("--flags=%s", sched);
  g_auto (KtstrCliRun) flags = { 0 };
  cli_run (&flags, NULL, (const char *[]){ "list", arg, NULL });
  g_assert_cmpint (flags.status, ==, 0);
  g_assert_cmpstr (flags.out, ==, "fast\nslow\n");

  g_auto (KtstrCliRun) missing = { 0 };
  cli_run (&missing, NULL, (const char *[]){ "list", "--flags=/nonexistent/s.ini", NULL });
  g_assert_cmpint (missing.status, ==, 2);
  g_assert_nonnull (strstr (missing.err, "ktstr list: --flags: "));
  g_assert_nonnull (strstr (missing.err, "/nonexistent/s.ini"));
  g_auto (KtstrCliRun) both = { 0 };
  cli_run (&both, NULL, (const char *[]){ "list", "--names", "--presets", NULL });
  g_assert_cmpint (both.status, ==, 2);
  g_assert_nonnull (
      strstr (both.err, "give one of --json, --names, --presets, --work-types and --flags"));

  g_auto (KtstrCliRun) types = { 0 };
  cli_run (&types, NULL, (const char *[]){ "list", "--work-types", NULL });
  g_assert_cmpint (types.status, ==, 0);
  g_assert_true (g_str_has_prefix (types.out, "CpuSpin\n"));
  g_assert_nonnull (strstr (types.out, "\nPipeIo\n"));
}

/* show-thresholds --json: the three layers as a typed document. */
static void
test_thresholds_json (void)
{
  g_autofree char *sched = data_path ("sched-checks.ini");
  g_autofree char *arg = g_strdup_printf ("--scheduler-file=%s", sched);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL,
           (const char *[]){ "show-thresholds", "--json", arg, "perf_wake_latency", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  assert_golden (r.out, "show-thresholds-perf_wake_latency-sched.json");
}

/* show-host --json: the host object a sidecar records. */
static void
test_show_host_json (void)
{
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, NULL, (const char *[]){ "show-host", "--json", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (r.out);
  JsonObject *host = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (host, "kernel_name"), ==, "Linux");
  g_assert_cmpint (json_object_get_int_member (host, "online_cpus"), >, 0);
  g_autofree char *again = ktstr_json_to_data (root, NULL);
  g_assert_cmpstr (again, ==, r.out);
}

/* What a run cannot do is refused before any VM boots, for every test of
 * the run (not only the first), with exit status 2 and nothing recorded. */
static void
test_refused_before_boot (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autofree char *long_test = g_build_filename (cwd, "long.ktstr", NULL);
  g_assert_true (g_file_set_contents (
      long_test, "[test]\nname=long\nduration_ms=30000\n[cgroup cg_0]\nwork=CpuSpin\n", -1, NULL));
  g_autofree char *named = data_path ("named-sched.ktstr");
  static const struct
  {
    const char *args[6];
    const char *message;
  } cases[] = {
    { { "--timeout=20", "steady", "@LONG@", NULL },
      "--timeout 20 is too short for test 'long': its settle + duration alone take 30500 ms" },
    { { "--karg=console=ttyS1", "steady", NULL },
      "--karg 'console=ttyS1': ktstr sets console= itself; it cannot be overridden" },
    { { "steady", "--", "--slice-us=100", NULL },
      "arguments after '--' are for a scheduler, but no --scheduler was given" },
    { { "--gauntlet", "steady", "@NAMED@", NULL },
      "--gauntlet: tests 'steady' (scheduler none) and 'named_sched' (scheduler " },
    { { "--preset=tiny-1llc", "steady", NULL },
      "--preset applies to --gauntlet runs; give --topology for a plain run" },
    { { "-j", "300", "steady", NULL }, "-j must be between 1 and 256, got 300" },
    { { "-j", "-1", "steady", NULL }, "-j must be between 1 and 256, got -1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();
      g_ptr_array_add (argv, "test");
      g_ptr_array_add (argv, fake_kernel_arg);
      for (const char *const *a = cases[i].args; *a; a++)
        g_ptr_array_add (argv, g_str_equal (*a, "@LONG@")    ? long_test
                               : g_str_equal (*a, "@NAMED@") ? named
                                                             : (char *)*a);
      g_ptr_array_add (argv, NULL);
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, cwd, (const char *const *)argv->pdata);
      g_test_message ("case %u: stdout:\n%s\nstderr:\n%s", i, r.out, r.err);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, cases[i].message));
      g_assert_null (strstr (r.out, "PASS"));
      g_assert_null (strstr (r.out, "FAIL"));
      g_autoptr (GPtrArray) scs = ktstr_vm_test_load_sidecars (cwd);
      g_assert_cmpuint (scs->len, ==, 0);
    }
  ktstr_vm_test_remove_tree (cwd);
}

/* A harness error in a plain run (here: the run lock cannot be taken, so
 * no sidecar can be written) fails that test with the reason, lets the
 * others run, and still prints the summary and writes --junit; the exit
 * status is 2, not 1: the harness failed, not the scheduler. */
static void
test_harness_error_summary (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autofree char *runs = g_build_filename (cwd, "target", "ktstr", NULL);
  g_autofree char *locks = g_build_filename (runs, ".locks", NULL);
  g_assert_cmpint (g_mkdir_with_parents (runs, 0755), ==, 0);
  g_assert_true (g_file_set_contents (locks, "not a directory", -1, NULL));
  g_autofree char *junit = g_build_filename (cwd, "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit=", junit, NULL);
  const char *args[]
      = { "test", fake_kernel_arg, "--topology=1n1l2c1t", junit_arg, "steady_llc", "affinity_llc",
          NULL };

  /* The run lock is taken before the first test: without it nothing runs. */
  {
    g_auto (KtstrCliRun) r = { 0 };
    cli_run (&r, cwd, args);
    g_test_message ("stdout:\n%s\nstderr:\n%s", r.out, r.err);
    g_assert_cmpint (r.status, ==, 2);
    g_assert_nonnull (strstr (r.err, "cannot create lock directory"));
    g_assert_null (strstr (r.out, "PASS"));
    g_assert_null (strstr (r.out, "FAIL"));
  }

  /* A sidecar that cannot be written (its name is taken by a directory)
   * is a harness error of that test, in the summary and the JUnit file. */
  g_assert_cmpint (g_unlink (locks), ==, 0);
  g_autoptr (GPtrArray) written = NULL;
  {
    g_auto (KtstrCliRun) r = { 0 };
    cli_run (&r, cwd, args);
    g_assert_cmpint (r.status, ==, 0);
    written = ktstr_vm_test_load_sidecars (cwd);
    g_assert_cmpuint (written->len, ==, 2);
  }
  g_autoptr (GDir) runs_dir = g_dir_open (runs, 0, NULL);
  const char *key;
  while ((key = g_dir_read_name (runs_dir)) != NULL)
    {
      g_autofree char *dir = g_build_filename (runs, key, NULL);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          if (!g_str_has_suffix (name, ".ktstr.json"))
            continue;
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *inside = g_build_filename (path, "keep", NULL);
          g_assert_cmpint (g_unlink (path), ==, 0);
          g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
          g_assert_true (g_file_set_contents (inside, "x", -1, NULL));
        }
    }
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, args);
  g_test_message ("stdout:\n%s\nstderr:\n%s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.out, "FAIL steady_llc  "));
  g_assert_nonnull (strstr (r.out, "FAIL affinity_llc  "));
  g_assert_nonnull (
      strstr (r.out, "     test 'steady_llc' was skipped but its sidecar could not be written: "));
  g_assert_nonnull (strstr (r.out, "sidecars: "));
  g_assert_nonnull (strstr (r.out, "0 passed, 2 failed, 0 skipped ("));
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (junit, &xml, NULL, NULL));
  g_assert_nonnull (strstr (xml, "tests=\"2\" failures=\"0\" errors=\"2\" skipped=\"0\""));
  g_assert_nonnull (strstr (xml, "<testcase name=\"affinity_llc\" classname=\"ktstr\""));
  g_assert_nonnull (strstr (xml, "<error message=\"test &apos;steady_llc&apos; was skipped"));
  ktstr_vm_test_remove_tree (cwd);
}

/* The monitor's options are refused before any boot: an unknown
 * --monitor, and a vmlinux given outright (--vmlinux, KTSTR_VMLINUX) that
 * does not load -- a wrong file must not quietly become the guest
 * sampler. */
static void
test_monitor_options (void)
{
  g_autofree char *cwd = ktstr_vm_test_make_repo ("ktstr-cli");
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  g_autofree char *kernel = g_strconcat ("--kernel=", fake, NULL);
  g_auto (KtstrCliRun) r = { 0 };
  cli_run (&r, cwd, (const char *[]){ "test", kernel, "--monitor=bogus", "steady", NULL });
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--monitor: 'bogus' is not auto, host, guest or off"));

  g_auto (KtstrCliRun) v = { 0 };
  cli_run (&v, cwd, (const char *[]){ "test", kernel, "--vmlinux=/bin/true", "steady", NULL });
  g_assert_cmpint (v.status, ==, 2);
  g_assert_nonnull (strstr (v.err, "--vmlinux: vmlinux '/bin/true'"));
  g_assert_nonnull (strstr (v.err, "or --monitor=guest"));
  g_assert_null (strstr (v.out, "FAIL"));
  ktstr_vm_test_remove_tree (cwd);
}

/* A test file asking for performance mode, in a fresh directory. */
static char *
write_perf_test (char **dir)
{
  *dir = g_dir_make_tmp ("ktstr-cli-perf-XXXXXX", NULL);
  char *path = g_build_filename (*dir, "steady_perf.ktstr", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[test]\nname=steady_perf\nperformance_mode=true\n"
                                      "[cgroup cg_0]\nwork=CpuSpin\n",
                                      -1, NULL));
  return path;
}

/* Performance mode that this host can never place (as many vCPUs as the
 * host has CPUs: none left for the service CPU), and any under
 * --no-perf-mode, is a recorded skip before any VM, saying why. */
static void
test_skip_perf_mode (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = write_perf_test (&dir);
  g_autoptr (GArray) host = ktstr_host_cpus_read (NULL);
  g_assert_nonnull (host);
  g_autofree char *topo = g_strdup_printf ("--topology=1n1l%uc1t", host->len);
  g_autofree char *reason = g_strdup_printf (
      "performance mode needs a host CPU for each of the %u vCPUs of 1n1l%uc1t plus one service "
      "CPU (%u)",
      host->len, host->len, host->len + 1);
  g_auto (KtstrCliRun) r = { 0 };
  g_autoptr (KtstrSidecar) sc = run_skipped ((const char *[]){ topo, file, NULL }, &r);
  assert_skip (&r, sc, "steady_perf", reason);

  g_auto (KtstrCliRun) off = { 0 };
  g_autoptr (KtstrSidecar) sc2
      = run_skipped ((const char *[]){ "--no-perf-mode", file, NULL }, &off);
  assert_skip (&off, sc2, "steady_perf", "performance mode is off (--no-perf-mode");

  g_setenv ("KTSTR_NO_PERF_MODE", "1", TRUE);
  g_auto (KtstrCliRun) env = { 0 };
  g_autoptr (KtstrSidecar) sc3 = run_skipped ((const char *[]){ file, NULL }, &env);
  g_unsetenv ("KTSTR_NO_PERF_MODE");
  assert_skip (&env, sc3, "steady_perf", "performance mode is off");
  ktstr_vm_test_remove_tree (dir);
}

/* --cpu-cap and KTSTR_CPU_CAP outside 1..the host's CPUs: exit 2 before
 * anything else. */
static void
test_cpu_cap_errors (void)
{
  static const char *const bad[] = { "--cpu-cap=0", "--cpu-cap=100000", "--cpu-cap=-3", NULL };
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_auto (KtstrCliRun) r = { 0 };
      cli_run (&r, NULL, (const char *[]){ "test", fake_kernel_arg, bad[i], "steady", NULL });
      g_assert_cmpint (r.status, ==, 2);
      g_assert_nonnull (strstr (r.err, "--cpu-cap must be between 1 and the "));
    }
  g_setenv ("KTSTR_CPU_CAP", "many", TRUE);
  g_auto (KtstrCliRun) e = { 0 };
  cli_run (&e, NULL, (const char *[]){ "test", fake_kernel_arg, "steady", NULL });
  g_assert_cmpint (e.status, ==, 2);
  g_assert_nonnull (strstr (e.err, "KTSTR_CPU_CAP: 'many' is not a number of host CPUs"));
  g_setenv ("KTSTR_CPU_CAP", "0", TRUE);
  g_auto (KtstrCliRun) z = { 0 };
  cli_run (&z, NULL, (const char *[]){ "test", fake_kernel_arg, "steady", NULL });
  g_unsetenv ("KTSTR_CPU_CAP");
  g_assert_cmpint (z.status, ==, 2);
  g_assert_nonnull (strstr (z.err, "KTSTR_CPU_CAP must be between 1 and the "));
}

static JsonObject *
only_element (JsonObject *root, const char *member)
{
  JsonArray *a = json_object_get_array_member (root, member);
  g_assert_cmpuint (json_array_get_length (a), ==, 1);
  return json_array_get_object_element (a, 0);
}

/* ktstr locks: every kind of lock file with its holders, as JSON and as
 * text, and its argument errors. */
static void
test_locks (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-cli-locks-XXXXXX", NULL);
  g_autofree char *cpus = g_build_filename (dir, "cpus", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *runs = g_build_filename (dir, "target", "ktstr", ".locks", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cpus, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runs, 0755), ==, 0);
  g_autofree char *cpu1 = g_build_filename (cpus, "cpu-1.lock", NULL);
  g_autofree char *llc0 = g_build_filename (cpus, "llc-0.lock", NULL);
  g_autofree char *run = g_build_filename (runs, "6.12.3-abc1234.lock", NULL);
  g_autofree char *entry = g_build_filename (cache, ".6.12.3-k1.lock", NULL);
  g_assert_true (g_file_set_contents (llc0, "", 0, NULL));
  g_assert_true (g_file_set_contents (entry, "", 0, NULL));
  pid_t a = ktstr_test_lock_holder_spawn_file (cpu1, LOCK_EX);
  pid_t b = ktstr_test_lock_holder_spawn_file (run, LOCK_SH);
  g_setenv ("KTSTR_LOCK_DIR", cpus, TRUE);
  g_setenv ("KTSTR_CACHE_DIR", cache, TRUE);

  g_auto (KtstrCliRun) j = { 0 };
  cli_run (&j, dir, (const char *[]){ "locks", "--json", NULL });
  g_assert_cmpint (j.status, ==, 0);
  g_autoptr (JsonNode) root = ktstr_cli_parse_json (j.out);
  JsonObject *o = json_node_get_object (root);
  JsonObject *cpu = only_element (o, "cpus");
  g_assert_cmpint (json_object_get_int_member (cpu, "cpu"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (cpu, "lockfile"), ==, cpu1);
  JsonArray *h = json_object_get_array_member (cpu, "holders");
  g_assert_cmpuint (json_array_get_length (h), ==, 1);
  JsonObject *holder = json_array_get_object_element (h, 0);
  g_assert_cmpint (json_object_get_int_member (holder, "pid"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (holder, "mode"), ==, "exclusive");
  JsonObject *llc = only_element (o, "llcs");
  g_assert_cmpint (json_object_get_int_member (llc, "llc"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (llc, "holders")), ==, 0);
  JsonObject *rd = only_element (o, "run_dirs");
  g_assert_cmpstr (json_object_get_string_member (rd, "run_key"), ==, "6.12.3-abc1234");
  JsonObject *rh = json_array_get_object_element (json_object_get_array_member (rd, "holders"), 0);
  g_assert_cmpint (json_object_get_int_member (rh, "pid"), ==, b);
  g_assert_cmpstr (json_object_get_string_member (rh, "mode"), ==, "shared");
  JsonObject *ce = only_element (o, "cache");
  g_assert_cmpstr (json_object_get_string_member (ce, "cache_key"), ==, "6.12.3-k1");

  g_auto (KtstrCliRun) t = { 0 };
  cli_run (&t, dir, (const char *[]){ "locks", NULL });
  g_assert_cmpint (t.status, ==, 0);
  g_autofree char *line = g_strdup_printf ("exclusive pid=%d ", (int)a);
  g_assert_nonnull (strstr (t.out, line));
  g_assert_nonnull (strstr (t.out, "Host LLC reservations"));
  g_assert_nonnull (strstr (t.out, "  none held, 1 free"));

  /* Released when the holder dies. */
  ktstr_test_lock_holder_kill (a);
  g_auto (KtstrCliRun) after = { 0 };
  cli_run (&after, dir, (const char *[]){ "locks", NULL });
  g_assert_null (strstr (after.out, line));

  static const char *const bad[][3] = { { "locks", "--watch=-1", NULL },
                                        { "locks", "--watch=0.001", NULL },
                                        { "locks", "extra", NULL } };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto (KtstrCliRun) e = { 0 };
      cli_run (&e, dir, bad[i]);
      g_assert_cmpint (e.status, ==, 2);
      g_assert_nonnull (strstr (e.err, "ktstr locks: "));
    }
  ktstr_test_lock_holder_kill (b);
  g_unsetenv ("KTSTR_LOCK_DIR");
  g_unsetenv ("KTSTR_CACHE_DIR");
  ktstr_vm_test_remove_tree (dir);
}

/* --watch: one compact JSON object per line, until SIGINT.  The test reads
 * two lines before it interrupts, so a slow start on a loaded host cannot
 * cut the output short. */
static void
test_locks_watch (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-cli-watch-XXXXXX", NULL);
  g_autofree char *rel = g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL);
  g_autofree char *ktstr = g_canonicalize_filename (rel, NULL);
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "KTSTR_LOCK_DIR", dir, TRUE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_launcher_spawn (launcher, &error, ktstr, "locks",
                                                              "--json", "--watch", "0.2", NULL);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_autoptr (JsonNode) n = json_from_string (line, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
    }
  /* SIGINT ends it cleanly: status 0. */
  g_subprocess_send_signal (proc, SIGINT);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  ktstr_vm_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *fake = g_test_build_filename (G_TEST_DIST, "data", "boot", "fake-bzImage", NULL);
  fake_kernel_arg = g_strconcat ("--kernel=", fake, NULL);
  g_test_add_func ("/cli/list/json", test_list_json);
  g_test_add_func ("/cli/list/names", test_list_names);
  g_test_add_func ("/cli/show-thresholds/json", test_thresholds_json);
  g_test_add_func ("/cli/show-host/json", test_show_host_json);
  g_test_add_func ("/cli/test/timeout-too-short", test_timeout_too_short);
  g_test_add_func ("/cli/test/harness-error/summary-and-junit", test_harness_error_summary);
  g_test_add_func ("/cli/test/refused-before-boot", test_refused_before_boot);
  g_test_add_func ("/cli/test/repeat/skip-once", test_skip_repeat);
  g_test_add_func ("/cli/test/repeat/one-at-a-time", test_repeat_one_at_a_time);
  g_test_add_func ("/cli/test/repeat/invalid", test_repeat_invalid);
  g_test_add_func ("/cli/test/fresh-boot", test_fresh_boot_switch);
  g_test_add_func ("/cli/show-thresholds/builtin", test_thresholds_builtin);
  g_test_add_func ("/cli/show-thresholds/scheduler-file", test_thresholds_scheduler_file);
  g_test_add_func ("/cli/show-thresholds/test-scheduler", test_thresholds_test_scheduler);
  g_test_add_func ("/cli/show-thresholds/errors", test_thresholds_errors);
  g_test_add_func ("/cli/test/skip/test-constraints", test_skip_test_constraints);
  g_test_add_func ("/cli/test/skip/scheduler-constraints", test_skip_scheduler_constraints);
  g_test_add_func ("/cli/test/skip/old-spelling", test_skip_old_spelling);
  g_test_add_func ("/cli/test/skip/named-scheduler", test_skip_named_scheduler);
  g_test_add_func ("/cli/test/flags-without-scheduler", test_flags_without_scheduler);
  g_test_add_func ("/cli/test/scheduler-binary-not-found", test_scheduler_binary_not_found);
  g_test_add_func ("/cli/test/monitor-options", test_monitor_options);
  g_test_add_func ("/cli/test/scheduler-name-not-found", test_scheduler_name_not_found);
  g_test_add_func ("/cli/exec/refused", test_exec_refused);
  g_test_add_func ("/cli/test/skip/performance-mode", test_skip_perf_mode);
  g_test_add_func ("/cli/test/cpu-cap-errors", test_cpu_cap_errors);
  g_test_add_func ("/cli/locks/json-and-text", test_locks);
  g_test_add_func ("/cli/locks/watch", test_locks_watch);
  return g_test_run ();
}
