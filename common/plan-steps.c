#include "config.h"

#include "common/plan-steps.h"

#include <stdio.h>
#include <string.h>

#include "common/number.h"
#include "common/plan-cpuset.h"
#include "common/plan-works.h"

#define fail ktstr_plan_fail

static const char *const op_names[KTSTR_OP_N_KINDS] = {
  [KTSTR_OP_ADD_CGROUP] = "AddCgroup",     [KTSTR_OP_REMOVE_CGROUP] = "RemoveCgroup",
  [KTSTR_OP_SET_CPUSET] = "SetCpuset",     [KTSTR_OP_CLEAR_CPUSET] = "ClearCpuset",
  [KTSTR_OP_SWAP_CPUSETS] = "SwapCpusets", [KTSTR_OP_SPAWN] = "Spawn",
  [KTSTR_OP_STOP_CGROUP] = "StopCgroup",   [KTSTR_OP_SET_AFFINITY] = "SetAffinity",
  [KTSTR_OP_SPAWN_HOST] = "SpawnHost",     [KTSTR_OP_MOVE_ALL_TASKS] = "MoveAllTasks",
  [KTSTR_OP_RUN_PAYLOAD] = "RunPayload",   [KTSTR_OP_WAIT_PAYLOAD] = "WaitPayload",
  [KTSTR_OP_KILL_PAYLOAD] = "KillPayload",
};

/* What each op takes after its kind, for messages. */
static const char *const op_usage[KTSTR_OP_N_KINDS] = {
  [KTSTR_OP_ADD_CGROUP] = "AddCgroup NAME [cpuset=SPEC]",
  [KTSTR_OP_REMOVE_CGROUP] = "RemoveCgroup CGROUP",
  [KTSTR_OP_SET_CPUSET] = "SetCpuset CGROUP SPEC",
  [KTSTR_OP_CLEAR_CPUSET] = "ClearCpuset CGROUP",
  [KTSTR_OP_SWAP_CPUSETS] = "SwapCpusets CGROUP_A CGROUP_B",
  [KTSTR_OP_SPAWN] = "Spawn CGROUP TYPE [workers=N] [key=value ...]",
  [KTSTR_OP_STOP_CGROUP] = "StopCgroup CGROUP",
  [KTSTR_OP_SET_AFFINITY] = "SetAffinity CGROUP SPEC",
  [KTSTR_OP_SPAWN_HOST] = "SpawnHost TYPE [workers=N] [key=value ...]",
  [KTSTR_OP_MOVE_ALL_TASKS] = "MoveAllTasks FROM TO",
  [KTSTR_OP_RUN_PAYLOAD] = "RunPayload PAYLOAD [cgroup=CGROUP]",
  [KTSTR_OP_WAIT_PAYLOAD] = "WaitPayload PAYLOAD",
  [KTSTR_OP_KILL_PAYLOAD] = "KillPayload PAYLOAD",
};

const char *
ktstr_op_kind_name (KtstrOpKind kind)
{
  return kind < KTSTR_OP_N_KINDS ? op_names[kind] : "?";
}

uint64_t
ktstr_plan_run_ms (const KtstrPlan *plan)
{
  if (plan->n_steps == 0)
    return plan->duration_ms;
  uint64_t sum = 0;
  for (unsigned i = 0; i < plan->n_steps; i++)
    {
      const KtstrPlanStep *st = &plan->steps[i];
      if (st->kind == KTSTR_HOLD_FRAC)
        sum += plan->duration_ms * st->frac_pm / 1000;
      else if (st->kind == KTSTR_HOLD_FIXED)
        sum += st->ms;
      else
        sum = sum + st->ms > plan->duration_ms ? sum + st->ms : plan->duration_ms;
    }
  return sum;
}

