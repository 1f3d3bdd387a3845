/* Every work type of ktstr-test(5) (but Custom) run once by
 * ktstr-init --run-plan, each with its characteristic measurement
 * non-zero, and the per-work options (policy, nice, affinity, mempolicy)
 * parsed and applied. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "common/plan.h"

typedef enum
{
  MEASURE_WORK,    /* work_units and iterations only */
  MEASURE_LATENCY, /* wake latency samples */
  MEASURE_FAULTS,  /* minor page faults */
} Measure;

typedef struct
{
  const char *type;
  const char *params; /* extra words of the work line */
  unsigned workers;   /* a multiple of the group size */
  Measure measure;
} TypeCase;

static const TypeCase cases[] = {
  { "CpuSpin", "", 1, MEASURE_WORK },
  { "YieldHeavy", "", 1, MEASURE_WORK },
  { "Mixed", "", 1, MEASURE_WORK },
  { "IoSync", "", 1, MEASURE_LATENCY },
  { "Bursty", "burst_ms=10 sleep_ms=10", 1, MEASURE_LATENCY },
  { "PipeIo", "burst_iters=256", 2, MEASURE_LATENCY },
  { "FutexPingPong", "spin_iters=256", 2, MEASURE_LATENCY },
  { "CachePressure", "size_kb=64 stride=64", 1, MEASURE_WORK },
  { "CacheYield", "", 1, MEASURE_LATENCY },
  { "CachePipe", "size_kb=16 burst_iters=512", 2, MEASURE_LATENCY },
  { "FutexFanOut", "fan_out=2 spin_iters=4096", 3, MEASURE_LATENCY },
  { "FanOutCompute", "fan_out=2 cache_footprint_kb=48 operations=1 sleep_usec=200", 3,
    MEASURE_LATENCY },
  { "Sequence", "spin_ms=5 sleep_ms=5 yield_ms=2 io_ms=2", 1, MEASURE_LATENCY },
  { "ForkExit", "", 1, MEASURE_LATENCY },
  { "NiceSweep", "", 1, MEASURE_LATENCY },
  { "AffinityChurn", "spin_iters=512", 1, MEASURE_LATENCY },
  { "PolicyChurn", "spin_iters=512", 1, MEASURE_LATENCY },
  { "PageFaultChurn", "region_kb=512 touches_per_cycle=64", 1, MEASURE_FAULTS },
  { "MutexContention", "contenders=2 hold_iters=4096 work_iters=256", 2, MEASURE_LATENCY },
};

static char *
agent_path (void)
{
  const char *top = g_getenv ("KTSTR_TOP_BUILDDIR");
  return g_build_filename (top != NULL ? top : ".", "guest-init", "ktstr-init", NULL);
}

/* Runs PLAN with --run-plan on the fake 4-CPU sysfs and returns the
 * worker messages; *logs gets the log lines. */
static GPtrArray *
run_plan (const char *plan, int *exit_code, GPtrArray **logs)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-guest-worktypes-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *plan_path = g_build_filename (dir, "plan", NULL);
  g_autofree char *out = g_build_filename (dir, "out.jsonl", NULL);
  g_file_set_contents (plan_path, plan, -1, &error);
  g_assert_no_error (error);
  g_autofree char *agent = agent_path ();
  g_autofree char *sysfs
      = g_test_build_filename (G_TEST_DIST, "data", "guest", "sysfs-1n2l2c1t", NULL);
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (l, "TMPDIR", dir, TRUE);
  g_autoptr (GSubprocess) p
      = g_subprocess_launcher_spawn (l, &error, agent, "--run-plan", plan_path, "--out", out,
                                     "--sysfs-root", sysfs, "--no-cgroups", NULL);
  g_assert_no_error (error);
  g_autofree char *err_text = NULL;
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err_text, &error);
  g_assert_no_error (error);
  *exit_code = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  g_autofree char *text = NULL;
  g_file_get_contents (out, &text, NULL, &error);
  g_assert_no_error (error);
  g_unlink (plan_path);
  g_unlink (out);
  g_rmdir (dir);

  GPtrArray *workers = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  *logs = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      if (**line == '\0')
        continue;
      g_autoptr (JsonParser) parser = json_parser_new ();
      json_parser_load_from_data (parser, *line, -1, &error);
      g_assert_no_error (error);
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      const char *t = json_object_get_string_member (o, "t");
      if (g_str_equal (t, "worker"))
        g_ptr_array_add (workers, json_node_copy (json_parser_get_root (parser)));
      else if (g_str_equal (t, "log") || g_str_equal (t, "error"))
        g_ptr_array_add (*logs, g_strdup (json_object_get_string_member (o, "msg")));
    }
  return workers;
}

