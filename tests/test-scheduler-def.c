/* Scheduler definition files (ktstr-scheduler(5)): parsing, flags and
 * their requirements, constraints, and every error they can report. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched-binary.h"
#include "sched/scheduler-def.h"
#include "util/datapath.h"
#include "util/keyfile.h"

static char *tmpdir;

/* The source tree this test was built from (util/datapath.h). */
static const char *
tree_srcdir (void)
{
  const char *dir = NULL;
  ktstr_build_tree (&dir, NULL);
  return dir;
}

static KtstrSchedulerDef *
load_text (const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (tmpdir, "def.ini", NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return ktstr_scheduler_def_load (path, error);
}

static const char *full = "[scheduler]\nname=rusty\nbinary=bin/scx_rusty\nargs=--slice-us;5000\n"
                          "sysctls=kernel.sched_schedstats=1;sysctl.vm.x=2\nkargs=nosmt\n"
                          "topology=1n2l2c1t\nready_ms=500\n"
                          "[constraints]\nmin_llcs=2\nmax_cpus=8\n"
                          "[flag llc]\nargs=--llc\n"
                          "[flag steal]\nargs=--steal;--hard\nrequires=llc\n"
                          "[checks]\nmax_gap_ms=3000\n";

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) d = load_text (full, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->name, ==, "rusty");
  g_autofree char *bin = g_build_filename (tmpdir, "bin/scx_rusty", NULL);
  g_assert_cmpstr (d->binary, ==, bin);
  g_assert_cmpstrv (d->args, ((const char *[]){ "--slice-us", "5000", NULL }));
  g_assert_cmpstrv (
      d->sysctls, ((const char *[]){ "sysctl.kernel.sched_schedstats=1", "sysctl.vm.x=2", NULL }));
  g_assert_cmpstrv (d->kargs, ((const char *[]){ "nosmt", NULL }));
  g_assert_cmpstr (d->topology, ==, "1n2l2c1t");
  g_assert_cmpuint (d->ready_ms, ==, 500);
  g_assert_cmpuint (d->flags->len, ==, 2);
  g_assert_true (g_key_file_has_group (d->keyfile, "checks"));
}

static void
test_flags (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) d = load_text (full, &error);
  g_auto (GStrv) active = NULL, args = NULL;
  /* Canonical (file) order whatever the command line order. */
  g_assert_true (ktstr_scheduler_def_select_flags (d, "steal, llc", &active, &args, &error));
  g_assert_cmpstrv (active, ((const char *[]){ "llc", "steal", NULL }));
  g_assert_cmpstrv (args, ((const char *[]){ "--llc", "--steal", "--hard", NULL }));
  g_clear_pointer (&active, g_strfreev);
  g_clear_pointer (&args, g_strfreev);
  g_assert_true (ktstr_scheduler_def_select_flags (d, NULL, &active, &args, &error));
  g_assert_cmpstrv (active, ((const char *[]){ NULL }));
  g_clear_pointer (&active, g_strfreev);
  g_clear_pointer (&args, g_strfreev);

  g_assert_false (ktstr_scheduler_def_select_flags (d, "steal", &active, &args, &error));
  g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_REQUIRES);
  g_assert_nonnull (strstr (error->message, "requires flag 'llc'"));
  g_clear_error (&error);
  g_assert_false (ktstr_scheduler_def_select_flags (d, "llc,bogus", &active, &args, &error));
  g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_UNKNOWN_FLAG);
  g_assert_nonnull (strstr (error->message, "flags: llc, steal"));
}

static void
test_constraints (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) d = load_text (full, &error);
  g_assert_true (ktstr_scheduler_def_check_topology (d, "1n2l2c1t", &error));
  g_assert_false (ktstr_scheduler_def_check_topology (d, "1n1l2c1t", &error));
  g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_TOPOLOGY);
  g_assert_nonnull (strstr (error->message, "1 LLCs; scheduler 'rusty' needs 2 to any"));
  g_clear_error (&error);
  g_assert_false (ktstr_scheduler_def_check_topology (d, "1n2l4c2t", &error));
  g_assert_nonnull (strstr (error->message, "16 CPUs"));
  g_clear_error (&error);
  g_autoptr (KtstrSchedulerDef) smt
      = load_text ("[scheduler]\nname=s\nbinary=/b\n[constraints]\nrequires_smt=true\n", &error);
  g_assert_no_error (error);
  g_assert_false (smt->auto_repro);
  g_autoptr (KtstrSchedulerDef) repro
      = load_text ("[scheduler]\nname=s\nbinary=/b\nauto_repro=true\n", &error);
  g_assert_no_error (error);
  g_assert_true (repro->auto_repro);
  g_assert_false (ktstr_scheduler_def_check_topology (smt, "1n1l2c1t", &error));
  g_assert_nonnull (strstr (error->message, "no SMT"));
}

