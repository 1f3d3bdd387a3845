#include "config.h"

#include "guest-init/agent.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/plan.h"
#include "common/proto.h"
#include "common/topology.h"
#include "guest-init/builtin-sched.h"
#include "guest-init/cgroup.h"
#include "guest-init/exec.h"
#include "guest-init/gmon.h"
#include "guest-init/hostcmd.h"
#include "guest-init/poweroff.h"
#include "guest-init/report.h"
#include "guest-init/scenario.h"
#include "guest-init/scheduler.h"
#include "guest-init/shared.h"
#include "guest-init/steps.h"
#include "guest-init/topo.h"

static int
fail (KtstrCtrl *ctrl, const KtstrError *err)
{
  ktstr_diag ("%s", err->msg);
  ktstr_report_error (ctrl, err->msg);
  return 1;
}

/* The host fails the run on a topology mismatch; a log line here makes the
 * reason visible in the guest's own words too. */
static void
compare_topology (KtstrCtrl *ctrl, const KtstrPlan *plan, const KtstrTopo *topo)
{
  KtstrTopology want;
  if (plan->topology[0] == '\0' || ktstr_topology_parse (plan->topology, &want, NULL, 0) != 0)
    return;
  if (ktstr_topology_cpus (&want) != topo->n_cpus || want.llcs != topo->n_llcs
      || want.threads_per_core != topo->smt)
    ktstr_report_log (ctrl, "init",
                      "topology %s asks for %u CPUs, %u LLCs, %u threads per core; the guest "
                      "sees %u CPUs, %u LLCs%s, %u threads per core",
                      plan->topology, ktstr_topology_cpus (&want), want.llcs, want.threads_per_core,
                      topo->n_cpus, topo->n_llcs,
                      topo->has_cache_info ? "" : " (no cache info in sysfs)", topo->smt);
}

/* The scheduler under test, before any cgroup, worker or program: a
 * sched_ext program started and ready, then a kernel-built-in scheduler's
 * enable actions (where a sched_ext one would start).  0, or -1 with *err
 * set.  SCHED is static storage: the scheduler outlives this call. */
static int
schedulers_start (const KtstrPlan *plan, KtstrSchedSpec *sched, KtstrCtrl *ctrl,
                  const char *sysfs_root, const int *keep_out, KtstrError *err)
{
  if (plan->scheduler.is_set)
    {
      ktstr_guard_phase ("starting the scheduler");
      ktstr_sched_spec_init (sched, &plan->scheduler);
      if (ktstr_sched_start (sched, ctrl, sysfs_root, keep_out, 1) != 0)
        {
          ktstr_error_set (err, "the scheduler under test did not become ready (see its "
                                "\"sched\" event)");
          return -1;
        }
    }
  if (plan->n_builtin > 0)
    {
      ktstr_guard_phase ("enabling the built-in scheduler");
      if (ktstr_builtin_sched_apply (plan, false, ctrl, keep_out, 1, err) != 0)
        return -1;
    }
  return 0;
}

/* Stops what schedulers_start started, after the scenario or program whose
 * result is RC (its error in *err).  Returns RC, or -1 when a built-in
 * scheduler's disable actions failed: that error replaces a success, and
 * is logged beside an earlier failure, whose error comes first. */
static int
schedulers_stop (const KtstrPlan *plan, KtstrCtrl *ctrl, const int *keep_out, int rc,
                 KtstrError *err)
{
  if (plan->scheduler.is_set)
    {
      ktstr_guard_phase ("stopping the scheduler");
      ktstr_sched_stop (ctrl);
    }
  if (plan->n_builtin > 0)
    {
      ktstr_guard_phase ("disabling the built-in scheduler");
      KtstrError off_err;
      if (ktstr_builtin_sched_apply (plan, true, ctrl, keep_out, 1, &off_err) != 0)
        {
          if (rc == 0)
            *err = off_err;
          else
            ktstr_report_log (ctrl, "sched", "%s", off_err.msg);
          rc = -1;
        }
    }
  return rc;
}

/* ktstr run / ktstr shell: the topology for the host to check, the
 * scheduler under test if the plan names one, then the one program. */
