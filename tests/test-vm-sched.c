/* VM tier for the scheduler under test: real sched_ext schedulers from
 * the fixtures ($KTSTR_TEST_SCHEDULERS), booted on the fixture sched_ext
 * kernel ($KTSTR_TEST_KERNEL)
 * under QEMU (TCG is enough): deaths, a kernel panic and hangs while
 * scx_simple runs (payloads tests/ktstr-payload-panic.c), and --include
 * end to end.  Runs with KTSTR_VM_TESTS=1 (make check-vm); the packaging
 * and no-sched_ext errors need no VM and always run. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "image/elfdeps.h"
#include "record/sidecar.h"
#include "tests/vm-run.h"
#include "util/datapath.h"

static const char *builddir;
static const char *schedulers; /* $KTSTR_TEST_SCHEDULERS */
static const char *kernel;     /* $KTSTR_TEST_KERNEL, a sched_ext bzImage */

/* The build tree this test was built in (util/datapath.h). */
static const char *
tree_builddir (void)
{
  const char *dir = NULL;
  ktstr_build_tree (NULL, &dir);
  return dir;
}

static char *
scheduler (const char *name)
{
  return g_build_filename (schedulers != NULL ? schedulers : "/nonexistent", name, NULL);
}

static gboolean
need_fixtures (gboolean boots)
{
  g_autofree char *simple = scheduler ("scx_simple");
  if (!g_file_test (simple, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("fixture schedulers not found: set KTSTR_TEST_SCHEDULERS");
      return FALSE;
    }
  if (boots && g_strcmp0 (g_getenv ("KTSTR_VM_TESTS"), "1") != 0)
    {
      g_test_skip ("boots VMs: run with KTSTR_VM_TESTS=1 (make check-vm)");
      return FALSE;
    }
  if (boots && !g_file_test (kernel, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("no sched_ext fixture kernel: set KTSTR_TEST_KERNEL");
      return FALSE;
    }
  return TRUE;
}

static void
assert_sections (const KtstrVmRun *r)
{
  const char *sections[]
      = { "--- stats ---", "--- scheduler log ---", "--- sched_ext dump ---", "--- console ---" };
  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    g_assert_nonnull (strstr (r->err, sections[i]));
}

static void
test_simple_passes (void)
{
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  const char *args[] = { arg, "steady", NULL };
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, args, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS steady"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpstr (sc->scheduler, ==, "simple");
  g_assert_true (sc->passed);
  g_assert_null (sc->verdict_summary); /* nothing to explain on a pass */
  g_assert_cmpuint (sc->verifier_stats->len, >, 0);
  gboolean has_enqueue = FALSE;
  for (guint i = 0; i < sc->verifier_stats->len; i++)
    {
      const KtstrVerifierStat *v = sc->verifier_stats->pdata[i];
      g_assert_cmpuint (v->verified_insns, >, 0);
      has_enqueue |= g_str_equal (v->name, "simple_enqueue");
    }
  g_assert_true (has_enqueue);
  ktstr_vm_run_clear (&r);
}

/* scx_qmap's negative knobs: the scheduler dies while workers run. */
static void
test_qmap_dies (gconstpointer data)
{
  const char *const *want = data; /* knob, value, reason, kind */
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = scheduler ("scx_qmap");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  const char *args[] = { arg, "steady", "--", want[0], want[1], NULL };
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, args, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL steady"));
  g_assert_nonnull (strstr (r.out, "scheduler died"));
  g_assert_nonnull (strstr (r.out, want[2]));
  g_assert_nonnull (strstr (r.out, want[3]));
  assert_sections (&r);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_false (sc->passed);
  g_assert_cmpstr (sc->scheduler, ==, "qmap");
  ktstr_vm_run_clear (&r);
}

static void
test_not_a_scheduler (void)
{
  if (!need_fixtures (TRUE))
    return;
  const char *args[] = { "--scheduler=/bin/sleep", "steady", "--", "300", NULL };
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, args, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "scheduler not ready"));
  g_assert_null (strstr (r.out, "scheduler died"));
  assert_sections (&r);
  ktstr_vm_run_clear (&r);
}

/* The fixture scheduler (tests/sched/scx_ktstr), built when configure
 * found clang and libbpf >= 1.4. */
