#include "config.h"

#include "common/plan-workopts.h"

#include <stdio.h>
#include <string.h>

#include "common/number.h"

static const char *const policy_names[] = { [KTSTR_POLICY_NORMAL] = "normal",
                                            [KTSTR_POLICY_BATCH] = "batch",
                                            [KTSTR_POLICY_IDLE] = "idle",
                                            [KTSTR_POLICY_FIFO] = "fifo",
                                            [KTSTR_POLICY_RR] = "rr" };

const char *
ktstr_sched_policy_name (KtstrSchedPolicy p)
{
  return policy_names[p];
}

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
