/* The plan grammar (common/plan.c), as the guest agent runs it: the
 * format of common/proto.h, and an error naming the line for every
 * mistake. */
#include <glib.h>
#include <glib/gstdio.h>

#include "common/plan.h"

static void
test_parse_full (void)
{
  static const char text[] = "ktstr-plan 1\n"
                             "# a comment\n"
                             "\n"
                             "test steady\n"
                             "topology 1n2l2c1t\n"
                             "duration_ms 3000\n"
                             "settle_ms 250\n"
                             "guard_ms 60000\n"
                             "workers 3\n"
                             "cgroup cg_0 cpuset=disjoint:0/2\n"
                             "cgroup cg_1 cpuset=exact:1-2,3\n"
                             "cgroup cg_2 cpuset=llc:1\n"
                             "cgroup cg_3\n"
                             "work cg_0 CpuSpin workers=2\n"
                             "work cg_1 Bursty burst_ms=20 sleep_ms=0\n"
                             "work cg_2 IoSync\n";
  KtstrPlan plan;
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse (text, &plan, &err), ==, 0);
  g_assert_cmpstr (err.msg, ==, "");
  g_assert_cmpstr (plan.test, ==, "steady");
  g_assert_cmpstr (plan.topology, ==, "1n2l2c1t");
  g_assert_cmpuint (plan.duration_ms, ==, 3000);
  g_assert_cmpuint (plan.settle_ms, ==, 250);
  g_assert_cmpuint (plan.guard_ms, ==, 60000);
  g_assert_cmpuint (plan.workers, ==, 3);

  g_assert_cmpuint (plan.n_cgroups, ==, 4);
  g_assert_cmpstr (plan.cgroups[0].name, ==, "cg_0");
  g_assert_cmpint (plan.cgroups[0].cpuset.kind, ==, KTSTR_CPUSET_DISJOINT);
  g_assert_cmpuint (plan.cgroups[0].cpuset.index, ==, 0);
  g_assert_cmpuint (plan.cgroups[0].cpuset.count, ==, 2);
  g_assert_cmpuint (plan.cgroups[0].line, ==, 10);
  g_assert_cmpint (plan.cgroups[1].cpuset.kind, ==, KTSTR_CPUSET_EXACT);
  char list[64];
  g_assert_cmpstr (ktstr_cpuset_format (&plan.cgroups[1].cpuset.cpus, list, sizeof list), ==,
                   "1-3");
  g_assert_cmpint (plan.cgroups[2].cpuset.kind, ==, KTSTR_CPUSET_LLC);
  g_assert_cmpuint (plan.cgroups[2].cpuset.index, ==, 1);
  g_assert_cmpint (plan.cgroups[3].cpuset.kind, ==, KTSTR_CPUSET_ALL);

  g_assert_cmpuint (plan.n_works, ==, 3);
  g_assert_cmpstr (plan.works[0].type->name, ==, "CpuSpin");
  g_assert_cmpuint (plan.works[0].workers, ==, 2);
  g_assert_cmpuint (plan.works[0].cgroup, ==, 0);
  g_assert_cmpstr (plan.works[1].type->name, ==, "Bursty");
  g_assert_cmpuint (plan.works[1].workers, ==, 3); /* the plan's default */
  g_assert_cmpuint (plan.works[1].params[0], ==, 20);
  g_assert_cmpuint (plan.works[1].params[1], ==, 0);
  g_assert_cmpuint (plan.works[1].line, ==, 15);
  g_assert_cmpuint (plan.works[2].cgroup, ==, 2);
  g_assert_cmpuint (plan.total_workers, ==, 8);
}

