#include "config.h"

#include "guest-init/workopts.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int
ktstr_workopts_resolve (const KtstrWorkOpts *o, const KtstrCpuSet *llcs, unsigned n_llcs,
                        const KtstrCpuSet *online, const KtstrCpuSet *cgroup_cpus, KtstrCpuSet *out,
                        KtstrError *err)
{
  ktstr_cpuset_zero (out);
  switch (o->affinity)
    {
    case KTSTR_AFFINITY_EXACT:
      *out = o->affinity_cpus;
      break;
    case KTSTR_AFFINITY_CROSS:
      *out = *online;
      break;
    case KTSTR_AFFINITY_LLC:
      {
        const KtstrCpuSet *from = ktstr_cpuset_is_empty (cgroup_cpus) ? online : cgroup_cpus;
        int first = ktstr_cpuset_next (from, 0);
        for (unsigned i = 0; first >= 0 && i < n_llcs; i++)
          if (ktstr_cpuset_has (&llcs[i], (unsigned)first))
            *out = llcs[i];
        if (ktstr_cpuset_is_empty (out))
          *out = *from; /* no cache information: one LLC */
        break;
      }
    default:
      break;
    }
  if (o->affinity == KTSTR_AFFINITY_EXACT && !ktstr_cpuset_intersects (out, online))
    {
      char buf[256];
      ktstr_error_set (err, "affinity=exact:%s names no online CPU",
                       ktstr_cpuset_format (out, buf, sizeof buf) ? buf : "?");
      return -1;
    }
  return 0;
}

static int
set_affinity (const KtstrWorkOpts *o, const KtstrCpuSet *fixed, unsigned index, uint64_t seed,
              KtstrError *err)
{
  cpu_set_t mask;
  CPU_ZERO (&mask);
  if (o->affinity == KTSTR_AFFINITY_RANDOM || o->affinity == KTSTR_AFFINITY_SINGLE)
    {
      cpu_set_t cur;
      int cpus[CPU_SETSIZE], n = 0;
      if (sched_getaffinity (0, sizeof cur, &cur) != 0)
        {
          ktstr_error_set (err, "sched_getaffinity: %s", strerror (errno));
          return -1;
        }
      for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET (c, &cur))
          cpus[n++] = c;
      if (n == 0)
        return 0;
      if (o->affinity == KTSTR_AFFINITY_SINGLE)
        CPU_SET (cpus[index % (unsigned)n], &mask);
      else
        {
          /* Fisher-Yates over the first half: a random subset of n/2. */
          int want = n / 2 > 0 ? n / 2 : 1;
          uint64_t x = seed | 1;
          for (int i = 0; i < want; i++)
            {
              x ^= x << 13, x ^= x >> 7, x ^= x << 17;
              int j = i + (int)(x % (uint64_t)(n - i));
              int t = cpus[i];
              cpus[i] = cpus[j];
              cpus[j] = t;
              CPU_SET (cpus[i], &mask);
            }
        }
    }
  else
    ktstr_cpuset_foreach (c, fixed)
    {
      if (c < CPU_SETSIZE)
        CPU_SET (c, &mask);
    }
  if (sched_setaffinity (0, sizeof mask, &mask) != 0)
    {
      ktstr_error_set (err, "sched_setaffinity (affinity kind %d): %s", (int)o->affinity,
                       strerror (errno));
      return -1;
    }
  return 0;
}

static int
set_mempolicy_opts (const KtstrWorkOpts *o, KtstrError *err)
{
  unsigned long mask[KTSTR_MAX_CPUS / (8 * sizeof (unsigned long))];
  memset (mask, 0, sizeof mask);
  ktstr_cpuset_foreach (n, &o->mem_nodes)
  {
    mask[(unsigned)n / (8 * sizeof (unsigned long))]
        |= 1ul << ((unsigned)n % (8 * sizeof (unsigned long)));
  }
  bool has_nodes = !ktstr_cpuset_is_empty (&o->mem_nodes);
  /* maxnode counts one past the last bit the kernel should read. */
  long r = syscall (SYS_set_mempolicy, (int)o->mempolicy | (int)o->mpol_flags,
                    has_nodes ? mask : NULL, has_nodes ? (unsigned long)KTSTR_MAX_CPUS + 1 : 0ul);
  if (r != 0)
    {
      ktstr_error_set (err, "set_mempolicy (mode %d, flags 0x%x): %s", (int)o->mempolicy,
                       o->mpol_flags, strerror (errno));
      return -1;
    }
  return 0;
}

int
ktstr_workopts_apply (const KtstrWorkOpts *o, const KtstrCpuSet *fixed, unsigned index,
                      uint64_t seed, KtstrError *err)
{
  if (o->affinity != KTSTR_AFFINITY_INHERIT && set_affinity (o, fixed, index, seed, err) != 0)
    return -1;
  if ((o->mempolicy != KTSTR_MPOL_DEFAULT || o->mpol_flags != 0)
      && set_mempolicy_opts (o, err) != 0)
    return -1;
  if (o->has_nice && setpriority (PRIO_PROCESS, 0, o->nice) != 0)
    {
      ktstr_error_set (err, "nice %d: %s", o->nice, strerror (errno));
      return -1;
    }
  static const int policies[] = { [KTSTR_POLICY_NORMAL] = SCHED_OTHER,
                                  [KTSTR_POLICY_BATCH] = SCHED_BATCH,
                                  [KTSTR_POLICY_IDLE] = SCHED_IDLE,
                                  [KTSTR_POLICY_FIFO] = SCHED_FIFO,
                                  [KTSTR_POLICY_RR] = SCHED_RR };
  if (o->policy != KTSTR_POLICY_NORMAL)
    {
      struct sched_param sp = { .sched_priority = (int)o->priority };
      if (sched_setscheduler (0, policies[o->policy], &sp) != 0)
        {
          ktstr_error_set (err, "policy %s%s%.0u: %s (RT policies need CAP_SYS_NICE)",
                           ktstr_sched_policy_name (o->policy), o->priority ? ":" : "", o->priority,
                           strerror (errno));
          return -1;
        }
    }
  return 0;
}
