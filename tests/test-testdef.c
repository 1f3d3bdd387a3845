/* Test definition files: loading, errors that point into the file, plans. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "testdef/testdef.h"
#include "testdef/workspec.h"

static char *
write_tmp (const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("ktstr-def-XXXXXX.ktstr", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static KtstrTestDef *
load_str (const char *contents, GError **error, char **path_out)
{
  g_autofree char *path = write_tmp (contents);
  KtstrTestDef *def = ktstr_testdef_load (path, error);
  g_unlink (path);
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return def;
}

static void
test_load_valid_and_plan (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def
      = load_str ("[test]\nname=t1\ndescription=d\nduration_ms=1500\n"
                  "workers=3\n\n[cgroup a]\nwork=Bursty\n"
                  "work.burst_ms=20\nwork.sleep_ms=30\ncpuset=disjoint:0/2\n"
                  "\n[cgroup b]\nworkers=1\n\n[checks]\nmax_gap_ms=5000\n",
                  &error, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "t1");
  g_assert_cmpstr (def->topology, ==, "1n1l2c1t");
  g_assert_cmpuint (def->duration_ms, ==, 1500);
  g_assert_cmpuint (def->cgroups->len, ==, 2);
  g_assert_cmpstr (ktstr_testdef_work_type (def), ==, "Mixed");
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n2l2c1t", 40000);
  g_assert_cmpstr (plan, ==,
                   "ktstr-plan 1\ntest t1\ntopology 1n2l2c1t\nduration_ms 1500\nsettle_ms 500\n"
                   "guard_ms 40000\nworkers 3\ncgroup a cpuset=disjoint:0/2\ncgroup b\n"
                   "work a Bursty workers=3 burst_ms=20 sleep_ms=30\n"
                   "work b CpuSpin workers=1\n");
}

static void
assert_load_error (const char *contents, int code, const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (KtstrTestDef) def = load_str (contents, &error, &path);
  g_assert_null (def);
  g_assert_error (error, KTSTR_TESTDEF_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  for (const char *const *n = needles; *n; n++)
    if (strstr (error->message, *n) == NULL)
      g_error ("'%s' not in error '%s'", *n, error->message);
}

static void
test_errors (void)
{
  assert_load_error ("[test]\nname=x\nbogus=1\n[cgroup a]\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "[test]", "bogus", "unknown key", "duration_ms", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork=Spinny\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a]", "work", "Spinny", "CpuSpin", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork.burst_ms=3\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "work.burst_ms", "CpuSpin", "none", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nworkers=0\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "workers", "between 1 and", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=half\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "cpuset", "half", "disjoint:I/N", NULL });
  assert_load_error ("[test]\nname=x\ntopology=2n3l1c1t\n[cgroup a]\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "topology", "multiple", NULL });
  assert_load_error ("[test]\nname=x\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "at least one [cgroup NAME]", NULL });
  assert_load_error ("[test]\nname=x\n[cgroups a]\n", KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "[cgroups a]", "unknown group", NULL });
  assert_load_error ("[cgroup a]\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[test]", "missing group", NULL });
  assert_load_error ("not a key file", KTSTR_TESTDEF_ERROR_PARSE, (const char *[]){ NULL });
  assert_load_error ("[test]\nname=x\nperformance_mode=yes\n[cgroup a]\n",
                     KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[test]", "performance_mode",
                                       "'yes' is not true, false or "
                                       "realtime",
                                       NULL });
}

/* performance_mode: off unless asked, on, or realtime. */
static void
test_perf_mode (void)
{
  static const struct
  {
    const char *line;
    KtstrPerfMode want;
  } cases[] = {
    { "", KTSTR_PERF_MODE_OFF },
    { "performance_mode=false\n", KTSTR_PERF_MODE_OFF },
    { "performance_mode=true\n", KTSTR_PERF_MODE_ON },
    { "performance_mode=realtime\n", KTSTR_PERF_MODE_REALTIME },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text
          = g_strdup_printf ("[test]\nname=p\n%s[cgroup a]\nwork=CpuSpin\n", cases[i].line);
      g_autoptr (KtstrTestDef) def = load_str (text, &error, NULL);
      g_assert_no_error (error);
      g_assert_cmpint (def->performance_mode, ==, cases[i].want);
    }
}