static void
test_parse_defaults (void)
{
  /* No optional directive; `workers` after the work line still applies. */
  static const char text[] = "ktstr-plan 1\n"
                             "cgroup a\n"
                             "work a Bursty\n"
                             "work a Mixed workers=1\n"
                             "workers 4\r\n";
  KtstrPlan plan;
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse (text, &plan, &err), ==, 0);
  g_assert_cmpuint (plan.duration_ms, ==, KTSTR_PLAN_DEFAULT_DURATION_MS);
  g_assert_cmpuint (plan.settle_ms, ==, KTSTR_PLAN_DEFAULT_SETTLE_MS);
  g_assert_cmpuint (plan.guard_ms, ==, 0);
  g_assert_cmpstr (plan.topology, ==, "");
  g_assert_cmpuint (plan.works[0].workers, ==, 4);
  g_assert_cmpuint (plan.works[0].params[0], ==, 50); /* Bursty burst_ms default */
  g_assert_cmpuint (plan.works[0].params[1], ==, 100);
  g_assert_cmpuint (plan.works[1].workers, ==, 1);
  g_assert_cmpuint (plan.total_workers, ==, 5);
}

/* Nested cgroups: each knows its parent, which comes earlier in the plan
 * (so creation in plan order makes parents first and teardown in reverse
 * order removes leaves first), and parents hold no work. */
static void
test_parse_nested (void)
{
  static const char text[] = "ktstr-plan 1\n"
                             "cgroup outer cpuset=exact:0-3\n"
                             "cgroup outer/a cpuset=exact:0-1\n"
                             "cgroup outer/b\n"
                             "cgroup x\n"
                             "cgroup x/y\n"
                             "cgroup x/y/Z_9-z\n"
                             "work outer/a CpuSpin\n"
                             "work outer/b CpuSpin\n"
                             "work x/y/Z_9-z YieldHeavy\n"
                             "step frac:1\n"
                             "op MoveAllTasks outer/a x/y/Z_9-z\n"
                             "op SetCpuset outer/b exact:2\n";
  KtstrPlan plan;
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse (text, &plan, &err), ==, 0);
  g_assert_cmpstr (err.msg, ==, "");
  g_assert_cmpuint (plan.n_cgroups, ==, 6);
  static const int parents[] = { -1, 0, 0, -1, 3, 4 };
  static const bool has_children[] = { true, false, false, true, true, false };
  for (unsigned i = 0; i < plan.n_cgroups; i++)
    {
      g_assert_cmpint (plan.cgroups[i].parent, ==, parents[i]);
      g_assert_cmpint (plan.cgroups[i].has_children, ==, has_children[i]);
      g_assert_cmpint (plan.cgroups[i].parent, <, (int)i);
    }
  g_assert_cmpstr (plan.cgroups[5].name, ==, "x/y/Z_9-z");
  g_assert_cmpuint (plan.works[2].cgroup, ==, 5);
  g_assert_cmpuint (plan.n_ops, ==, 2);
  g_assert_cmpuint (plan.ops[0].a, ==, 1);
  g_assert_cmpuint (plan.ops[0].b, ==, 5);

  g_assert_true (ktstr_plan_is_valid_cgroup_path ("a/b"));
  g_assert_false (ktstr_plan_is_valid_cgroup_path ("a/../b"));
  g_assert_false (ktstr_plan_is_valid_cgroup_path ("a/.b"));
  g_assert_false (ktstr_plan_is_valid_cgroup_path ("a b/c"));
}

/* Topology-relative cpusets are checked once resolved: a child must lie
 * within its parent (empty: all CPUs, i.e. inherit). */
