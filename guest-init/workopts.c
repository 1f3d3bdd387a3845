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

static const char *const policy_names[] = { [KTSTR_POLICY_NORMAL] = "normal",
                                            [KTSTR_POLICY_BATCH] = "batch",
                                            [KTSTR_POLICY_IDLE] = "idle",
                                            [KTSTR_POLICY_FIFO] = "fifo",
                                            [KTSTR_POLICY_RR] = "rr" };

static int
parse_policy (KtstrWorkOpts *o, const char *val, KtstrError *err)
{
  for (unsigned i = 0; i < sizeof policy_names / sizeof policy_names[0]; i++)
    {
      size_t n = strlen (policy_names[i]);
      if (strncmp (val, policy_names[i], n) != 0)
        continue;
      bool is_rt = i == KTSTR_POLICY_FIFO || i == KTSTR_POLICY_RR;
      uint64_t prio = 0;
      if (val[n] == '\0' && !is_rt)
        {
          o->policy = (KtstrSchedPolicy)i;
          o->priority = 0;
          return 0;
        }
      if (is_rt && val[n] == ':' && ktstr_parse_u64 (val + n + 1, 99, &prio) == 0 && prio >= 1)
        {
          o->policy = (KtstrSchedPolicy)i;
          o->priority = (unsigned)prio;
          return 0;
        }
      if (is_rt)
        {
          ktstr_error_set (err, "policy=%s: %s needs a priority from 1 to 99, e.g. %s:10", val,
                           policy_names[i], policy_names[i]);
          return -1;
        }
    }
  ktstr_error_set (err, "policy=%s: expected normal, batch, idle, fifo:PRIO or rr:PRIO", val);
  return -1;
}

static int
parse_nice (KtstrWorkOpts *o, const char *val, KtstrError *err)
{
  uint64_t v;
  bool is_negative = val[0] == '-';
  if (ktstr_parse_u64 (val + (is_negative ? 1 : 0), 20, &v) != 0 || (!is_negative && v > 19))
    {
      ktstr_error_set (err, "nice=%s: expected a whole number from -20 to 19", val);
      return -1;
    }
  o->has_nice = true;
  o->nice = is_negative ? -(int)v : (int)v;
  return 0;
}

static int
parse_affinity (KtstrWorkOpts *o, const char *val, KtstrError *err)
{
  static const struct
  {
    const char *name;
    KtstrAffinityKind kind;
  } kinds[] = { { "inherit", KTSTR_AFFINITY_INHERIT },
                { "random", KTSTR_AFFINITY_RANDOM },
                { "llc", KTSTR_AFFINITY_LLC },
                { "cross", KTSTR_AFFINITY_CROSS },
                { "single", KTSTR_AFFINITY_SINGLE } };
  for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp (val, kinds[i].name) == 0)
      {
        o->affinity = kinds[i].kind;
        return 0;
      }
  if (strncmp (val, "exact:", 6) == 0)
    {
      KtstrError inner;
      if (ktstr_cpuset_parse (val + 6, &o->affinity_cpus, &inner) != 0
          || ktstr_cpuset_is_empty (&o->affinity_cpus))
        {
          ktstr_error_set (err, "affinity=%s: exact: needs a CPU list such as 0-1,3", val);
          return -1;
        }
      o->affinity = KTSTR_AFFINITY_EXACT;
      return 0;
    }
  ktstr_error_set (err, "affinity=%s: expected inherit, random, llc, cross, single or exact:LIST",
                   val);
  return -1;
}

static int
parse_mempolicy (KtstrWorkOpts *o, const char *val, KtstrError *err)
{
  static const struct
  {
    const char *name;
    KtstrMemPolicyKind kind;
  } kinds[] = { { "bind", KTSTR_MPOL_BIND },
                { "preferred", KTSTR_MPOL_PREFERRED },
                { "interleave", KTSTR_MPOL_INTERLEAVE },
                { "preferred_many", KTSTR_MPOL_PREFERRED_MANY },
                { "weighted_interleave", KTSTR_MPOL_WEIGHTED_INTERLEAVE } };
  ktstr_cpuset_zero (&o->mem_nodes);
  if (strcmp (val, "default") == 0 || strcmp (val, "local") == 0)
    {
      o->mempolicy = val[0] == 'd' ? KTSTR_MPOL_DEFAULT : KTSTR_MPOL_LOCAL;
      return 0;
    }
  const char *colon = strchr (val, ':');
  for (unsigned i = 0; colon != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
    {
      if (strlen (kinds[i].name) != (size_t)(colon - val)
          || strncmp (val, kinds[i].name, (size_t)(colon - val)) != 0)
        continue;
      KtstrError inner;
      if (ktstr_cpuset_parse (colon + 1, &o->mem_nodes, &inner) != 0
          || ktstr_cpuset_is_empty (&o->mem_nodes))
        {
          ktstr_error_set (err, "mempolicy=%s: %s: needs a node list such as 0 or 0-1", val,
                           kinds[i].name);
          return -1;
        }
      if (kinds[i].kind == KTSTR_MPOL_PREFERRED && ktstr_cpuset_count (&o->mem_nodes) != 1)
        {
          ktstr_error_set (err, "mempolicy=%s: preferred: takes exactly one node", val);
          return -1;
        }
      o->mempolicy = kinds[i].kind;
      return 0;
    }
  ktstr_error_set (err,
                   "mempolicy=%s: expected default, local, bind:NODES, preferred:NODE, "
                   "interleave:NODES, preferred_many:NODES or weighted_interleave:NODES",
                   val);
  return -1;
}

static int
parse_mpol_flags (KtstrWorkOpts *o, const char *val, KtstrError *err)
{
  char buf[128];
  snprintf (buf, sizeof buf, "%s", val);
  o->mpol_flags = 0;
  for (char *save = NULL, *f = strtok_r (buf, ",", &save); f != NULL;
       f = strtok_r (NULL, ",", &save))
    {
      if (strcmp (f, "static") == 0)
        o->mpol_flags |= KTSTR_MPOL_F_STATIC_NODES;
      else if (strcmp (f, "relative") == 0)
        o->mpol_flags |= KTSTR_MPOL_F_RELATIVE_NODES;
      else if (strcmp (f, "balancing") == 0)
        o->mpol_flags |= KTSTR_MPOL_F_NUMA_BALANCING;
      else if (strcmp (f, "none") != 0)
        {
          ktstr_error_set (err,
                           "mpol_flags=%s: '%s' is not one of none, static, relative, "
                           "balancing (comma-separated)",
                           val, f);
          return -1;
        }
    }
  return 0;
}

int
ktstr_workopts_parse (KtstrWorkOpts *o, const char *key, const char *val, KtstrError *err)
{
  if (strcmp (key, "policy") == 0)
    return parse_policy (o, val, err);
  if (strcmp (key, "nice") == 0)
    return parse_nice (o, val, err);
  if (strcmp (key, "affinity") == 0)
    return parse_affinity (o, val, err);
  if (strcmp (key, "mempolicy") == 0)
    return parse_mempolicy (o, val, err);
  if (strcmp (key, "mpol_flags") == 0)
    return parse_mpol_flags (o, val, err);
  return 1;
}

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
                           policy_names[o->policy], o->priority ? ":" : "", o->priority,
                           strerror (errno));
          return -1;
        }
    }
  return 0;
}