/* "step frac:F" | "step fixed:MS" | "step loop:MS" */
int
ktstr_plan_parse_step (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n != 2)
    return fail (p, "", "expected 'step HOLD' with HOLD frac:F, fixed:MS or loop:MS");
  if (plan->n_steps >= KTSTR_PLAN_MAX_STEPS)
    return fail (p, "", "too many steps (at most %d)", KTSTR_PLAN_MAX_STEPS);
  KtstrPlanStep *st = &plan->steps[plan->n_steps];
  memset (st, 0, sizeof *st);
  st->line = p->line;
  const char *h = w[1];
  if (strncmp (h, "frac:", 5) == 0)
    {
      /* A fraction from 0 to 1 with up to three decimals. */
      unsigned whole = 0, frac = 0, scale = 100;
      const char *s = h + 5;
      if (*s == '0' || *s == '1')
        whole = (unsigned)(*s++ - '0');
      if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && scale > 0; s++, scale /= 10)
          frac += (unsigned)(*s - '0') * scale;
      st->kind = KTSTR_HOLD_FRAC;
      st->frac_pm = whole * 1000 + frac;
      if (*s != '\0' || s == h + 5 || st->frac_pm == 0 || st->frac_pm > 1000)
        return fail (p, "hold",
                     "hold '%s': expected frac:F with 0 < F <= 1 (at most 3 decimals), "
                     "e.g. frac:0.5",
                     h);
    }
  else if (strncmp (h, "fixed:", 6) == 0 || strncmp (h, "loop:", 5) == 0)
    {
      bool is_loop = h[0] == 'l';
      const char *num = h + (is_loop ? 5 : 6);
      if (ktstr_parse_u64 (num, 3600000, &st->ms) != 0 || st->ms == 0)
        return fail (p, "hold",
                     "hold '%s': expected %s:MS with MS a whole number of milliseconds "
                     "from 1 to 3600000",
                     h, is_loop ? "loop" : "fixed");
      st->kind = is_loop ? KTSTR_HOLD_LOOP : KTSTR_HOLD_FIXED;
    }
  else
    return fail (p, "hold", "unknown hold '%s' (expected frac:F, fixed:MS or loop:MS)", h);
  p->step = (int)plan->n_steps++;
  return 0;
}

/* A cgroup an op may act on now. */
static int
op_cgroup (KtstrPlanParser *p, KtstrOpKind kind, const char *name, unsigned *out)
{
  const KtstrPlan *plan = p->plan;
  int i = ktstr_plan_find_cgroup (p->plan, name);
  if (i < 0 || plan->cgroups[i].is_host)
    return fail (p, "cgroup",
                 "%s: no cgroup '%s' (define it with a cgroup line or an earlier AddCgroup)",
                 op_names[kind], name);
  const KtstrPlanCgroup *cg = &plan->cgroups[i];
  if (cg->step != KTSTR_PLAN_BACKDROP && cg->step != p->step)
    return fail (p, "cgroup",
                 "%s: cgroup '%s' belongs to step %d; ops see the backdrop's cgroups and "
                 "their own step's",
                 op_names[kind], name, cg->step);
  if (cg->step == p->step && p->step != KTSTR_PLAN_BACKDROP && !cg->is_added)
    return fail (p, "cgroup",
                 "%s: cgroup '%s' is made by step %d's setup, which runs after its ops; "
                 "create it with AddCgroup, or put it in the backdrop",
                 op_names[kind], name, p->step);
  *out = (unsigned)i;
  return 0;
}

static int
op_payload (KtstrPlanParser *p, KtstrOpKind kind, const char *name, unsigned *out)
{
  for (unsigned i = 0; i < p->plan->n_payloads; i++)
    if (strcmp (p->plan->payloads[i].name, name) == 0)
      {
        *out = i;
        return 0;
      }
  return fail (p, "payload", "%s: no payload '%s' (define it with an earlier payload line)",
               op_names[kind], name);
}

static int
add_cgroup (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  char word[] = "cgroup";
  char *cw[3] = { word, w[0], n > 1 ? w[1] : NULL };
  unsigned before = plan->n_cgroups;
  /* The cgroup line's own checks: name, duplicates, cpuset=. */
  if (ktstr_plan_parse_cgroup (p, cw, n + 1) != 0)
    return -1;
  if (plan->n_cgroups == before)
    return -1;
  plan->cgroups[before].is_added = true;
  int parent = plan->cgroups[before].parent;
  if (parent >= 0 && plan->cgroups[parent].step == p->step && p->step != KTSTR_PLAN_BACKDROP
      && !plan->cgroups[parent].is_added)
    return fail (p, "name",
                 "AddCgroup: the parent of '%s', '%s', is made by step %d's setup, which "
                 "runs after its ops; create the parent with AddCgroup too, or put it in the "
                 "backdrop",
                 plan->cgroups[before].name, plan->cgroups[parent].name, p->step);
  return 0;
}

