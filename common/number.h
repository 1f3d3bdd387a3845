/* Strict number parsing for text that crosses between host and guest
 * (plan lines, sysfs files): whole decimal strings only, so that "12ms",
 * "-1" or "0x10" are errors rather than silently read as something else. */
#ifndef KTSTR_COMMON_NUMBER_H
#define KTSTR_COMMON_NUMBER_H

#include <stdint.h>

/* Parses a whole decimal string (no sign, no trailing junk) up to max.
 * Returns 0, or -1 when S is not such a string or exceeds MAX. */
int ktstr_parse_u64 (const char *s, uint64_t max, uint64_t *out);

#endif
