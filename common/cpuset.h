/* CPU sets as fixed bitmaps, and the kernel's CPU list syntax ("0-3,5")
 * used by sysfs, cgroup cpuset files and the plan's exact:LIST.  Shared:
 * the plan grammar parses lists with it on both sides. */
#ifndef KTSTR_COMMON_CPUSET_H
#define KTSTR_COMMON_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* The host caps topologies at 512 CPUs (common/topology.c); twice that
 * leaves room for sysfs trees we did not ask for. */
#define KTSTR_MAX_CPUS 1024

typedef struct
{
  uint64_t bits[KTSTR_MAX_CPUS / 64];
} KtstrCpuSet;

void ktstr_cpuset_zero (KtstrCpuSet *s);
void ktstr_cpuset_add (KtstrCpuSet *s, unsigned cpu);
bool ktstr_cpuset_has (const KtstrCpuSet *s, unsigned cpu);
unsigned ktstr_cpuset_count (const KtstrCpuSet *s);
bool ktstr_cpuset_is_empty (const KtstrCpuSet *s);
bool ktstr_cpuset_equal (const KtstrCpuSet *a, const KtstrCpuSet *b);
bool ktstr_cpuset_intersects (const KtstrCpuSet *a, const KtstrCpuSet *b);
/* out = a & ~b */
void ktstr_cpuset_subtract (KtstrCpuSet *out, const KtstrCpuSet *a, const KtstrCpuSet *b);
/* Lowest member >= from, or -1. */
int ktstr_cpuset_next (const KtstrCpuSet *s, unsigned from);
/* Highest member, or -1. */
int ktstr_cpuset_last (const KtstrCpuSet *s);

/* Parses "0-3,5" (whitespace around it ignored; "" is the empty set). */
int ktstr_cpuset_parse (const char *list, KtstrCpuSet *out, KtstrError *err);

/* Writes the canonical list ("0-3,5", "" when empty) into buf; returns buf,
 * or NULL if it did not fit. */
char *ktstr_cpuset_format (const KtstrCpuSet *s, char *buf, size_t len);

#define ktstr_cpuset_foreach(cpu, set)                                                             \
  for (int cpu = ktstr_cpuset_next ((set), 0); cpu >= 0;                                           \
       cpu = ktstr_cpuset_next ((set), (unsigned)cpu + 1))

#endif
