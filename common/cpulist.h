/* The kernel's CPU list syntax ("0-3,5,8-9"), as sysfs, cgroup cpuset
 * files, the plan's exact:LIST and the agent's cgroup messages write it.
 * One parser for host and guest: the guest fills its fixed bitmaps with it
 * (common/cpuset.h), the host its arrays (src/util/cpulist.h). */
#ifndef KTSTR_COMMON_CPULIST_H
#define KTSTR_COMMON_CPULIST_H

/* Called for each range LO-HI (LO == HI for a single CPU), in the order
 * written; a non-zero return stops the parse and is returned. */
typedef int (*KtstrCpuRangeFunc) (unsigned lo, unsigned hi, void *data);

/* Parses LIST: comma-separated CPU numbers and ascending ranges A-B, with
 * whitespace (spaces, tabs, newlines) around the whole list ignored; ""
 * is the empty list.  Every CPU must be below LIMIT.  Returns 0, -1 on a
 * malformed list or a CPU at or above LIMIT (FN may have been called for
 * the ranges before it), or FN's non-zero return. */
int ktstr_cpulist_parse_ranges (const char *list, unsigned limit, KtstrCpuRangeFunc fn, void *data);

#endif
