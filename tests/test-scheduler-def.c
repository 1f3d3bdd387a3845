/* Scheduler definition files (ktstr-scheduler(5)): parsing, flags and
 * their requirements, constraints, and every error they can report. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

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

static void
test_shipped_examples (void)
{
  const char *names[] = { "scx_qmap.ini", "scx_simple.ini" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (tree_srcdir (), "data", "schedulers", names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) d = ktstr_scheduler_def_load (p, &error);
      g_assert_no_error (error);
    }
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
  g_test_add_func ("/scheduler-def/shipped-examples", test_shipped_examples);
  int rc = g_test_run ();
  g_autofree char *p = g_build_filename (tmpdir, "def.ini", NULL);
  g_unlink (p);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
