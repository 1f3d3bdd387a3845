#include "config.h"

#include "guest-init/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proto.h"
#include "common/topology.h"
#include "guest-init/plan-impl.h"

#define fail ktstr_plan_fail

#define MAX_LINE 4096
#define MAX_WORDS 32

int
ktstr_plan_fail (Parser *p, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  ktstr_error_set (p->err, "plan line %u: %s", p->line, msg);
  return -1;
}

static bool
is_name_char (char c, bool first)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || (!first && (c == '-' || c == '.'));
}

/* Cgroup names become directory names under KTSTR_CGROUP_ROOT and JSON
 * strings: a conservative alphabet keeps both trivially safe. */
bool
ktstr_plan_is_valid_name (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n >= KTSTR_PLAN_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_name_char (s[i], i == 0))
      return false;
  return true;
}

/* A nested cgroup name, "outer/inner": each component 1-64 of
 * [A-Za-z0-9_-] (the .ktstr loader's alphabet), no empty component. */
bool
ktstr_plan_is_valid_cgroup_path (const char *s)
{
  size_t n = strlen (s), run = 0;
  if (n == 0 || n >= KTSTR_PLAN_CGROUP_NAME_MAX)
    return false;
  for (size_t i = 0; i <= n; i++)
    {
      if (s[i] == '/' || s[i] == '\0')
        {
          if (run == 0 || run > 64)
            return false;
          run = 0;
          continue;
        }
      if (!is_name_char (s[i], true) && s[i] != '-')
        return false;
      run++;
    }
  return true;
}

/* A fraction from 0 to 1 ("0", "1", "0.25", ".5") in per-mille. */
static int
parse_permille (const char *s, unsigned *out)
{
  unsigned whole = 0, frac = 0, scale = 100;
  const char *p = s;
  if (*p == '\0')
    return -1;
  if (*p == '0' || *p == '1')
    whole = (unsigned)(*p++ - '0');
  if (*p == '.')
    {
      p++;
      if (*p < '0' || *p > '9')
        return -1;
      for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
        frac += (unsigned)(*p - '0') * scale;
    }
  if (*p != '\0' || p == s)
    return -1;
  *out = whole * 1000 + frac;
  return *out <= 1000 ? 0 : -1;
}