/* Every error names the file, the line, the group and the key: WANT is
 * what follows "PATH:LINE: " (LINE 0: the message has no line). */
static void
test_errors (void)
{
  const struct
  {
    const char *text;
    guint line;
    const char *want;
  } bad[] = {
    { "[scheduler]\nbinary=/b\n", 1,
      "[scheduler] name: required (a scheduler definition "
      "needs name= and binary=)" },
    { "[scheduler]\nname=x\n", 1, "[scheduler] binary: required" },
    { "[scheduler]\nname=x\nbinary=/b\nbogus=1\n", 4,
      "[scheduler] bogus: unknown key (valid keys: name, binary, args, sysctls, kargs, "
      "topology, ready_ms, config_file, cgroup_parent, enable, disable, auto_repro)" },
    { "[scheduler]\nname=x\nbinary=/b\nauto_repro=maybe\n", 4,
      "[scheduler] auto_repro: expected true or false" },
    { "[scheduler]\nname=x\nenable=write /sys/x 1\nauto_repro=true\n", 4,
      "[scheduler] auto_repro: traces a sched_ext program's callbacks; a kernel-built-in "
      "scheduler (enable=) has none" },
    { "[scheduler]\nname=x\nbinary=/b\nsysctls=novalue\n", 4,
      "[scheduler] sysctls: 'novalue' is not key=value" },
    { "[scheduler]\nname=x\nbinary=/b\ntopology=2x\n", 4, "[scheduler] topology: " },
    { "[scheduler]\nname=x\nbinary=/b\nready_ms=-1\n", 4,
      "[scheduler] ready_ms: must be a non-negative integer" },
    { "[scheduler]\nname=x\nbinary=/b\n[constraints]\nmin_llc=1\n", 5,
      "[constraints] min_llc: unknown key (valid keys: min_llcs, max_llcs, min_cpus" },
    { "[scheduler]\nname=x\nbinary=/b\n[constraints]\nrequires_smt=maybe\n", 5,
      "[constraints] requires_smt: expected true or false" },
    { "[scheduler]\nname=x\nbinary=/b\n[flag a]\nrequires=b\n", 5,
      "[flag a] requires: flag 'b' is not defined (no [flag b] group)" },
    { "[scheduler]\nname=x\nbinary=/b\n[flags]\n", 4,
      "[flags]: unknown group (expected [scheduler], [constraints], [flag NAME] or [checks])" },
    { "[scheduler]\nname=x\nbinary=/b\n\n[checks]\nmax_gap=1\n", 6,
      "[checks] max_gap: unknown key (valid keys: not_starved," },
    { "[other]\nx=1\n", 0, "[scheduler]: missing group" },
    /* An old spelling next to the new one is ambiguous. */
    { "[scheduler]\nname=x\nbinary=/b\nready-ms=1\nready_ms=2\n", 4,
      "[scheduler] ready-ms: given as ready_ms too; keep only ready_ms" },
  };
  g_autofree char *path = g_build_filename (tmpdir, "def.ini", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) d = load_text (bad[i].text, &error);
      g_assert_null (d);
      g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID);
      g_autofree char *prefix = bad[i].line
                                    ? g_strdup_printf ("%s:%u: %s", path, bad[i].line, bad[i].want)
                                    : g_strdup_printf ("%s: %s", path, bad[i].want);
      if (!g_str_has_prefix (error->message, prefix))
        g_error ("case %u: '%s' does not start with '%s'", i, error->message, prefix);
    }
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_scheduler_def_load ("/nonexistent/def.ini", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/def.ini"));
}

/* A program file (mode 0755) named NAME in DIR; returns its path. */
static char *
make_program (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, "#!/bin/sh\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return g_steal_pointer (&path);
}

/* binary=NAME: beside the definition first, then on PATH; a path is
 * never searched for. */
