#include "common/topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds keep QEMU command lines sane and catch typos like 1n2l400c1t. */
#define MAX_NODES 16
#define MAX_LLCS 64
#define MAX_CORES 64
#define MAX_THREADS 4
#define MAX_CPUS 512

static int
fail (char *err, size_t err_len, const char *label, const char *why)
{
  if (err != NULL && err_len > 0)
    snprintf (err, err_len, "invalid topology '%s': %s (expected NnNlNcNt, e.g. 1n2l4c1t)", label,
              why);
  return -1;
}

int
ktstr_topology_parse (const char *label, KtstrTopology *out, char *err, size_t err_len)
{
  static const char suffixes[4] = { 'n', 'l', 'c', 't' };
  unsigned vals[4];
  const char *p = label;

  if (label == NULL || *label == '\0')
    return fail (err, err_len, "", "empty label");

  for (int i = 0; i < 4; i++)
    {
      char *end;
      if (*p < '0' || *p > '9')
        return fail (err, err_len, label, "each part must start with a number");
      errno = 0;
      unsigned long v = strtoul (p, &end, 10);
      if (errno == 0 && v == 0)
        return fail (err, err_len, label, "each count must be at least 1");
      /* Far above every per-part limit below, whose messages say more. */
      if (errno != 0 || v > 100000)
        return fail (err, err_len, label,
                     "a count is far too large (the limits: 16 NUMA nodes, "
                     "64 LLCs, 64 cores per LLC, 4 threads per core)");
      if (*end != suffixes[i])
        return fail (err, err_len, label, "parts must come in the order n, l, c, t");
      vals[i] = (unsigned)v;
      p = end + 1;
    }
  if (*p != '\0')
    return fail (err, err_len, label, "trailing characters after the 't' part");

  if (vals[0] > MAX_NODES)
    return fail (err, err_len, label, "at most 16 NUMA nodes");
  if (vals[1] > MAX_LLCS)
    return fail (err, err_len, label, "at most 64 LLCs");
  if (vals[2] > MAX_CORES)
    return fail (err, err_len, label, "at most 64 cores per LLC");
  if (vals[3] > MAX_THREADS)
    return fail (err, err_len, label, "at most 4 threads per core");
  if (vals[1] % vals[0] != 0)
    return fail (err, err_len, label, "the LLC count must be a multiple of the NUMA node count");
  if ((unsigned long)vals[1] * vals[2] * vals[3] > MAX_CPUS)
    return fail (err, err_len, label, "at most 512 CPUs in total");

  out->numa_nodes = vals[0];
  out->llcs = vals[1];
  out->cores_per_llc = vals[2];
  out->threads_per_core = vals[3];
  return 0;
}

char *
ktstr_topology_format (const KtstrTopology *t, char *buf, size_t len)
{
  snprintf (buf, len, "%un%ul%uc%ut", t->numa_nodes, t->llcs, t->cores_per_llc,
            t->threads_per_core);
  return buf;
}

unsigned
ktstr_topology_cpus (const KtstrTopology *t)
{
  return t->llcs * t->cores_per_llc * t->threads_per_core;
}
