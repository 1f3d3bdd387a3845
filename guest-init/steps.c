#include "config.h"

#include "guest-init/steps.h"

#include <stdio.h>
#include <string.h>

#include "guest-init/cgroup.h"
#include "guest-init/ops.h"
#include "guest-init/payload.h"
#include "guest-init/poweroff.h"
#include "guest-init/report.h"
#include "guest-init/runtime.h"
#include "guest-init/workopts.h"

/* Every cpuset and fixed affinity up front, so a spec that does not fit
 * the topology fails before anything runs. */
static int
resolve (KtstrRuntime *rt, KtstrError *err)
{
  const KtstrPlan *plan = rt->plan;
  const KtstrTopo *topo = rt->topo;
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (ktstr_topo_resolve (topo, &plan->cgroups[i].cpuset, &rt->cpus[i], err) != 0)
      {
        ktstr_error_prefix (err, "cgroup '%s' (plan line %u)", plan->cgroups[i].name,
                            plan->cgroups[i].line);
        return -1;
      }
  if (ktstr_plan_check_nested (plan, rt->cpus, err) != 0)
    return -1;
  for (unsigned k = 0; k < plan->n_works; k++)
    {
      const KtstrPlanWork *w = &plan->works[k];
      if (ktstr_workopts_resolve (&w->opts, topo->llcs, topo->n_llcs, &topo->online,
                                  &rt->cpus[w->cgroup], &rt->work_cpus[k], err)
          != 0)
        {
          ktstr_error_prefix (err, "work on plan line %u", w->line);
          return -1;
        }
    }
  for (unsigned i = 0; i < plan->n_ops; i++)
    {
      const KtstrPlanOp *op = &plan->ops[i];
      KtstrCpuSet probe;
      if ((op->kind == KTSTR_OP_SET_CPUSET || op->kind == KTSTR_OP_SET_AFFINITY)
          && ktstr_topo_resolve (topo, &op->cpuset, &probe, err) != 0)
        {
          ktstr_error_prefix (err, "%s (plan line %u)", ktstr_op_kind_name (op->kind), op->line);
          return -1;
        }
    }
  return 0;
}

/* The cgroups of STEP made at setup (not by ops), and their works. */
static int
setup (KtstrRuntime *rt, int step, KtstrError *err)
{
  const KtstrPlan *plan = rt->plan;
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (plan->cgroups[i].step == step && !plan->cgroups[i].is_added && !plan->cgroups[i].is_host
        && ktstr_rt_create_cgroup (rt, i, err) != 0)
      return -1;
  /* Settle after cgroup changes before the workers exist, as without steps. */
  if (step == KTSTR_PLAN_BACKDROP)
    {
      ktstr_guard_phase ("settling");
      ktstr_sleep_ms (plan->settle_ms);
    }
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    {
      unsigned works[KTSTR_PLAN_MAX_WORKS], n = 0;
      for (unsigned k = 0; k < plan->n_works; k++)
        if (plan->works[k].cgroup == i && plan->works[k].step == step && !plan->works[k].is_op)
          works[n++] = k;
      if (ktstr_rt_spawn (rt, works, n, step, err) != 0)
        return -1;
    }
  return 0;
}

static int
apply_ops (KtstrRuntime *rt, int step, KtstrError *err)
{
  unsigned j = 0;
  for (unsigned i = 0; i < rt->plan->n_ops; i++)
    {
      if (rt->plan->ops[i].step != step)
        continue;
      char label[48];
      if (step == KTSTR_PLAN_BACKDROP)
        snprintf (label, sizeof label, "Backdrop.Op[%u]", j++);
      else
        snprintf (label, sizeof label, "Step[%d].Op[%u]", step, j++);
      if (ktstr_op_apply (rt, i, label, err) != 0)
        {
          ktstr_error_prefix (err, "%s (plan line %u)", label, rt->plan->ops[i].line);
          return -1;
        }
    }
  return 0;
}

/* Stops, kills and removes what STEP made (everything when ALL). */
static void
teardown (KtstrRuntime *rt, int step, bool all)
{
  for (unsigned i = 0; i < rt->n_batches; i++)
    if (all || rt->batches[i].step == step)
      ktstr_rt_stop_batch (rt, &rt->batches[i]);
  for (unsigned i = 0; i < rt->n_runs; i++)
    if (rt->runs[i].is_live && (all || rt->runs[i].step == step))
      ktstr_payload_finish (rt, &rt->runs[i], true);
  for (unsigned i = rt->plan->n_cgroups; i > 0; i--)
    if (all || rt->plan->cgroups[i - 1].step == step)
      {
        if (!all || rt->o->remove_cgroups)
          ktstr_rt_remove_cgroup (rt, i - 1);
      }
}