static void
test_check_nested (void)
{
  static const char text[] = "ktstr-plan 1\n"
                             "cgroup p cpuset=disjoint:0/2\n"
                             "cgroup p/in cpuset=range:0-0.5\n"
                             "cgroup p/all\n"
                             "work p/in CpuSpin\n"
                             "work p/all CpuSpin\n";
  KtstrPlan plan;
  KtstrPlanError parse_err;
  g_assert_cmpint (ktstr_plan_parse (text, &plan, &parse_err), ==, 0);
  KtstrCpuSet cpus[3];
  KtstrError perr = { "" }, err = { "" };
  g_assert_cmpint (ktstr_cpuset_parse ("0-1", &cpus[0], &perr), ==, 0);
  g_assert_cmpint (ktstr_cpuset_parse ("1", &cpus[1], &perr), ==, 0);
  ktstr_cpuset_zero (&cpus[2]);
  g_assert_cmpint (ktstr_plan_check_nested (&plan, cpus, &err), ==, 0);

  g_assert_cmpint (ktstr_cpuset_parse ("1-2", &cpus[1], &perr), ==, 0);
  g_assert_cmpint (ktstr_plan_check_nested (&plan, cpus, &err), ==, -1);
  g_assert_cmpstr (err.msg, ==,
                   "cgroup 'p/in' (plan line 3): cpuset range:0-0.5 (CPUs 1-2) is not within "
                   "its parent 'p' (cpuset disjoint:0/2, CPUs 0-1); a child's CPUs must be a "
                   "subset of its parent's");

  /* A parent with all CPUs bounds nothing. */
  ktstr_cpuset_zero (&cpus[0]);
  g_assert_cmpint (ktstr_plan_check_nested (&plan, cpus, &err), ==, 0);
}

typedef struct
{
  const char *text;
  const char *message; /* expected prefix of the error */
} BadPlan;

