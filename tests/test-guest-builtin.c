/* A kernel-built-in scheduler in the agent: ktstr-init --run-plan, as an
 * ordinary process, applies the plan's builtin_write and builtin_run
 * enable actions before the scenario and the disable actions after it,
 * in order (files in a temporary directory stand in for the kernel's
 * knobs); a failing action stops the run, naming it.  Also what the
 * plan's cgroup_parent does to the cgroup root: nothing without
 * cgroups, and the line is accepted. */
#include "config.h"

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  char *dir;
  int exit_code;
  char *out; /* the JSON lines */
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *plan = g_build_filename (r->dir, "plan", NULL);
  g_autofree char *out = g_build_filename (r->dir, "out.jsonl", NULL);
  g_unlink (plan);
  g_unlink (out);
  g_free (r->out);
  g_free (r->err);
}

/* Runs the agent on PLAN_BODY (after the version line and a one-cgroup
 * scenario) in R->dir, where @DIR@ stands for that directory. */
static void
run_plan (Run *r, const char *plan_body)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = g_strsplit (plan_body, "@DIR@", -1);
  g_autofree char *body = g_strjoinv (r->dir, parts);
  g_autofree char *text = g_strconcat ("ktstr-plan 1\ntest builtin\nduration_ms 200\nsettle_ms 0\n"
                                       "cgroup a\nwork a CpuSpin workers=1\n",
                                       body, NULL);
  g_autofree char *plan = g_build_filename (r->dir, "plan", NULL);
  g_autofree char *out = g_build_filename (r->dir, "out.jsonl", NULL);
  g_assert_true (g_file_set_contents (plan, text, -1, NULL));
  const char *top = g_getenv ("KTSTR_TOP_BUILDDIR");
  g_autofree char *agent = g_build_filename (top ? top : ".", "guest-init", "ktstr-init", NULL);
  g_autofree char *sysfs
      = g_test_build_filename (G_TEST_DIST, "data", "guest", "sysfs-1n2l2c1t", NULL);
  g_autoptr (GSubprocess) p
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, agent, "--run-plan", plan,
                          "--out", out, "--sysfs-root", sysfs, "--no-cgroups", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &r->err, &error);
  g_assert_no_error (error);
  r->exit_code = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  g_assert_true (g_file_get_contents (out, &r->out, NULL, NULL));
}

static char *
read_knob (const Run *r, const char *name)
{
  g_autofree char *path = g_build_filename (r->dir, name, NULL);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("'%s' not in '%s'", needle, text ? text : "(null)");
}

static void
test_actions (void)
{
  Run r = { .dir = g_dir_make_tmp ("test-guest-builtin-XXXXXX", NULL) };
  g_autofree char *knob = g_build_filename (r.dir, "knob", NULL);
  g_autofree char *marker = g_build_filename (r.dir, "ran", NULL);
  /* Empty: the agent writes as to a kernel knob, without truncating. */
  g_assert_true (g_file_set_contents (knob, "", -1, NULL));
  g_assert_true (g_file_set_contents (marker, "", -1, NULL));
  /* Enable writes 1, disable writes 0: the file ends with the disable's
   * value, and the log shows both in order, the scenario between. */
  run_plan (&r, "builtin_write enable @DIR@/knob 1\nbuiltin_run enable /bin/rm @DIR@/ran\n"
                "builtin_write disable @DIR@/knob 0\ncgroup_parent /ktstr.slice\n");
  if (r.exit_code != 0)
    g_error ("agent failed (%d): %s\n%s", r.exit_code, r.err, r.out);
  g_autofree char *value = read_knob (&r, "knob");
  g_assert_cmpstr (value, ==, "0");
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS)); /* the run ran */
  const char *on = strstr (r.out, "built-in scheduler enable: wrote");
  const char *ran = strstr (r.out, "built-in scheduler enable: ran /bin/rm");
  const char *start = strstr (r.out, "\"t\":\"worker\"");
  const char *off = strstr (r.out, "built-in scheduler disable: wrote");
  g_assert_true (on != NULL && ran != NULL && start != NULL && off != NULL);
  g_assert_true (on < ran && ran < start && start < off);
  run_clear (&r);

  /* A run that fails: the agent stops before the scenario, saying why. */
  run_plan (&r, "builtin_write enable @DIR@/knob 7\nbuiltin_run enable /bin/false\n"
                "builtin_write disable @DIR@/knob 0\n");
  g_assert_cmpint (r.exit_code, !=, 0);
  assert_contains (r.out, "built-in scheduler enable: /bin/false exited with status 1");
  g_assert_null (strstr (r.out, "\"t\":\"worker\""));
  g_autofree char *left = read_knob (&r, "knob");
  g_assert_cmpstr (left, ==, "7");
  run_clear (&r);

  /* A knob that is not there. */
  run_plan (&r, "builtin_write enable @DIR@/missing/knob 1\n");
  g_assert_cmpint (r.exit_code, !=, 0);
  assert_contains (r.out, "built-in scheduler enable: writing '1' to ");
  assert_contains (r.out, "No such file or directory");
  run_clear (&r);

  g_unlink (knob);
  g_rmdir (r.dir);
  g_free (r.dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/builtin/actions", test_actions);
  return g_test_run ();
}