static int
host_cgroup (KtstrPlanParser *p)
{
  KtstrPlan *plan = p->plan;
  int i = ktstr_plan_find_cgroup (p->plan, KTSTR_PLAN_HOST_CGROUP);
  if (i >= 0)
    return i;
  if (plan->n_cgroups >= KTSTR_PLAN_MAX_CGROUPS)
    return fail (p, "", "too many cgroups (at most %d)", KTSTR_PLAN_MAX_CGROUPS);
  KtstrPlanCgroup *cg = &plan->cgroups[plan->n_cgroups];
  memset (cg, 0, sizeof *cg);
  cg->parent = -1;
  snprintf (cg->name, sizeof cg->name, "%s", KTSTR_PLAN_HOST_CGROUP);
  snprintf (cg->cpuset.text, sizeof cg->cpuset.text, "all");
  cg->line = p->line;
  cg->step = KTSTR_PLAN_BACKDROP;
  cg->is_host = true;
  return (int)plan->n_cgroups++;
}

static int
parse_op_args (KtstrPlanParser *p, KtstrPlanOp *op, char **w, unsigned n)
{
  KtstrError inner;
  static const unsigned want[KTSTR_OP_N_KINDS] = {
    [KTSTR_OP_REMOVE_CGROUP] = 1,  [KTSTR_OP_SET_CPUSET] = 2,   [KTSTR_OP_CLEAR_CPUSET] = 1,
    [KTSTR_OP_SWAP_CPUSETS] = 2,   [KTSTR_OP_STOP_CGROUP] = 1,  [KTSTR_OP_SET_AFFINITY] = 2,
    [KTSTR_OP_MOVE_ALL_TASKS] = 2, [KTSTR_OP_WAIT_PAYLOAD] = 1, [KTSTR_OP_KILL_PAYLOAD] = 1,
  };
  if (want[op->kind] != 0 && n != want[op->kind])
    return fail (p, "", "expected 'op %s'", op_usage[op->kind]);
  switch (op->kind)
    {
    case KTSTR_OP_ADD_CGROUP:
      if (n < 1 || n > 2)
        return fail (p, "", "expected 'op %s'", op_usage[op->kind]);
      if (add_cgroup (p, w, n) != 0)
        return -1;
      op->a = p->plan->n_cgroups - 1;
      return 0;
    case KTSTR_OP_REMOVE_CGROUP:
      if (op_cgroup (p, op->kind, w[0], &op->a) != 0)
        return -1;
      if (p->plan->cgroups[op->a].step != p->step)
        return fail (p, "cgroup",
                     "RemoveCgroup: '%s' is a backdrop cgroup; the backdrop persists across "
                     "every step",
                     w[0]);
      return 0;
    case KTSTR_OP_SET_CPUSET:
    case KTSTR_OP_SET_AFFINITY:
      if (op_cgroup (p, op->kind, w[0], &op->a) != 0)
        return -1;
      if (ktstr_cpuset_spec_parse (w[1], &op->cpuset, &inner) != 0)
        return fail (p, "cpuset", "%s: %s", op_names[op->kind], inner.msg);
      return 0;
    case KTSTR_OP_CLEAR_CPUSET:
    case KTSTR_OP_STOP_CGROUP:
      return op_cgroup (p, op->kind, w[0], &op->a);
    case KTSTR_OP_SWAP_CPUSETS:
    case KTSTR_OP_MOVE_ALL_TASKS:
      if (op_cgroup (p, op->kind, w[0], &op->a) != 0 || op_cgroup (p, op->kind, w[1], &op->b) != 0)
        return -1;
      if (op->a == op->b)
        return fail (p, "cgroup", "%s: both cgroups are '%s'; name two different ones",
                     op_names[op->kind], w[0]);
      return 0;
    case KTSTR_OP_SPAWN:
    case KTSTR_OP_SPAWN_HOST:
      {
        char *ww[40];
        unsigned nn = 0, cg;
        char kind_word[16], host[] = KTSTR_PLAN_HOST_CGROUP;
        snprintf (kind_word, sizeof kind_word, "%s", op_names[op->kind]);
        ww[nn++] = kind_word;
        if (op->kind == KTSTR_OP_SPAWN)
          {
            if (n < 2)
              return fail (p, "", "expected 'op %s'", op_usage[op->kind]);
            if (op_cgroup (p, op->kind, w[0], &cg) != 0)
              return -1;
          }
        else
          {
            if (n < 1)
              return fail (p, "", "expected 'op %s'", op_usage[op->kind]);
            if (host_cgroup (p) < 0)
              return -1;
            ww[nn++] = host;
          }
        for (unsigned i = 0; i < n && nn < 40; i++)
          ww[nn++] = w[i];
        unsigned before = p->plan->n_works;
        if (ktstr_plan_parse_work (p, ww, nn) != 0)
          return -1;
        if (p->plan->n_works == before)
          return -1;
        op->work = before;
        p->plan->works[before].is_op = true;
        p->plan->works[before].step = p->step;
        return 0;
      }
    case KTSTR_OP_RUN_PAYLOAD:
      if (n < 1 || n > 2)
        return fail (p, "", "expected 'op %s'", op_usage[op->kind]);
      if (op_payload (p, op->kind, w[0], &op->a) != 0)
        return -1;
      if (n == 2)
        {
          if (strncmp (w[1], "cgroup=", 7) != 0)
            return fail (p, "cgroup", "RunPayload: unknown option '%s' (expected cgroup=CGROUP)",
                         w[1]);
          if (op_cgroup (p, op->kind, w[1] + 7, &op->b) != 0)
            return -1;
          op->has_cgroup = true;
        }
      return 0;
    case KTSTR_OP_WAIT_PAYLOAD:
    case KTSTR_OP_KILL_PAYLOAD:
      return op_payload (p, op->kind, w[0], &op->a);
    case KTSTR_OP_N_KINDS:
      break;
    }
  return fail (p, "kind", "internal error: op kind %d", (int)op->kind);
}