static const BadPlan bad_plans[] = {
  { "", "plan line 1: not a ktstr plan: the first line must be 'ktstr-plan 1', got ''" },
  { "ktstr-plan 2\n", "plan line 1: unsupported plan version '2'" },
  { "# comment\nktstr-plan 1\n", "plan line 1: not a ktstr plan" },
  { "ktstr-plan 1\ntest a\nfrobnicate 3\n", "plan line 3: unknown directive 'frobnicate'" },
  { "ktstr-plan 1\ncgroup a\nwork a SpinCpu\n",
    "plan line 3: unknown work type 'SpinCpu' (known: CpuSpin, YieldHeavy, Mixed, IoSync, Bursty" },
  { "ktstr-plan 1\ncgroup a cpuset=disjoint:2/2\n",
    "plan line 2: cgroup 'a': invalid cpuset 'disjoint:2/2': slice 2 does not exist" },
  { "ktstr-plan 1\ncgroup a cpuset=disjoint:1\n",
    "plan line 2: cgroup 'a': invalid cpuset 'disjoint:1': expected disjoint:I/N" },
  { "ktstr-plan 1\ncgroup a cpuset=disjoint:0/0\n", "plan line 2: cgroup 'a': invalid cpuset" },
  { "ktstr-plan 1\ncgroup a cpuset=exact:\n",
    "plan line 2: cgroup 'a': invalid cpuset 'exact:': exact: needs at least one CPU" },
  { "ktstr-plan 1\ncgroup a cpuset=exact:3-1\n",
    "plan line 2: cgroup 'a': invalid cpuset 'exact:3-1': invalid CPU list '3-1'" },
  { "ktstr-plan 1\ncgroup a cpuset=exact:0,,1\n", "plan line 2: cgroup 'a': invalid cpuset" },
  { "ktstr-plan 1\ncgroup a cpuset=llc:x\n",
    "plan line 2: cgroup 'a': invalid cpuset 'llc:x': expected llc:I" },
  { "ktstr-plan 1\ncgroup a cpuset=half\n",
    "plan line 2: cgroup 'a': invalid cpuset 'half' (expected all, exact:LIST, llc:I, numa:N, "
    "range:A-B, disjoint:I/N or overlap:I/N/F)" },
  { "ktstr-plan 1\ncgroup a weight=5\n", "plan line 2: unknown cgroup option 'weight=5'" },
  { "ktstr-plan 1\ncgroup a/b\n",
    "plan line 2: cgroup 'a/b': its parent 'a' needs an earlier cgroup line" },
  { "ktstr-plan 1\ncgroup a\ncgroup a/b.c\n", "plan line 3: invalid nested cgroup name 'a/b.c'" },
  { "ktstr-plan 1\ncgroup a\ncgroup a//b\n", "plan line 3: invalid nested cgroup name 'a//b'" },
  { "ktstr-plan 1\ncgroup a\ncgroup a/\n", "plan line 3: invalid nested cgroup name 'a/'" },
  { "ktstr-plan 1\ncgroup /a\n", "plan line 2: invalid nested cgroup name '/a'" },
  { "ktstr-plan 1\ncgroup a\n"
    "cgroup a/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "plan line 3: invalid nested cgroup name 'a/xxxxx" },
  { "ktstr-plan 1\ncgroup a\ncgroup a/b\nwork a CpuSpin\nwork a/b CpuSpin\n",
    "plan line 4: cgroup 'a' has child cgroups, so it cannot hold workers (cgroup v2 lets only "
    "leaves hold tasks: put this work in a child such as 'a/b')" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin\ncgroup a/b\nwork a/b CpuSpin\n",
    "plan line 3: cgroup 'a' has child cgroups, so it cannot hold workers" },
  { "ktstr-plan 1\ncgroup a cpuset=exact:0-1\ncgroup a/b cpuset=exact:1-2\n",
    "plan line 3: cgroup 'a/b': cpuset exact:1-2 is not within its parent 'a' (cpuset "
    "exact:0-1); a child's CPUs must be a subset of its parent's" },
  { "ktstr-plan 1\ncgroup a\ncgroup a/b\ncgroup c\nwork a/b CpuSpin\nwork c CpuSpin\n"
    "step frac:1\nop MoveAllTasks c a\n",
    "plan line 8: MoveAllTasks: cgroup 'a' has child cgroups, so it cannot take tasks" },
  { "ktstr-plan 1\nstep frac:1\ncgroup a\nop AddCgroup a/b\n",
    "plan line 4: AddCgroup: the parent of 'a/b', 'a', is made by step 0's setup" },
  { "ktstr-plan 1\nstep frac:1\ncgroup a\nstep frac:1\ncgroup a/b\n",
    "plan line 5: cgroup 'a/b': its parent 'a' belongs to step 0; a parent must be in the "
    "backdrop or the child's own step" },
  { "ktstr-plan 1\ncgroup ..\n", "plan line 2: invalid cgroup name '..'" },
  { "ktstr-plan 1\ncgroup a\ncgroup a\n",
    "plan line 3: duplicate cgroup 'a' (first defined on line 2)" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin workers=0\n",
    "plan line 3: workers=0: a work line needs at least 1 worker" },
  { "ktstr-plan 1\nworkers 0\n", "plan line 2: workers 0: each cgroup needs at least 1 worker" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin workers=x\n", "plan line 3: workers=x: expected" },
  { "ktstr-plan 1\nwork b CpuSpin\n",
    "plan line 2: work refers to cgroup 'b', which no earlier 'cgroup' line defines" },
  { "ktstr-plan 1\ncgroup a\nwork a\n", "plan line 3: expected 'work CGROUP TYPE" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty foo=1\n",
    "plan line 3: work type Bursty has no parameter 'foo' (it takes: burst_ms, sleep_ms; every "
    "work takes workers, policy, nice, affinity, mempolicy, mpol_flags)" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin burst_ms=1\n",
    "plan line 3: work type CpuSpin has no parameter 'burst_ms' (it takes no parameters; "
    "every work takes workers, policy, nice, affinity, mempolicy, mpol_flags)" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty burst_ms=0\n",
    "plan line 3: Bursty burst_ms=0: expected a whole number from 1 to 60000" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty sleep_ms=1 sleep_ms=2\n",
    "plan line 3: duplicate sleep_ms=" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty 7\n",
    "plan line 3: '7': work options are key=value words" },
  { "ktstr-plan 1\nduration_ms abc\n",
    "plan line 2: duration_ms: 'abc' is not a whole number from 1 to 3600000" },
  { "ktstr-plan 1\nduration_ms -5\n", "plan line 2: duration_ms: '-5' is not a whole number" },
  { "ktstr-plan 1\nduration_ms\n", "plan line 2: 'duration_ms' takes exactly one number" },
  { "ktstr-plan 1\nduration_ms 1\nduration_ms 2\n",
    "plan line 3: duplicate 'duration_ms' (first given on line 2)" },
  { "ktstr-plan 1\nsettle_ms 18446744073709551616\n", "plan line 2: settle_ms: '1844" },
  { "ktstr-plan 1\nguard_ms 1000\nduration_ms 900\nsettle_ms 100\n",
    "plan line 2: guard_ms 1000 leaves no time for settle_ms 100 + duration_ms 900" },
  { "ktstr-plan 1\ntopology 2n3l2c1t\n", "plan line 2: invalid topology '2n3l2c1t'" },
  { "ktstr-plan 1\ntest a b\n", "plan line 2: expected 'test NAME'" },
  { "ktstr-plan 1\nscheduler bin/x\n",
    "plan line 2: scheduler: 'bin/x' is not an absolute path under 256 characters" },
  { "ktstr-plan 1\nscheduler\n",
    "plan line 2: expected 'scheduler PATH [ready_ms=MS] [stop_ms=MS]'" },
  { "ktstr-plan 1\nscheduler /x\nscheduler /y\n",
    "plan line 3: duplicate 'scheduler' (first given on line 2)" },
  { "ktstr-plan 1\nscheduler /x ready_ms=0\n",
    "plan line 2: scheduler: ready_ms=0: expected a whole number of milliseconds from 1 to "
    "3600000" },
  { "ktstr-plan 1\nscheduler /x stop_ms=1 stop_ms=2\n",
    "plan line 2: scheduler: duplicate stop_ms=" },
  { "ktstr-plan 1\nscheduler /x warm=1\n",
    "plan line 2: scheduler: unknown option 'warm' (expected ready_ms=MS or stop_ms=MS)" },
  { "ktstr-plan 1\nscheduler_arg -v\n", "plan line 2: scheduler_arg: no scheduler line before" },
  { "ktstr-plan 1\nscheduler /x\nscheduler_env NOEQUALS\n",
    "plan line 3: expected 'scheduler_env KEY=VALUE'" },
  { "ktstr-plan 1\nscheduler_env A=1\n", "plan line 2: scheduler_env: no scheduler line before" },
  { "ktstr-plan 1\nscheduler_tracer /t\n",
    "plan line 2: scheduler_tracer: no scheduler line before" },
  { "ktstr-plan 1\nscheduler /x\nscheduler_tracer\n",
    "plan line 3: expected 'scheduler_tracer PATH [ARG...]'" },
  { "ktstr-plan 1\nscheduler /x\nscheduler_tracer t\n",
    "plan line 3: scheduler_tracer: 't' is not an absolute path under 256 characters" },
  { "ktstr-plan 1\nscheduler /x\nscheduler_tracer /t\nscheduler_tracer /t\n",
    "plan line 4: duplicate 'scheduler_tracer'" },
  { "ktstr-plan 1\nscheduler /x\nscheduler_tracer /t 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
    "plan line 3: scheduler_tracer: at most 16 arguments" },
};

static void
test_parse_errors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_plans); i++)
    {
      KtstrPlan plan;
      KtstrPlanError perr;
      KtstrError err;
      g_test_message ("plan %" G_GSIZE_FORMAT ": %s", i, bad_plans[i].text);
      g_assert_cmpint (ktstr_plan_parse (bad_plans[i].text, &plan, &perr), ==, -1);
      ktstr_plan_error_text (&perr, &err);
      if (!g_str_has_prefix (err.msg, bad_plans[i].message))
        g_error ("plan %" G_GSIZE_FORMAT ": got '%s', expected it to start with '%s'", i, err.msg,
                 bad_plans[i].message);
    }
}

