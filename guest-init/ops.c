#include "config.h"

#include "guest-init/ops.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-init/cgroup.h"
#include "guest-init/payload.h"
#include "guest-init/report.h"

#define LIST_MAX 4096

/* The next ops (StopCgroup, RemoveCgroup, MoveAllTasks, …) should act on
 * workers that have really run: a worker stopped before its first
 * instruction would count as starved.  Wait, bounded, until each worker of
 * a spawned batch has finished its first iteration.  Slow starters (a
 * Bursty burst, a blocked partner) end the wait at its bound. */
#define SPAWN_START_WAIT_MS 500

static void
wait_first_iterations (const KtstrWorkerSet *set)
{
  uint64_t deadline = ktstr_now_ns () + (uint64_t)SPAWN_START_WAIT_MS * 1000000ull;
  for (;;)
    {
      bool all_started = true;
      for (unsigned i = 0; i < set->n && all_started; i++)
        all_started = __atomic_load_n (&set->reports[i].live_iterations, __ATOMIC_RELAXED) > 0;
      if (all_started || ktstr_now_ns () >= deadline)
        return;
      ktstr_sleep_ms (2);
    }
}

static const char *
cg_name (const KtstrRuntime *rt, unsigned cg)
{
  return rt->plan->cgroups[cg].name;
}

static const char *
format_cpus (const KtstrCpuSet *cpus, char *buf, size_t len)
{
  if (ktstr_cpuset_is_empty (cpus))
    snprintf (buf, len, "all");
  else if (ktstr_cpuset_format (cpus, buf, len) == NULL)
    snprintf (buf, len, "?");
  return buf;
}

/* Writes rt->cpus[CG] to the cgroup's cpuset.cpus. */
static int
write_cpuset (KtstrRuntime *rt, unsigned cg, KtstrError *err)
{
  char path[512], cpus[LIST_MAX];
  if (!rt->o->use_cgroups || !rt->is_created[cg])
    return 0;
  /* "All" is every online CPU, as the parent offers them. */
  const KtstrCpuSet *want
      = ktstr_cpuset_is_empty (&rt->cpus[cg]) ? &rt->topo->online : &rt->cpus[cg];
  if (ktstr_cpuset_format (want, cpus, sizeof cpus) == NULL)
    {
      ktstr_error_set (err, "cgroup '%s': CPU list too long", cg_name (rt, cg));
      return -1;
    }
  if (ktstr_path (path, sizeof path, "%s/%s/cpuset.cpus", rt->o->cgroup_root, cg_name (rt, cg))
      != 0)
    {
      ktstr_error_set (err, "cgroup '%s': path too long", cg_name (rt, cg));
      return -1;
    }
  int e = ktstr_write_bounded (path, cpus, KTSTR_CGROUP_WRITE_TIMEOUT_MS);
  if (e != 0)
    {
      ktstr_error_set (err, "writing '%s' to %s: %s", cpus, path, strerror (e));
      return -1;
    }
  return 0;
}

/* sched_setaffinity on every thread of every live worker in CG. */
static unsigned
set_affinity (KtstrRuntime *rt, unsigned cg, const KtstrCpuSet *cpus)
{
  cpu_set_t *mask = CPU_ALLOC (KTSTR_MAX_CPUS);
  size_t size = CPU_ALLOC_SIZE (KTSTR_MAX_CPUS);
  unsigned n = 0;
  if (mask == NULL)
    return 0;
  CPU_ZERO_S (size, mask);
  ktstr_cpuset_foreach (c, cpus) { CPU_SET_S ((size_t)c, size, mask); }
  for (unsigned b = 0; b < rt->n_batches; b++)
    {
      const KtstrBatch *batch = &rt->batches[b];
      if (!batch->is_live || batch->cgroup != cg)
        continue;
      for (unsigned i = 0; i < batch->set.n; i++)
        {
          char dir[64];
          snprintf (dir, sizeof dir, "/proc/%d/task", (int)batch->set.procs[i].pid);
          DIR *d = opendir (dir);
          struct dirent *e;
          while (d != NULL && (e = readdir (d)) != NULL)
            {
              int tid = atoi (e->d_name);
              if (tid <= 0)
                continue;
              if (sched_setaffinity (tid, size, mask) == 0)
                n++;
              else
                ktstr_report_log (rt->ctrl, "init", "SetAffinity: task %d of cgroup '%s': %s", tid,
                                  cg_name (rt, cg), strerror (errno));
            }
          if (d != NULL)
            closedir (d);
        }
    }
  CPU_FREE (mask);
  return n;
}

static unsigned
move_all (KtstrRuntime *rt, unsigned from, unsigned to, KtstrError *err, int *rc)
{
  char procs[16384];
  unsigned n = 0;
  *rc = 0;
  if (!rt->o->use_cgroups)
    return 0;
  if (ktstr_cgroup_read (rt->o->cgroup_root, cg_name (rt, from), "cgroup.procs", procs,
                         sizeof procs)
      != 0)
    return 0;
  for (char *tok = strtok (procs, "\n"); tok != NULL; tok = strtok (NULL, "\n"))
    {
      bool is_gone;
      if (ktstr_cgroup_move (rt->o->cgroup_root, cg_name (rt, to), (pid_t)atoi (tok), &is_gone, err)
          != 0)
        {
          *rc = -1;
          return n;
        }
      n += !is_gone;
    }
  return n;
}