static int
run_exec (KtstrCtrl *ctrl, const KtstrAgentOptions *o)
{
  static KtstrExecSpec spec;
  static KtstrTopo topo;
  KtstrError err = { "" };
  ktstr_guard_phase ("reading the exec spec");
  if (ktstr_exec_spec_load (o->exec_spec_path, &spec, &err) != 0)
    return fail (ctrl, &err);
  if (spec.guard_ms == 0)
    ktstr_guard_disarm ();
  else
    {
      uint64_t since = o->is_pid1 ? ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull : 0;
      ktstr_guard_arm_ms (spec.guard_ms > since ? spec.guard_ms - since : 0, spec.guard_ms);
    }
  ktstr_guard_phase ("reading the topology");
  if (ktstr_topo_read (o->sysfs_root, &topo, &err) != 0)
    return fail (ctrl, &err);
  ktstr_report_topo (ctrl, &topo);

  /* The scheduler under test (a sched_ext program, or a kernel-built-in
   * scheduler's enable and disable actions) comes as plan lines
   * (common/proto.h), in a plan that has nothing else to run; without a
   * plan there is none. */
  int keep_out[] = { ctrl->fd };
  static KtstrPlan plan;
  static KtstrSchedSpec sched;
  if (o->plan_path != NULL && access (o->plan_path, F_OK) == 0)
    {
      ktstr_guard_phase ("reading the plan");
      if (ktstr_plan_load (o->plan_path, &plan, &err) != 0)
        return fail (ctrl, &err);
    }
  if (schedulers_start (&plan, &sched, ctrl, o->sysfs_root, keep_out, &err) != 0)
    return fail (ctrl, &err);
  ktstr_guard_phase (spec.mode == KTSTR_EXEC_MODE_SHELL ? "running the shell"
                                                        : "running the command");
  int rc = ktstr_exec_run (&spec, ctrl, keep_out, 1, &err);
  if (rc != 0)
    ktstr_error_prefix (&err, "cannot run %s", spec.argv[0]);
  rc = schedulers_stop (&plan, ctrl, keep_out, rc, &err);
  if (rc != 0)
    return fail (ctrl, &err);
  return 0;
}

/* One plan from PLAN_PATH: plan, topo, the scheduler, the scenario, done
 * (or error).  In a shared boot (IN_SESSION) the guard counts from now and
 * the scenario's cgroups are removed at its end. */
static int
run_plan (KtstrCtrl *ctrl, const KtstrAgentOptions *o, const char *plan_path, bool in_session)
{
  static KtstrPlan plan;
  static KtstrTopo topo;
  KtstrError err = { "" };

  ktstr_guard_phase ("reading the plan");
  if (ktstr_plan_load (plan_path, &plan, &err) != 0)
    return fail (ctrl, &err);
  if (plan.guard_ms != 0)
    {
      /* As PID 1 the guard counts from boot, like the host's deadline
       * (which starts before the kernel does); otherwise, and for a test
       * of a shared boot (whose host deadline starts at its command),
       * from now. */
      uint64_t since = o->is_pid1 && !in_session ? ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull : 0;
      ktstr_guard_arm_ms (plan.guard_ms > since ? plan.guard_ms - since : 0, plan.guard_ms);
    }

  ktstr_guard_phase ("reading the topology");
  if (ktstr_topo_read (o->sysfs_root, &topo, &err) != 0)
    return fail (ctrl, &err);
  ktstr_report_topo (ctrl, &topo);
  compare_topology (ctrl, &plan, &topo);

  bool use_cgroups = o->want_cgroups;
  if (use_cgroups && !ktstr_cgroup_is_available (o->cgroup_root))
    {
      if (o->require_cgroups)
        {
          ktstr_error_set (&err,
                           "cgroup v2 is not mounted where %s would go; cannot set up "
                           "the scenario's cgroups",
                           o->cgroup_root);
          return fail (ctrl, &err);
        }
      ktstr_report_log (ctrl, "init",
                        "cgroup v2 not available at the parent of %s: running "
                        "without cgroups",
                        o->cgroup_root);
      use_cgroups = false;
    }
  if (use_cgroups && geteuid () != 0)
    {
      ktstr_report_log (ctrl, "init", "not root: running without cgroups");
      use_cgroups = false;
    }

  int keep_out[] = { ctrl->fd };
  /* The scheduler under test starts before any cgroup or worker exists. */
  static KtstrSchedSpec sched;
  if (schedulers_start (&plan, &sched, ctrl, o->sysfs_root, keep_out, &err) != 0)
    return fail (ctrl, &err);

  /* A scheduler that manages a cgroup subtree gets the scenario's cgroups
   * there: cgroup_parent replaces the agent's own root below the same
   * cgroup2 mount. */
  static char parent_root[512];
  const char *cgroup_root = o->cgroup_root;
  if (plan.cgroup_parent[0] != '\0')
    {
      const char *slash = strrchr (o->cgroup_root, '/');
      int mount_len = slash != NULL ? (int)(slash - o->cgroup_root) : 0;
      if (ktstr_path (parent_root, sizeof parent_root, "%.*s%s", mount_len, o->cgroup_root,
                      plan.cgroup_parent)
          != 0)
        {
          ktstr_error_set (&err, "cgroup_parent %s: the path is too long", plan.cgroup_parent);
          return fail (ctrl, &err);
        }
      cgroup_root = parent_root;
      ktstr_report_log (ctrl, "init", "cgroups under %s (cgroup_parent)", cgroup_root);
    }
  KtstrScenarioOptions so = {
    .use_cgroups = use_cgroups,
    .cgroup_root = cgroup_root,
    .remove_cgroups = !o->is_pid1 || in_session,
    .keep_out = keep_out,
    .n_keep_out = 1,
  };
  /* Steps, ops and payloads: guest-init/steps.c.  A plan without any
   * runs exactly as it always did. */
  int rc = plan.n_steps > 0 || plan.n_ops > 0 ? ktstr_steps_run (&plan, &topo, ctrl, &so, &err)
                                              : ktstr_scenario_run (&plan, &topo, ctrl, &so, &err);
  if (in_session)
    ktstr_gmon_stop (); /* the next test's monitor starts its own */
  else
    ktstr_hostcmd_stop ();
  rc = schedulers_stop (&plan, ctrl, keep_out, rc, &err);
  if (rc != 0)
    return fail (ctrl, &err);
  return 0;
}

