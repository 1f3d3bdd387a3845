/* Scheduler definition keys that reach the guest, each shown to take
 * effect: config_file is packed into the base image at its guest path and
 * the scheduler's arguments name that path where {config} stood (the plan
 * lines the runner renders); cgroup_parent becomes a plan line the
 * guest's grammar reads; a kernel-built-in scheduler (enable=, disable=)
 * becomes builtin_* lines, its programs are packed and the sidecar names
 * it; and the load errors of the keys, naming the file and the key. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "common/plan.h"
#include "record/sidecar.h"
#include "run/plan.h"
#include "sched/scheduler-def.h"
#include "tests/fake-guest.h"

typedef FakeGuestFixture Fixture;

/* A definition in F's directory: [scheduler] with EXTRA, its binary
 * /bin/true (any program that packs), and the flag group FLAG (or "").
 * Also writes F's directory's cfg.json. */
static char *
write_def (Fixture *f, const char *extra, const char *flag)
{
  g_autofree char *cfg = g_build_filename (f->dir, "cfg.json", NULL);
  g_assert_true (g_file_set_contents (cfg, "{\"marker\": \"sched-config-5c1e\"}\n", -1, NULL));
  char *path = g_build_filename (f->dir, "sched.ini", NULL);
  g_autofree char *text
      = g_strdup_printf ("[scheduler]\nname=cfgd\nbinary=/bin/true\n%s\n%s", extra, flag);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static gboolean
file_has (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

static void
assert_contains (const char *text, const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("'%s' not in '%s'", needle, text ? text : "(null)");
}

/* F's test planned with the scheduler definition DEF (and flag profile
 * FLAGS, or NULL): the plan, whose first variant's runner holds the
 * scheduler's plan lines and the base image. */
static KtstrRunPlan *
plan_with (Fixture *f, KtstrSchedulerDef *def, const char *flags)
{
  g_autoptr (GPtrArray) tests = g_ptr_array_new ();
  g_ptr_array_add (tests, f->def);
  char *no_args[] = { NULL };
  KtstrRunRequest q = { .kernel = &f->kernel,
                        .backend = &fake_guest_backend,
                        .scheduler_args = no_args,
                        .scheduler_def = def,
                        .flags = flags };
  g_autoptr (GError) error = NULL;
  KtstrRunPlan *plan = ktstr_run_plan_new (&q, tests, &error);
  g_assert_no_error (error);
  return plan;
}

static KtstrRunner *
first_runner (KtstrRunPlan *plan)
{
  return ((const KtstrVariant *)ktstr_run_plan_get_variants (plan)->pdata[0])->runner;
}

/* The plan the guest gets: F's test's lines, then LINES (a scheduler's),
 * parsed by the guest's grammar into OUT, which must succeed. */
static void
parse_with (Fixture *f, const char *lines, KtstrPlan *out)
{
  g_autofree char *test_plan = ktstr_testdef_to_plan (f->def, "1n1l2c1t", 10000);
  g_autofree char *text = g_strconcat (test_plan, lines, NULL);
  KtstrPlanError perr;
  g_assert_cmpint (ktstr_plan_parse (text, out, &perr), ==, 0);
}

static void
test_config_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_def (f, "config_file=cfg.json\nargs=--config;{config}",
                                     "[flag verbose]\nargs=--dump={config}.out\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *host = g_build_filename (f->dir, "cfg.json", NULL);
  g_autofree char *canon = g_canonicalize_filename (host, NULL);
  g_assert_cmpstr (def->config_file, ==, canon);
  g_assert_cmpstr (def->config_guest, ==, "/ktstr/sched-config/cfg.json");
  g_assert_cmpstrv (def->args,
                    ((const char *const[]){ "--config", "/ktstr/sched-config/cfg.json", NULL }));
  const KtstrSchedulerFlag *flag = def->flags->pdata[0];
  g_assert_cmpstrv (flag->args,
                    ((const char *const[]){ "--dump=/ktstr/sched-config/cfg.json.out", NULL }));

  /* The runner packs it and passes its guest path. */
  g_autoptr (KtstrRunPlan) plan = plan_with (f, def, "verbose");
  const char *lines = ktstr_runner_get_sched_lines (first_runner (plan));
  assert_contains (lines, "scheduler_arg --config\nscheduler_arg /ktstr/sched-config/cfg.json\n");
  assert_contains (lines, "scheduler_arg --dump=/ktstr/sched-config/cfg.json.out\n");
  const char *image = ktstr_runner_get_base_image (first_runner (plan));
  g_assert_true (file_has (image, "ktstr/sched-config/cfg.json"));
  g_assert_true (file_has (image, "sched-config-5c1e"));
}

/* Each error names the file, the group and the key. */
static void
test_config_errors (Fixture *f, gconstpointer data)
{
  static const char *const cases[][3] = {
    { "config_file=cfg.json", "", "[scheduler] config_file: no argument passes it" },
    { "args=--config;{config}", "", "[scheduler] args: {config} stands for" },
    { "", "[flag x]\nargs={config}\n", "there is no config_file=" },
    { "config_file=missing.json\nargs={config}", "", "[scheduler] config_file: " },
    { "config_file=\nargs={config}", "", "[scheduler] config_file: empty" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_def (f, cases[i][0], cases[i][1]);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
      g_assert_null (def);
      g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID);
      assert_contains (error->message, path);
      assert_contains (error->message, cases[i][2]);
    }
  g_autofree char *path = write_def (f, "config_file=missing.json\nargs={config}", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  assert_contains (error->message, "missing.json: no such file");
}

/* cgroup_parent: loaded, checked with the guest's grammar, and sent to
 * the guest as a plan line after the scheduler's. */
static void
test_cgroup_parent (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_def (f, "cgroup_parent=/ktstr.slice/inner", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (def->cgroup_parent, ==, "/ktstr.slice/inner");
  g_autoptr (KtstrRunPlan) plan = plan_with (f, def, NULL);
  const char *lines = ktstr_runner_get_sched_lines (first_runner (plan));
  assert_contains (lines, "\ncgroup_parent /ktstr.slice/inner\n");
  /* The whole plan the guest gets parses, with the parent in it. */
  g_autofree KtstrPlan *parsed = g_new0 (KtstrPlan, 1);
  parse_with (f, lines, parsed);
  g_assert_cmpstr (parsed->cgroup_parent, ==, "/ktstr.slice/inner");

  static const char *const bad[]
      = { "ktstr.slice", "/", "/a//b", "/../x", "/a/.hidden", "/a b", NULL };
  for (const char *const *b = bad; *b; b++)
    {
      g_autofree char *extra = g_strdup_printf ("cgroup_parent=%s", *b);
      g_autofree char *bad_path = write_def (f, extra, "");
      g_autoptr (GError) bad_error = NULL;
      g_autoptr (KtstrSchedulerDef) bad_def = ktstr_scheduler_def_load (bad_path, &bad_error);
      g_assert_null (bad_def);
      assert_contains (bad_error->message, "[scheduler] cgroup_parent: ");
      assert_contains (bad_error->message, "is not an absolute cgroup path");
    }
}

/* The plan grammar's side: one cgroup_parent line, absolute, of names. */
static void
test_cgroup_parent_grammar (void)
{
  static const char *const cases[][2] = {
    { "cgroup_parent /a.slice\n", NULL },
    { "cgroup_parent /a\ncgroup_parent /b\n", "duplicate 'cgroup_parent'" },
    { "cgroup_parent a\n", "expected 'cgroup_parent /PATH'" },
    { "cgroup_parent /a /b\n", "expected 'cgroup_parent /PATH'" },
    { "cgroup_parent /a/..\n", "expected 'cgroup_parent /PATH'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat (
          "ktstr-plan 1\ntest t\nduration_ms 100\ncgroup a\nwork a CpuSpin\n", cases[i][0], NULL);
      g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
      KtstrPlanError perr;
      int rc = ktstr_plan_parse (text, plan, &perr);
      if (cases[i][1] == NULL)
        g_assert_cmpint (rc, ==, 0);
      else
        {
          g_assert_cmpint (rc, !=, 0);
          assert_contains (perr.msg, cases[i][1]);
        }
    }
}

/* A definition without binary=, from EXTRA alone. */
static char *
write_builtin (Fixture *f, const char *extra)
{
  char *path = g_build_filename (f->dir, "builtin.ini", NULL);
  g_autofree char *text = g_strdup_printf ("[scheduler]\nname=tuned\n%s\n", extra);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_builtin (Fixture *f, gconstpointer data)
{
  g_autofree char *path
      = write_builtin (f, "enable=write /proc/sys/kernel/sched_rt_runtime_us 900000;"
                          "run /bin/true --enable\n"
                          "disable=write  /proc/sys/kernel/sched_rt_runtime_us 950000\n"
                          "cgroup_parent=/tuned\n[flag quiet]\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_assert_null (def->binary);
  g_assert_true (ktstr_scheduler_def_check_binary (def, &error));
  g_assert_cmpstr (def->builtin_lines, ==,
                   "builtin_write enable /proc/sys/kernel/sched_rt_runtime_us 900000\n"
                   "builtin_run enable /bin/true --enable\n"
                   "builtin_write disable /proc/sys/kernel/sched_rt_runtime_us 950000\n");
  g_assert_cmpstrv (def->builtin_programs, ((const char *const[]){ "/bin/true", NULL }));

  g_autoptr (KtstrRunPlan) plan = plan_with (f, def, NULL);
  const char *lines = ktstr_runner_get_sched_lines (first_runner (plan));
  g_assert_true (g_str_has_prefix (lines, def->builtin_lines));
  assert_contains (lines, "\ncgroup_parent /tuned\n");
  g_assert_null (strstr (lines, "\nscheduler "));
  g_assert_true (file_has (ktstr_runner_get_base_image (first_runner (plan)), "bin/true"));
  /* The guest's grammar reads the lines with a test's plan. */
  g_autofree KtstrPlan *parsed = g_new0 (KtstrPlan, 1);
  parse_with (f, lines, parsed);
  g_assert_cmpuint (parsed->n_builtin, ==, 3);
  g_assert_true (parsed->builtin[1].is_run);
  g_assert_true (parsed->builtin[2].is_disable);
  g_assert_cmpstr (parsed->builtin[2].args[0], ==, "950000");

  /* The sidecar names the definition, not EEVDF. */
  KtstrRunVariant rv = { .topology = "1n1l2c1t", .memory_mb = FAKE_GUEST_PASS };
  g_autoptr (KtstrTestResult) r
      = ktstr_runner_run_variant (first_runner (plan), f->def, &rv, &error);
  g_assert_no_error (error);
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_load_file (r->sidecar_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sc->scheduler, ==, "tuned");
}

static void
test_builtin_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *cfg = g_build_filename (f->dir, "c.txt", NULL);
  g_assert_true (g_file_set_contents (cfg, "", -1, NULL));
  static const char *const cases[][2] = {
    { "binary=/bin/true\nenable=write /x 1", "[scheduler] binary: not for a built-in" },
    { "enable=write /x 1\nargs=-v", "[scheduler] args: not for a built-in" },
    { "enable=write /x 1\nready_ms=5", "[scheduler] ready_ms: not for a built-in" },
    { "enable=write /x 1\nconfig_file=c.txt", "[scheduler] config_file: not for a built-in" },
    { "disable=write /x 0", "[scheduler] disable: a built-in scheduler needs enable=" },
    { "enable=", "[scheduler] enable: empty" },
    { "enable=poke /x 1", "expected 'write PATH VALUE' or 'run PROGRAM [ARG...]'" },
    { "enable=write /x", "expected 'write PATH VALUE'" },
    { "enable=write x 1", "[scheduler] enable: 'write x 1': x is not an absolute path" },
    { "enable=run /nonexistent/prog", "is not an executable program on this host" },
    { "enable=write /x 1\n[flag f]\nargs=-v", "[flag f] args: a built-in scheduler" },
    { "enable=run /bin/true 1 2 3 4 5 6 7 8 9", "at most 8 arguments" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_builtin (f, cases[i][0]);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
      if (def != NULL)
        g_error ("case %zu loaded", i);
      g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID);
      assert_contains (error->message, path);
      assert_contains (error->message, cases[i][1]);
    }
  /* The grammar: one scheduler under test, of either kind. */
  static const char *const plans[][2] = {
    { "scheduler /s\nbuiltin_write enable /x 1\n", "the plan already has a scheduler line" },
    { "builtin_run enable /x\nscheduler /s\n", "already has a built-in scheduler" },
    { "builtin_write on /x 1\n", "expected 'builtin_write enable|disable PATH VALUE'" },
    { "builtin_env A=1\nbuiltin_env B=2\n", "expected one 'builtin_env KEY=VALUE'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (plans); i++)
    {
      g_autofree char *text = g_strconcat ("ktstr-plan 1\n", plans[i][0], NULL);
      g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
      KtstrPlanError perr;
      g_assert_cmpint (ktstr_plan_parse (text, plan, &perr), !=, 0);
      assert_contains (perr.msg, plans[i][1]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sched-keys/config-file", Fixture, NULL, fake_guest_fixture_set_up, test_config_file,
              fake_guest_fixture_tear_down);
  g_test_add ("/sched-keys/config-file/errors", Fixture, NULL, fake_guest_fixture_set_up,
              test_config_errors, fake_guest_fixture_tear_down);
  g_test_add ("/sched-keys/cgroup-parent", Fixture, NULL, fake_guest_fixture_set_up,
              test_cgroup_parent, fake_guest_fixture_tear_down);
  g_test_add_func ("/sched-keys/cgroup-parent/grammar", test_cgroup_parent_grammar);
  g_test_add ("/sched-keys/builtin", Fixture, NULL, fake_guest_fixture_set_up, test_builtin,
              fake_guest_fixture_tear_down);
  g_test_add ("/sched-keys/builtin/errors", Fixture, NULL, fake_guest_fixture_set_up,
              test_builtin_errors, fake_guest_fixture_tear_down);
  return g_test_run ();
}
