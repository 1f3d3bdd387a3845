#include "config.h"

#include "common/plan-works.h"

#include <stdio.h>
#include <string.h>

#include "common/number.h"
#include "common/plan-cpuset.h"

#define fail ktstr_plan_fail

/* The key of a key=value WORD (the word itself without '='), for the
 * field of an error about it. */
static const char *
option_key (const char *word, char *buf, size_t len)
{
  const char *eq = strchr (word, '=');
  snprintf (buf, len, "%.*s", (int)(eq != NULL ? (size_t)(eq - word) : strlen (word)), word);
  return buf;
}

/* "a/b" lives inside "a": the parent must be an earlier cgroup that exists
 * whenever the child does (the backdrop, or the child's own step), and an
 * exact child cpuset must lie within an exact parent's.  Topology-relative
 * specs are checked the same way once resolved (ktstr_plan_check_nested). */
static int
link_parent (KtstrPlanParser *p, KtstrPlanCgroup *cg)
{
  KtstrPlan *plan = p->plan;
  char parent[KTSTR_PLAN_CGROUP_NAME_MAX];
  snprintf (parent, sizeof parent, "%s", cg->name);
  *strrchr (parent, '/') = '\0';
  int i = ktstr_plan_find_cgroup (plan, parent);
  if (i < 0)
    return fail (p, "name",
                 "cgroup '%s': its parent '%s' needs an earlier cgroup line (parents are "
                 "created before their children)",
                 cg->name, parent);
  KtstrPlanCgroup *pc = &plan->cgroups[i];
  if (pc->step != KTSTR_PLAN_BACKDROP && pc->step != cg->step)
    return fail (p, "name",
                 "cgroup '%s': its parent '%s' belongs to step %d; a parent must be in the "
                 "backdrop or the child's own step",
                 cg->name, parent, pc->step);
  if (cg->cpuset.kind == KTSTR_CPUSET_EXACT && pc->cpuset.kind == KTSTR_CPUSET_EXACT)
    {
      KtstrCpuSet outside;
      ktstr_cpuset_subtract (&outside, &cg->cpuset.cpus, &pc->cpuset.cpus);
      if (!ktstr_cpuset_is_empty (&outside))
        return fail (p, "cpuset",
                     "cgroup '%s': cpuset %s is not within its parent '%s' (cpuset %s); a "
                     "child's CPUs must be a subset of its parent's",
                     cg->name, cg->cpuset.text, parent, pc->cpuset.text);
    }
  cg->parent = i;
  pc->has_children = true;
  return 0;
}

int
ktstr_plan_check_nested (const KtstrPlan *plan, const KtstrCpuSet *cpus, KtstrError *err)
{
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    {
      const KtstrPlanCgroup *cg = &plan->cgroups[i];
      if (cg->parent < 0 || ktstr_cpuset_is_empty (&cpus[i])
          || ktstr_cpuset_is_empty (&cpus[cg->parent]))
        continue;
      KtstrCpuSet outside;
      ktstr_cpuset_subtract (&outside, &cpus[i], &cpus[cg->parent]);
      if (!ktstr_cpuset_is_empty (&outside))
        {
          char c[256], pc[256];
          ktstr_error_set (err,
                           "cgroup '%s' (plan line %u): cpuset %s (CPUs %s) is not within its "
                           "parent '%s' (cpuset %s, CPUs %s); a child's CPUs must be a subset "
                           "of its parent's",
                           cg->name, cg->line, cg->cpuset.text,
                           ktstr_cpuset_format (&cpus[i], c, sizeof c) ? c : "?",
                           plan->cgroups[cg->parent].name, plan->cgroups[cg->parent].cpuset.text,
                           ktstr_cpuset_format (&cpus[cg->parent], pc, sizeof pc) ? pc : "?");
          return -1;
        }
    }
  return 0;
}