static char *
fixture_scheduler (void)
{
  char *path = g_build_filename (builddir, "tests", "sched", "scx_ktstr", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/sched/scx_ktstr not built: configure found no clang-19, libbpf-dev "
                   ">= 1.4 (bookworm-backports) or fixture vmlinux.h; see .ci/install-deps.sh");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* The fixture scheduler's knobs: data = knob args..., NULL, then the
 * strings the failure line must hold, NULL. */
static void
test_fixture_knob (gconstpointer data)
{
  const char *const *spec = data;
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = fixture_scheduler ();
  if (sched == NULL)
    return;
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, arg);
  g_ptr_array_add (args, (char *)"steady");
  g_ptr_array_add (args, (char *)"--");
  for (; *spec != NULL; spec++)
    g_ptr_array_add (args, (char *)*spec);
  g_ptr_array_add (args, NULL);
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, (const char *const *)args->pdata, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL steady"));
  g_autofree char *both = g_strconcat (r.out, r.err, NULL);
  for (spec++; *spec != NULL; spec++)
    g_assert_nonnull (strstr (both, *spec));
  assert_sections (&r);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_false (sc->passed);
  ktstr_vm_run_clear (&r);
}

/* Writes TEXT as t.ktstr in R's repository (a fresh one when R->cwd is
 * NULL), @PANIC@ and @EXEC@ standing for the payload helpers
 * tests/ktstr-payload-{panic,exec}, and runs `ktstr test ARGS... t.ktstr`. */
static void
run_file (KtstrVmRun *r, const char *text, const char *const *args)
{
  if (r->cwd == NULL)
    r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-sched");
  g_autofree char *content = g_strdup (text);
  const char *const helpers[]
      = { "@PANIC@", "ktstr-payload-panic", "@EXEC@", "ktstr-payload-exec" };
  for (guint i = 0; i < G_N_ELEMENTS (helpers); i += 2)
    {
      g_autofree char *rel = g_build_filename (builddir, "tests", helpers[i + 1], NULL);
      g_autofree char *path = g_canonicalize_filename (rel, NULL);
      g_auto (GStrv) parts = g_strsplit (content, helpers[i], -1);
      g_free (content);
      content = g_strjoinv (path, parts);
    }
  g_autofree char *file = g_build_filename (r->cwd, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (file, content, -1, NULL));
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, file);
  g_ptr_array_add (argv, NULL);
  ktstr_vm_run (r, kernel, (const char *const *)argv->pdata, NULL);
}

/* Runs `ktstr test --scheduler=SCHED t.ktstr -- KNOBS...` in a fresh
 * repository, t.ktstr holding TEXT (run_file puts the file last, where
 * it would be one of the scheduler's arguments). */
static void
run_with_knobs (KtstrVmRun *r, const char *sched, const char *text, const char *const *knobs)
{
  r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-sched");
  g_autofree char *file = g_build_filename (r->cwd, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (file, text, -1, NULL));
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, arg);
  g_ptr_array_add (argv, file);
  g_ptr_array_add (argv, (char *)"--");
  for (; *knobs != NULL; knobs++)
    g_ptr_array_add (argv, (char *)*knobs);
  g_ptr_array_add (argv, NULL);
  ktstr_vm_run (r, kernel, (const char *const *)argv->pdata, NULL);
}

/* expect_err: the fixture scheduler's error knob makes a negative test
 * pass; the same test without the knob fails, saying the expected error
 * did not happen. */