int
ktstr_plan_parse_op (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (n < 2)
    return fail (p, "", "expected 'op KIND ARGS...'");
  if (plan->n_ops >= KTSTR_PLAN_MAX_OPS)
    return fail (p, "", "too many ops (at most %d)", KTSTR_PLAN_MAX_OPS);
  KtstrPlanOp *op = &plan->ops[plan->n_ops];
  memset (op, 0, sizeof *op);
  op->line = p->line;
  op->step = p->step;
  int kind = -1;
  for (int k = 0; k < KTSTR_OP_N_KINDS; k++)
    if (strcmp (w[1], op_names[k]) == 0)
      kind = k;
  if (kind < 0)
    return fail (p, "kind",
                 "unknown op '%s' (expected AddCgroup, RemoveCgroup, SetCpuset, ClearCpuset, "
                 "SwapCpusets, Spawn, StopCgroup, SetAffinity, SpawnHost, MoveAllTasks, "
                 "RunPayload, WaitPayload or KillPayload)",
                 w[1]);
  op->kind = (KtstrOpKind)kind;
  if (parse_op_args (p, op, w + 2, n - 2) != 0)
    return -1;
  plan->n_ops++;
  return 0;
}

static KtstrPlanPayload *
find_payload (KtstrPlanParser *p, const char *name)
{
  for (unsigned i = 0; i < p->plan->n_payloads; i++)
    if (strcmp (p->plan->payloads[i].name, name) == 0)
      return &p->plan->payloads[i];
  return NULL;
}

/* "payload NAME PATH [output=json|exitcode]" and "payload_env NAME K=V" */
int
ktstr_plan_parse_payload (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (strcmp (w[0], "payload_env") == 0)
    {
      KtstrPlanPayload *pl = n == 3 ? find_payload (p, w[1]) : NULL;
      if (n != 3 || strchr (w[2], '=') == NULL)
        return fail (p, "", "expected 'payload_env NAME KEY=VALUE'");
      if (pl == NULL)
        return fail (p, "name", "payload_env: no payload '%s' defined before", w[1]);
      if (strlen (w[2]) >= sizeof pl->env || pl->env[0] != '\0')
        return fail (p, "env", "payload_env: one KEY=VALUE per payload, under %zu characters",
                     sizeof pl->env);
      snprintf (pl->env, sizeof pl->env, "%s", w[2]);
      return 0;
    }
  if (n < 3 || n > 4)
    return fail (p, "", "expected 'payload NAME PATH [output=json|exitcode]'");
  if (!ktstr_plan_is_valid_name (w[1]))
    return fail (p, "name", "invalid payload name '%s' (letters, digits, '_', '-', '.')", w[1]);
  if (find_payload (p, w[1]) != NULL)
    return fail (p, "name", "duplicate payload '%s'", w[1]);
  if (plan->n_payloads >= KTSTR_PLAN_MAX_PAYLOADS)
    return fail (p, "", "too many payloads (at most %d)", KTSTR_PLAN_MAX_PAYLOADS);
  if (w[2][0] != '/' || strlen (w[2]) >= KTSTR_PLAN_PATH_MAX)
    return fail (p, "path", "payload '%s': '%s' is not an absolute path under %d characters", w[1],
                 w[2], KTSTR_PLAN_PATH_MAX);
  KtstrPlanPayload *pl = &plan->payloads[plan->n_payloads];
  memset (pl, 0, sizeof *pl);
  snprintf (pl->name, sizeof pl->name, "%s", w[1]);
  snprintf (pl->path, sizeof pl->path, "%s", w[2]);
  pl->line = p->line;
  if (n == 4)
    {
      if (strcmp (w[3], "output=json") == 0)
        pl->is_json = true;
      else if (strcmp (w[3], "output=exitcode") != 0)
        return fail (p, "output", "payload '%s': '%s' (expected output=json or output=exitcode)",
                     w[1], w[3]);
    }
  plan->n_payloads++;
  return 0;
}

