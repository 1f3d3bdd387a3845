/* VM tier for steps, ops and payloads (make check-vm): a dynamic test
 * whose sidecar timeline shows all 13 ops in order, an isolation check
 * that fails when SwapCpusets moves workers out of their cpuset on
 * purpose, a JSON payload whose min check passes and fails, and ops on
 * nested cgroups. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "record/sidecar.h"
#include "tests/vm-run.h"

/* Writes TEXT (with @HELPER@ replaced by the payload helper's path) as a
 * test file in a fresh git repository and runs `ktstr test` on it. */
static void
run_file (KtstrVmRun *r, const char *text)
{
  r->cwd = ktstr_vm_test_make_repo ("ktstr-vm-ops");
  g_autofree char *helper
      = g_build_filename (ktstr_vm_test_builddir (), "tests", "ktstr-payload-json", NULL);
  g_autofree char *abs_helper = g_canonicalize_filename (helper, NULL);
  g_auto (GStrv) parts = g_strsplit (text, "@HELPER@", -1);
  g_autofree char *content = g_strjoinv (abs_helper, parts);
  g_autofree char *file = g_build_filename (r->cwd, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (file, content, -1, NULL));
  ktstr_vm_run (r, ktstr_vm_test_kernel (), (const char *[]){ file, NULL }, NULL);
}

static const char timeline_test[]
    = "[test]\n"
      "name=ops_timeline\n"
      "duration_ms=2000\n"
      "settle_ms=200\n"
      "[cgroup cg_0]\nwork=CpuSpin\nworkers=1\ncpuset=exact:0\n"
      "[cgroup cg_1]\nwork=CpuSpin\nworkers=1\ncpuset=exact:1\n"
      "[payload pj]\nbinary=@HELPER@\nargs=100;0;sleep\n"
      "output=json\n"
      "[payload pw]\nbinary=@HELPER@\nargs=5\noutput=json\n"
      "[step 0]\nhold=fixed:600\n"
      "ops=AddCgroup cg_x cpuset=exact:1;Spawn cg_x YieldHeavy "
      "workers=1;SetCpuset cg_x exact:0;ClearCpuset cg_x;"
      "SwapCpusets cg_0 cg_1;StopCgroup cg_x;RemoveCgroup cg_x\n"
      "[step 1]\nhold=fixed:600\n"
      "ops=SetAffinity cg_0 all;SpawnHost CpuSpin workers=1;"
      "MoveAllTasks cg_0 cg_1;RunPayload pj;RunPayload pw cgroup=cg_1;"
      "WaitPayload pw;KillPayload pj\n";

static void
test_timeline (void)
{
  static const char *const want[]
      = { "AddCgroup",  "Spawn",        "SetCpuset",   "ClearCpuset", "SwapCpusets",
          "StopCgroup", "RemoveCgroup", "SetAffinity", "SpawnHost",   "MoveAllTasks",
          "RunPayload", "RunPayload",   "WaitPayload", "KillPayload", NULL };
  if (!ktstr_vm_test_need_vm ())
    return;
  KtstrVmRun r = { 0 };
  run_file (&r, timeline_test);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "ops_timeline", NULL);
  guint n = 0;
  guint64 last = 0;
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      const KtstrStimulusEvent *ev = sc->stimulus_events->pdata[i];
      g_assert_cmpuint (ev->elapsed_ms, >=, last);
      last = ev->elapsed_ms;
      if (ev->op_kind == NULL)
        continue;
      g_assert_nonnull (want[n]);
      g_assert_cmpstr (ev->op_kind, ==, want[n]);
      g_assert_nonnull (ev->detail);
      g_assert_true (g_str_has_prefix (ev->label, n < 7 ? "Step[0].Op[" : "Step[1].Op["));
      n++;
    }
  g_assert_null (want[n]);
  const KtstrStimulusEvent *first = sc->stimulus_events->pdata[0];
  g_assert_cmpstr (first->label, ==, "ScenarioStart");
  /* The workers StopCgroup stopped still reported: the scenario passed
   * with every expected worker, cg_x's and the host's included. */
  g_assert_true (sc->passed);
  g_assert_cmpuint (sc->metrics->len, ==, 2);
  ktstr_vm_run_clear (&r);
}

static const char isolation_test[] = "[test]\n"
                                     "name=ops_isolation\n"
                                     "duration_ms=2000\n"
                                     "settle_ms=200\n"
                                     "[cgroup cg_0]\nwork=CpuSpin\nworkers=1\ncpuset=exact:0\n"
                                     "[cgroup cg_1]\nwork=CpuSpin\nworkers=1\ncpuset=exact:1\n"
                                     "[step 0]\nhold=frac:0.5\n"
                                     "[step 1]\nhold=frac:0.5\nops=SwapCpusets cg_0 cg_1\n"
                                     "[checks]\nisolation=true\n";

static void
test_isolation_violated (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  KtstrVmRun r = { 0 };
  run_file (&r, isolation_test);
  g_assert_true (WIFEXITED (r.status) && WEXITSTATUS (r.status) != 0);
  g_assert_nonnull (strstr (r.out, "FAIL ops_isolation"));
  g_assert_nonnull (strstr (r.out, "cgroup cg_0 worker 0"));
  g_assert_nonnull (strstr (r.out, "ran on cpus 1 outside its cpuset 0"));
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "ops_isolation", NULL);
  g_assert_false (sc->passed);
  ktstr_vm_run_clear (&r);
}

