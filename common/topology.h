/* Topology labels: "{n}n{l}l{c}c{t}t" (NUMA nodes, LLCs, cores per LLC,
 * threads per core), e.g. 1n2l4c2t.  Shared by host and guest, so plain C. */
#ifndef KTSTR_COMMON_TOPOLOGY_H
#define KTSTR_COMMON_TOPOLOGY_H

#include <stddef.h>

typedef struct
{
  unsigned numa_nodes;
  unsigned llcs; /* total, across all nodes */
  unsigned cores_per_llc;
  unsigned threads_per_core;
} KtstrTopology;

#define KTSTR_TOPOLOGY_DEFAULT_LABEL "1n1l2c1t"

/* Parses LABEL into *out.  Returns 0 on success, or -1 and writes a
 * human-readable reason into err (if non-NULL) on failure. */
int ktstr_topology_parse (const char *label, KtstrTopology *out, char *err, size_t err_len);

/* Writes the canonical label of T into buf; returns buf. */
char *ktstr_topology_format (const KtstrTopology *t, char *buf, size_t len);

unsigned ktstr_topology_cpus (const KtstrTopology *t);

#endif