/* Every refusal says where it is as parts: the line, that line's
 * directive and the field at fault, which the host maps back to a test
 * file's group and key.  One case per kind of field. */
static const struct
{
  const char *text;
  unsigned line;
  const char *directive, *field;
} fields[] = {
  { "", 1, "", "" },
  { "ktstr-plan 1\nfrobnicate 3\n", 2, "frobnicate", "" },
  { "ktstr-plan 1\nduration_ms x\n", 2, "duration_ms", "" },
  { "ktstr-plan 1\ncgroup ..\n", 2, "cgroup", "name" },
  { "ktstr-plan 1\ncgroup a cpuset=half\n", 2, "cgroup", "cpuset" },
  { "ktstr-plan 1\ncgroup a weight=5\n", 2, "cgroup", "weight" },
  { "ktstr-plan 1\ncgroup a/b\n", 2, "cgroup", "name" },
  { "ktstr-plan 1\ncgroup a cpuset=exact:0\ncgroup a/b cpuset=exact:1\n", 3, "cgroup", "cpuset" },
  { "ktstr-plan 1\nwork b CpuSpin\n", 2, "work", "cgroup" },
  { "ktstr-plan 1\ncgroup a\nwork a Spin\n", 3, "work", "type" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin workers=0\n", 3, "work", "workers" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty burst_ms=0\n", 3, "work", "burst_ms" },
  { "ktstr-plan 1\ncgroup a\nwork a Bursty spin=1\n", 3, "work", "spin" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin nice=99\n", 3, "work", "nice" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin 7\n", 3, "work", "" },
  /* Whole-plan checks blame the line at fault, not the last one. */
  { "ktstr-plan 1\ncgroup a\nwork a PipeIo workers=3\ntest t\n", 3, "work", "workers" },
  { "ktstr-plan 1\ncgroup a\nwork a CpuSpin\ncgroup a/b\n", 3, "work", "cgroup" },
  { "ktstr-plan 1\nstep half\n", 2, "step", "hold" },
  { "ktstr-plan 1\nstep loop:10\nstep fixed:1\n", 2, "step", "hold" },
  { "ktstr-plan 1\nop\n", 2, "op", "" },
  { "ktstr-plan 1\nop Jump x\n", 2, "op", "kind" },
  { "ktstr-plan 1\nop StopCgroup x\n", 2, "op", "cgroup" },
  { "ktstr-plan 1\ncgroup a\nop SetCpuset a bogus\n", 3, "op", "cpuset" },
  { "ktstr-plan 1\ncgroup a\nop Spawn a Bursty burst_ms=0\n", 3, "op", "burst_ms" },
  { "ktstr-plan 1\nop WaitPayload p\n", 2, "op", "payload" },
  { "ktstr-plan 1\ncgroup a\nstep loop:5\nop StopCgroup a\n", 4, "op", "kind" },
  { "ktstr-plan 1\npayload p bin\n", 2, "payload", "path" },
  { "ktstr-plan 1\npayload p /bin output=xml\n", 2, "payload", "output" },
  { "ktstr-plan 1\npayload_arg q x\n", 2, "payload_arg", "name" },
  { "ktstr-plan 1\npayload p /bin\npayload_env p A=1\npayload_env p B=2\n", 4, "payload_env",
    "env" },
  { "ktstr-plan 1\nguard_ms 10\nduration_ms 100\n", 2, "guard_ms", "" },
  { "ktstr-plan 1\nscheduler x\n", 2, "scheduler", "path" },
  { "ktstr-plan 1\nscheduler /x ready_ms=x\n", 2, "scheduler", "ready_ms" },
  { "ktstr-plan 1\nscheduler_arg x\n", 2, "scheduler_arg", "" },
};

