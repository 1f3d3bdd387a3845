#include "config.h"

#include "common/number.h"

#include <stddef.h>

int
ktstr_parse_u64 (const char *s, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;
  if (s == NULL || *s == '\0')
    return -1;
  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p < '0' || *p > '9')
        return -1;
      unsigned d = (unsigned)(*p - '0');
      if (d > max || v > (max - d) / 10)
        return -1;
      v = v * 10 + d;
    }
  *out = v;
  return 0;
}