static int
hold (KtstrRuntime *rt, unsigned step, uint64_t start_ns, KtstrError *err)
{
  const KtstrPlan *plan = rt->plan;
  const KtstrPlanStep *st = &plan->steps[step];
  if (st->kind == KTSTR_HOLD_FRAC)
    ktstr_sleep_until_ns (start_ns + plan->duration_ms * st->frac_pm / 1000 * 1000000ull);
  else if (st->kind == KTSTR_HOLD_FIXED)
    ktstr_sleep_until_ns (start_ns + st->ms * 1000000ull);
  else
    {
      uint64_t end = rt->t0 + plan->duration_ms * 1000000ull;
      if (end < start_ns + st->ms * 1000000ull)
        end = start_ns + st->ms * 1000000ull;
      for (uint64_t next = start_ns + st->ms * 1000000ull; next + st->ms * 1000000ull <= end;
           next += st->ms * 1000000ull)
        {
          ktstr_sleep_until_ns (next);
          if (apply_ops (rt, (int)step, err) != 0)
            return -1;
        }
      ktstr_sleep_until_ns (end);
    }
  return 0;
}

static int
run (KtstrRuntime *rt, KtstrError *err)
{
  const KtstrPlan *plan = rt->plan;
  if (rt->o->use_cgroups)
    {
      char warning[600];
      ktstr_guard_phase ("setting up cgroups");
      if (ktstr_cgroup_setup_root (rt->o->cgroup_root, warning, sizeof warning, err) != 0)
        return -1;
      if (warning[0] != '\0')
        ktstr_report_log (rt->ctrl, "init", "%s", warning);
    }
  ktstr_guard_phase ("starting the backdrop");
  rt->t0 = ktstr_now_ns ();
  if (setup (rt, KTSTR_PLAN_BACKDROP, err) != 0)
    return -1;
  rt->t0 = ktstr_now_ns ();
  rt->cpu0_ns = ktstr_clock_ns (CLOCK_PROCESS_CPUTIME_ID);
  ktstr_guard_phase ("running steps");
  ktstr_report_stim (rt->ctrl, 0, "ScenarioStart", 0);
  if (apply_ops (rt, KTSTR_PLAN_BACKDROP, err) != 0)
    return -1;
  if (plan->n_steps == 0)
    ktstr_sleep_until_ns (rt->t0 + plan->duration_ms * 1000000ull);
  for (unsigned s = 0; s < plan->n_steps; s++)
    {
      char label[32];
      uint64_t start_ns = ktstr_now_ns ();
      snprintf (label, sizeof label, "StepStart[%u]", s);
      ktstr_report_stim (rt->ctrl, ktstr_rt_elapsed_ms (rt), label, ktstr_rt_live_iterations (rt));
      if (apply_ops (rt, (int)s, err) != 0 || setup (rt, (int)s, err) != 0
          || hold (rt, s, start_ns, err) != 0)
        return -1;
      snprintf (label, sizeof label, "StepEnd[%u]", s);
      ktstr_report_stim (rt->ctrl, ktstr_rt_elapsed_ms (rt), label, ktstr_rt_live_iterations (rt));
      teardown (rt, (int)s, false);
    }
  return 0;
}

int
ktstr_steps_run (const KtstrPlan *plan, const KtstrTopo *topo, KtstrCtrl *ctrl,
                 const KtstrScenarioOptions *o, KtstrError *err)
{
  static KtstrRuntime rt;
  memset (&rt, 0, sizeof rt);
  rt.plan = plan;
  rt.topo = topo;
  rt.ctrl = ctrl;
  rt.o = o;
  if (resolve (&rt, err) != 0)
    return -1;
  if (run (&rt, err) != 0)
    {
      teardown (&rt, 0, true);
      return -1;
    }
  uint64_t end_ms = ktstr_rt_elapsed_ms (&rt);
  /* The agent's own CPU time over the steps: ops, holds, its threads. */
  uint64_t agent_cpu_ns = ktstr_clock_ns (CLOCK_PROCESS_CPUTIME_ID) - rt.cpu0_ns;
  uint64_t total = ktstr_rt_live_iterations (&rt);
  ktstr_guard_phase ("collecting worker reports");
  ktstr_report_stim (ctrl, end_ms, "ScenarioEnd", total);
  teardown (&rt, 0, true);
  ktstr_report_done (ctrl, ktstr_rt_elapsed_ms (&rt), agent_cpu_ns, end_ms);
  return 0;
}
