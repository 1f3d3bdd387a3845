#include "config.h"

#include "guest-init/cpulist.h"

#include <stdio.h>
#include <string.h>

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

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n')
    p++;
  return p;
}

static int
parse_cpu (const char **pp, unsigned *out)
{
  const char *p = *pp;
  unsigned v = 0;
  if (*p < '0' || *p > '9')
    return -1;
  while (*p >= '0' && *p <= '9')
    {
      v = v * 10 + (unsigned)(*p - '0');
      if (v >= KTSTR_MAX_CPUS)
        return -1;
      p++;
    }
  *pp = p;
  *out = v;
  return 0;
}

static int
parse_list (const char *p, KtstrCpuSet *out)
{
  p = skip_space (p);
  if (*p == '\0')
    return 0;
  for (;;)
    {
      unsigned lo, hi;
      if (parse_cpu (&p, &lo) != 0)
        return -1;
      hi = lo;
      if (*p == '-')
        {
          p++;
          if (parse_cpu (&p, &hi) != 0 || hi < lo)
            return -1;
        }
      for (unsigned c = lo; c <= hi; c++)
        ktstr_cpuset_add (out, c);
      if (*p != ',')
        return *skip_space (p) == '\0' ? 0 : -1;
      p++;
    }
}

int
ktstr_cpuset_parse (const char *list, KtstrCpuSet *out, KtstrError *err)
{
  ktstr_cpuset_zero (out);
  if (parse_list (list, out) == 0)
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
