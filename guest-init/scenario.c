#include "config.h"

#include "guest-init/scenario.h"

#include <stdio.h>
#include <string.h>

#include "guest-init/cgroup.h"
#include "guest-init/poweroff.h"
#include "guest-init/report.h"
#include "guest-init/workers.h"
#include "guest-init/workopts.h"

#define LIST_MAX 4096

typedef struct
{
  const KtstrPlan *plan;
  const KtstrScenarioOptions *o;
  KtstrCtrl *ctrl;
  KtstrCpuSet cpus[KTSTR_PLAN_MAX_CGROUPS];    /* empty: all CPUs */
  KtstrCpuSet work_cpus[KTSTR_PLAN_MAX_WORKS]; /* fixed affinity per work line */
  unsigned n_created;                          /* cgroups made so far, in plan order */
} Scenario;

static int
resolve_cpusets (Scenario *s, const KtstrTopo *topo, KtstrError *err)
{
  for (unsigned i = 0; i < s->plan->n_cgroups; i++)
    {
      const KtstrPlanCgroup *cg = &s->plan->cgroups[i];
      if (ktstr_topo_resolve (topo, &cg->cpuset, &s->cpus[i], err) != 0)
        {
          ktstr_error_prefix (err, "cgroup '%s' (plan line %u)", cg->name, cg->line);
          return -1;
        }
    }
  if (ktstr_plan_check_nested (s->plan, s->cpus, err) != 0)
    return -1;
  for (unsigned k = 0; k < s->plan->n_works; k++)
    {
      const KtstrPlanWork *w = &s->plan->works[k];
      if (ktstr_workopts_resolve (&w->opts, topo->llcs, topo->n_llcs, &topo->online,
                                  &s->cpus[w->cgroup], &s->work_cpus[k], err)
          != 0)
        {
          ktstr_error_prefix (err, "work on plan line %u", w->line);
          return -1;
        }
    }
  return 0;
}

/* cpuset.mems for CPUS: the nodes those CPUs sit on that also have memory
 * the parent may use.  NULL (inherit) when that leaves nothing. */
static const char *
mems_for (Scenario *s, const KtstrTopo *topo, const KtstrCpuSet *cpus, char *buf, size_t len)
{
  return ktstr_scenario_mems_for (s->o->cgroup_root, topo, cpus, buf, len);
}

const char *
ktstr_scenario_mems_for (const char *cgroup_root, const KtstrTopo *topo, const KtstrCpuSet *cpus,
                         char *buf, size_t len)
{
  char path[512], parent_mems[256], ids[256];
  KtstrCpuSet allowed, wanted, both;
  if (ktstr_path (path, sizeof path, "%s/cpuset.mems.effective", cgroup_root) != 0
      || ktstr_read_text (path, parent_mems, sizeof parent_mems) < 0
      || ktstr_cpuset_parse (parent_mems, &allowed, NULL) != 0
      || ktstr_topo_nodes_for (topo, cpus, ids, sizeof ids) == NULL
      || ktstr_cpuset_parse (ids, &wanted, NULL) != 0)
    return NULL;
  ktstr_cpuset_zero (&both);
  ktstr_cpuset_foreach (n, &wanted)
  {
    if (ktstr_cpuset_has (&allowed, (unsigned)n))
      ktstr_cpuset_add (&both, (unsigned)n);
  }
  if (ktstr_cpuset_is_empty (&both))
    return NULL;
  return ktstr_cpuset_format (&both, buf, len);
}

static int
setup_cgroups (Scenario *s, const KtstrTopo *topo, KtstrError *err)
{
  const KtstrPlan *plan = s->plan;
  if (s->o->use_cgroups)
    {
      char warning[600];
      ktstr_guard_phase ("setting up cgroups");
      if (ktstr_cgroup_setup_root (s->o->cgroup_root, warning, sizeof warning, err) != 0)
        return -1;
      if (warning[0] != '\0')
        ktstr_report_log (s->ctrl, "init", "%s", warning);
    }
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    {
      const KtstrPlanCgroup *cg = &plan->cgroups[i];
      char cpus[LIST_MAX] = "", mems[256], effective[LIST_MAX];
      bool is_all = ktstr_cpuset_is_empty (&s->cpus[i]);
      if (!is_all && ktstr_cpuset_format (&s->cpus[i], cpus, sizeof cpus) == NULL)
        {
          ktstr_error_set (err, "cgroup '%s': CPU list too long", cg->name);
          return -1;
        }
      if (s->o->use_cgroups)
        {
          const char *m = is_all ? NULL : mems_for (s, topo, &s->cpus[i], mems, sizeof mems);
          if (ktstr_cgroup_create (s->o->cgroup_root, cg->name, is_all ? NULL : cpus, m, err) != 0)
            {
              ktstr_error_prefix (err, "cgroup '%s' (plan line %u)", cg->name, cg->line);
              return -1;
            }
          s->n_created = i + 1;
          /* Report what the kernel made of it, which is what the workers
           * will actually get. */
          if (!is_all
              && ktstr_cgroup_read (s->o->cgroup_root, cg->name, "cpuset.cpus.effective", effective,
                                    sizeof effective)
                     == 0)
            {
              if (strcmp (effective, cpus) != 0)
                ktstr_report_log (s->ctrl, "init", "cgroup '%s': asked for CPUs %s, effective %s",
                                  cg->name, cpus, effective);
              snprintf (cpus, sizeof cpus, "%s", effective);
            }
        }
      ktstr_report_cgroup (s->ctrl, cg->name, cpus);
    }
  return 0;
}