static void
test_type (gconstpointer data)
{
  const TypeCase *c = data;
  g_autofree char *plan = g_strdup_printf ("ktstr-plan 1\nduration_ms 400\nsettle_ms 0\n"
                                           "cgroup a\nwork a %s workers=%u %s\n",
                                           c->type, c->workers, c->params);
  int exit_code;
  g_autoptr (GPtrArray) logs = NULL;
  g_autoptr (GPtrArray) workers = run_plan (plan, &exit_code, &logs);
  for (guint i = 0; i < logs->len; i++)
    g_test_message ("log: %s", (char *)logs->pdata[i]);
  g_assert_cmpint (exit_code, ==, 0);
  g_assert_cmpuint (workers->len, ==, c->workers);
  guint64 samples = 0, faults = 0;
  for (guint i = 0; i < workers->len; i++)
    {
      JsonObject *o = json_node_get_object (workers->pdata[i]);
      g_assert_cmpstr (json_object_get_string_member (o, "work_type"), ==, c->type);
      g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "ok");
      g_assert_true (json_object_get_boolean_member (o, "completed"));
      g_assert_cmpint (json_object_get_int_member (o, "work_units"), >, 0);
      g_assert_cmpint (json_object_get_int_member (o, "iterations"), >, 0);
      samples += (guint64)json_object_get_int_member (o, "wake_sample_total");
      faults += (guint64)json_object_get_int_member (o, "minor_faults");
      JsonArray *lat = json_object_get_array_member (o, "lat_ns");
      for (guint k = 0; k < json_array_get_length (lat); k++)
        g_assert_cmpint (json_array_get_int_element (lat, k), >, 0);
    }
  if (c->measure == MEASURE_LATENCY)
    g_assert_cmpuint (samples, >, 0);
  if (c->measure == MEASURE_FAULTS)
    /* Every cycle faults touches_per_cycle pages back in. */
    g_assert_cmpuint (faults, >, 64);
}

static void
test_group_size_enforced (void)
{
  static const char *const bad[][2] = {
    { "work a PipeIo workers=3", "PipeIo runs in groups of 2 workers" },
    { "work a FutexFanOut workers=4 fan_out=4", "FutexFanOut runs in groups of 5 workers" },
    { "work a MutexContention workers=5 contenders=2", "groups of 2 workers; 5 workers" },
    { "work a FanOutCompute fan_out=0", "fan_out=0: expected a whole number from 1 to 63" },
    { "work a CachePressure size_kb=0", "size_kb=0: expected a whole number from 1" },
    { "work a Sequence phases=3", "work type Sequence has no parameter 'phases' (it takes: "
                                  "spin_ms, sleep_ms, yield_ms, io_ms" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("ktstr-plan 1\ncgroup a\n%s\n", bad[i][0]);
      KtstrPlan *plan = g_new0 (KtstrPlan, 1);
      KtstrPlanError err;
      g_assert_cmpint (ktstr_plan_parse (text, plan, &err), ==, -1);
      g_test_message ("%s -> %s", bad[i][0], err.msg);
      g_assert_nonnull (strstr (err.msg, bad[i][1]));
      g_free (plan);
    }
}

static void
test_opts_parse (void)
{
  KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\ncgroup a\n"
                                     "work a CpuSpin policy=fifo:10 nice=-5 affinity=exact:0-1 "
                                     "mempolicy=bind:0 mpol_flags=static,balancing\n"
                                     "work a CpuSpin policy=batch affinity=single "
                                     "mempolicy=preferred:1\n",
                                     plan, &err),
                   ==, 0);
  const KtstrWorkOpts *o = &plan->works[0].opts;
  g_assert_cmpint (o->policy, ==, KTSTR_POLICY_FIFO);
  g_assert_cmpuint (o->priority, ==, 10);
  g_assert_true (o->has_nice);
  g_assert_cmpint (o->nice, ==, -5);
  g_assert_cmpint (o->affinity, ==, KTSTR_AFFINITY_EXACT);
  g_assert_cmpuint (ktstr_cpuset_count (&o->affinity_cpus), ==, 2);
  g_assert_cmpint (o->mempolicy, ==, KTSTR_MPOL_BIND);
  g_assert_cmpuint (o->mpol_flags, ==, KTSTR_MPOL_F_STATIC_NODES | KTSTR_MPOL_F_NUMA_BALANCING);
  o = &plan->works[1].opts;
  g_assert_cmpint (o->policy, ==, KTSTR_POLICY_BATCH);
  g_assert_false (o->has_nice);
  g_assert_cmpint (o->affinity, ==, KTSTR_AFFINITY_SINGLE);
  g_assert_cmpint (o->mempolicy, ==, KTSTR_MPOL_PREFERRED);

  static const char *const bad[][2] = {
    { "policy=fifo", "policy=fifo: fifo needs a priority from 1 to 99, e.g. fifo:10" },
    { "policy=rr:100", "policy=rr:100: rr needs a priority from 1 to 99" },
    { "policy=deadline", "policy=deadline: expected normal, batch, idle, fifo:PRIO or rr:PRIO" },
    { "nice=20", "nice=20: expected a whole number from -20 to 19" },
    { "nice=-21", "nice=-21: expected a whole number from -20 to 19" },
    { "affinity=some",
      "affinity=some: expected inherit, random, llc, cross, single or exact:LIST" },
    { "affinity=exact:", "affinity=exact:: exact: needs a CPU list" },
    { "mempolicy=bind", "mempolicy=bind: expected default, local, bind:NODES" },
    { "mempolicy=preferred:0-1", "mempolicy=preferred:0-1: preferred: takes exactly one node" },
    { "mpol_flags=sticky", "mpol_flags=sticky: 'sticky' is not one of none, static" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text
          = g_strdup_printf ("ktstr-plan 1\ncgroup a\nwork a CpuSpin %s\n", bad[i][0]);
      g_assert_cmpint (ktstr_plan_parse (text, plan, &err), ==, -1);
      g_test_message ("%s -> %s", bad[i][0], err.msg);
      g_assert_cmpuint (err.line, ==, 3);
      g_assert_true (g_str_has_prefix (err.msg, bad[i][1]));
      /* The field is the option's key: the word before '='. */
      g_autofree char *key = g_strndup (bad[i][0], strcspn (bad[i][0], "="));
      g_assert_cmpstr (err.field, ==, key);
    }
  g_free (plan);
}