static void
test_fixture_expect_err (void)
{
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = fixture_scheduler ();
  if (sched == NULL)
    return;
  static const char text[] = "[test]\nname=negative\nduration_ms=3000\n"
                             "expect_err=scheduler_died\n[cgroup a]\nworkers=2\n";
  KtstrVmRun r = { 0 };
  run_with_knobs (&r, sched, text, (const char *const[]){ "--error-after", "1", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS negative"));
  g_assert_nonnull (
      strstr (r.out, "expected error scheduler_died happened: scheduler died during the run"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "negative", NULL);
  g_assert_true (sc->passed);
  g_assert_nonnull (strstr (sc->verdict_summary, "expected error scheduler_died happened"));
  /* No --auto-repro: no second, traced run. */
  g_assert_null (sc->auto_repro);
  g_assert_null (strstr (r.err, "auto-repro"));
  ktstr_vm_run_clear (&r);

  KtstrVmRun clean = { 0 };
  run_with_knobs (&clean, sched, text, (const char *const[]){ NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&clean), ==, 1);
  g_assert_nonnull (strstr (clean.out, "FAIL negative"));
  g_assert_nonnull (strstr (clean.out, "expected error scheduler_died did not happen"));
  ktstr_vm_run_clear (&clean);
}

/* The sidecar of a test that failed while scx_simple ran. */
static void
assert_failed_sidecar (const KtstrVmRun *r, const char *test)
{
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r->cwd, test, NULL);
  g_assert_false (sc->passed);
  g_assert_cmpstr (sc->scheduler, ==, "simple");
  /* Why it failed, as printed, for whoever reads the sidecar later. */
  g_assert_nonnull (sc->verdict_summary);
  g_assert_nonnull (strstr (r->out, sc->verdict_summary));
  g_assert_nonnull (sc->verdict_report);
  g_assert_nonnull (strstr (sc->verdict_report, "--- stats ---"));
}

/* A payload started in step 1 crashes the kernel under scx_simple. */
static const char panic_test[] = "[test]\nname=sched_panic\nduration_ms=3000\nsettle_ms=200\n"
                                 "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n"
                                 "[payload crash]\nbinary=@PANIC@\n"
                                 "[step 0]\nhold=fixed:1000\n"
                                 "[step 1]\nhold=fixed:2000\nops=RunPayload crash\n";

static void
test_simple_panic (void)
{
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  run_file (&r, panic_test, (const char *[]){ arg, NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL sched_panic"));
  /* The console's panic line, not just pvpanic's event. */
  g_assert_nonnull (strstr (r.out, "kernel panic while scheduler 'simple' was running: "
                                   "Kernel panic - not syncing: sysrq triggered crash"));
  assert_sections (&r);
  const char *console = strstr (r.err, "--- console ---");
  g_assert_nonnull (strstr (console, "sysrq triggered crash"));
  /* The guest died after the agent's hello: no second boot. */
  g_assert_null (strstr (r.err, "booting it once more"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "sched_panic", NULL);
  g_assert_false (sc->passed);
  g_assert_cmpstr (sc->scheduler, ==, "simple");
  g_assert_nonnull (strstr (sc->verdict_summary, "kernel panic while scheduler 'simple' was "
                                                 "running"));
  g_assert_nonnull (strstr (sc->verdict_report, "--- console ---"));
  /* The crash came partway through: from step 1's op, 1 s in. */
  const KtstrStimulusEvent *last = sc->stimulus_events->pdata[sc->stimulus_events->len - 1];
  g_assert_cmpstr (last->op_kind, ==, "RunPayload");
  g_assert_cmpstr (last->label, ==, "Step[1].Op[0]");
  g_assert_cmpuint (last->elapsed_ms, >=, 1000);
  ktstr_vm_run_clear (&r);
}

/* With --timeout 25 the guest guard powers off 20 s after boot, before a
 * 19 s scenario (valid for the plan) can end; the guard kills every
 * process, scx_simple too, which must not read as the scheduler dying. */
static const char guard_test[] = "[test]\nname=sched_guard\nduration_ms=19000\nsettle_ms=200\n"
                                 "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n";

static void
test_simple_guard (void)
{
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  run_file (&r, guard_test, (const char *[]){ arg, "--timeout", "25", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL sched_guard"));
  g_assert_nonnull (strstr (r.out, "hang while scheduler 'simple' was running: the guest did not "
                                   "finish in time; guard timer (20000 ms) expired while "));
  g_assert_null (strstr (r.out, "scheduler died"));
  g_assert_nonnull (strstr (r.err, "vm end: poweroff"));
  assert_sections (&r);
  assert_failed_sidecar (&r, "sched_guard");
  /* "vm end: poweroff" above is the guard's doing: the host's 25 s
   * deadline would have ended it as a timeout. */
  ktstr_vm_run_clear (&r);
}

/* A payload hogs every CPU with SCHED_FIFO: the agent, its guard timer's
 * handler included, never runs again; the host deadline ends the VM. */
static const char starve_test[] = "[test]\nname=sched_starve\nduration_ms=4000\nsettle_ms=200\n"
                                  "[cgroup cg_0]\nwork=CpuSpin\nworkers=2\n"
                                  "[payload hog]\nbinary=@PANIC@\nargs=starve\n"
                                  "[step 0]\nhold=fixed:1000\n"
                                  "[step 1]\nhold=fixed:3000\nops=RunPayload hog\n";

static void
test_simple_starved (void)
{
  if (!need_fixtures (TRUE))
    return;
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  KtstrVmRun r = { 0 };
  run_file (&r, starve_test, (const char *[]){ arg, "--timeout", "25", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
  g_assert_nonnull (strstr (r.out, "FAIL sched_starve"));
  g_assert_nonnull (strstr (r.out, "hang while scheduler 'simple' was running: the guest did not "
                                   "finish before the host deadline; the VM was killed"));
  g_assert_nonnull (strstr (r.err, "vm end: timeout"));
  g_assert_null (strstr (r.err, "guard timer"));
  assert_sections (&r);
  assert_failed_sidecar (&r, "sched_starve");
  g_assert_cmpfloat (r.seconds, <, 25 + 10);
  ktstr_vm_run_clear (&r);
}

/* --include: a data file and /bin/true, a dynamic program whose
 * interpreter and libc must come along (no scheduler, so nothing else
 * packs a libc); a payload checks the file and runs the program. */
static const char include_test[]
    = "[test]\nname=include_files\nduration_ms=1000\nsettle_ms=100\n"
      "[cgroup cg_0]\nwork=CpuSpin\nworkers=1\n"
      "[payload inc]\nbinary=@EXEC@\n"
      "args=-f;/include-files/marker.txt;/include-files/true\nexit_code=0\n"
      "[step 0]\nhold=frac:1\nops=RunPayload inc;WaitPayload inc\n";

/* The include tests pack /bin/true with its loader and libraries: a
 * statically linked one would not show that they came along. */
static gboolean
need_dynamic_true (void)
{
  g_autoptr (KtstrElfDeps) deps = ktstr_elfdeps_resolve ("/bin/true", NULL, NULL);
  if (deps == NULL || deps->interp == NULL)
    {
      g_test_skip ("/bin/true is not a dynamically linked program here");
      return FALSE;
    }
  return TRUE;
}

static void
test_include (void)
{
  if (!need_fixtures (TRUE) || !need_dynamic_true ())
    return;
  KtstrVmRun r = { 0 };
  r.cwd = ktstr_vm_test_make_repo ("ktstr-vm-sched");
  g_autofree char *marker = g_build_filename (r.cwd, "marker.txt", NULL);
  g_assert_true (g_file_set_contents (marker, "marker\n", -1, NULL));
  g_autofree char *arg = g_strdup_printf ("--include=%s", marker);
  run_file (&r, include_test, (const char *[]){ arg, "--include=/bin/true", NULL });
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS include_files"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "include_files", NULL);
  g_assert_true (sc->passed);
  g_assert_cmpuint (sc->metrics->len, ==, 1);
  const KtstrPayloadMetrics *pm = sc->metrics->pdata[0];
  g_assert_cmpint (pm->exit_code, ==, 0);
  ktstr_vm_run_clear (&r);
}

/* A scheduler definition's cgroup_parent and a test's include_files, in
 * one boot: the payload finds the scenario's cgroup under the parent
 * (not under /sys/fs/cgroup/ktstr) and runs /bin/true from
 * /include-files, which only include_files put there. */
static void
test_cgroup_parent (void)
{
  if (!need_fixtures (TRUE) || !need_dynamic_true ())
    return;
  KtstrVmRun r = { 0 };
  r.cwd = ktstr_vm_test_make_repo ("ktstr-vm-sched");
  g_autofree char *simple = scheduler ("scx_simple");
  g_autofree char *def = g_strdup_printf (
      "[scheduler]\nname=parented\nbinary=%s\ncgroup_parent=/ktstr.slice/inner\n", simple);
  g_autofree char *def_path = g_build_filename (r.cwd, "sched.ini", NULL);
  g_assert_true (g_file_set_contents (def_path, def, -1, NULL));
  run_file (&r,
            "[test]\nname=parented\nduration_ms=1000\nsettle_ms=100\nscheduler=sched.ini\n"
            "include_files=/bin/true\n[cgroup cg_0]\nwork=CpuSpin\nworkers=1\n"
            "[payload probe]\nbinary=@EXEC@\n"
            "args=-f;/sys/fs/cgroup/ktstr.slice/inner/cg_0/cgroup.procs;/include-files/true\n"
            "exit_code=0\n[step 0]\nhold=frac:1\nops=RunPayload probe;WaitPayload probe\n",
            (const char *[]){ NULL });
  if (ktstr_vm_run_exit_code (&r) != 0)
    g_printerr ("%s\n%s\n", r.out, r.err);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_assert_nonnull (strstr (r.out, "PASS parented"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "parented", NULL);
  g_assert_cmpstr (sc->scheduler, ==, "parented");
  g_assert_cmpuint (sc->metrics->len, ==, 1);
  g_assert_cmpint (((const KtstrPayloadMetrics *)sc->metrics->pdata[0])->exit_code, ==, 0);
  ktstr_vm_run_clear (&r);
}

/* A kernel-built-in scheduler: its enable and disable actions run in the
 * guest (a knob written, a packed program run); an enable action that
 * fails fails the test, naming it. */
static void
test_builtin (void)
{
  if (!need_fixtures (TRUE))
    return;
  static const char test[] = "[test]\nname=tuned\nduration_ms=1000\nsettle_ms=100\n"
                             "scheduler=sched.ini\n[cgroup cg_0]\nwork=CpuSpin\nworkers=1\n";
  const char *knobs[] = { "/proc/sys/kernel/sched_rt_runtime_us", "/proc/sys/kernel/no_such_knob" };
  for (guint i = 0; i < G_N_ELEMENTS (knobs); i++)
    {
      KtstrVmRun r = { 0 };
      r.cwd = ktstr_vm_test_make_repo ("ktstr-vm-sched");
      g_autofree char *def = g_strdup_printf ("[scheduler]\nname=tuned\n"
                                              "enable=write %s 950000;run /bin/true\n"
                                              "disable=write %s 950000\n",
                                              knobs[i], knobs[i]);
      g_autofree char *def_path = g_build_filename (r.cwd, "sched.ini", NULL);
      g_assert_true (g_file_set_contents (def_path, def, -1, NULL));
      run_file (&r, test, (const char *[]){ NULL });
      g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "tuned", NULL);
      g_assert_cmpstr (sc->scheduler, ==, "tuned");
      if (i == 0)
        {
          if (ktstr_vm_run_exit_code (&r) != 0)
            g_printerr ("%s\n%s\n", r.out, r.err);
          g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
          g_assert_nonnull (strstr (r.out, "PASS tuned"));
        }
      else
        {
          g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 1);
          g_assert_nonnull (strstr (r.out, "built-in scheduler enable: writing '950000' to "
                                           "/proc/sys/kernel/no_such_knob failed"));
        }
      ktstr_vm_run_clear (&r);
    }
}

/* No VM: the error comes from packaging, before anything boots. */
static void
test_missing_library (void)
{
  if (!need_fixtures (FALSE))
    return;
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (sched, &data, &len, NULL));
  char *p = memmem (data, len, "libz.so.1", 9);
  g_assert_nonnull (p);
  memcpy (p, "libQ.so.9", 9);
  g_autofree char *dir = g_dir_make_tmp ("ktstr-missing-XXXXXX", NULL);
  g_autofree char *copy = g_build_filename (dir, "scx_broken", NULL);
  g_assert_true (g_file_set_contents (copy, data, len, NULL));
  g_chmod (copy, 0755);
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", copy);
  const char *args[] = { arg, "steady", NULL };
  KtstrVmRun r = { 0 };
  /* Any kernel image will do: nothing boots. */
  ktstr_vm_run (&r, g_file_test (kernel, G_FILE_TEST_IS_REGULAR) ? kernel : "/bin/true", args,
                NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 2);
  if (g_file_test (kernel, G_FILE_TEST_IS_REGULAR))
    {
      g_assert_nonnull (strstr (r.err, "libQ.so.9"));
      g_assert_nonnull (strstr (r.err, copy));
      g_assert_null (strstr (r.out, "steady"));
      g_autofree char *target = g_build_filename (r.cwd, "target", NULL);
      g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS)); /* no run, no sidecar */
    }
  g_unlink (copy);
  g_rmdir (dir);
  ktstr_vm_run_clear (&r);
}

/* Debian's kernel has no sched_ext: refused before any VM, naming why. */
static void
test_no_sched_ext_kernel (void)
{
  if (!need_fixtures (FALSE))
    return;
  g_autoptr (GDir) d = g_dir_open ("/boot", 0, NULL);
  const char *name;
  g_autofree char *image = NULL, *config = NULL;
  while (d && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "vmlinuz-"))
      {
        g_autofree char *c = g_strdup_printf ("/boot/config-%s", name + strlen ("vmlinuz-"));
        g_autofree char *text = NULL;
        if (g_file_get_contents (c, &text, NULL, NULL)
            && strstr (text, "\nCONFIG_SCHED_CLASS_EXT=y") == NULL)
          {
            image = g_build_filename ("/boot", name, NULL);
            config = g_steal_pointer (&c);
            break;
          }
      }
  if (image == NULL || access (image, R_OK) != 0)
    {
      g_test_skip ("no readable /boot kernel without sched_ext and with its config");
      return;
    }
  g_autofree char *sched = scheduler ("scx_simple");
  g_autofree char *arg = g_strdup_printf ("--scheduler=%s", sched);
  const char *args[] = { arg, "steady", NULL };
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, image, args, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 2);
  g_assert_nonnull (strstr (r.err, "has no sched_ext"));
  g_assert_nonnull (strstr (r.err, "CONFIG_SCHED_CLASS_EXT"));
  /* Refused before any VM: no run directory, so no sidecar. */
  g_autofree char *target = g_build_filename (r.cwd, "target", NULL);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  ktstr_vm_run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  builddir = g_getenv ("KTSTR_TOP_BUILDDIR") ? g_getenv ("KTSTR_TOP_BUILDDIR") : tree_builddir ();
  schedulers = g_getenv ("KTSTR_TEST_SCHEDULERS");
  kernel = g_getenv ("KTSTR_TEST_KERNEL") ? g_getenv ("KTSTR_TEST_KERNEL") : "/nonexistent";

  static const char *const qmap_error[] = { "-e", "100", "scx_bpf_error", "kind 1025" };
  static const char *const qmap_stall[] = { "-t", "20", "runnable task stall", "kind 1026" };
  g_test_add_func ("/vm/sched/missing-library", test_missing_library);
  g_test_add_func ("/vm/sched/no-sched-ext", test_no_sched_ext_kernel);
  g_test_add_func ("/vm/sched/simple/steady", test_simple_passes);
  g_test_add_data_func ("/vm/sched/qmap/error", qmap_error, test_qmap_dies);
  g_test_add_data_func ("/vm/sched/qmap/stall", qmap_stall, test_qmap_dies);
  g_test_add_func ("/vm/sched/not-a-scheduler", test_not_a_scheduler);
  g_test_add_func ("/vm/sched/simple/panic", test_simple_panic);
  g_test_add_func ("/vm/sched/simple/hang/guard", test_simple_guard);
  g_test_add_func ("/vm/sched/simple/hang/starved", test_simple_starved);
  g_test_add_func ("/vm/sched/include", test_include);
  static const char *const ktstr_error[] = { "--error-after",
                                             "1",
                                             NULL,
                                             "scheduler died",
                                             "scx_bpf_error (kind 1025)",
                                             "error knob fired after 1 s",
                                             NULL };
  static const char *const ktstr_stall[] = { "--stall-after",
                                             "1",
                                             "--timeout-ms",
                                             "1000",
                                             NULL,
                                             "scheduler died",
                                             "runnable task stall (kind 1026)",
                                             "EXIT: runnable task stall",
                                             NULL };
  static const char *const ktstr_verify[] = { "--fail-verify",
                                              NULL,
                                              "scheduler failed to load",
                                              "the BPF verifier rejected it",
                                              "verifier log (repeated blocks collapsed):",
                                              "R1 invalid mem access 'scalar'",
                                              NULL };
  /* scx_bpf_error() in ops.init: the headline says the kernel disabled it. */
  static const char *const ktstr_error_init[] = { "--error-init", NULL,
                                                  "scheduler not ready: the kernel disabled it: "
                                                  "scx_bpf_error (kind 1025): init failed on "
                                                  "purpose",
                                                  NULL };
  g_test_add_data_func ("/vm/sched/fixture/error", ktstr_error, test_fixture_knob);
  g_test_add_data_func ("/vm/sched/fixture/error-init", ktstr_error_init, test_fixture_knob);
  g_test_add_data_func ("/vm/sched/fixture/stall", ktstr_stall, test_fixture_knob);
  g_test_add_data_func ("/vm/sched/fixture/fail-verify", ktstr_verify, test_fixture_knob);
  g_test_add_func ("/vm/sched/fixture/expect-err", test_fixture_expect_err);
  g_test_add_func ("/vm/sched/simple/cgroup-parent", test_cgroup_parent);
  g_test_add_func ("/vm/sched/builtin", test_builtin);
  return g_test_run ();
}
