/* [step N], [backdrop], [payload NAME] and cgroup step=: every key
 * accepted, each rendered plan line, and each error naming the file,
 * group and key with what was expected. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "testdef/testdef.h"

static char *dir;

static KtstrTestDef *
load_text (const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_autofree char *full = g_strdup_printf ("[test]\nname=t\n%s", text);
  g_assert_true (g_file_set_contents (path, full, -1, NULL));
  return ktstr_testdef_load (path, error);
}

static const char good[] = "[cgroup bg]\nwork=CpuSpin\n"
                           "[cgroup s1]\nstep=1\nworkers=1\n"
                           "[payload p]\nbinary=/bin/true\nargs=-a;b c\noutput=json\n"
                           "exit_code=0\nmin.x.y=1\nmax.x.y=9\nrange.z=1,2\nexists=q;r\n"
                           "[backdrop]\ncgroups=bg\npayloads=p\nops=SetAffinity bg all\n"
                           "[step 0]\nhold=frac:0.5\n"
                           "ops=AddCgroup a cpuset=exact:0; Spawn a YieldHeavy workers=2;"
                           "SetCpuset a exact:1;ClearCpuset a;SwapCpusets a bg;StopCgroup a;"
                           "RemoveCgroup a;SpawnHost CpuSpin workers=1;MoveAllTasks bg a2\n"
                           "[step 1]\nhold=loop:100\nops=SetCpuset bg llc:0\n";

static void
test_good (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup (good);
  /* MoveAllTasks needs a second cgroup of step 0: add it first. */
  char *at = strstr (text, "MoveAllTasks");
  g_autofree char *fixed = g_strdup_printf ("%.*sAddCgroup a2;%s", (int)(at - text), text, at);
  g_autoptr (KtstrTestDef) def = load_text (fixed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (def->steps->len, ==, 2);
  g_assert_cmpuint (def->payloads->len, ==, 1);
  const KtstrPayloadDef *p = ktstr_testdef_find_payload (def, "p");
  g_assert_nonnull (p);
  g_assert_true (p->is_json);
  g_assert_cmpuint (p->args->len, ==, 2);
  g_assert_cmpuint (p->checks->len, ==, 6);
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n1l2c1t", 60000);
  g_assert_nonnull (strstr (plan, "\npayload p /ktstr/payload/p output=json\n"));
  g_assert_nonnull (strstr (plan, "\npayload_arg p b c\n"));
  g_assert_nonnull (strstr (plan, "\nop RunPayload p\nop SetAffinity bg all\nstep frac:0.5\n"));
  g_assert_nonnull (strstr (plan, "\nstep loop:100\nop SetCpuset bg llc:0\ncgroup s1\n"));
  /* 1500 ms of frac, then the loop lasts until duration_ms (2000). */
  g_assert_cmpuint (ktstr_testdef_run_ms (def), ==, 2000);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));
  ktstr_testdef_expected_workers (def, names, counts);
  g_assert_cmpuint (names->len, ==, 4);
  g_assert_cmpstr (names->pdata[0], ==, "bg");
  g_assert_cmpstr (names->pdata[1], ==, "a");
  g_assert_cmpuint (g_array_index (counts, guint, 1), ==, 2);
  g_assert_cmpstr (names->pdata[2], ==, "_host");
  g_assert_cmpstr (names->pdata[3], ==, "s1");
}

static void
test_no_steps_unchanged (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_text ("[cgroup a]\n", &error);
  g_assert_no_error (error);
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n1l2c1t", 9000);
  g_assert_cmpstr (plan, ==,
                   "ktstr-plan 1\ntest t\ntopology 1n1l2c1t\nduration_ms 2000\nsettle_ms 500\n"
                   "guard_ms 9000\nworkers 2\ncgroup a\nwork a CpuSpin workers=2\n");
  g_assert_cmpuint (ktstr_testdef_run_ms (def), ==, 2000);
}

