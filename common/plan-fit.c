#include "config.h"

#include "common/plan-fit.h"

#include <stdio.h>
#include <string.h>

static int
fail (KtstrPlanError *err, unsigned line, const char *directive, const char *field, const char *msg)
{
  memset (err, 0, sizeof *err);
  err->line = line;
  snprintf (err->directive, sizeof err->directive, "%s", directive);
  snprintf (err->field, sizeof err->field, "%s", field);
  /* The agent's messages are short; a long CPU list is cut, not refused. */
  size_t n = strnlen (msg, sizeof err->msg - 1);
  memcpy (err->msg, msg, n);
  err->msg[n] = '\0';
  return -1;
}

int
ktstr_plan_check_topo (const KtstrPlan *plan, const KtstrTopo *t, KtstrPlanError *err)
{
  KtstrCpuSet cpus;
  KtstrError e;
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    {
      const KtstrPlanCgroup *cg = &plan->cgroups[i];
      if (!cg->is_host && ktstr_topo_resolve (t, &cg->cpuset, &cpus, &e) != 0)
        return fail (err, cg->line, "cgroup", "cpuset", e.msg);
    }
  for (unsigned i = 0; i < plan->n_ops; i++)
    {
      const KtstrPlanOp *op = &plan->ops[i];
      if ((op->kind == KTSTR_OP_SET_CPUSET || op->kind == KTSTR_OP_SET_AFFINITY)
          && ktstr_topo_resolve (t, &op->cpuset, &cpus, &e) != 0)
        return fail (err, op->line, "op", "cpuset", e.msg);
    }
  /* The agent pins a worker to the online CPUs of its exact: list, and
   * refuses only a list with none (guest-init/workopts.c): the same rule. */
  for (unsigned i = 0; i < plan->n_works; i++)
    {
      const KtstrPlanWork *w = &plan->works[i];
      if (w->opts.affinity == KTSTR_AFFINITY_EXACT
          && !ktstr_cpuset_intersects (&w->opts.affinity_cpus, &t->online))
        {
          char list[256], online[256];
          ktstr_error_set (&e, "affinity=exact:%s names no online CPU (online: %s)",
                           ktstr_cpuset_format (&w->opts.affinity_cpus, list, sizeof list) ?: "?",
                           ktstr_cpuset_format (&t->online, online, sizeof online) ?: "?");
          return fail (err, w->line, "work", "affinity", e.msg);
        }
    }
  return 0;
}