int
ktstr_plan_parse_payload_arg (KtstrPlanParser *p, const char *rest)
{
  char name[KTSTR_PLAN_NAME_MAX];
  const char *sp = strchr (rest, ' ');
  if (sp == NULL || (size_t)(sp - rest) >= sizeof name)
    return fail (p, "", "expected 'payload_arg NAME ARG'");
  memcpy (name, rest, (size_t)(sp - rest));
  name[sp - rest] = '\0';
  KtstrPlanPayload *pl = find_payload (p, name);
  if (pl == NULL)
    return fail (p, "name", "payload_arg: no payload '%s' defined before", name);
  if (pl->n_args >= KTSTR_PLAN_MAX_PAYLOAD_ARGS || strlen (sp + 1) >= KTSTR_PLAN_PATH_MAX)
    return fail (p, "arg", "payload '%s': at most %d arguments of under %d characters", name,
                 KTSTR_PLAN_MAX_PAYLOAD_ARGS, KTSTR_PLAN_PATH_MAX);
  snprintf (pl->args[pl->n_args++], KTSTR_PLAN_PATH_MAX, "%s", sp + 1);
  return 0;
}

static bool
is_loop_op (KtstrOpKind k)
{
  return k == KTSTR_OP_SET_CPUSET || k == KTSTR_OP_CLEAR_CPUSET || k == KTSTR_OP_SWAP_CPUSETS
         || k == KTSTR_OP_SET_AFFINITY || k == KTSTR_OP_MOVE_ALL_TASKS;
}

int
ktstr_plan_finish_steps (KtstrPlanParser *p)
{
  const KtstrPlan *plan = p->plan;
  for (unsigned i = 0; i < plan->n_ops; i++)
    {
      const KtstrPlanOp *op = &plan->ops[i];
      unsigned into = op->kind == KTSTR_OP_MOVE_ALL_TASKS                  ? op->b
                      : op->kind == KTSTR_OP_RUN_PAYLOAD && op->has_cgroup ? op->b
                                                                           : plan->n_cgroups;
      ktstr_plan_parser_at (p, op->line, "op");
      if (into < plan->n_cgroups && plan->cgroups[into].has_children)
        return fail (p, "",
                     "%s: cgroup '%s' has child cgroups, so it cannot take tasks (cgroup v2 "
                     "lets only leaves hold tasks: use a child such as '%s')",
                     ktstr_op_kind_name (op->kind), plan->cgroups[into].name,
                     ktstr_plan_first_child (plan, into));
    }
  for (unsigned i = 0; i + 1 < plan->n_steps; i++)
    if (plan->steps[i].kind == KTSTR_HOLD_LOOP)
      {
        ktstr_plan_parser_at (p, plan->steps[i].line, "step");
        return fail (p, "hold",
                     "a loop hold lasts until duration_ms: only the last step may have one");
      }
  for (unsigned i = 0; i < plan->n_ops; i++)
    {
      const KtstrPlanOp *op = &plan->ops[i];
      if (op->step >= 0 && plan->steps[op->step].kind == KTSTR_HOLD_LOOP && !is_loop_op (op->kind))
        {
          ktstr_plan_parser_at (p, op->line, "op");
          return fail (p, "kind",
                       "%s cannot repeat in a loop step (loop steps take SetCpuset, "
                       "ClearCpuset, SwapCpusets, SetAffinity and MoveAllTasks)",
                       op_names[op->kind]);
        }
    }
  return 0;
}