static int
apply (KtstrRuntime *rt, const KtstrPlanOp *op, char *detail, size_t len, KtstrError *err)
{
  const KtstrPlan *plan = rt->plan;
  char cpus[LIST_MAX];
  KtstrCpuSet tmp;
  int rc = 0;
  switch (op->kind)
    {
    case KTSTR_OP_ADD_CGROUP:
      snprintf (detail, len, "cgroup=%s cpuset=%.300s", cg_name (rt, op->a),
                format_cpus (&rt->cpus[op->a], cpus, sizeof cpus));
      return rt->is_created[op->a] ? 0 : ktstr_rt_create_cgroup (rt, op->a, err);
    case KTSTR_OP_REMOVE_CGROUP:
      snprintf (detail, len, "cgroup=%s workers=%u", cg_name (rt, op->a),
                ktstr_rt_stop_cgroup (rt, op->a));
      ktstr_rt_remove_cgroup (rt, op->a);
      return 0;
    case KTSTR_OP_SET_CPUSET:
      if (ktstr_topo_resolve (rt->topo, &op->cpuset, &rt->cpus[op->a], err) != 0)
        return -1;
      snprintf (detail, len, "cgroup=%s cpus=%.300s", cg_name (rt, op->a),
                format_cpus (&rt->cpus[op->a], cpus, sizeof cpus));
      return write_cpuset (rt, op->a, err);
    case KTSTR_OP_CLEAR_CPUSET:
      ktstr_cpuset_zero (&rt->cpus[op->a]);
      snprintf (detail, len, "cgroup=%s", cg_name (rt, op->a));
      return write_cpuset (rt, op->a, err);
    case KTSTR_OP_SWAP_CPUSETS:
      tmp = rt->cpus[op->a];
      rt->cpus[op->a] = rt->cpus[op->b];
      rt->cpus[op->b] = tmp;
      snprintf (detail, len, "a=%s b=%s", cg_name (rt, op->a), cg_name (rt, op->b));
      /* Sibling cpusets need not be disjoint, so the two writes may
       * come in either order. */
      return write_cpuset (rt, op->a, err) != 0 || write_cpuset (rt, op->b, err) != 0 ? -1 : 0;
    case KTSTR_OP_SPAWN:
    case KTSTR_OP_SPAWN_HOST:
      {
        const KtstrPlanWork *w = &plan->works[op->work];
        if (op->kind == KTSTR_OP_SPAWN)
          snprintf (detail, len, "cgroup=%s work=%s workers=%u", cg_name (rt, w->cgroup),
                    w->type->name, w->workers);
        else
          snprintf (detail, len, "work=%s workers=%u", w->type->name, w->workers);
        if (ktstr_rt_spawn (rt, &op->work, 1, op->step, err) != 0)
          return -1;
        wait_first_iterations (&rt->batches[rt->n_batches - 1].set);
        return 0;
      }
    case KTSTR_OP_STOP_CGROUP:
      snprintf (detail, len, "cgroup=%s workers=%u", cg_name (rt, op->a),
                ktstr_rt_stop_cgroup (rt, op->a));
      return 0;
    case KTSTR_OP_SET_AFFINITY:
      if (ktstr_topo_resolve (rt->topo, &op->cpuset, &tmp, err) != 0)
        return -1;
      if (ktstr_cpuset_is_empty (&tmp))
        tmp = rt->topo->online;
      format_cpus (&tmp, cpus, sizeof cpus);
      snprintf (detail, len, "cgroup=%s cpus=%.300s tasks=%u", cg_name (rt, op->a), cpus,
                set_affinity (rt, op->a, &tmp));
      return 0;
    case KTSTR_OP_MOVE_ALL_TASKS:
      {
        unsigned n = move_all (rt, op->a, op->b, err, &rc);
        snprintf (detail, len, "from=%s to=%s tasks=%u", cg_name (rt, op->a), cg_name (rt, op->b),
                  n);
        return rc;
      }
    case KTSTR_OP_RUN_PAYLOAD:
      {
        pid_t pid = 0;
        rc = ktstr_payload_start (rt, op, &pid, err);
        snprintf (detail, len, "payload=%s pid=%d%s%s", plan->payloads[op->a].name, (int)pid,
                  op->has_cgroup ? " cgroup=" : "", op->has_cgroup ? cg_name (rt, op->b) : "");
        return rc;
      }
    case KTSTR_OP_WAIT_PAYLOAD:
    case KTSTR_OP_KILL_PAYLOAD:
      {
        KtstrPayloadRun *run = ktstr_payload_find_live (rt, op->a);
        if (run == NULL)
          {
            snprintf (detail, len, "payload=%s not running", plan->payloads[op->a].name);
            return 0;
          }
        int code = ktstr_payload_finish (rt, run, op->kind == KTSTR_OP_KILL_PAYLOAD);
        snprintf (detail, len, "payload=%s exit=%d", plan->payloads[op->a].name, code);
        return 0;
      }
    case KTSTR_OP_N_KINDS:
      break;
    }
  ktstr_error_set (err, "internal error: op kind %d", (int)op->kind);
  return -1;
}

int
ktstr_op_apply (KtstrRuntime *rt, unsigned i, const char *label, KtstrError *err)
{
  const KtstrPlanOp *op = &rt->plan->ops[i];
  char detail[512] = "";
  uint64_t at = ktstr_rt_elapsed_ms (rt);
  int rc = apply (rt, op, detail, sizeof detail, err);
  ktstr_report_stim_op (rt->ctrl, at, label, ktstr_op_kind_name (op->kind), detail,
                        ktstr_rt_live_iterations (rt));
  return rc;
}