static void
test_error_fields (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
      KtstrPlanError err;
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, fields[i].text);
      g_assert_cmpint (ktstr_plan_parse (fields[i].text, plan, &err), ==, -1);
      g_test_message ("-> line %u '%s' '%s': %s", err.line, err.directive, err.field, err.msg);
      g_assert_cmpuint (err.line, ==, fields[i].line);
      g_assert_cmpstr (err.directive, ==, fields[i].directive);
      g_assert_cmpstr (err.field, ==, fields[i].field);
      g_assert_cmpstr (err.msg, !=, "");
    }
}

/* The scheduler under test: its lines in any order after the scheduler
 * line, arguments the rest of their line as written. */
static void
test_scheduler (void)
{
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\ncgroup a\n"
                                     "scheduler /ktstr/sched/scx_simple ready_ms=15000 stop_ms=20\n"
                                     "scheduler_arg -s\n"
                                     "scheduler_env LD_LIBRARY_PATH=/ktstr/lib\n"
                                     "scheduler_arg  two  spaces \n"
                                     "scheduler_arg\n"
                                     "work a CpuSpin\n",
                                     plan, &err),
                   ==, 0);
  const KtstrPlanScheduler *sc = &plan->scheduler;
  g_assert_true (sc->is_set);
  g_assert_cmpstr (sc->binary, ==, "/ktstr/sched/scx_simple");
  g_assert_cmpuint (sc->ready_ms, ==, 15000);
  g_assert_cmpuint (sc->stop_ms, ==, 20);
  g_assert_cmpuint (sc->line, ==, 3);
  g_assert_cmpuint (sc->n_args, ==, 3);
  g_assert_cmpstr (ktstr_plan_sched_arg (sc, 0), ==, "-s");
  g_assert_cmpstr (ktstr_plan_sched_arg (sc, 1), ==, " two  spaces ");
  g_assert_cmpstr (ktstr_plan_sched_arg (sc, 2), ==, "");
  g_assert_cmpuint (sc->n_env, ==, 1);
  g_assert_cmpstr (ktstr_plan_sched_env (sc, 0), ==, "LD_LIBRARY_PATH=/ktstr/lib");
  g_assert_false (sc->has_tracer);

  /* The tracer: a path and single-word arguments, after the scheduler. */
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\nscheduler /s\n"
                                     "scheduler_tracer /ktstr/bin/t --trigger=f --kprobes=a,b\n",
                                     plan, &err),
                   ==, 0);
  g_assert_true (plan->scheduler.has_tracer);
  g_assert_cmpstr (ktstr_plan_sched_tracer (&plan->scheduler), ==, "/ktstr/bin/t");
  g_assert_cmpuint (plan->scheduler.n_tracer_args, ==, 2);
  g_assert_cmpstr (ktstr_plan_sched_tracer_arg (&plan->scheduler, 0), ==, "--trigger=f");
  g_assert_cmpstr (ktstr_plan_sched_tracer_arg (&plan->scheduler, 1), ==, "--kprobes=a,b");

  /* Defaults; and no scheduler line, no scheduler. */
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\nscheduler /s\n", plan, &err), ==, 0);
  g_assert_cmpuint (plan->scheduler.ready_ms, ==, KTSTR_PLAN_SCHED_DEFAULT_READY_MS);
  g_assert_cmpuint (plan->scheduler.stop_ms, ==, KTSTR_PLAN_SCHED_DEFAULT_STOP_MS);
  g_assert_cmpuint (plan->scheduler.n_args, ==, 0);
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\n", plan, &err), ==, 0);
  g_assert_false (plan->scheduler.is_set);

  /* At most KTSTR_PLAN_SCHED_MAX_ARGS arguments. */
  g_autoptr (GString) many = g_string_new ("ktstr-plan 1\nscheduler /s\n");
  for (int i = 0; i <= KTSTR_PLAN_SCHED_MAX_ARGS; i++)
    g_string_append_printf (many, "scheduler_arg %d\n", i);
  g_assert_cmpint (ktstr_plan_parse (many->str, plan, &err), ==, -1);
  g_assert_cmpuint (err.line, ==, 3 + KTSTR_PLAN_SCHED_MAX_ARGS);
  g_assert_cmpstr (err.field, ==, "arg");
}