int
ktstr_plan_parse_cgroup (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n < 2 || n > 3)
    return fail (p, "", "expected 'cgroup NAME [cpuset=SPEC]'");
  bool is_nested = strchr (w[1], '/') != NULL;
  if (!is_nested && !ktstr_plan_is_valid_name (w[1]))
    return fail (p, "name",
                 "invalid cgroup name '%s' (letters, digits, '_', '-', '.', not starting "
                 "with '-' or '.', at most %d characters)",
                 w[1], KTSTR_PLAN_NAME_MAX - 1);
  if (is_nested && !ktstr_plan_is_valid_cgroup_path (w[1]))
    return fail (p, "name",
                 "invalid nested cgroup name '%s' (components of 1-64 letters, digits, '_' or "
                 "'-' joined by '/', at most %d characters in all)",
                 w[1], KTSTR_PLAN_CGROUP_NAME_MAX - 1);
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (strcmp (plan->cgroups[i].name, w[1]) == 0)
      return fail (p, "name", "duplicate cgroup '%s' (first defined on line %u)", w[1],
                   plan->cgroups[i].line);
  if (plan->n_cgroups >= KTSTR_PLAN_MAX_CGROUPS)
    return fail (p, "", "too many cgroups (at most %d)", KTSTR_PLAN_MAX_CGROUPS);

  if (strcmp (w[1], KTSTR_PLAN_HOST_CGROUP) == 0)
    return fail (p, "name", "cgroup name '%s' is reserved for SpawnHost workers", w[1]);

  KtstrPlanCgroup *cg = &plan->cgroups[plan->n_cgroups];
  memset (cg, 0, sizeof *cg);
  snprintf (cg->name, sizeof cg->name, "%s", w[1]);
  cg->line = p->line;
  cg->step = p->step;
  cg->cpuset.kind = KTSTR_CPUSET_ALL;
  snprintf (cg->cpuset.text, sizeof cg->cpuset.text, "all");
  cg->parent = -1;
  if (n == 3)
    {
      KtstrError inner;
      char key[64];
      if (strncmp (w[2], "cpuset=", 7) != 0)
        return fail (p, option_key (w[2], key, sizeof key),
                     "unknown cgroup option '%s' (expected cpuset=SPEC)", w[2]);
      if (ktstr_cpuset_spec_parse (w[2] + 7, &cg->cpuset, &inner) != 0)
        return fail (p, "cpuset", "cgroup '%s': %s", w[1], inner.msg);
    }
  if (is_nested && link_parent (p, cg) != 0)
    return -1;
  plan->n_cgroups++;
  return 0;
}

static void
list_work_types (char *buf, size_t len)
{
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; ktstr_worktype_nth (i) != NULL && off < len; i++)
    off += (size_t)snprintf (buf + off, len - off, "%s%s", i ? ", " : "",
                             ktstr_worktype_nth (i)->name);
}

static void
list_params (const KtstrWorkType *t, char *buf, size_t len)
{
  size_t off = 0;
  snprintf (buf, len, "it takes no parameters");
  for (int i = 0; i < KTSTR_WORK_MAX_PARAMS && t->params[i].name != NULL && off < len; i++)
    off += (size_t)snprintf (buf + off, len - off, "%s%s",
                             i ? ", " : "it takes: ", t->params[i].name);
}

