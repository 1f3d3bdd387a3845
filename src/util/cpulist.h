/* CPU lists on the host: the kernel's list syntax ("0-3,5", parsed by
 * common/cpulist.h, the grammar the guest uses too) to and from sorted
 * arrays of CPU numbers.  The host reads such lists from the guest's
 * cgroup messages, its topology report and sysfs, and prints them in
 * failure messages. */
#ifndef KTSTR_UTIL_CPULIST_H
#define KTSTR_UTIL_CPULIST_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_CPULIST_ERROR (ktstr_cpulist_error_quark ())
GQuark ktstr_cpulist_error_quark (void);

typedef enum
{
  KTSTR_CPULIST_ERROR_INVALID, /* not a CPU list, or a CPU above KTSTR_CPULIST_MAX_CPU */
} KtstrCpulistError;

/* The largest CPU number a host-side list may hold: a list like
 * "0-4000000000" is a typo, and expanding it would exhaust memory. */
#define KTSTR_CPULIST_MAX_CPU 65535

/* TEXT as a GArray of guint, sorted ascending without duplicates.  ""
 * (and whitespace alone) is the empty list. */
GArray *ktstr_cpulist_parse (const char *text, GError **error);

/* CPUS[0..N) (any order, duplicates allowed) as a canonical list:
 * ascending, consecutive CPUs joined into ranges ("0-2,5"); "" when N is 0. */
char *ktstr_cpulist_format (const guint *cpus, guint n);

/* Sorts CPUS (guint) ascending and drops duplicates, in place. */
void ktstr_cpulist_sort_unique (GArray *cpus);

G_END_DECLS

#endif