/* Nested cgroups: parents (declared or implicit) come before their
 * children in the plan, hold no workers, and [work CG/LABEL] splits at
 * the last '/'. */
static void
test_nested (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def
      = load_str ("[test]\nname=n\nworkers=2\n"
                  "[cgroup left/a]\nwork=CpuSpin\n"
                  "[cgroup outer/in]\ncpuset=exact:0\nwork=CpuSpin\nworkers=1\n"
                  "[work outer/in/pipes]\ntype=PipeIo\nworkers=2\n"
                  "[cgroup outer]\ncpuset=exact:0-1\n"
                  "[step 0]\nhold=frac:1\nops=MoveAllTasks left/a outer/in\n",
                  &error, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (def->cgroups->len, ==, 4);
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n1l2c1t", 0);
  g_assert_nonnull (strstr (plan, "workers 2\ncgroup outer cpuset=exact:0-1\ncgroup left\n"
                                  "cgroup left/a\ncgroup outer/in cpuset=exact:0\n"
                                  "work left/a CpuSpin workers=2\n"
                                  "work outer/in CpuSpin workers=1\n"
                                  "work outer/in PipeIo workers=2"));
  g_assert_nonnull (strstr (plan, "op MoveAllTasks left/a outer/in\n"));
  g_assert_null (strstr (plan, "work outer "));
  g_assert_null (strstr (plan, "work left "));

  /* A bad component, a parent with work, a parent with [work] groups, a
   * child cpuset outside its parent's, a task move into a parent. */
  assert_load_error ("[test]\nname=x\n[cgroup a/b.c]\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a/b.c]", "joined by '/'", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a//b]\n", KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a//b]", "must be 1-64", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork=CpuSpin\n[cgroup a/b]\n",
                     KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a]", "work", "child cgroup ([cgroup a/b])",
                                       "only leaves hold tasks", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work a/w]\ntype=CpuSpin\n[cgroup a/b]\n",
                     KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a]", "cannot hold workers", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nworkers=2\n[cgroup a/b]\n",
                     KTSTR_TESTDEF_ERROR_UNKNOWN,
                     (const char *[]){ "[cgroup a]", "workers", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=exact:0\n[cgroup a/b]\n"
                     "cpuset=exact:1\n",
                     KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[cgroup a/b]", "not within its parent 'a'", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a/b]\n[cgroup c]\n"
                     "[step 0]\nhold=frac:1\nops=MoveAllTasks c a\n",
                     KTSTR_TESTDEF_ERROR_INVALID,
                     (const char *[]){ "[step 0]", "cgroup 'a' has child cgroups", NULL });
}

static void
test_works_and_options (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def
      = load_str ("[test]\nname=w\nworkers=2\n"
                  "[cgroup a]\ncpuset=range:0-0.5\nwork=CpuSpin\npolicy=batch\nnice=-3\n"
                  "[cgroup b]\ncpuset=overlap:1/2/0.5\n"
                  "[work b/pipes]\ntype=PipeIo\nworkers=4\nburst_iters=64\naffinity=single\n"
                  "[work b/rt]\ntype=FutexFanOut\nfan_out=2\nworkers=3\npolicy=fifo:5\n"
                  "mempolicy=local\n"
                  "[cgroup c]\ncpuset=numa:0\nwork=Sequence\nwork.io_ms=0\n",
                  &error, NULL);
  g_assert_no_error (error);
  g_autofree char *plan = ktstr_testdef_to_plan (def, "1n2l2c1t", 40000);
  g_assert_nonnull (strstr (plan, "cgroup a cpuset=range:0-0.5\ncgroup b cpuset=overlap:1/2/0.5\n"
                                  "cgroup c cpuset=numa:0\n"));
  g_assert_nonnull (strstr (plan, "work a CpuSpin workers=2 policy=batch nice=-3\n"
                                  "work b PipeIo workers=4 burst_iters=64 affinity=single\n"
                                  "work b FutexFanOut workers=3 fan_out=2 policy=fifo:5 "
                                  "mempolicy=local\n"
                                  "work c Sequence workers=2 io_ms=0\n"));
  KtstrCgroupDef *b = def->cgroups->pdata[1];
  g_assert_cmpuint (b->works->len, ==, 2); /* no implicit CpuSpin next to [work] groups */
  g_assert_cmpstr (((KtstrWorkDef *)b->works->pdata[0])->label, ==, "pipes");
}