/* A shared boot: the plans the host names, one by one, each followed by
 * the reset; ends at "session end", or after a test whose leftovers could
 * not be cleared (the host boots a fresh VM for the rest). */
static int
run_session (KtstrCtrl *ctrl, const KtstrAgentOptions *o)
{
  KtstrError err = { "" };
  unsigned n_plans;
  if (ktstr_shared_load (KTSTR_SESSION_PATH, &n_plans, &err) != 0)
    return fail (ctrl, &err);
  int rc = 0;
  for (;;)
    {
      /* Waiting for the host bounds nothing but a host that went away. */
      ktstr_guard_phase ("waiting for the host's next test");
      ktstr_guard_arm_ms (KTSTR_GUARD_DEFAULT_MS, KTSTR_GUARD_DEFAULT_MS);
      int k = ktstr_shared_wait (n_plans);
      if (k < 0)
        break;
      char plan_path[256], reset[512];
      ktstr_path (plan_path, sizeof plan_path, "%s.%d", KTSTR_PLAN_PATH, k);
      ktstr_shared_kmsg (KTSTR_SESSION_KMSG_BEGIN, (unsigned)k);
      ktstr_report_test_begin (ctrl, (unsigned)k);
      rc = run_plan (ctrl, o, plan_path, true);
      ktstr_guard_phase ("resetting after a test");
      int reset_rc = ktstr_shared_reset ("/proc", o->cgroup_root, reset, sizeof reset);
      ktstr_shared_kmsg (KTSTR_SESSION_KMSG_END, (unsigned)k);
      ktstr_report_test_end (ctrl, (unsigned)k, rc, reset);
      if (reset_rc != 0)
        break;
    }
  ktstr_hostcmd_stop ();
  return rc;
}

int
ktstr_agent_run (KtstrCtrl *ctrl, const KtstrAgentOptions *o)
{
  struct utsname u;

  if (uname (&u) != 0)
    snprintf (u.release, sizeof u.release, "unknown");
  ktstr_report_hello (ctrl, ktstr_clock_ns (CLOCK_BOOTTIME) / 1000000ull, u.release);
  /* The host monitor answers hello with a command (its own sampler, or
   * "monitor start" for ours); in a VM only. */
  if (o->is_pid1)
    {
      long n = sysconf (_SC_NPROCESSORS_CONF);
      ktstr_hostcmd_start (ctrl, n > 0 ? (unsigned)n : 1);
    }
  if (o->startup_note != NULL)
    ktstr_report_log (ctrl, "init", "%s", o->startup_note);
  if (o->mount_warnings != NULL)
    for (unsigned i = 0; i < o->mount_warnings->n; i++)
      ktstr_report_log (ctrl, "init", "%s", o->mount_warnings->msg[i]);
  if (o->is_pid1 && !o->has_cmdline_mark)
    ktstr_report_log (ctrl, "init", "kernel command line lacks '%s'; running the plan anyway",
                      KTSTR_CMDLINE_MARK);

  if (o->exec_spec_path != NULL && access (o->exec_spec_path, F_OK) == 0)
    return run_exec (ctrl, o);
  if (o->is_pid1 && access (KTSTR_SESSION_PATH, F_OK) == 0)
    return run_session (ctrl, o);
  return run_plan (ctrl, o, o->plan_path, false);
}