/* payload_arg, like scheduler_arg, takes the rest of its line as written,
 * blanks at its end included. */
static void
test_payload_arg_verbatim (void)
{
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse ("ktstr-plan 1\npayload p /bin/p\npayload_arg p a  b \r\n"
                                     "payload_arg p \n",
                                     plan, &err),
                   ==, 0);
  g_assert_cmpuint (plan->payloads[0].n_args, ==, 2);
  g_assert_cmpstr (plan->payloads[0].args[0], ==, "a  b ");
  g_assert_cmpstr (plan->payloads[0].args[1], ==, "");
}

static void
test_too_many_workers (void)
{
  g_autoptr (GString) text = g_string_new ("ktstr-plan 1\ncgroup a\n");
  for (int i = 0; i < 3; i++)
    g_string_append (text, "work a CpuSpin workers=200\n");
  KtstrPlan plan;
  KtstrPlanError err;
  g_assert_cmpint (ktstr_plan_parse (text->str, &plan, &err), ==, -1);
  g_assert_cmpuint (err.line, ==, 5);
  g_assert_cmpstr (err.field, ==, "workers");
  g_assert_cmpstr (err.msg, ==, "too many workers in total (at most 512)");
}

static void
test_long_line (void)
{
  g_autoptr (GString) text = g_string_new ("ktstr-plan 1\ntest ");
  for (int i = 0; i < 5000; i++)
    g_string_append_c (text, 'x');
  KtstrPlan plan;
  KtstrPlanError perr;
  KtstrError err;
  g_assert_cmpint (ktstr_plan_parse (text->str, &plan, &perr), ==, -1);
  ktstr_plan_error_text (&perr, &err);
  g_assert_cmpstr (err.msg, ==, "plan line 2: line too long (at most 4095 characters)");
}