/* Cpusets and exact: affinities are resolved against the topology before
 * any boot, as the agent would: at load against the test's own topology,
 * and by ktstr_testdef_check_topology against another one.  The error
 * names the file's group and key and the topology. */
static void
test_topology_cpus (void)
{
  const int CPUS = KTSTR_TESTDEF_ERROR_CPUS;
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=exact:100\n", CPUS,
                     (const char *[]){ "[cgroup a] cpuset", "at topology 1n1l2c1t",
                                       "CPU 100 not online", "online: 0-1", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=llc:1\n", CPUS,
                     (const char *[]){ "[cgroup a] cpuset", "has 1 LLC (llc:0 to llc:0)", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=numa:1\n", CPUS,
                     (const char *[]){ "[cgroup a] cpuset", "no NUMA node 1", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=disjoint:0/3\n", CPUS,
                     (const char *[]){ "[cgroup a] cpuset", "2 usable CPUs cannot make 3", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=range:0-0.1\n", CPUS,
                     (const char *[]){ "[cgroup a] cpuset", "selects no CPU", NULL });
  assert_load_error (
      "[test]\nname=x\n[cgroup a]\nwork=CpuSpin\naffinity=exact:4-5\n", CPUS,
      (const char *[]){ "[cgroup a] affinity", "exact:4-5 names no online CPU", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[step 0]\nhold=frac:1\n"
                     "ops=SetCpuset a exact:0;SetAffinity a exact:2\n",
                     CPUS, (const char *[]){ "[step 0] ops", "'exact:2'", NULL });
  /* One online CPU in the list is enough, as in the guest. */
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def
      = load_str ("[test]\nname=x\ntopology=2n4l2c1t\nmax_numa_nodes=2\n"
                  "[cgroup a]\ncpuset=llc:3\n[cgroup b]\ncpuset=numa:1\n"
                  "[cgroup c]\ncpuset=exact:7\nwork=CpuSpin\naffinity=exact:1-20\n",
                  &error, NULL);
  g_assert_no_error (error);
  g_assert_true (ktstr_testdef_check_topology (def, "2n4l2c1t", &error));
  g_assert_no_error (error);
  /* 2 nodes of 2 LLCs: llc:3 exists, exact:7 too; at 1n4l1c1t neither
   * node 1 nor CPU 7 does. */
  g_assert_false (ktstr_testdef_check_topology (def, "1n4l1c1t", &error));
  g_assert_error (error, KTSTR_TESTDEF_ERROR, CPUS);
  g_assert_nonnull (strstr (error->message, "[cgroup b] cpuset: at topology 1n4l1c1t: "
                                            "cpuset 'numa:1': the guest has no NUMA node 1"));
  g_clear_error (&error);
  g_assert_false (ktstr_testdef_check_topology (def, "1n3l2c1t", &error));
  g_assert_nonnull (strstr (error->message, "'llc:3'"));
}

static void
test_constraints (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def
      = load_str ("[test]\nname=c\ntopology=1n2l2c2t\nmin_llcs=2\nmax_cpus=16\n"
                  "requires_smt=true\n[cgroup a]\n",
                  &error, NULL);
  g_assert_no_error (error);
  g_autoptr (GError) why = NULL;
  g_assert_true (ktstr_testdef_fits (def, "1n4l2c2t", &why));
  g_assert_no_error (why);
  static const char *const cases[][2] = {
    { "1n1l4c2t", "1n1l4c2t has 1 LLCs; test 'c' needs 2 to 64" },
    { "1n4l4c2t", "1n4l4c2t has 32 CPUs; test 'c' needs 1 to 16" },
    { "1n2l2c1t", "1n2l2c1t has no SMT; test 'c' requires SMT" },
    { "2n2l2c2t", "2n2l2c2t has 2 NUMA nodes; test 'c' needs 1 to 1" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_false (ktstr_testdef_fits (def, cases[i][0], &why));
      g_assert_error (why, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT);
      g_assert_cmpstr (why->message, ==, cases[i][1]);
      g_clear_error (&why);
    }
}

static void
test_format_errors (void)
{
  const int INV = KTSTR_TESTDEF_ERROR_INVALID, UNK = KTSTR_TESTDEF_ERROR_UNKNOWN;
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=range:0.5-0.2\n", INV,
                     (const char *[]){ "[cgroup a] cpuset", "expected range:A-B", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\ncpuset=overlap:3/2/0.1\n", INV,
                     (const char *[]){ "[cgroup a] cpuset", "overlap:I/N/F", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\npolicy=fifo\n", INV,
                     (const char *[]){ "[cgroup a] policy", "priority from 1 to 99", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nnice=30\n", INV,
                     (const char *[]){ "[cgroup a] nice", "-20 to 19", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\naffinity=most\n", INV,
                     (const char *[]){ "[cgroup a] affinity", "inherit, random", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nmempolicy=bind\n", INV,
                     (const char *[]){ "[cgroup a] mempolicy", "bind:NODES", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork=PipeIo\nworkers=3\n", INV,
                     (const char *[]){ "[cgroup a] workers", "groups of 2 workers", NULL });
  assert_load_error ("[test]\nname=x\nworkers=3\n[cgroup a]\nwork=PipeIo\n", INV,
                     (const char *[]){ "[cgroup a] workers", "3 workers is not a multiple", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nwork=Bursty\nwork.burst_ms=0\n", INV,
                     (const char *[]){ "[cgroup a] work.burst_ms", "from 1 to 60000", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work a/p]\nworkers=2\n", INV,
                     (const char *[]){ "[work a/p] type", "required", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work a/p]\ntype=PipeIo\nfan_out=2\n", UNK,
                     (const char *[]){ "[work a/p] fan_out", "unknown key", "burst_iters", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work b/p]\ntype=PipeIo\n", INV,
                     (const char *[]){ "[work b/p]", "no [cgroup b] group", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work a]\ntype=PipeIo\n", INV,
                     (const char *[]){ "[work a]", "CGROUP/LABEL", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\nworkers=2\n[work a/p]\ntype=PipeIo\n", INV,
                     (const char *[]){ "[cgroup a] workers", "has none", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[work a/p]\ntype=Warp\n", INV,
                     (const char *[]){ "[work a/p] type", "unknown work type 'Warp'", NULL });
  assert_load_error ("[test]\nname=x\nmin_llcs=4\nmax_llcs=2\n[cgroup a]\n", INV,
                     (const char *[]){ "[test] min_llcs", "above max_llcs 2", NULL });
  assert_load_error ("[test]\nname=x\nmin_cpus=8\nmax_cpus=2\n[cgroup a]\n", INV,
                     (const char *[]){ "[test] min_cpus", "8 is above max_cpus 2", NULL });
  assert_load_error ("[test]\nname=x\nmin_llcs=2\n[cgroup a]\n", INV,
                     (const char *[]){ "[test] topology", "has 1 LLCs", NULL });
  assert_load_error ("[test]\nname=x\nrequires_smt=maybe\n[cgroup a]\n", INV,
                     (const char *[]){ "[test] requires_smt", "true or false", NULL });
  assert_load_error ("[test]\nname=x\n[cgroup a]\n[checks]\nmax_gap_msec=3\n", INV,
                     (const char *[]){ "max_gap_msec", NULL });
}

static void
test_builtins_load (void)
{
  const char *top = g_getenv ("KTSTR_TOP_SRCDIR");
  g_autofree char *dir = g_build_filename (top ? top : ".", "data", "tests", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (dir, &error);
  g_assert_no_error (error);
  static const char *required[] = { "cpuset_split", "oversubscribed", "steady", "steady_mixed" };
  /* ktstr's categories, each with its scenarios (at least 30 built-in
   * tests in all). */
  g_assert_cmpuint (defs->len, >=, 30);
  static const char *const categories[] = { "basic",       "cpuset",      "stress",      "affinity",
                                            "sched_class", "interaction", "performance", "stall" };
  for (gsize c = 0; c < G_N_ELEMENTS (categories); c++)
    {
      g_autofree char *tag = g_strdup_printf ("# Category: %s.", categories[c]);
      guint n = 0;
      for (guint j = 0; j < defs->len; j++)
        {
          g_autofree char *text = NULL;
          g_assert_true (
              g_file_get_contents (((KtstrTestDef *)defs->pdata[j])->path, &text, NULL, NULL));
          n += strstr (text, tag) != NULL;
        }
      g_test_message ("%s: %u scenarios", categories[c], n);
      g_assert_cmpuint (n, >=, 2);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < defs->len; j++)
        {
          KtstrTestDef *d = defs->pdata[j];
          found |= g_str_equal (d->name, required[i]);
          g_assert_cmpstr (d->description, !=, "");
        }
      g_assert_true (found);
    }
}

/* A directory holding sched.ini (flags fast, slow, turbo requiring fast;
 * at least 2 CPUs) and the test file CONTENTS as t.ktstr. */
static char *
write_with_sched (const char *contents, char **dir_out)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-def-sched-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *sched = g_build_filename (dir, "sched.ini", NULL);
  g_assert_true (g_file_set_contents (sched,
                                      "[scheduler]\nname=quick\nbinary=/bin/true\n"
                                      "[constraints]\nmin_cpus=2\n"
                                      "[flag fast]\nargs=-f\n[flag slow]\n"
                                      "[flag turbo]\nrequires=fast\n[checks]\nmax_gap_ms=2500\n",
                                      -1, NULL));
  char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  *dir_out = g_steal_pointer (&dir);
  return path;
}

static void
remove_with_sched (const char *dir, const char *path)
{
  g_autofree char *sched = g_build_filename (dir, "sched.ini", NULL);
  g_unlink (sched);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_scheduler_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = write_with_sched (
      "[test]\nname=s\nscheduler=sched.ini\nflags=fast, turbo\nrequired_flags=fast\n"
      "excluded_flags=slow\n[cgroup a]\n",
      &dir);
  g_autoptr (KtstrTestDef) def = ktstr_testdef_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (def->scheduler);
  g_assert_cmpstr (def->scheduler->name, ==, "quick");
  /* Relative to the test file, not to the current directory. */
  g_autofree char *want = g_build_filename (dir, "sched.ini", NULL);
  g_assert_cmpstr (def->scheduler->path, ==, want);
  g_assert_cmpuint (g_strv_length (def->flags), ==, 2);
  g_assert_cmpstr (def->flags[0], ==, "fast");
  g_assert_cmpstr (def->flags[1], ==, "turbo");
  g_assert_cmpstrv (def->required_flags, ((const char *const[]){ "fast", NULL }));
  g_assert_cmpstrv (def->excluded_flags, ((const char *const[]){ "slow", NULL }));
  remove_with_sched (dir, path);

  /* Without the keys: no scheduler, no flags, empty lists. */
  g_autoptr (KtstrTestDef) plain = load_str ("[test]\nname=p\n[cgroup a]\n", &error, NULL);
  g_assert_no_error (error);
  g_assert_null (plain->scheduler);
  g_assert_null (plain->flags);
  g_assert_cmpuint (g_strv_length (plain->required_flags), ==, 0);
  g_assert_cmpuint (g_strv_length (plain->excluded_flags), ==, 0);

  /* required/excluded without scheduler=: they restrict whatever
   * --scheduler-file brings. */
  g_autoptr (KtstrTestDef) only
      = load_str ("[test]\nname=o\nrequired_flags=llc\n[cgroup a]\n", &error, NULL);
  g_assert_no_error (error);
  g_assert_cmpstrv (only->required_flags, ((const char *const[]){ "llc", NULL }));
}

static void
assert_sched_error (const char *contents, const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = write_with_sched (contents, &dir);
  g_autoptr (KtstrTestDef) def = ktstr_testdef_load (path, &error);
  remove_with_sched (dir, path);
  g_assert_null (def);
  g_assert_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
  for (const char *const *n = needles; *n; n++)
    if (strstr (error->message, *n) == NULL)
      g_error ("'%s' not in error '%s'", *n, error->message);
}

static void
test_scheduler_errors (void)
{
  assert_sched_error ("[test]\nname=s\nscheduler=nope.ini\n[cgroup a]\n",
                      (const char *[]){ "[test] scheduler:", "nope.ini", NULL });
  assert_sched_error ("[test]\nname=s\nscheduler=\n[cgroup a]\n",
                      (const char *[]){ "[test] scheduler:", "empty", NULL });
  assert_sched_error ("[test]\nname=s\nflags=fast\n[cgroup a]\n",
                      (const char *[]){ "[test] flags:", "names none", "scheduler=", NULL });
  assert_sched_error ("[test]\nname=s\nscheduler=sched.ini\nflags=warp\n[cgroup a]\n",
                      (const char *[]){ "[test] flags:", "no flag 'warp'", "quick", NULL });
  assert_sched_error ("[test]\nname=s\nscheduler=sched.ini\nrequired_flags=warp\n[cgroup a]\n",
                      (const char *[]){ "[test] required_flags:", "no flag 'warp'", NULL });
  assert_sched_error ("[test]\nname=s\nscheduler=sched.ini\nexcluded_flags=warp\n[cgroup a]\n",
                      (const char *[]){ "[test] excluded_flags:", "no flag 'warp'", NULL });
  assert_sched_error ("[test]\nname=s\nscheduler=sched.ini\nflags=turbo\n[cgroup a]\n",
                      (const char *[]){ "[test] flags:", "requires flag 'fast'", NULL });
  assert_sched_error (
      "[test]\nname=s\nscheduler=sched.ini\nflags=fast\nrequired_flags=slow\n[cgroup a]\n",
      (const char *[]){ "[test] flags:", "requires flag 'slow' (required_flags)", NULL });
  assert_sched_error (
      "[test]\nname=s\nscheduler=sched.ini\nflags=fast\nexcluded_flags=fast\n[cgroup a]\n",
      (const char *[]){ "[test] flags:", "excludes flag 'fast'", NULL });
  assert_sched_error ("[test]\nname=s\nrequired_flags=a\nexcluded_flags=a\n[cgroup a]\n",
                      (const char *[]){ "[test] excluded_flags:", "also in required_flags", NULL });
  assert_sched_error ("[test]\nname=s\nrequired_flags=a,a\n[cgroup a]\n",
                      (const char *[]){ "[test] required_flags:", "listed twice", NULL });
  assert_sched_error ("[test]\nname=s\nexcluded_flags=a,,b\n[cgroup a]\n",
                      (const char *[]){ "[test] excluded_flags:", "not a flag name", NULL });
  /* The test's own topology must suit its scheduler's constraints. */
  assert_sched_error ("[test]\nname=s\nscheduler=sched.ini\ntopology=1n1l1c1t\n[cgroup a]\n",
                      (const char *[]){ "[test] topology:", "scheduler 'quick' needs 2", NULL });
}

/* The cpuset check on its own: the plan grammar's verdict in the
 * workspec domain. */
static void
test_workspec_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_workspec_check_cpuset ("llc:0", &error));
  g_assert_false (ktstr_workspec_check_cpuset ("half", &error));
  g_assert_error (error, KTSTR_WORKSPEC_ERROR, KTSTR_WORKSPEC_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "invalid cpuset 'half'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/testdef/load-and-plan", test_load_valid_and_plan);
  g_test_add_func ("/testdef/errors", test_errors);
  g_test_add_func ("/testdef/performance-mode", test_perf_mode);
  g_test_add_func ("/testdef/nested", test_nested);
  g_test_add_func ("/testdef/works-and-options", test_works_and_options);
  g_test_add_func ("/testdef/constraints", test_constraints);
  g_test_add_func ("/testdef/topology-cpus", test_topology_cpus);
  g_test_add_func ("/testdef/format-errors", test_format_errors);
  g_test_add_func ("/testdef/builtins", test_builtins_load);
  g_test_add_func ("/testdef/scheduler/keys", test_scheduler_keys);
  g_test_add_func ("/testdef/scheduler/errors", test_scheduler_errors);
  g_test_add_func ("/testdef/workspec/errors", test_workspec_errors);
  return g_test_run ();
}