static void
test_binary_lookup (void)
{
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  /* The build locations after PATH, as the default environment has them. */
  g_unsetenv ("CARGO_TARGET_DIR");
  g_unsetenv ("KTSTR_KERNEL");
  g_autofree char *bindir = g_build_filename (tmpdir, "on-path", NULL);
  g_autofree char *on_path = make_program (bindir, "scx_found");
  g_setenv ("PATH", bindir, TRUE);

  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) d = load_text ("[scheduler]\nname=f\nbinary=scx_found\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->binary, ==, on_path);
  g_assert_true (ktstr_scheduler_def_check_binary (d, &error));

  /* The definition's own folder wins over PATH. */
  g_autofree char *beside = make_program (tmpdir, "scx_found");
  g_autoptr (KtstrSchedulerDef) d2 = load_text ("[scheduler]\nname=f\nbinary=scx_found\n", &error);
  g_assert_cmpstr (d2->binary, ==, beside);

  /* A data file of that name is not a program. */
  g_assert_cmpint (g_chmod (beside, 0644), ==, 0);
  g_autoptr (KtstrSchedulerDef) d3 = load_text ("[scheduler]\nname=f\nbinary=scx_found\n", &error);
  g_assert_cmpstr (d3->binary, ==, on_path);

  /* Found nowhere: the definition loads, running it is refused with
   * every folder searched. */
  g_autoptr (KtstrSchedulerDef) d4
      = load_text ("[scheduler]\nname=f\nbinary=scx_nowhere\n", &error);
  g_assert_no_error (error);
  g_assert_null (d4->binary);
  g_assert_false (ktstr_scheduler_def_check_binary (d4, &error));
  g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_BINARY);
  g_autofree char *want = g_strdup_printf (
      "scheduler definition '%s/def.ini': scheduler binary 'scx_nowhere' not found, looked in "
      "%s, %s, ./target/release, ./target/debug, ./linux/tools/sched_ext/build/bin, "
      "../linux/tools/sched_ext/build/bin; install it, add its folder to PATH, build it in one "
      "of those folders, or give its path",
      tmpdir, tmpdir, bindir);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  /* A path is taken as given, existing or not (packing reports it). */
  g_autoptr (KtstrSchedulerDef) d5
      = load_text ("[scheduler]\nname=f\nbinary=./scx_nowhere\n", &error);
  g_autofree char *rel = g_build_filename (tmpdir, "./scx_nowhere", NULL);
  g_assert_cmpstr (d5->binary, ==, rel);
  g_assert_true (ktstr_scheduler_def_check_binary (d5, &error));

  g_setenv ("PATH", old_path, TRUE);
  g_unlink (beside);
  g_unlink (on_path);
  g_rmdir (bindir);
}

/* The lookup on its own: its error domain, and an empty PATH. */
static void
test_binary_resolve (void)
{
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autoptr (GError) error = NULL;
  g_unsetenv ("CARGO_TARGET_DIR");
  g_unsetenv ("KTSTR_KERNEL");
  g_setenv ("PATH", "", TRUE);
  g_assert_null (ktstr_sched_binary_resolve ("scx_nowhere", NULL, &error));
  g_assert_error (error, KTSTR_SCHED_BINARY_ERROR, KTSTR_SCHED_BINARY_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "scheduler binary 'scx_nowhere' not found, looked in ./target/release, "
                   "./target/debug, ./linux/tools/sched_ext/build/bin, "
                   "../linux/tools/sched_ext/build/bin; install it, add its folder to PATH, "
                   "build it in one of those folders, or give its path");
  g_clear_error (&error);
  /* An empty PATH entry is the current directory, as for the shell. */
  g_setenv ("PATH", "/nonexistent:", TRUE);
  g_assert_null (ktstr_sched_binary_resolve ("scx_nowhere", "/defs", &error));
  g_assert_nonnull (strstr (error->message, "looked in /defs, /nonexistent, ., ./target/release"));
  g_clear_error (&error);
  g_autofree char *abs = ktstr_sched_binary_resolve ("/opt/scx", "/defs", &error);
  g_assert_cmpstr (abs, ==, "/opt/scx");
  g_autofree char *rel = ktstr_sched_binary_resolve ("bin/scx", NULL, &error);
  g_assert_cmpstr (rel, ==, "bin/scx");
  g_assert_no_error (error);
  g_setenv ("PATH", old_path, TRUE);
}

static GPtrArray *warnings;

static void
collect_warning (const char *message, gpointer user_data)
{
  g_ptr_array_add (warnings, g_strdup (message));
}