static void
test_opts_applied (void)
{
  /* The host running the tests has at least 1 CPU: pin to CPU 0. */
  int exit_code;
  g_autoptr (GPtrArray) logs = NULL;
  g_autoptr (GPtrArray) workers
      = run_plan ("ktstr-plan 1\nduration_ms 200\nsettle_ms 0\ncgroup a\n"
                  "work a CpuSpin workers=1 affinity=exact:0 nice=3 policy=batch\n"
                  "work a YieldHeavy workers=1 affinity=single policy=idle mempolicy=local\n"
                  "work a CpuSpin workers=1 affinity=random mempolicy=default\n",
                  &exit_code, &logs);
  for (guint i = 0; i < logs->len; i++)
    g_test_message ("log: %s", (char *)logs->pdata[i]);
  g_assert_cmpint (exit_code, ==, 0);
  g_assert_cmpuint (workers->len, ==, 3);
  for (guint i = 0; i < workers->len; i++)
    {
      JsonObject *o = json_node_get_object (workers->pdata[i]);
      g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "ok");
      /* No bound on work_units: on a busy host a pinned nice 3 batch worker,
       * let alone the SCHED_IDLE one, may rightly get no CPU in 200 ms.
       * What is checked is that the options were applied. */
    }
  /* exact:0 and single: the worker never left its one CPU. */
  for (guint i = 0; i < 2; i++)
    {
      JsonArray *used
          = json_object_get_array_member (json_node_get_object (workers->pdata[i]), "cpus_used");
      g_assert_cmpuint (json_array_get_length (used), ==, 1);
    }
  JsonArray *used
      = json_object_get_array_member (json_node_get_object (workers->pdata[0]), "cpus_used");
  g_assert_cmpint (json_array_get_int_element (used, 0), ==, 0);
}

static void
test_opts_apply_failure (void)
{
  /* A memory policy on a node that does not exist: the worker says why and
   * gets a zero-work report. */
  int exit_code;
  g_autoptr (GPtrArray) logs = NULL;
  g_autoptr (GPtrArray) workers = run_plan ("ktstr-plan 1\nduration_ms 100\nsettle_ms 0\ncgroup a\n"
                                            "work a CpuSpin workers=1 mempolicy=bind:1000\n",
                                            &exit_code, &logs);
  g_assert_cmpint (exit_code, ==, 0);
  g_assert_cmpuint (workers->len, ==, 1);
  JsonObject *o = json_node_get_object (workers->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (o, "exit"), ==, "exited:3");
  g_assert_cmpint (json_object_get_int_member (o, "work_units"), ==, 0);
  g_assert_cmpuint (logs->len, ==, 1);
  g_assert_nonnull (strstr (logs->pdata[0], "set_mempolicy (mode 2, flags 0x0): "));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/guest/worktypes/run/%s", cases[i].type);
      g_test_add_data_func (path, &cases[i], test_type);
    }
  g_test_add_func ("/guest/worktypes/group-size", test_group_size_enforced);
  g_test_add_func ("/guest/worktypes/opts/parse", test_opts_parse);
  g_test_add_func ("/guest/worktypes/opts/applied", test_opts_applied);
  g_test_add_func ("/guest/worktypes/opts/apply-failure", test_opts_apply_failure);
  return g_test_run ();
}