static void
remove_cgroups (Scenario *s)
{
  if (!s->o->use_cgroups || !s->o->remove_cgroups)
    return;
  for (unsigned i = s->n_created; i > 0; i--)
    ktstr_cgroup_remove (s->o->cgroup_root, s->plan->cgroups[i - 1].name);
}

static int
move_workers (Scenario *s, KtstrWorkerSet *set, KtstrError *err)
{
  if (!s->o->use_cgroups)
    return 0;
  for (unsigned i = 0; i < set->n; i++)
    {
      const KtstrWorkerProc *p = &set->procs[i];
      const KtstrPlanCgroup *cg = &s->plan->cgroups[p->cgroup];
      bool is_gone;
      if (ktstr_cgroup_move (s->o->cgroup_root, cg->name, p->pid, &is_gone, err) != 0)
        {
          ktstr_error_prefix (err, "moving worker %u (pid %d) into cgroup '%s'", p->index,
                              (int)p->pid, cg->name);
          return -1;
        }
      if (is_gone)
        ktstr_report_log (s->ctrl, "init",
                          "worker %u of cgroup '%s' (pid %d) exited before it "
                          "could be moved into its cgroup",
                          p->index, cg->name, (int)p->pid);
    }
  return 0;
}

static void
report_workers (Scenario *s, KtstrWorkerSet *set)
{
  for (unsigned i = 0; i < set->n; i++)
    {
      const KtstrWorkerProc *p = &set->procs[i];
      const char *cg = s->plan->cgroups[p->cgroup].name;
      if (p->report->error[0] != '\0')
        ktstr_report_log (s->ctrl, "init", "worker %u of cgroup '%s': %.*s", p->index, cg,
                          (int)sizeof p->report->error, p->report->error);
      ktstr_report_worker (s->ctrl, cg, s->plan->works[p->work].type->name, p);
    }
}

int
ktstr_scenario_run (const KtstrPlan *plan, const KtstrTopo *topo, KtstrCtrl *ctrl,
                    const KtstrScenarioOptions *o, KtstrError *err)
{
  static Scenario s;
  memset (&s, 0, sizeof s);
  s.plan = plan;
  s.o = o;
  s.ctrl = ctrl;

  if (resolve_cpusets (&s, topo, err) != 0)
    return -1;
  if (setup_cgroups (&s, topo, err) != 0)
    {
      remove_cgroups (&s);
      return -1;
    }

  /* Like ktstr: let the system (and a scheduler) settle after cgroup
   * changes before the workers exist. */
  ktstr_guard_phase ("settling");
  ktstr_sleep_ms (plan->settle_ms);

  KtstrWorkerSet set;
  ktstr_guard_phase ("starting workers");
  if (ktstr_workers_spawn_with (&set, plan, s.work_cpus, o->keep_out, o->n_keep_out, err) != 0)
    {
      ktstr_workers_free (&set);
      remove_cgroups (&s);
      return -1;
    }
  if (move_workers (&s, &set, err) != 0)
    {
      ktstr_workers_abort (&set);
      ktstr_workers_free (&set);
      remove_cgroups (&s);
      return -1;
    }

  ktstr_workers_start (&set);
  uint64_t t0 = ktstr_now_ns ();
  /* The agent's own CPU time while the workers run: what it takes from
   * the scheduler under test (its children, the workers, not counted). */
  uint64_t cpu0 = ktstr_clock_ns (CLOCK_PROCESS_CPUTIME_ID);
  ktstr_guard_phase ("running workers");
  ktstr_report_stim (ctrl, 0, "ScenarioStart", 0);
  ktstr_sleep_until_ns (t0 + plan->duration_ms * 1000000ull);

  uint64_t stop_ns = ktstr_now_ns ();
  uint64_t agent_cpu_ns = ktstr_clock_ns (CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  uint64_t total = ktstr_workers_live_iterations (&set);
  ktstr_guard_phase ("collecting worker reports");
  ktstr_workers_stop (&set, KTSTR_WORKER_STOP_DEADLINE_MS);
  ktstr_report_stim (ctrl, (stop_ns - t0) / 1000000ull, "ScenarioEnd", total);
  report_workers (&s, &set);
  ktstr_workers_free (&set);
  remove_cgroups (&s);
  ktstr_report_done (ctrl, (ktstr_now_ns () - t0) / 1000000ull, agent_cpu_ns,
                     (stop_ns - t0) / 1000000ull);
  return 0;
}