/* The kebab-case keys scheduler definitions used to take are read as
 * their snake_case spellings, with one warning per file and key that
 * names the file, line, group, old key and new spelling. */
static void
test_deprecated_keys (void)
{
  warnings = g_ptr_array_new_with_free_func (g_free);
  ktstr_keyfile_set_warn_func (collect_warning, NULL);
  g_autofree char *path = g_build_filename (tmpdir, "old.ini", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[scheduler]\nname=old\nbinary=/b\nready-ms=700\n"
                                      "[constraints]\nmin-llcs=2\nmax-llcs=4\nmin-cpus=3\n"
                                      "max-cpus=9\nmin-numa-nodes=1\nmax-numa-nodes=2\n"
                                      "requires-smt=true\n",
                                      -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) d = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->ready_ms, ==, 700);
  g_assert_cmpuint (d->min_llcs, ==, 2);
  g_assert_cmpuint (d->max_llcs, ==, 4);
  g_assert_cmpuint (d->min_cpus, ==, 3);
  g_assert_cmpuint (d->max_cpus, ==, 9);
  g_assert_cmpuint (d->min_nodes, ==, 1);
  g_assert_cmpuint (d->max_nodes, ==, 2);
  g_assert_true (d->requires_smt);
  g_assert_cmpuint (warnings->len, ==, 8);
  g_autofree char *first = g_strdup_printf (
      "%s:4: [scheduler] ready-ms is deprecated; write ready_ms (the old spelling is still "
      "read, for now)",
      path);
  g_assert_cmpstr (warnings->pdata[0], ==, first);
  g_autofree char *smt = g_strdup_printf ("%s:12: [constraints] requires-smt is deprecated; "
                                          "write requires_smt",
                                          path);
  g_assert_true (g_str_has_prefix (warnings->pdata[7], smt));

  /* Once per file and key: loading it again warns no more. */
  g_autoptr (KtstrSchedulerDef) again = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 8);

  /* A value error under an old spelling points at that spelling's line. */
  g_assert_true (g_file_set_contents (path,
                                      "[scheduler]\nname=old\nbinary=/b\n"
                                      "[constraints]\nmax-cpus=lots\n",
                                      -1, NULL));
  g_autoptr (KtstrSchedulerDef) bad = ktstr_scheduler_def_load (path, &error);
  g_assert_null (bad);
  g_autofree char *want
      = g_strdup_printf ("%s:5: [constraints] max_cpus: must be a non-negative integer", path);
  g_assert_cmpstr (error->message, ==, want);

  ktstr_keyfile_set_warn_func (NULL, NULL);
  g_unlink (path);
  g_clear_pointer (&warnings, g_ptr_array_unref);
}

/* After PATH: cargo's target folders, then the kernel trees' sched_ext
 * examples (--kernel DIR, $KTSTR_KERNEL, ./linux, ../linux), in order. */
