/* CPU lists: see common/cpulist.h. */
#include "config.h"

#include "common/cpulist.h"

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n')
    p++;
  return p;
}

/* A decimal CPU number below LIMIT at *PP; advances *PP past it. */
static int
parse_cpu (const char **pp, unsigned limit, unsigned *out)
{
  const char *p = *pp;
  unsigned long v = 0;
  if (*p < '0' || *p > '9')
    return -1;
  while (*p >= '0' && *p <= '9')
    {
      v = v * 10 + (unsigned long)(*p - '0');
      if (v >= limit)
        return -1;
      p++;
    }
  *pp = p;
  *out = (unsigned)v;
  return 0;
}

int
ktstr_cpulist_parse_ranges (const char *list, unsigned limit, KtstrCpuRangeFunc fn, void *data)
{
  const char *p = skip_space (list);
  if (*p == '\0')
    return 0;
  for (;;)
    {
      unsigned lo, hi;
      if (parse_cpu (&p, limit, &lo) != 0)
        return -1;
      hi = lo;
      if (*p == '-')
        {
          p++;
          if (parse_cpu (&p, limit, &hi) != 0 || hi < lo)
            return -1;
        }
      int rc = fn (lo, hi, data);
      if (rc != 0)
        return rc;
      if (*p != ',')
        return *skip_space (p) == '\0' ? 0 : -1;
      p++;
    }
}
