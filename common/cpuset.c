#include "config.h"

#include "common/cpuset.h"

#include <stdio.h>
#include <string.h>

#include "common/cpulist.h"

void
ktstr_cpuset_zero (KtstrCpuSet *s)
{
  memset (s, 0, sizeof *s);
}

void
ktstr_cpuset_add (KtstrCpuSet *s, unsigned cpu)
{
  if (cpu < KTSTR_MAX_CPUS)
    s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

bool
ktstr_cpuset_has (const KtstrCpuSet *s, unsigned cpu)
{
  return cpu < KTSTR_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned
ktstr_cpuset_count (const KtstrCpuSet *s)
{
  unsigned n = 0;
  for (size_t i = 0; i < KTSTR_MAX_CPUS / 64; i++)
    n += (unsigned)__builtin_popcountll (s->bits[i]);
  return n;
}

bool
ktstr_cpuset_is_empty (const KtstrCpuSet *s)
{
  for (size_t i = 0; i < KTSTR_MAX_CPUS / 64; i++)
    if (s->bits[i] != 0)
      return false;
  return true;
}

bool
ktstr_cpuset_equal (const KtstrCpuSet *a, const KtstrCpuSet *b)
{
  return memcmp (a->bits, b->bits, sizeof a->bits) == 0;
}

bool
ktstr_cpuset_intersects (const KtstrCpuSet *a, const KtstrCpuSet *b)
{
  for (size_t i = 0; i < KTSTR_MAX_CPUS / 64; i++)
    if ((a->bits[i] & b->bits[i]) != 0)
      return true;
  return false;
}

void
ktstr_cpuset_subtract (KtstrCpuSet *out, const KtstrCpuSet *a, const KtstrCpuSet *b)
{
  for (size_t i = 0; i < KTSTR_MAX_CPUS / 64; i++)
    out->bits[i] = a->bits[i] & ~b->bits[i];
}

int
ktstr_cpuset_next (const KtstrCpuSet *s, unsigned from)
{
  for (unsigned w = from / 64; w < KTSTR_MAX_CPUS / 64; w++)
    {
      uint64_t word = s->bits[w];
      if (w == from / 64)
        word &= ~0ull << (from % 64);
      if (word != 0)
        return (int)(w * 64 + (unsigned)__builtin_ctzll (word));
    }
  return -1;
}

int
ktstr_cpuset_last (const KtstrCpuSet *s)
{
  for (int w = KTSTR_MAX_CPUS / 64 - 1; w >= 0; w--)
    if (s->bits[w] != 0)
      return w * 64 + 63 - __builtin_clzll (s->bits[w]);
  return -1;
}

static int
add_range (unsigned lo, unsigned hi, void *data)
{
  for (unsigned c = lo; c <= hi; c++)
    ktstr_cpuset_add (data, c);
  return 0;
}

int
ktstr_cpuset_parse (const char *list, KtstrCpuSet *out, KtstrError *err)
{
  ktstr_cpuset_zero (out);
  if (ktstr_cpulist_parse_ranges (list, KTSTR_MAX_CPUS, add_range, out) == 0)
    return 0;
  ktstr_error_set (err, "invalid CPU list '%s' (expected numbers and ranges below %d, e.g. 0-3,5)",
                   list, KTSTR_MAX_CPUS);
  return -1;
}

char *
ktstr_cpuset_format (const KtstrCpuSet *s, char *buf, size_t len)
{
  size_t off = 0;
  if (len == 0)
    return NULL;
  buf[0] = '\0';
  int cpu = ktstr_cpuset_next (s, 0);
  while (cpu >= 0)
    {
      int end = cpu;
      while (end + 1 < KTSTR_MAX_CPUS && ktstr_cpuset_has (s, (unsigned)end + 1))
        end++;
      int n = end > cpu ? snprintf (buf + off, len - off, "%s%d-%d", off ? "," : "", cpu, end)
                        : snprintf (buf + off, len - off, "%s%d", off ? "," : "", cpu);
      if (n < 0 || (size_t)n >= len - off)
        return NULL;
      off += (size_t)n;
      cpu = end + 1 < KTSTR_MAX_CPUS ? ktstr_cpuset_next (s, (unsigned)end + 1) : -1;
    }
  return buf;
}
