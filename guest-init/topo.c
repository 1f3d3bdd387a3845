#include "config.h"

#include "guest-init/topo.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
read_cpulist (const char *path, KtstrCpuSet *out)
{
  char buf[4096];
  if (ktstr_read_text (path, buf, sizeof buf) < 0)
    return -1;
  return ktstr_cpuset_parse (buf, out, NULL);
}

/* The shared_cpu_list of CPU's highest cache level (the LLC).  Returns -1
 * if the CPU has no cacheinfo at all.  The index directories are scanned,
 * not counted up to the first gap: nothing promises they are contiguous. */
static int
read_llc (const char *root, int cpu, KtstrCpuSet *out)
{
  char dir[512];
  unsigned best_level = 0;
  if (ktstr_path (dir, sizeof dir, "%s/devices/system/cpu/cpu%d/cache", root, cpu) != 0)
    return -1;
  DIR *d = opendir (dir);
  if (d == NULL)
    return -1;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      char path[1024], buf[32];
      uint64_t level, idx;
      KtstrCpuSet shared;
      if (strncmp (e->d_name, "index", 5) != 0 || ktstr_parse_u64 (e->d_name + 5, 64, &idx) != 0)
        continue;
      if (ktstr_path (path, sizeof path, "%s/%s/level", dir, e->d_name) != 0
          || ktstr_read_text (path, buf, sizeof buf) < 0 || ktstr_parse_u64 (buf, 16, &level) != 0
          || level <= best_level)
        continue;
      if (ktstr_path (path, sizeof path, "%s/%s/shared_cpu_list", dir, e->d_name) != 0
          || read_cpulist (path, &shared) != 0)
        continue;
      best_level = (unsigned)level;
      *out = shared;
    }
  closedir (d);
  return best_level > 0 ? 0 : -1;
}

static void
add_group (KtstrCpuSet *groups, unsigned *n, const KtstrCpuSet *g)
{
  for (unsigned i = 0; i < *n; i++)
    if (ktstr_cpuset_equal (&groups[i], g))
      return;
  if (*n < KTSTR_TOPO_MAX_GROUPS)
    groups[(*n)++] = *g;
}

static int
cmp_first_cpu (const void *a, const void *b)
{
  return ktstr_cpuset_next (a, 0) - ktstr_cpuset_next (b, 0);
}

static int
read_nodes (const char *root, KtstrTopo *t)
{
  char dir[512];
  if (ktstr_path (dir, sizeof dir, "%s/devices/system/node", root) != 0)
    return -1;
  DIR *d = opendir (dir);
  if (d == NULL)
    return -1;
  struct dirent *e;
  while ((e = readdir (d)) != NULL && t->n_nodes < KTSTR_TOPO_MAX_GROUPS)
    {
      uint64_t id;
      char path[1024];
      KtstrCpuSet cpus;
      if (strncmp (e->d_name, "node", 4) != 0 || ktstr_parse_u64 (e->d_name + 4, 4096, &id) != 0)
        continue;
      if (ktstr_path (path, sizeof path, "%s/%s/cpulist", dir, e->d_name) != 0
          || read_cpulist (path, &cpus) != 0)
        continue;
      /* Insertion sort by id: readdir order is arbitrary. */
      unsigned i = t->n_nodes++;
      while (i > 0 && t->node_ids[i - 1] > (int)id)
        {
          t->node_ids[i] = t->node_ids[i - 1];
          t->nodes[i] = t->nodes[i - 1];
          i--;
        }
      t->node_ids[i] = (int)id;
      t->nodes[i] = cpus;
    }
  closedir (d);
  return t->n_nodes > 0 ? 0 : -1;
}

int
ktstr_topo_read (const char *root, KtstrTopo *t, KtstrError *err)
{
  char path[512];
  memset (t, 0, sizeof *t);

  errno = 0;
  if (ktstr_path (path, sizeof path, "%s/devices/system/cpu/online", root) != 0
      || read_cpulist (path, &t->online) != 0)
    {
      ktstr_error_set (err, "cannot read the online CPUs from '%s': %s", path,
                       errno ? strerror (errno) : "not a CPU list");
      return -1;
    }
  t->n_cpus = ktstr_cpuset_count (&t->online);
  if (t->n_cpus == 0)
    {
      ktstr_error_set (err, "'%s' lists no CPUs", path);
      return -1;
    }

  t->has_cache_info = true;
  t->smt = 1;
  ktstr_cpuset_foreach (cpu, &t->online)
  {
    KtstrCpuSet llc, siblings;
    if (t->has_cache_info && read_llc (root, cpu, &llc) == 0)
      add_group (t->llcs, &t->n_llcs, &llc);
    else
      t->has_cache_info = false;

    if (ktstr_path (path, sizeof path, "%s/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                    root, cpu)
            == 0
        && read_cpulist (path, &siblings) == 0 && ktstr_cpuset_count (&siblings) > t->smt)
      t->smt = ktstr_cpuset_count (&siblings);
  }
  /* A kernel or VMM without cacheinfo: treat the machine as one LLC rather
   * than fail; the host compares the LLC count with what it asked for. */
  if (!t->has_cache_info || t->n_llcs == 0)
    {
      t->n_llcs = 1;
      t->llcs[0] = t->online;
      t->has_cache_info = false;
    }
  qsort (t->llcs, t->n_llcs, sizeof t->llcs[0], cmp_first_cpu);

  /* CONFIG_NUMA=n has no node directory: one node 0 with every CPU. */
  if (read_nodes (root, t) != 0)
    {
      t->n_nodes = 1;
      t->node_ids[0] = 0;
      t->nodes[0] = t->online;
    }
  return 0;
}

char *
ktstr_topo_nodes_for (const KtstrTopo *t, const KtstrCpuSet *cpus, char *buf, size_t len)
{
  KtstrCpuSet ids;
  ktstr_cpuset_zero (&ids);
  for (unsigned i = 0; i < t->n_nodes; i++)
    if (ktstr_cpuset_intersects (&t->nodes[i], cpus))
      ktstr_cpuset_add (&ids, (unsigned)t->node_ids[i]);
  return ktstr_cpuset_format (&ids, buf, len);
}