int
ktstr_cpuset_spec_parse (const char *text, KtstrCpusetSpec *spec, KtstrError *err)
{
  memset (spec, 0, sizeof *spec);
  snprintf (spec->text, sizeof spec->text, "%s", text);
  if (strcmp (text, "all") == 0)
    {
      spec->kind = KTSTR_CPUSET_ALL;
      return 0;
    }
  if (strncmp (text, "exact:", 6) == 0)
    {
      KtstrError inner;
      spec->kind = KTSTR_CPUSET_EXACT;
      if (ktstr_cpuset_parse (text + 6, &spec->cpus, &inner) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': %s", text, inner.msg);
          return -1;
        }
      if (ktstr_cpuset_is_empty (&spec->cpus))
        {
          ktstr_error_set (err, "invalid cpuset '%s': exact: needs at least one CPU", text);
          return -1;
        }
      return 0;
    }
  if (strncmp (text, "disjoint:", 9) == 0)
    {
      char buf[64];
      uint64_t i, n;
      snprintf (buf, sizeof buf, "%s", text + 9);
      char *slash = strchr (buf, '/');
      if (slash != NULL)
        *slash = '\0';
      if (slash == NULL || ktstr_parse_u64 (buf, KTSTR_MAX_CPUS, &i) != 0
          || ktstr_parse_u64 (slash + 1, KTSTR_MAX_CPUS, &n) != 0 || n == 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected disjoint:I/N, e.g. disjoint:0/2",
                           text);
          return -1;
        }
      if (i >= n)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': slice %u does not exist, slices of %u "
                           "count from 0 to %u",
                           text, (unsigned)i, (unsigned)n, (unsigned)n - 1);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_DISJOINT;
      spec->index = (unsigned)i;
      spec->count = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "numa:", 5) == 0)
    {
      uint64_t n;
      if (ktstr_parse_u64 (text + 5, KTSTR_MAX_CPUS, &n) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected numa:N, e.g. numa:0", text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_NUMA;
      spec->index = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "range:", 6) == 0)
    {
      char buf[64];
      snprintf (buf, sizeof buf, "%s", text + 6);
      char *dash = strchr (buf, '-');
      if (dash != NULL)
        *dash = '\0';
      if (dash == NULL || parse_permille (buf, &spec->lo_pm) != 0
          || parse_permille (dash + 1, &spec->hi_pm) != 0 || spec->lo_pm >= spec->hi_pm)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': expected range:A-B with fractions 0 <= A < B "
                           "<= 1, e.g. range:0-0.5",
                           text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_RANGE;
      return 0;
    }
  if (strncmp (text, "overlap:", 8) == 0)
    {
      char buf[64];
      uint64_t i, n;
      snprintf (buf, sizeof buf, "%s", text + 8);
      char *s1 = strchr (buf, '/');
      char *s2 = s1 != NULL ? strchr (s1 + 1, '/') : NULL;
      if (s2 != NULL)
        *s1 = *s2 = '\0';
      if (s2 == NULL || ktstr_parse_u64 (buf, KTSTR_MAX_CPUS, &i) != 0
          || ktstr_parse_u64 (s1 + 1, KTSTR_MAX_CPUS, &n) != 0 || n == 0 || i >= n
          || parse_permille (s2 + 1, &spec->lo_pm) != 0)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': expected overlap:I/N/F (slice I of N, 0 <= I < "
                           "N, widened by fraction F <= 1), e.g. overlap:0/2/0.5",
                           text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_OVERLAP;
      spec->index = (unsigned)i;
      spec->count = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "llc:", 4) == 0)
    {
      uint64_t i;
      if (ktstr_parse_u64 (text + 4, KTSTR_MAX_CPUS, &i) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected llc:I, e.g. llc:0", text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_LLC;
      spec->index = (unsigned)i;
      return 0;
    }
  ktstr_error_set (err,
                   "invalid cpuset '%s' (expected all, exact:LIST, llc:I, numa:N, range:A-B, "
                   "disjoint:I/N or overlap:I/N/F)",
                   text);
  return -1;
}

/* Handles "KEY N" lines: exactly one number within [min, max], once. */
static int
parse_scalar (Parser *p, char **w, unsigned n, unsigned *seen, uint64_t min, uint64_t max,
              uint64_t *out)
{
  uint64_t v;
  if (*seen != 0)
    return fail (p, "duplicate '%s' (first given on line %u)", w[0], *seen);
  if (n != 2)
    return fail (p, "'%s' takes exactly one number, e.g. '%s %llu'", w[0], w[0],
                 (unsigned long long)(min > 0 ? min : 1));
  if (ktstr_parse_u64 (w[1], max, &v) != 0 || v < min)
    return fail (p, "%s: '%s' is not a whole number from %llu to %llu", w[0], w[1],
                 (unsigned long long)min, (unsigned long long)max);
  *seen = p->line;
  *out = v;
  return 0;
}

/* "a/b" lives inside "a": the parent must be an earlier cgroup that exists
 * whenever the child does (the backdrop, or the child's own step), and an
 * exact child cpuset must lie within an exact parent's.  Topology-relative
 * specs are checked the same way once resolved (ktstr_plan_check_nested). */
