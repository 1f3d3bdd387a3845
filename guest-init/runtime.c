#include "config.h"

#include "guest-init/runtime.h"

#include <stdio.h>
#include <string.h>

#include "guest-init/cgroup.h"
#include "guest-init/report.h"

#define LIST_MAX 4096

uint64_t
ktstr_rt_elapsed_ms (const KtstrRuntime *rt)
{
  return rt->t0 == 0 ? 0 : (ktstr_now_ns () - rt->t0) / 1000000ull;
}

uint64_t
ktstr_rt_live_iterations (const KtstrRuntime *rt)
{
  uint64_t sum = 0;
  for (unsigned i = 0; i < rt->n_batches; i++)
    if (rt->batches[i].is_live)
      sum += ktstr_workers_live_iterations (&rt->batches[i].set);
  return sum;
}

int
ktstr_rt_create_cgroup (KtstrRuntime *rt, unsigned cg, KtstrError *err)
{
  const KtstrPlanCgroup *def = &rt->plan->cgroups[cg];
  const char *root = rt->o->cgroup_root;
  char cpus[LIST_MAX] = "", mems[256], effective[LIST_MAX];
  bool is_all = ktstr_cpuset_is_empty (&rt->cpus[cg]);
  if (!is_all && ktstr_cpuset_format (&rt->cpus[cg], cpus, sizeof cpus) == NULL)
    {
      ktstr_error_set (err, "cgroup '%s': CPU list too long", def->name);
      return -1;
    }
  if (rt->o->use_cgroups)
    {
      const char *m
          = is_all ? NULL
                   : ktstr_scenario_mems_for (root, rt->topo, &rt->cpus[cg], mems, sizeof mems);
      if (ktstr_cgroup_create (root, def->name, is_all ? NULL : cpus, m, err) != 0)
        {
          ktstr_error_prefix (err, "cgroup '%s' (plan line %u)", def->name, def->line);
          return -1;
        }
      if (!is_all
          && ktstr_cgroup_read (root, def->name, "cpuset.cpus.effective", effective,
                                sizeof effective)
                 == 0)
        snprintf (cpus, sizeof cpus, "%s", effective);
    }
  rt->is_created[cg] = true;
  ktstr_report_cgroup (rt->ctrl, def->name, cpus);
  return 0;
}

void
ktstr_rt_remove_cgroup (KtstrRuntime *rt, unsigned cg)
{
  if (!rt->is_created[cg])
    return;
  /* cgroup v2 removes a cgroup only once it has no children: leaves first. */
  for (unsigned i = rt->plan->n_cgroups; i > cg + 1; i--)
    if (rt->plan->cgroups[i - 1].parent == (int)cg)
      ktstr_rt_remove_cgroup (rt, i - 1);
  rt->is_created[cg] = false;
  if (rt->o->use_cgroups)
    ktstr_cgroup_remove (rt->o->cgroup_root, rt->plan->cgroups[cg].name);
}

static void
report_batch (KtstrRuntime *rt, KtstrBatch *b)
{
  for (unsigned i = 0; i < b->set.n; i++)
    {
      const KtstrWorkerProc *p = &b->set.procs[i];
      const char *cg = rt->plan->cgroups[p->cgroup].name;
      if (p->report->error[0] != '\0')
        ktstr_report_log (rt->ctrl, "init", "worker %u of cgroup '%s': %.*s", p->index, cg,
                          (int)sizeof p->report->error, p->report->error);
      ktstr_report_worker (rt->ctrl, cg, rt->plan->works[p->work].type->name, p);
    }
}

void
ktstr_rt_stop_batch (KtstrRuntime *rt, KtstrBatch *b)
{
  if (!b->is_live)
    return;
  ktstr_workers_stop (&b->set, KTSTR_WORKER_STOP_DEADLINE_MS);
  report_batch (rt, b);
  ktstr_workers_free (&b->set);
  b->is_live = false;
}

int
ktstr_rt_spawn (KtstrRuntime *rt, const unsigned *works, unsigned n_works, int step,
                KtstrError *err)
{
  if (n_works == 0)
    return 0;
  if (rt->n_batches >= KTSTR_RT_MAX_BATCHES)
    {
      ktstr_error_set (err, "too many worker batches (at most %d)", KTSTR_RT_MAX_BATCHES);
      return -1;
    }
  KtstrBatch *b = &rt->batches[rt->n_batches];
  memset (b, 0, sizeof *b);
  b->cgroup = rt->plan->works[works[0]].cgroup;
  b->step = step;
  const KtstrPlanCgroup *cg = &rt->plan->cgroups[b->cgroup];
  if (ktstr_workers_spawn_works (&b->set, rt->plan, rt->work_cpus, works, n_works, rt->next_index,
                                 rt->o->keep_out, rt->o->n_keep_out, err)
      != 0)
    {
      ktstr_workers_free (&b->set);
      return -1;
    }
  for (unsigned i = 0; rt->o->use_cgroups && !cg->is_host && i < b->set.n; i++)
    {
      const KtstrWorkerProc *p = &b->set.procs[i];
      bool is_gone;
      if (ktstr_cgroup_move (rt->o->cgroup_root, cg->name, p->pid, &is_gone, err) != 0)
        {
          ktstr_error_prefix (err, "moving worker %u (pid %d) into cgroup '%s'", p->index,
                              (int)p->pid, cg->name);
          ktstr_workers_abort (&b->set);
          ktstr_workers_free (&b->set);
          return -1;
        }
    }
  ktstr_workers_start (&b->set);
  b->is_live = true;
  rt->n_batches++;
  return 0;
}

unsigned
ktstr_rt_stop_cgroup (KtstrRuntime *rt, unsigned cg)
{
  unsigned n = 0;
  for (unsigned i = 0; i < rt->n_batches; i++)
    if (rt->batches[i].is_live && rt->batches[i].cgroup == cg)
      {
        n += rt->batches[i].set.n;
        ktstr_rt_stop_batch (rt, &rt->batches[i]);
      }
  return n;
}