static void
test_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-plan-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "plan", NULL);
  KtstrPlan plan;
  KtstrError err;

  g_assert_cmpint (ktstr_plan_load (path, &plan, &err), ==, -1);
  g_autofree char *want
      = g_strdup_printf ("plan '%s' cannot be opened: No such file or directory", path);
  g_assert_cmpstr (err.msg, ==, want);

  g_file_set_contents (path, "ktstr-plan 1\nbogus\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ktstr_plan_load (path, &plan, &err), ==, -1);
  g_autofree char *want2 = g_strdup_printf ("plan '%s': plan line 2: unknown directive", path);
  g_assert_true (g_str_has_prefix (err.msg, want2));

  g_file_set_contents (path, "ktstr-plan 1\ncgroup a\nwork a CpuSpin\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ktstr_plan_load (path, &plan, &err), ==, 0);
  g_assert_cmpuint (plan.total_workers, ==, 2);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/parse/full", test_parse_full);
  g_test_add_func ("/plan/parse/defaults", test_parse_defaults);
  g_test_add_func ("/plan/parse/errors", test_parse_errors);
  g_test_add_func ("/plan/parse/nested", test_parse_nested);
  g_test_add_func ("/plan/parse/error-fields", test_error_fields);
  g_test_add_func ("/plan/parse/scheduler", test_scheduler);
  g_test_add_func ("/plan/parse/payload-arg-verbatim", test_payload_arg_verbatim);
  g_test_add_func ("/plan/check-nested", test_check_nested);
  g_test_add_func ("/plan/parse/too-many-workers", test_too_many_workers);
  g_test_add_func ("/plan/parse/long-line", test_long_line);
  g_test_add_func ("/plan/load", test_load);
  return g_test_run ();
}