static int
link_parent (Parser *p, KtstrPlanCgroup *cg)
{
  KtstrPlan *plan = p->plan;
  char parent[KTSTR_PLAN_CGROUP_NAME_MAX];
  snprintf (parent, sizeof parent, "%s", cg->name);
  *strrchr (parent, '/') = '\0';
  int i = ktstr_plan_find_cgroup (p, parent);
  if (i < 0)
    return fail (p,
                 "cgroup '%s': its parent '%s' needs an earlier cgroup line (parents are "
                 "created before their children)",
                 cg->name, parent);
  KtstrPlanCgroup *pc = &plan->cgroups[i];
  if (pc->step != KTSTR_PLAN_BACKDROP && pc->step != cg->step)
    return fail (p,
                 "cgroup '%s': its parent '%s' belongs to step %d; a parent must be in the "
                 "backdrop or the child's own step",
                 cg->name, parent, pc->step);
  if (cg->cpuset.kind == KTSTR_CPUSET_EXACT && pc->cpuset.kind == KTSTR_CPUSET_EXACT)
    {
      KtstrCpuSet outside;
      ktstr_cpuset_subtract (&outside, &cg->cpuset.cpus, &pc->cpuset.cpus);
      if (!ktstr_cpuset_is_empty (&outside))
        return fail (p,
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
ktstr_plan_parse_cgroup_words (Parser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n < 2 || n > 3)
    return fail (p, "expected 'cgroup NAME [cpuset=SPEC]'");
  bool is_nested = strchr (w[1], '/') != NULL;
  if (!is_nested && !ktstr_plan_is_valid_name (w[1]))
    return fail (p,
                 "invalid cgroup name '%s' (letters, digits, '_', '-', '.', not starting "
                 "with '-' or '.', at most %d characters)",
                 w[1], KTSTR_PLAN_NAME_MAX - 1);
  if (is_nested && !ktstr_plan_is_valid_cgroup_path (w[1]))
    return fail (p,
                 "invalid nested cgroup name '%s' (components of 1-64 letters, digits, '_' or "
                 "'-' joined by '/', at most %d characters in all)",
                 w[1], KTSTR_PLAN_CGROUP_NAME_MAX - 1);
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (strcmp (plan->cgroups[i].name, w[1]) == 0)
      return fail (p, "duplicate cgroup '%s' (first defined on line %u)", w[1],
                   plan->cgroups[i].line);
  if (plan->n_cgroups >= KTSTR_PLAN_MAX_CGROUPS)
    return fail (p, "too many cgroups (at most %d)", KTSTR_PLAN_MAX_CGROUPS);

  if (strcmp (w[1], KTSTR_PLAN_HOST_CGROUP) == 0)
    return fail (p, "cgroup name '%s' is reserved for SpawnHost workers", w[1]);

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
      if (strncmp (w[2], "cpuset=", 7) != 0)
        return fail (p, "unknown cgroup option '%s' (expected cpuset=SPEC)", w[2]);
      if (ktstr_cpuset_spec_parse (w[2] + 7, &cg->cpuset, &inner) != 0)
        return fail (p, "cgroup '%s': %s", w[1], inner.msg);
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
ktstr_plan_parse_work (Parser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n < 3)
    return fail (p, "expected 'work CGROUP TYPE [workers=N] [key=value ...]'");
  if (plan->n_works >= KTSTR_PLAN_MAX_WORKS)
    return fail (p, "too many work lines (at most %d)", KTSTR_PLAN_MAX_WORKS);

  KtstrPlanWork *work = &plan->works[plan->n_works];
  memset (work, 0, sizeof *work);
  work->line = p->line;
  int cg = ktstr_plan_find_cgroup (p, w[1]);
  if (cg < 0)
    return fail (p, "work refers to cgroup '%s', which no earlier 'cgroup' line defines", w[1]);
  if (plan->cgroups[cg].is_host && strcmp (w[0], "SpawnHost") != 0)
    return fail (p, "cgroup '%s' holds SpawnHost workers only", w[1]);
  if (plan->cgroups[cg].step != KTSTR_PLAN_BACKDROP && plan->cgroups[cg].step != p->step)
    return fail (p,
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
      return fail (p, "unknown work type '%s' (known: %s)", w[2], known);
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
        return fail (p, "'%s': work options are key=value words", w[i]);
      *eq = '\0';
      const char *key = w[i], *val = eq + 1;
      uint64_t v;
      if (strcmp (key, "workers") == 0)
        {
          if (has_workers)
            return fail (p, "duplicate workers=");
          if (ktstr_parse_u64 (val, KTSTR_PLAN_MAX_WORKERS, &v) != 0)
            return fail (p, "workers=%s: expected a whole number from 1 to %d", val,
                         KTSTR_PLAN_MAX_WORKERS);
          if (v == 0)
            return fail (p, "workers=0: a work line needs at least 1 worker");
          work->workers = (unsigned)v;
          has_workers = true;
          continue;
        }
      KtstrError inner;
      int opt = ktstr_workopts_parse (&work->opts, key, val, &inner);
      if (opt < 0)
        return fail (p, "%s", inner.msg);
      if (opt == 0)
        continue;
      int idx = ktstr_worktype_param_index (t, key);
      if (idx < 0)
        {
          char takes[160];
          list_params (t, takes, sizeof takes);
          return fail (p,
                       "work type %s has no parameter '%s' (%s; every work takes workers, "
                       "policy, nice, affinity, mempolicy, mpol_flags)",
                       t->name, key, takes);
        }
      if (given_line[idx] != 0)
        return fail (p, "duplicate %s=", key);
      const KtstrWorkParam *def = &t->params[idx];
      if (ktstr_parse_u64 (val, def->max, &v) != 0 || v < def->min)
        return fail (p, "%s %s=%s: expected a whole number from %llu to %llu", t->name, key, val,
                     (unsigned long long)def->min, (unsigned long long)def->max);
      work->params[idx] = v;
      given_line[idx] = p->line;
    }
  plan->n_works++;
  return 0;
}

static int
parse_words (Parser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  uint64_t v;

  if (strcmp (w[0], "test") == 0)
    {
      if (p->seen_test != 0)
        return fail (p, "duplicate 'test' (first given on line %u)", p->seen_test);
      if (n != 2 || strlen (w[1]) >= sizeof plan->test)
        return fail (p, "expected 'test NAME' (one word, under %zu characters)", sizeof plan->test);
      snprintf (plan->test, sizeof plan->test, "%s", w[1]);
      p->seen_test = p->line;
      return 0;
    }
  if (strcmp (w[0], "topology") == 0)
    {
      KtstrTopology topo;
      char why[256];
      if (p->seen_topology != 0)
        return fail (p, "duplicate 'topology' (first given on line %u)", p->seen_topology);
      if (n != 2)
        return fail (p, "expected 'topology NnNlNcNt', e.g. 'topology 1n2l2c1t'");
      if (ktstr_topology_parse (w[1], &topo, why, sizeof why) != 0)
        return fail (p, "%s", why);
      ktstr_topology_format (&topo, plan->topology, sizeof plan->topology);
      p->seen_topology = p->line;
      return 0;
    }
  if (strcmp (w[0], "duration_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_duration, 1, 3600000, &plan->duration_ms);
  if (strcmp (w[0], "settle_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_settle, 0, 600000, &plan->settle_ms);
  if (strcmp (w[0], "guard_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_guard, 1, 86400000, &plan->guard_ms);
  if (strcmp (w[0], "workers") == 0)
    {
      if (n == 2 && strcmp (w[1], "0") == 0 && p->seen_workers == 0)
        return fail (p, "workers 0: each cgroup needs at least 1 worker");
      if (parse_scalar (p, w, n, &p->seen_workers, 1, KTSTR_PLAN_MAX_WORKERS, &v) != 0)
        return -1;
      plan->workers = (unsigned)v;
      return 0;
    }
  if (strcmp (w[0], "cgroup") == 0)
    return ktstr_plan_parse_cgroup_words (p, w, n);
  if (strcmp (w[0], "work") == 0)
    return ktstr_plan_parse_work (p, w, n);
  if (strcmp (w[0], "step") == 0)
    return ktstr_plan_parse_step (p, w, n);
  if (strcmp (w[0], "op") == 0)
    return ktstr_plan_parse_op (p, w, n);
  if (strcmp (w[0], "payload") == 0 || strcmp (w[0], "payload_env") == 0)
    return ktstr_plan_parse_payload (p, w, n);
  return fail (p,
               "unknown directive '%s' (expected test, topology, duration_ms, settle_ms, "
               "guard_ms, workers, cgroup, work, step, op, payload, payload_arg or "
               "payload_env)",
               w[0]);
}

static unsigned
split_words (char *s, char **w, unsigned max)
{
  unsigned n = 0;
  while (*s != '\0')
    {
      while (*s == ' ' || *s == '\t')
        *s++ = '\0';
      if (*s == '\0')
        break;
      if (n == max)
        return max + 1;
      w[n++] = s;
      while (*s != '\0' && *s != ' ' && *s != '\t')
        s++;
    }
  return n;
}

static int
check_magic (Parser *p, const char *line)
{
  if (strcmp (line, KTSTR_PLAN_MAGIC) == 0)
    return 0;
  if (strncmp (line, "ktstr-plan ", 11) == 0)
    return fail (p, "unsupported plan version '%.20s' (this ktstr-init reads '%s')", line + 11,
                 KTSTR_PLAN_MAGIC);
  return fail (p, "not a ktstr plan: the first line must be '%s', got '%.60s'", KTSTR_PLAN_MAGIC,
               line);
}

static const char *
first_child (const KtstrPlan *plan, unsigned cg)
{
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (plan->cgroups[i].parent == (int)cg)
      return plan->cgroups[i].name;
  return "?";
}

/* Checks that need the whole plan: defaults, groups, totals, guard. */
static int
finish (Parser *p)
{
  KtstrPlan *plan = p->plan;
  plan->total_workers = 0;
  for (unsigned i = 0; i < plan->n_works; i++)
    {
      KtstrPlanWork *work = &plan->works[i];
      p->line = work->line;
      if (work->workers == 0)
        work->workers = plan->workers;
      unsigned g = ktstr_worktype_group_size (work->type, work->params);
      if (g > 1 && work->workers % g != 0)
        return fail (p,
                     "work type %s runs in groups of %u workers; %u workers is not a multiple "
                     "of %u",
                     work->type->name, g, work->workers, g);
      const KtstrPlanCgroup *cg = &plan->cgroups[work->cgroup];
      if (cg->has_children)
        return fail (p,
                     "cgroup '%s' has child cgroups, so it cannot hold workers (cgroup v2 "
                     "lets only leaves hold tasks: put this work in a child such as '%s')",
                     cg->name, first_child (plan, work->cgroup));
      plan->total_workers += work->workers;
      if (plan->total_workers > KTSTR_PLAN_MAX_WORKERS)
        return fail (p, "too many workers in total (at most %d)", KTSTR_PLAN_MAX_WORKERS);
    }
  for (unsigned i = 0; i < plan->n_ops; i++)
    {
      const KtstrPlanOp *op = &plan->ops[i];
      unsigned into = op->kind == KTSTR_OP_MOVE_ALL_TASKS                  ? op->b
                      : op->kind == KTSTR_OP_RUN_PAYLOAD && op->has_cgroup ? op->b
                                                                           : plan->n_cgroups;
      p->line = op->line;
      if (into < plan->n_cgroups && plan->cgroups[into].has_children)
        return fail (p,
                     "%s: cgroup '%s' has child cgroups, so it cannot take tasks (cgroup v2 "
                     "lets only leaves hold tasks: use a child such as '%s')",
                     ktstr_op_kind_name (op->kind), plan->cgroups[into].name,
                     first_child (plan, into));
    }
  if (ktstr_plan_finish_steps (p) != 0)
    return -1;
  uint64_t run_ms = ktstr_plan_run_ms (plan);
  if (plan->guard_ms != 0 && plan->guard_ms <= plan->settle_ms + run_ms)
    {
      p->line = p->seen_guard;
      return fail (p, "guard_ms %llu leaves no time for settle_ms %llu + %s %llu",
                   (unsigned long long)plan->guard_ms, (unsigned long long)plan->settle_ms,
                   plan->n_steps ? "the steps' holds" : "duration_ms", (unsigned long long)run_ms);
    }
  return 0;
}

int
ktstr_plan_parse (const char *text, KtstrPlan *plan, KtstrError *err)
{
  Parser p = { .plan = plan, .err = err, .step = KTSTR_PLAN_BACKDROP };
  memset (plan, 0, sizeof *plan);
  plan->duration_ms = KTSTR_PLAN_DEFAULT_DURATION_MS;
  plan->settle_ms = KTSTR_PLAN_DEFAULT_SETTLE_MS;
  plan->workers = KTSTR_PLAN_DEFAULT_WORKERS;

  const char *s = text;
  while (*s != '\0' || p.line == 0)
    {
      char line[MAX_LINE];
      const char *nl = strchr (s, '\n');
      size_t len = nl ? (size_t)(nl - s) : strlen (s);
      p.line++;
      if (len >= sizeof line)
        return fail (&p, "line too long (at most %d characters)", MAX_LINE - 1);
      memcpy (line, s, len);
      line[len] = '\0';
      s = nl ? nl + 1 : s + len;
      while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        line[--len] = '\0';

      if (p.line == 1)
        {
          if (check_magic (&p, line) != 0)
            return -1;
          continue;
        }
      char *start = line + strspn (line, " \t");
      if (*start == '\0' || *start == '#')
        continue;
      /* Its argument is the rest of the line, spaces and all. */
      if (strncmp (start, "payload_arg ", 12) == 0)
        {
          if (ktstr_plan_parse_payload_arg (&p, start + 12) != 0)
            return -1;
          continue;
        }
      char *w[MAX_WORDS];
      unsigned n = split_words (start, w, MAX_WORDS);
      if (n > MAX_WORDS)
        return fail (&p, "too many words (at most %d)", MAX_WORDS);
      if (parse_words (&p, w, n) != 0)
        return -1;
    }
  return finish (&p);
}

int
ktstr_plan_load (const char *path, KtstrPlan *plan, KtstrError *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      ktstr_error_set (err, "plan '%s' cannot be opened: %s", path, strerror (errno));
      return -1;
    }
  char *text = malloc (KTSTR_PLAN_MAX_BYTES + 1);
  if (text == NULL)
    {
      close (fd);
      ktstr_error_set (err, "plan '%s': out of memory", path);
      return -1;
    }
  size_t n = 0;
  for (;;)
    {
      ssize_t r = read (fd, text + n, KTSTR_PLAN_MAX_BYTES + 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          ktstr_error_set (err, "plan '%s' cannot be read: %s", path, strerror (errno));
          close (fd);
          free (text);
          return -1;
        }
      if (r == 0)
        break;
      n += (size_t)r;
      if (n > KTSTR_PLAN_MAX_BYTES)
        {
          ktstr_error_set (err, "plan '%s' is larger than %d bytes", path, KTSTR_PLAN_MAX_BYTES);
          close (fd);
          free (text);
          return -1;
        }
    }
  close (fd);
  text[n] = '\0';
  if (memchr (text, '\0', n) != NULL)
    {
      ktstr_error_set (err, "plan '%s' contains a NUL byte; plans are text", path);
      free (text);
      return -1;
    }
  int r = ktstr_plan_parse (text, plan, err);
  if (r != 0)
    ktstr_error_prefix (err, "plan '%s'", path);
  free (text);
  return r;
}
