#include "config.h"

#include "common/cpu-topo.h"

#include <string.h>

void
ktstr_topo_from_label (const KtstrTopology *t, KtstrTopo *out)
{
  memset (out, 0, sizeof *out);
  unsigned per_llc = t->cores_per_llc * t->threads_per_core;
  unsigned cpus = ktstr_topology_cpus (t);
  unsigned per_node = t->numa_nodes > 0 ? cpus / t->numa_nodes : cpus;
  for (unsigned cpu = 0; cpu < cpus && cpu < KTSTR_MAX_CPUS; cpu++)
    {
      ktstr_cpuset_add (&out->online, cpu);
      if (per_llc > 0 && cpu / per_llc < KTSTR_TOPO_MAX_GROUPS)
        ktstr_cpuset_add (&out->llcs[cpu / per_llc], cpu);
      if (per_node > 0 && cpu / per_node < KTSTR_TOPO_MAX_GROUPS)
        ktstr_cpuset_add (&out->nodes[cpu / per_node], cpu);
    }
  out->n_cpus = ktstr_cpuset_count (&out->online);
  out->n_llcs = t->llcs < KTSTR_TOPO_MAX_GROUPS ? t->llcs : KTSTR_TOPO_MAX_GROUPS;
  out->n_nodes = t->numa_nodes < KTSTR_TOPO_MAX_GROUPS ? t->numa_nodes : KTSTR_TOPO_MAX_GROUPS;
  for (unsigned i = 0; i < out->n_nodes; i++)
    out->node_ids[i] = (int)i;
  out->smt = t->threads_per_core;
  out->has_cache_info = true;
}

void
ktstr_topo_usable (const KtstrTopo *t, KtstrCpuSet *out)
{
  *out = t->online;
  if (t->n_cpus > 2)
    {
      int last = ktstr_cpuset_last (&t->online);
      out->bits[last / 64] &= ~(1ull << (last % 64));
    }
}

int
ktstr_topo_resolve (const KtstrTopo *t, const KtstrCpusetSpec *spec, KtstrCpuSet *out,
                    KtstrError *err)
{
  ktstr_cpuset_zero (out);
  switch (spec->kind)
    {
    case KTSTR_CPUSET_ALL:
      return 0;

    case KTSTR_CPUSET_EXACT:
      {
        KtstrCpuSet missing;
        char list[256];
        ktstr_cpuset_subtract (&missing, &spec->cpus, &t->online);
        if (!ktstr_cpuset_is_empty (&missing))
          {
            char online[256];
            ktstr_error_set (err, "cpuset '%s': CPU %s not online in the guest (online: %s)",
                             spec->text, ktstr_cpuset_format (&missing, list, sizeof list) ?: "?",
                             ktstr_cpuset_format (&t->online, online, sizeof online) ?: "?");
            return -1;
          }
        *out = spec->cpus;
        return 0;
      }

    case KTSTR_CPUSET_DISJOINT:
      {
        KtstrCpuSet usable;
        ktstr_topo_usable (t, &usable);
        unsigned k = ktstr_cpuset_count (&usable);
        if (spec->count > k)
          {
            ktstr_error_set (err, "cpuset '%s': %u usable CPUs cannot make %u non-empty slices",
                             spec->text, k, spec->count);
            return -1;
          }
        /* Slice i holds usable CPUs [i*k/N, (i+1)*k/N): equal sizes when N
         * divides k, sizes differing by at most one otherwise. */
        unsigned lo = spec->index * k / spec->count;
        unsigned hi = (spec->index + 1) * k / spec->count;
        unsigned pos = 0;
        ktstr_cpuset_foreach (cpu, &usable)
        {
          if (pos >= lo && pos < hi)
            ktstr_cpuset_add (out, (unsigned)cpu);
          pos++;
        }
        return 0;
      }

    case KTSTR_CPUSET_NUMA:
      {
        KtstrCpuSet usable;
        unsigned i;
        for (i = 0; i < t->n_nodes; i++)
          if (t->node_ids[i] == (int)spec->index)
            break;
        if (i == t->n_nodes)
          {
            ktstr_error_set (err, "cpuset '%s': the guest has no NUMA node %u (it has %u node%s)",
                             spec->text, spec->index, t->n_nodes, t->n_nodes == 1 ? "" : "s");
            return -1;
          }
        if (ktstr_cpuset_is_empty (&t->nodes[i]))
          {
            ktstr_error_set (err, "cpuset '%s': NUMA node %u has no CPUs (a memory-only node)",
                             spec->text, spec->index);
            return -1;
          }
        ktstr_topo_usable (t, &usable);
        ktstr_cpuset_foreach (cpu, &t->nodes[i])
        {
          if (ktstr_cpuset_has (&usable, (unsigned)cpu))
            ktstr_cpuset_add (out, (unsigned)cpu);
        }
        if (ktstr_cpuset_is_empty (out))
          *out = t->nodes[i];
        return 0;
      }

    case KTSTR_CPUSET_RANGE:
    case KTSTR_CPUSET_OVERLAP:
      {
        KtstrCpuSet usable;
        ktstr_topo_usable (t, &usable);
        unsigned k = ktstr_cpuset_count (&usable), lo, hi;
        if (spec->kind == KTSTR_CPUSET_RANGE)
          {
            lo = spec->lo_pm * k / 1000;
            hi = spec->hi_pm * k / 1000;
          }
        else
          {
            /* Slice I of N as for disjoint:, widened by F of a slice on each
             * side (rounded up), so neighbouring slices share CPUs. */
            lo = spec->index * k / spec->count;
            hi = (spec->index + 1) * k / spec->count;
            unsigned widen = ((hi - lo) * spec->lo_pm + 999) / 1000;
            lo = lo > widen ? lo - widen : 0;
            hi = hi + widen < k ? hi + widen : k;
          }
        if (hi <= lo)
          {
            ktstr_error_set (err, "cpuset '%s': selects no CPU of the %u usable ones", spec->text,
                             k);
            return -1;
          }
        unsigned pos = 0;
        ktstr_cpuset_foreach (cpu, &usable)
        {
          if (pos >= lo && pos < hi)
            ktstr_cpuset_add (out, (unsigned)cpu);
          pos++;
        }
        return 0;
      }

    case KTSTR_CPUSET_LLC:
      if (spec->index >= t->n_llcs)
        {
          ktstr_error_set (err, "cpuset '%s': the guest has %u LLC%s (llc:0 to llc:%u)", spec->text,
                           t->n_llcs, t->n_llcs == 1 ? "" : "s", t->n_llcs - 1);
          return -1;
        }
      *out = t->llcs[spec->index];
      return 0;
    }
  ktstr_error_set (err, "cpuset '%s': unknown kind", spec->text);
  return -1;
}