static const struct
{
  const char *text;
  int code;
  const char *msg;
} errors[] = {
  { "[step 0]\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] hold: required: frac:F (a fraction of duration_ms), fixed:MS or loop:MS" },
  { "[step 0]\nhold=fixed:1\nwhat=1\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
    "[step 0] what: unknown key (valid keys: hold, ops)" },
  { "[step x]\nhold=fixed:1\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step x]: expected [step N] with N from 0 to 31" },
  { "[step 1]\nhold=fixed:1\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0]: missing: steps are numbered from 0 without gaps" },
  { "[step 0]\nhold=half\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] hold: unknown hold 'half' (expected frac:F, fixed:MS or loop:MS)" },
  { "[step 0]\nhold=frac:2\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] hold: hold 'frac:2': expected frac:F with 0 < F <= 1" },
  { "[step 0]\nhold=fixed:0\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] hold: hold 'fixed:0': expected fixed:MS" },
  { "[step 0]\nhold=loop:10\n[step 1]\nhold=fixed:1\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] hold: a loop hold lasts until duration_ms: only the last step may have one" },
  { "[step 0]\nhold=loop:10\nops=AddCgroup x\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: AddCgroup cannot repeat in a loop step" },
  { "[step 0]\nhold=fixed:1\nops=Jump x\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: unknown op 'Jump' (expected AddCgroup, RemoveCgroup" },
  { "[step 0]\nhold=fixed:1\nops=SetCpuset nope all\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: SetCpuset: no cgroup 'nope'" },
  { "[step 0]\nhold=fixed:1\nops=AddCgroup x;SetCpuset x bogus:1\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: SetCpuset: invalid cpuset 'bogus:1'" },
  { "[step 0]\nhold=fixed:1\nops=SwapCpusets\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: expected 'op SwapCpusets CGROUP_A CGROUP_B'" },
  { "[cgroup a]\n[step 0]\nhold=fixed:1\nops=RemoveCgroup a\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: RemoveCgroup: 'a' is a backdrop cgroup" },
  { "[cgroup a]\nstep=0\n[step 0]\nhold=fixed:1\nops=StopCgroup a\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: StopCgroup: no cgroup 'a'" },
  { "[cgroup a]\nstep=1\n[step 0]\nhold=fixed:1\nops=StopCgroup a\n[step 1]\nhold=fixed:1\n",
    KTSTR_TESTDEF_ERROR_INVALID, "[step 0] ops: StopCgroup: no cgroup 'a'" },
  { "[cgroup a]\nstep=3\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[cgroup a] step: there is no [step 3] group in this file" },
  { "[step 0]\nhold=fixed:1\nops=Spawn\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: expected 'op Spawn CGROUP TYPE" },
  { "[step 0]\nhold=fixed:1\nops=SpawnHost Nope\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: unknown work type 'Nope'" },
  { "[step 0]\nhold=fixed:1\nops=RunPayload p\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[step 0] ops: RunPayload: no payload 'p'" },
  { "[backdrop]\nx=1\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
    "[backdrop] x: unknown key (valid keys: cgroups, payloads, ops)" },
  { "[backdrop]\ncgroups=zz\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[backdrop] cgroups: no [cgroup zz] group in this file" },
  { "[cgroup a]\nstep=0\n[step 0]\nhold=fixed:1\n[backdrop]\ncgroups=a\n",
    KTSTR_TESTDEF_ERROR_INVALID, "[backdrop] cgroups: cgroup a has step=0" },
  { "[cgroup a]\n[backdrop]\npayloads=zz\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[backdrop] payloads: no [payload zz] group in this file" },
  { "[cgroup a]\n[payload p]\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p] binary: required: the program to run" },
  { "[cgroup a]\n[payload p]\nbinary=/nonexistent/x\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p] binary: '/nonexistent/x' is not an executable file" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\nfoo=1\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
    "[payload p] foo: unknown key (valid keys: binary, args, output, exit_code, exists, "
    "min.METRIC, max.METRIC, range.METRIC)" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\noutput=xml\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p] output: 'xml' (expected json or exitcode)" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\nexit_code=300\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p] exit_code: '300' is not an exit code from 0 to 255" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\noutput=json\nmin.x=abc\n",
    KTSTR_TESTDEF_ERROR_INVALID, "[payload p] min.x: 'abc' is not a number" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\noutput=json\nrange.x=5,1\n",
    KTSTR_TESTDEF_ERROR_INVALID, "[payload p] range.x: '5,1' (expected LO,HI with LO <= HI" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\nmax.x=1\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p] max.x: metric checks need output=json" },
  { "[cgroup a]\n[payload p q]\nbinary=/bin/true\n", KTSTR_TESTDEF_ERROR_INVALID,
    "[payload p q]: payload name 'p q' must be 1-63 letters" },
};

static void
test_errors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrTestDef) def = load_text (errors[i].text, &error);
      g_test_message ("case %zu: %s", i, error ? error->message : "(loaded)");
      g_assert_null (def);
      g_assert_error (error, KTSTR_TESTDEF_ERROR, errors[i].code);
      g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, errors[i].msg));
    }
}

/* Errors of the plan grammar (the whole file rendered as the plan the
 * guest runs) point at the key the refused plan line and field came from:
 * "PATH:LINE: [GROUP] KEY: " (KEY NULL: "PATH:LINE: [GROUP]: "), LINE
 * being the key's line, or the group's when the key is not written.
 * load_text puts "[test]\nname=t\n" before TEXT: TEXT starts on line 3. */
