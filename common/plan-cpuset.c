#include "config.h"

#include "common/plan-cpuset.h"

#include <stdio.h>
#include <string.h>

#include "common/number.h"

/* A fraction from 0 to 1 ("0", "1", "0.25", ".5") in per-mille. */
static int
parse_permille (const char *s, unsigned *out)
{
  unsigned whole = 0, frac = 0, scale = 100;
  const char *p = s;
  if (*p == '\0')
    return -1;
  if (*p == '0' || *p == '1')
    whole = (unsigned)(*p++ - '0');
  if (*p == '.')
    {
      p++;
      if (*p < '0' || *p > '9')
        return -1;
      for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
        frac += (unsigned)(*p - '0') * scale;
    }
  if (*p != '\0' || p == s)
    return -1;
  *out = whole * 1000 + frac;
  return *out <= 1000 ? 0 : -1;
}

int
ktstr_cpuset_spec_parse (const char *text, KtstrCpusetSpec *spec, KtstrError *err)
{
  memset (spec, 0, sizeof *spec);
  snprintf (spec->text, sizeof spec->text, "%s", text);
  if (strcmp (text, "all") == 0)
    {
      spec->kind = KTSTR_CPUSET_ALL;
      return 0;
    }
  if (strncmp (text, "exact:", 6) == 0)
    {
      KtstrError inner;
      spec->kind = KTSTR_CPUSET_EXACT;
      if (ktstr_cpuset_parse (text + 6, &spec->cpus, &inner) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': %s", text, inner.msg);
          return -1;
        }
      if (ktstr_cpuset_is_empty (&spec->cpus))
        {
          ktstr_error_set (err, "invalid cpuset '%s': exact: needs at least one CPU", text);
          return -1;
        }
      return 0;
    }
  if (strncmp (text, "disjoint:", 9) == 0)
    {
      char buf[64];
      uint64_t i, n;
      snprintf (buf, sizeof buf, "%s", text + 9);
      char *slash = strchr (buf, '/');
      if (slash != NULL)
        *slash = '\0';
      if (slash == NULL || ktstr_parse_u64 (buf, KTSTR_MAX_CPUS, &i) != 0
          || ktstr_parse_u64 (slash + 1, KTSTR_MAX_CPUS, &n) != 0 || n == 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected disjoint:I/N, e.g. disjoint:0/2",
                           text);
          return -1;
        }
      if (i >= n)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': slice %u does not exist, slices of %u "
                           "count from 0 to %u",
                           text, (unsigned)i, (unsigned)n, (unsigned)n - 1);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_DISJOINT;
      spec->index = (unsigned)i;
      spec->count = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "numa:", 5) == 0)
    {
      uint64_t n;
      if (ktstr_parse_u64 (text + 5, KTSTR_MAX_CPUS, &n) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected numa:N, e.g. numa:0", text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_NUMA;
      spec->index = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "range:", 6) == 0)
    {
      char buf[64];
      snprintf (buf, sizeof buf, "%s", text + 6);
      char *dash = strchr (buf, '-');
      if (dash != NULL)
        *dash = '\0';
      if (dash == NULL || parse_permille (buf, &spec->lo_pm) != 0
          || parse_permille (dash + 1, &spec->hi_pm) != 0 || spec->lo_pm >= spec->hi_pm)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': expected range:A-B with fractions 0 <= A < B "
                           "<= 1, e.g. range:0-0.5",
                           text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_RANGE;
      return 0;
    }
  if (strncmp (text, "overlap:", 8) == 0)
    {
      char buf[64];
      uint64_t i, n;
      snprintf (buf, sizeof buf, "%s", text + 8);
      char *s1 = strchr (buf, '/');
      char *s2 = s1 != NULL ? strchr (s1 + 1, '/') : NULL;
      if (s2 != NULL)
        *s1 = *s2 = '\0';
      if (s2 == NULL || ktstr_parse_u64 (buf, KTSTR_MAX_CPUS, &i) != 0
          || ktstr_parse_u64 (s1 + 1, KTSTR_MAX_CPUS, &n) != 0 || n == 0 || i >= n
          || parse_permille (s2 + 1, &spec->lo_pm) != 0)
        {
          ktstr_error_set (err,
                           "invalid cpuset '%s': expected overlap:I/N/F (slice I of N, 0 <= I < "
                           "N, widened by fraction F <= 1), e.g. overlap:0/2/0.5",
                           text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_OVERLAP;
      spec->index = (unsigned)i;
      spec->count = (unsigned)n;
      return 0;
    }
  if (strncmp (text, "llc:", 4) == 0)
    {
      uint64_t i;
      if (ktstr_parse_u64 (text + 4, KTSTR_MAX_CPUS, &i) != 0)
        {
          ktstr_error_set (err, "invalid cpuset '%s': expected llc:I, e.g. llc:0", text);
          return -1;
        }
      spec->kind = KTSTR_CPUSET_LLC;
      spec->index = (unsigned)i;
      return 0;
    }
  ktstr_error_set (err,
                   "invalid cpuset '%s' (expected all, exact:LIST, llc:I, numa:N, range:A-B, "
                   "disjoint:I/N or overlap:I/N/F)",
                   text);
  return -1;
}