/* Copies S (with its NUL) into the scheduler's text buffer; -1 when full. */
static int
sched_text_add (KtstrPlanScheduler *sc, const char *s, unsigned *at)
{
  size_t len = strlen (s) + 1;
  if (len > sizeof sc->text - sc->text_len)
    return -1;
  memcpy (sc->text + sc->text_len, s, len);
  *at = (unsigned)sc->text_len;
  sc->text_len += len;
  return 0;
}

/* "scheduler PATH [ready_ms=MS] [stop_ms=MS]" */
int
ktstr_plan_parse_scheduler (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlanScheduler *sc = &p->plan->scheduler;
  if (sc->is_set)
    return fail (p, "", "duplicate 'scheduler' (first given on line %u)", sc->line);
  if (p->plan->n_builtin > 0 || p->plan->builtin_env[0] != '\0')
    return fail (p, "", "scheduler: the plan already has a built-in scheduler (builtin_* lines)");
  if (n < 2 || n > 4)
    return fail (p, "", "expected 'scheduler PATH [ready_ms=MS] [stop_ms=MS]'");
  if (w[1][0] != '/' || strlen (w[1]) >= sizeof sc->binary)
    return fail (p, "path", "scheduler: '%s' is not an absolute path under %d characters", w[1],
                 KTSTR_PLAN_PATH_MAX);
  snprintf (sc->binary, sizeof sc->binary, "%s", w[1]);
  bool has_ready = false, has_stop = false;
  for (unsigned i = 2; i < n; i++)
    {
      char *eq = strchr (w[i], '=');
      if (eq == NULL || eq == w[i])
        return fail (p, "", "scheduler: '%s' (expected ready_ms=MS or stop_ms=MS)", w[i]);
      *eq = '\0';
      const char *key = w[i], *val = eq + 1;
      bool is_ready = strcmp (key, "ready_ms") == 0;
      if (!is_ready && strcmp (key, "stop_ms") != 0)
        return fail (p, key, "scheduler: unknown option '%s' (expected ready_ms=MS or stop_ms=MS)",
                     key);
      bool *seen = is_ready ? &has_ready : &has_stop;
      if (*seen)
        return fail (p, key, "scheduler: duplicate %s=", key);
      uint64_t *dst = is_ready ? &sc->ready_ms : &sc->stop_ms;
      if (ktstr_parse_u64 (val, 3600000, dst) != 0 || *dst == 0)
        return fail (p, key,
                     "scheduler: %s=%s: expected a whole number of milliseconds from 1 to "
                     "3600000",
                     key, val);
      *seen = true;
    }
  sc->is_set = true;
  sc->line = p->line;
  return 0;
}

/* "scheduler_arg ARG": REST is ARG, verbatim (spaces and all, or empty). */
int
ktstr_plan_parse_scheduler_arg (KtstrPlanParser *p, const char *rest)
{
  KtstrPlanScheduler *sc = &p->plan->scheduler;
  if (!sc->is_set)
    return fail (p, "", "scheduler_arg: no scheduler line before");
  if (sc->n_args >= KTSTR_PLAN_SCHED_MAX_ARGS
      || sched_text_add (sc, rest, &sc->arg_at[sc->n_args]) != 0)
    return fail (p, "arg",
                 "scheduler: at most %d arguments and environment entries of %d bytes in all",
                 KTSTR_PLAN_SCHED_MAX_ARGS, KTSTR_PLAN_SCHED_TEXT_MAX);
  sc->n_args++;
  return 0;
}

/* "scheduler_env KEY=VALUE" */
int
ktstr_plan_parse_scheduler_env (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlanScheduler *sc = &p->plan->scheduler;
  if (n != 2 || strchr (w[1], '=') == NULL || w[1][0] == '=')
    return fail (p, "", "expected 'scheduler_env KEY=VALUE'");
  if (!sc->is_set)
    return fail (p, "", "scheduler_env: no scheduler line before");
  if (sc->n_env >= KTSTR_PLAN_SCHED_MAX_ENV
      || sched_text_add (sc, w[1], &sc->env_at[sc->n_env]) != 0)
    return fail (p, "env",
                 "scheduler: at most %d environment entries, and arguments and entries of %d "
                 "bytes in all",
                 KTSTR_PLAN_SCHED_MAX_ENV, KTSTR_PLAN_SCHED_TEXT_MAX);
  sc->n_env++;
  return 0;
}