static const char payload_test[] = "[test]\n"
                                   "name=ops_payload\n"
                                   "duration_ms=1000\n"
                                   "settle_ms=100\n"
                                   "[cgroup cg_0]\nwork=CpuSpin\nworkers=1\n"
                                   "[payload fio]\nbinary=@HELPER@\nargs=%s;0\noutput=json\n"
                                   "min.jobs.0.read.iops=1000\nexit_code=0\n"
                                   "exists=jobs.0.read.bw_kib\n"
                                   "[step 0]\nhold=frac:1\nops=RunPayload fio;WaitPayload fio\n";

static void
test_payload (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  for (int pass = 0; pass < 2; pass++)
    {
      KtstrVmRun r = { 0 };
      g_autofree char *text = g_strdup_printf (payload_test, pass ? "5000" : "10");
      run_file (&r, text);
      g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "ops_payload", NULL);
      g_assert_cmpint (sc->passed, ==, pass);
      g_assert_cmpstr (sc->payload, ==, "fio");
      g_assert_cmpuint (sc->metrics->len, ==, 1);
      KtstrPayloadMetrics *pm = sc->metrics->pdata[0];
      g_assert_cmpint (pm->exit_code, ==, 0);
      gboolean found = FALSE;
      for (guint i = 0; i < pm->metrics->len; i++)
        {
          KtstrPayloadMetric *m = pm->metrics->pdata[i];
          if (g_str_equal (m->name, "jobs.0.read.iops"))
            {
              g_assert_cmpfloat (m->value, ==, pass ? 5000 : 10);
              found = TRUE;
            }
        }
      g_assert_true (found);
      if (!pass)
        g_assert_nonnull (
            strstr (r.out, "payload fio: metric jobs.0.read.iops = 10 is below min 1000"));
      ktstr_vm_run_clear (&r);
    }
}

/* Nested cgroups for real: leaves under parents (one declared with a
 * cpuset, one implicit), ops on nested names, a move between leaves of
 * different parents.  The sidecar names the nested cgroups in its
 * timeline; its per-cgroup stats (a schema without names) hold the
 * leaves with workers only. */
static const char nested_test[] = "[test]\n"
                                  "name=ops_nested\n"
                                  "duration_ms=2000\n"
                                  "settle_ms=200\n"
                                  "[cgroup left]\ncpuset=exact:0\n"
                                  "[cgroup left/a]\nwork=CpuSpin\nworkers=1\n"
                                  "[cgroup right/b]\nwork=YieldHeavy\nworkers=1\n"
                                  "[step 0]\nhold=fixed:600\n"
                                  "ops=AddCgroup right/x cpuset=exact:1;Spawn right/x CpuSpin "
                                  "workers=1;SetCpuset right/x exact:0;AddCgroup right/y;"
                                  "StopCgroup right/y;RemoveCgroup right/y\n"
                                  "[step 1]\nhold=fixed:600\nops=MoveAllTasks left/a right/b\n";

static void
test_nested (void)
{
  static const char *const want[][2] = {
    /* right/x's worker runs for the whole step; the stop and removal ops
     * act on right/y, which has no workers: a worker stopped right after
     * its spawn may not have run at all and would count as starved. */
    { "AddCgroup", "cgroup=right/x cpuset=1" },
    { "Spawn", "cgroup=right/x " },
    { "SetCpuset", "cgroup=right/x cpus=0" },
    { "AddCgroup", "cgroup=right/y" },
    { "StopCgroup", "cgroup=right/y" },
    { "RemoveCgroup", "cgroup=right/y" },
    { "MoveAllTasks", "from=left/a to=right/b tasks=1" },
  };
  if (!ktstr_vm_test_need_vm ())
    return;
  KtstrVmRun r = { 0 };
  run_file (&r, nested_test);
  if (ktstr_vm_run_exit_code (&r) != 0)
    g_error ("ktstr test failed:\n%s\n%s", r.out, r.err);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "ops_nested", NULL);
  g_assert_true (sc->passed);
  guint n = 0;
  for (guint i = 0; i < sc->stimulus_events->len; i++)
    {
      const KtstrStimulusEvent *ev = sc->stimulus_events->pdata[i];
      if (ev->op_kind == NULL)
        continue;
      g_assert_cmpuint (n, <, G_N_ELEMENTS (want));
      g_assert_cmpstr (ev->op_kind, ==, want[n][0]);
      g_assert_nonnull (ev->detail);
      if (!g_str_has_prefix (ev->detail, want[n][1]))
        g_error ("%s: detail '%s' does not start with '%s'", ev->op_kind, ev->detail, want[n][1]);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want));
  g_assert_cmpuint (sc->stats->cgroups->len, ==, 3);
  ktstr_vm_run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vm/ops/timeline", test_timeline);
  g_test_add_func ("/vm/ops/isolation-violated", test_isolation_violated);
  g_test_add_func ("/vm/ops/payload-min", test_payload);
  g_test_add_func ("/vm/ops/nested", test_nested);
  return g_test_run ();
}