int
ktstr_plan_parse_work (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n < 3)
    return fail (p, "", "expected 'work CGROUP TYPE [workers=N] [key=value ...]'");
  if (plan->n_works >= KTSTR_PLAN_MAX_WORKS)
    return fail (p, "", "too many work lines (at most %d)", KTSTR_PLAN_MAX_WORKS);

  KtstrPlanWork *work = &plan->works[plan->n_works];
  memset (work, 0, sizeof *work);
  work->line = p->line;
  int cg = ktstr_plan_find_cgroup (plan, w[1]);
  if (cg < 0)
    return fail (p, "cgroup", "work refers to cgroup '%s', which no earlier 'cgroup' line defines",
                 w[1]);
  if (plan->cgroups[cg].is_host && strcmp (w[0], "SpawnHost") != 0)
    return fail (p, "cgroup", "cgroup '%s' holds SpawnHost workers only", w[1]);
  if (plan->cgroups[cg].step != KTSTR_PLAN_BACKDROP && plan->cgroups[cg].step != p->step)
    return fail (p, "cgroup",
                 "cgroup '%s' belongs to step %d; only the backdrop's cgroups and the "
                 "current step's are visible here",
                 w[1], plan->cgroups[cg].step);
  work->cgroup = (unsigned)cg;
  work->step = p->step;

  work->type = ktstr_worktype_find (w[2]);
  if (work->type == NULL)
    {
      char known[256];
      list_work_types (known, sizeof known);
      return fail (p, "type", "unknown work type '%s' (known: %s)", w[2], known);
    }
  const KtstrWorkType *t = work->type;
  unsigned given_line[KTSTR_WORK_MAX_PARAMS] = { 0 };
  for (int i = 0; i < KTSTR_WORK_MAX_PARAMS && t->params[i].name != NULL; i++)
    work->params[i] = t->params[i].def;

  bool has_workers = false;
  for (unsigned i = 3; i < n; i++)
    {
      char *eq = strchr (w[i], '=');
      if (eq == NULL || eq == w[i])
        return fail (p, "", "'%s': work options are key=value words", w[i]);
      *eq = '\0';
      const char *key = w[i], *val = eq + 1;
      uint64_t v;
      if (strcmp (key, "workers") == 0)
        {
          if (has_workers)
            return fail (p, "workers", "duplicate workers=");
          if (ktstr_parse_u64 (val, KTSTR_PLAN_MAX_WORKERS, &v) != 0)
            return fail (p, "workers", "workers=%s: expected a whole number from 1 to %d", val,
                         KTSTR_PLAN_MAX_WORKERS);
          if (v == 0)
            return fail (p, "workers", "workers=0: a work line needs at least 1 worker");
          work->workers = (unsigned)v;
          has_workers = true;
          continue;
        }
      KtstrError inner;
      int opt = ktstr_workopts_parse (&work->opts, key, val, &inner);
      if (opt < 0)
        return fail (p, key, "%s", inner.msg);
      if (opt == 0)
        continue;
      int idx = ktstr_worktype_param_index (t, key);
      if (idx < 0)
        {
          char takes[160];
          list_params (t, takes, sizeof takes);
          return fail (p, key,
                       "work type %s has no parameter '%s' (%s; every work takes workers, "
                       "policy, nice, affinity, mempolicy, mpol_flags)",
                       t->name, key, takes);
        }
      if (given_line[idx] != 0)
        return fail (p, key, "duplicate %s=", key);
      const KtstrWorkParam *def = &t->params[idx];
      if (ktstr_parse_u64 (val, def->max, &v) != 0 || v < def->min)
        return fail (p, key, "%s %s=%s: expected a whole number from %llu to %llu", t->name, key,
                     val, (unsigned long long)def->min, (unsigned long long)def->max);
      work->params[idx] = v;
      given_line[idx] = p->line;
    }
  plan->n_works++;
  return 0;
}

int
ktstr_plan_finish_works (KtstrPlanParser *p)
{
  KtstrPlan *plan = p->plan;
  plan->total_workers = 0;
  for (unsigned i = 0; i < plan->n_works; i++)
    {
      KtstrPlanWork *work = &plan->works[i];
      ktstr_plan_parser_at (p, work->line, "work");
      if (work->workers == 0)
        work->workers = plan->workers;
      unsigned g = ktstr_worktype_group_size (work->type, work->params);
      if (g > 1 && work->workers % g != 0)
        return fail (p, "workers",
                     "work type %s runs in groups of %u workers; %u workers is not a multiple "
                     "of %u",
                     work->type->name, g, work->workers, g);
      const KtstrPlanCgroup *cg = &plan->cgroups[work->cgroup];
      if (cg->has_children)
        return fail (p, "cgroup",
                     "cgroup '%s' has child cgroups, so it cannot hold workers (cgroup v2 "
                     "lets only leaves hold tasks: put this work in a child such as '%s')",
                     cg->name, ktstr_plan_first_child (plan, work->cgroup));
      plan->total_workers += work->workers;
      if (plan->total_workers > KTSTR_PLAN_MAX_WORKERS)
        return fail (p, "workers", "too many workers in total (at most %d)",
                     KTSTR_PLAN_MAX_WORKERS);
    }
  return 0;
}