/* "scheduler_tracer PATH [ARG...]": a program the agent starts once the
 * scheduler is enabled and stops before it (ktstr test --auto-repro's
 * event recorder); arguments are single words. */
int
ktstr_plan_parse_scheduler_tracer (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlanScheduler *sc = &p->plan->scheduler;
  if (n < 2)
    return fail (p, "", "expected 'scheduler_tracer PATH [ARG...]'");
  if (!sc->is_set)
    return fail (p, "", "scheduler_tracer: no scheduler line before");
  if (sc->has_tracer)
    return fail (p, "", "duplicate 'scheduler_tracer'");
  if (w[1][0] != '/' || strlen (w[1]) >= KTSTR_PLAN_PATH_MAX)
    return fail (p, "path", "scheduler_tracer: '%s' is not an absolute path under %d characters",
                 w[1], KTSTR_PLAN_PATH_MAX);
  if (n - 2 > KTSTR_PLAN_TRACER_MAX_ARGS)
    return fail (p, "arg", "scheduler_tracer: at most %d arguments", KTSTR_PLAN_TRACER_MAX_ARGS);
  if (sched_text_add (sc, w[1], &sc->tracer_at) != 0)
    return fail (p, "path", "scheduler: at most %d bytes of arguments, entries and paths in all",
                 KTSTR_PLAN_SCHED_TEXT_MAX);
  for (unsigned i = 2; i < n; i++)
    if (sched_text_add (sc, w[i], &sc->tracer_arg_at[sc->n_tracer_args++]) != 0)
      return fail (p, "arg", "scheduler: at most %d bytes of arguments, entries and paths in all",
                   KTSTR_PLAN_SCHED_TEXT_MAX);
  sc->has_tracer = true;
  return 0;
}

int
ktstr_plan_parse_builtin (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  if (plan->scheduler.is_set)
    return fail (p, "", "%s: the plan already has a scheduler line (one scheduler under test)",
                 w[0]);
  if (strcmp (w[0], "builtin_env") == 0)
    {
      if (n != 2 || strchr (w[1], '=') == NULL || w[1][0] == '='
          || strlen (w[1]) >= sizeof plan->builtin_env || plan->builtin_env[0] != '\0')
        return fail (p, "", "expected one 'builtin_env KEY=VALUE'");
      snprintf (plan->builtin_env, sizeof plan->builtin_env, "%s", w[1]);
      return 0;
    }
  bool is_run = strcmp (w[0], "builtin_run") == 0;
  const char *usage = is_run ? "expected 'builtin_run enable|disable PATH [ARG...]'"
                             : "expected 'builtin_write enable|disable PATH VALUE'";
  if (n < 3 || (strcmp (w[1], "enable") != 0 && strcmp (w[1], "disable") != 0))
    return fail (p, "", "%s", usage);
  if (!is_run && n != 4)
    return fail (p, "", "%s", usage);
  if (n - 3 > KTSTR_PLAN_BUILTIN_MAX_ARGS)
    return fail (p, "", "%s: at most %d arguments", w[0], KTSTR_PLAN_BUILTIN_MAX_ARGS);
  if (plan->n_builtin >= KTSTR_PLAN_BUILTIN_MAX)
    return fail (p, "", "%s: at most %d enable and disable actions in all", w[0],
                 KTSTR_PLAN_BUILTIN_MAX);
  KtstrPlanBuiltinAction *a = &plan->builtin[plan->n_builtin];
  if (w[2][0] != '/' || strlen (w[2]) >= sizeof a->path)
    return fail (p, "path", "%s: '%s' is not an absolute path under %d characters", w[0], w[2],
                 KTSTR_PLAN_PATH_MAX);
  memset (a, 0, sizeof *a);
  a->is_run = is_run;
  a->is_disable = strcmp (w[1], "disable") == 0;
  snprintf (a->path, sizeof a->path, "%s", w[2]);
  for (unsigned i = 3; i < n; i++)
    {
      if (strlen (w[i]) >= KTSTR_PLAN_BUILTIN_ARG_MAX)
        return fail (p, "", "%s: '%.40s...' is longer than %d characters", w[0], w[i],
                     KTSTR_PLAN_BUILTIN_ARG_MAX - 1);
      snprintf (a->args[a->n_args++], KTSTR_PLAN_BUILTIN_ARG_MAX, "%s", w[i]);
    }
  plan->n_builtin++;
  return 0;
}
