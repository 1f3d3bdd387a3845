/* Scheduler definition files (ktstr-scheduler(5)): parsing, flags and
 * their requirements, constraints, and every error they can report. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sched/sched-binary.h"
#include "sched/scheduler-def.h"
#include "util/datapath.h"

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
                          "topology=1n2l2c1t\nready-ms=500\n"
                          "[constraints]\nmin-llcs=2\nmax-cpus=8\n"
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
      = load_text ("[scheduler]\nname=s\nbinary=/b\n[constraints]\nrequires-smt=true\n", &error);
  g_assert_no_error (error);
  g_assert_false (ktstr_scheduler_def_check_topology (smt, "1n1l2c1t", &error));
  g_assert_nonnull (strstr (error->message, "no SMT"));
}

static void
test_errors (void)
{
  const struct
  {
    const char *text, *want;
  } bad[] = {
    { "[scheduler]\nbinary=/b\n", "needs name= and binary=" },
    { "[scheduler]\nname=x\n", "needs name= and binary=" },
    { "[scheduler]\nname=x\nbinary=/b\nbogus=1\n", "[scheduler] has no key 'bogus'" },
    { "[scheduler]\nname=x\nbinary=/b\nsysctls=novalue\n", "'novalue' is not key=value" },
    { "[scheduler]\nname=x\nbinary=/b\ntopology=2x\n", "topology" },
    { "[scheduler]\nname=x\nbinary=/b\nready-ms=-1\n", "ready-ms must be" },
    { "[scheduler]\nname=x\nbinary=/b\n[constraints]\nmin-llc=1\n", "has no key 'min-llc'" },
    { "[scheduler]\nname=x\nbinary=/b\n[flag a]\nrequires=b\n", "requires 'b'" },
    { "[scheduler]\nname=x\nbinary=/b\n[flags]\n", "unknown group [flags]" },
    { "[other]\nx=1\n", "no [scheduler] group" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) d = load_text (bad[i].text, &error);
      g_assert_null (d);
      g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID);
      if (strstr (error->message, bad[i].want) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, error->message, bad[i].want);
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
      "%s, %s; install it, add its folder to PATH, or give its path",
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
  g_setenv ("PATH", "", TRUE);
  g_assert_null (ktstr_sched_binary_resolve ("scx_nowhere", NULL, &error));
  g_assert_error (error, KTSTR_SCHED_BINARY_ERROR, KTSTR_SCHED_BINARY_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "scheduler binary 'scx_nowhere' not found, looked in (no folder: PATH is "
                   "empty); install it, add its folder to PATH, or give its path");
  g_clear_error (&error);
  /* An empty PATH entry is the current directory, as for the shell. */
  g_setenv ("PATH", "/nonexistent:", TRUE);
  g_assert_null (ktstr_sched_binary_resolve ("scx_nowhere", "/defs", &error));
  g_assert_nonnull (strstr (error->message, "looked in /defs, /nonexistent, .;"));
  g_clear_error (&error);
  g_autofree char *abs = ktstr_sched_binary_resolve ("/opt/scx", "/defs", &error);
  g_assert_cmpstr (abs, ==, "/opt/scx");
  g_autofree char *rel = ktstr_sched_binary_resolve ("bin/scx", NULL, &error);
  g_assert_cmpstr (rel, ==, "bin/scx");
  g_assert_no_error (error);
  g_setenv ("PATH", old_path, TRUE);
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
  g_test_add_func ("/scheduler-def/shipped-examples", test_shipped_examples);
  int rc = g_test_run ();
  g_autofree char *p = g_build_filename (tmpdir, "def.ini", NULL);
  g_unlink (p);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