static void
test_binary_build_locations (void)
{
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *top = g_build_filename (tmpdir, "build-locations", NULL);
  g_autofree char *cwd = g_build_filename (top, "work", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cwd, 0755), ==, 0);
  g_assert_cmpint (chdir (cwd), ==, 0);
  g_setenv ("PATH", "/nonexistent", TRUE);
  g_unsetenv ("CARGO_TARGET_DIR");
  g_unsetenv ("KTSTR_KERNEL");
  g_autoptr (GError) error = NULL;

  /* ../linux, the last of them. */
  g_autofree char *sibling_bin = g_build_filename (top, "linux/tools/sched_ext/build/bin", NULL);
  g_autofree char *sibling = make_program (sibling_bin, "scx_simple");
  g_autofree char *a = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "../linux/tools/sched_ext/build/bin/scx_simple");

  /* $KTSTR_KERNEL's tree comes before it, --kernel's before that. */
  g_autofree char *env_tree = g_build_filename (top, "env-linux", NULL);
  g_autofree char *env_bin = g_build_filename (env_tree, "tools/sched_ext/build/bin", NULL);
  g_autofree char *in_env = make_program (env_bin, "scx_simple");
  g_setenv ("KTSTR_KERNEL", env_tree, TRUE);
  g_autofree char *b = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (b, ==, in_env);
  g_autofree char *cli_tree = g_build_filename (top, "cli-linux", NULL);
  g_autofree char *cli_bin = g_build_filename (cli_tree, "tools/sched_ext/build/bin", NULL);
  g_autofree char *in_cli = make_program (cli_bin, "scx_simple");
  ktstr_sched_binary_set_kernel_tree (cli_tree);
  g_autofree char *c = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (c, ==, in_cli);

  /* cargo's release build before all kernel trees, debug after release. */
  g_autofree char *debug = make_program ("target/debug", "scx_simple");
  g_autofree char *d = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (d, ==, "./target/debug/scx_simple");
  g_autofree char *release = make_program ("target/release", "scx_simple");
  g_autofree char *e = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (e, ==, "./target/release/scx_simple");
  /* $CARGO_TARGET_DIR moves cargo's folders, as it moves the runs root. */
  g_autofree char *elsewhere = g_build_filename (top, "cargo-out", NULL);
  g_autofree char *rel_dir = g_build_filename (elsewhere, "release", NULL);
  g_autofree char *moved = make_program (rel_dir, "scx_simple");
  g_setenv ("CARGO_TARGET_DIR", elsewhere, TRUE);
  g_autofree char *f = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (f, ==, moved);
  /* PATH still comes first. */
  g_autofree char *pathdir = g_build_filename (top, "bin", NULL);
  g_autofree char *on_path = make_program (pathdir, "scx_simple");
  g_setenv ("PATH", pathdir, TRUE);
  g_autofree char *g = ktstr_sched_binary_resolve ("scx_simple", NULL, &error);
  g_assert_cmpstr (g, ==, on_path);

  /* Not found: every location is named, the kernel trees included. */
  g_assert_null (ktstr_sched_binary_resolve ("scx_nowhere", NULL, &error));
  g_autofree char *want
      = g_strdup_printf ("looked in %s, %s/release, %s/debug, %s/tools/sched_ext/build/bin, "
                         "%s/tools/sched_ext/build/bin, ./linux/tools/sched_ext/build/bin, "
                         "../linux/tools/sched_ext/build/bin;",
                         pathdir, elsewhere, elsewhere, cli_tree, env_tree);
  g_assert_nonnull (strstr (error->message, want));

  ktstr_sched_binary_set_kernel_tree (NULL);
  g_unsetenv ("CARGO_TARGET_DIR");
  g_unsetenv ("KTSTR_KERNEL");
  g_setenv ("PATH", old_path, TRUE);
  g_assert_cmpint (chdir (old_cwd), ==, 0);
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", top);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

/* The examples ktstr installs load anywhere; with the fixture schedulers
 * on PATH ($KTSTR_TEST_SCHEDULERS, set by the test scripts when they have
 * them) their programs are found there. */
static void
test_shipped_examples (void)
{
  const char *names[] = { "scx_qmap.ini", "scx_simple.ini" };
  const char *progs[] = { "scx_qmap", "scx_simple" };
  const char *fixtures = g_getenv ("KTSTR_TEST_SCHEDULERS");
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  if (fixtures != NULL && *fixtures != '\0')
    {
      g_autofree char *path = g_strconcat (fixtures, ":", old_path, NULL);
      g_setenv ("PATH", path, TRUE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (tree_srcdir (), "data", "schedulers", names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) d = ktstr_scheduler_def_load (p, &error);
      g_assert_no_error (error);
      g_autofree char *fixture
          = fixtures != NULL ? g_build_filename (fixtures, progs[i], NULL) : NULL;
      if (fixture != NULL && g_file_test (fixture, G_FILE_TEST_IS_EXECUTABLE))
        g_assert_cmpstr (d->binary, ==, fixture);
    }
  g_setenv ("PATH", old_path, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("ktstr-scheddef-XXXXXX", NULL);
  g_test_add_func ("/scheduler-def/parse", test_parse);
  g_test_add_func ("/scheduler-def/flags", test_flags);
  g_test_add_func ("/scheduler-def/constraints", test_constraints);
  g_test_add_func ("/scheduler-def/errors", test_errors);
  g_test_add_func ("/scheduler-def/binary-lookup", test_binary_lookup);
  g_test_add_func ("/scheduler-def/binary-resolve", test_binary_resolve);
  g_test_add_func ("/scheduler-def/deprecated-keys", test_deprecated_keys);
  g_test_add_func ("/scheduler-def/binary-build-locations", test_binary_build_locations);
  g_test_add_func ("/scheduler-def/shipped-examples", test_shipped_examples);
  int rc = g_test_run ();
  g_autofree char *p = g_build_filename (tmpdir, "def.ini", NULL);
  g_unlink (p);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