static const struct
{
  const char *text;
  unsigned line;
  const char *group, *key, *msg;
} origins[] = {
  /* A cgroup's own work: work= is its type, work.PARAM its parameters. */
  { "[cgroup a]\nwork=Bursty\nwork.burst_ms=0\n", 5, "cgroup a", "work.burst_ms",
    "Bursty burst_ms=0: expected a whole number from 1 to 60000" },
  { "[cgroup a]\npolicy=fifo:100\n", 4, "cgroup a", "policy",
    "policy=fifo:100: fifo needs a priority from 1 to 99" },
  { "[cgroup a]\nwork=PipeIo\nworkers=3\n", 5, "cgroup a", "workers",
    "work type PipeIo runs in groups of 2 workers" },
  /* workers= comes from [test] (TEXT continues it; a group given twice is
   * refused): the cgroup's own line is its header. */
  { "workers=3\n[cgroup a]\nwork=PipeIo\n", 4, "cgroup a", "workers",
    "work type PipeIo runs in groups of 2 workers; 3 workers is not a multiple of 2" },
  /* [work CGROUP/LABEL]: parameters and options under their own names. */
  { "[cgroup a]\n[work a/p]\ntype=PipeIo\nworkers=2\nburst_iters=9999999999\n", 7, "work a/p",
    "burst_iters", "PipeIo burst_iters=9999999999: expected a whole number" },
  { "[cgroup a]\n[work a/p]\ntype=PipeIo\nworkers=3\n", 6, "work a/p", "workers",
    "work type PipeIo runs in groups of 2 workers; 3 workers" },
  { "[cgroup a]\n[work a/p]\ntype=CpuSpin\nnice=30\n", 6, "work a/p", "nice",
    "nice=30: expected a whole number from -20 to 19" },
  /* The cgroup line: its cpuset, or the group as a whole. */
  { "[cgroup a]\ncpuset=exact:0\n[cgroup a/b]\ncpuset=exact:1\n", 6, "cgroup a/b", "cpuset",
    "cgroup 'a/b': cpuset exact:1 is not within its parent 'a'" },
  { "[cgroup a]\nstep=0\n[cgroup a/b]\nstep=1\n[step 0]\nhold=fixed:1\n[step 1]\n"
    "hold=fixed:1\n",
    5, "cgroup a/b", NULL, "cgroup 'a/b': its parent 'a' belongs to step 0" },
  /* Keys rendered as whole lines. */
  { "[cgroup a]\n[step 0]\n\nhold=frac:7\n", 6, "step 0", "hold", "hold 'frac:7': expected" },
  { "[cgroup a]\n[step 0]\nhold=fixed:1\nops=StopCgroup zz\n", 6, "step 0", "ops",
    "StopCgroup: no cgroup 'zz'" },
  { "[cgroup a]\n[backdrop]\nops=SetCpuset a exact:0;SwapCpusets a a\n", 5, "backdrop", "ops",
    "SwapCpusets: both cgroups are 'a'" },
  { "[cgroup a]\n[payload p]\nbinary=/bin/true\n"
    "args=1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17\n",
    6, "payload p", "args", "payload 'p': at most 16 arguments" },
};

static void
test_plan_error_origins (void)
{
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (origins); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrTestDef) def = load_text (origins[i].text, &error);
      g_test_message ("case %zu: %s", i, error ? error->message : "(loaded)");
      g_assert_null (def);
      g_assert_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID);
      g_autofree char *want
          = origins[i].key ? g_strdup_printf ("%s:%u: [%s] %s: %s", path, origins[i].line,
                                              origins[i].group, origins[i].key, origins[i].msg)
                           : g_strdup_printf ("%s:%u: [%s]: %s", path, origins[i].line,
                                              origins[i].group, origins[i].msg);
      if (!g_str_has_prefix (error->message, want))
        g_error ("case %zu: '%s' does not start with '%s'", i, error->message, want);
    }
}

/* Errors of the loader itself carry the line too. */
static void
test_loader_error_lines (void)
{
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = load_text ("[cgroup a]\n\n# c\n  bogus = 1\n", &error);
  g_assert_null (def);
  g_autofree char *want = g_strdup_printf ("%s:6: [cgroup a] bogus: unknown key (valid keys: "
                                           "work, workers, cpuset, policy, nice, affinity, "
                                           "mempolicy, mpol_flags, step, work.PARAM)",
                                           path);
  g_assert_cmpstr (error->message, ==, want);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("test-testdef-steps-XXXXXX", NULL);
  g_test_add_func ("/testdef/steps/good", test_good);
  g_test_add_func ("/testdef/steps/no-steps-unchanged", test_no_steps_unchanged);
  g_test_add_func ("/testdef/steps/errors", test_errors);
  g_test_add_func ("/testdef/steps/plan-error-origins", test_plan_error_origins);
  g_test_add_func ("/testdef/steps/loader-error-lines", test_loader_error_lines);
  int rc = g_test_run ();
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);
  return rc;
}
