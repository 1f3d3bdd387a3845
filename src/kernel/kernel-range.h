/* Kernel ranges: "START..END" over the kernels in the kernel cache.
 *
 * `ktstr test --kernel 6.10..6.12` runs on every cached kernel whose
 * version lies between the two ends, both included, and `ktstr kernel
 * list --range` shows which those are.  An end matches as a prefix, the
 * way a version given alone finds the cache's kernels ("6.12" is 6.12,
 * 6.12.117 and 6.12.0-rc1): 6.10..6.12 takes 6.10.x, 6.11.x and 6.12.x.
 * Versions compare piece by piece, numbers as numbers (6.9 < 6.12).
 *
 * A range selects what a version lookup would find: valid entries built
 * with the current ktstr.kconfig (a stale build is only used by its exact
 * key), and of several builds of one version the newest.  Nothing is
 * downloaded: a version the cache lacks is not in any range. */
#ifndef KTSTR_KERNEL_RANGE_H
#define KTSTR_KERNEL_RANGE_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_KERNEL_RANGE_ERROR (ktstr_kernel_range_error_quark ())
GQuark ktstr_kernel_range_error_quark (void);

typedef enum
{
  KTSTR_KERNEL_RANGE_ERROR_INVALID,  /* not START..END of two versions */
  KTSTR_KERNEL_RANGE_ERROR_INVERTED, /* START after END */
  KTSTR_KERNEL_RANGE_ERROR_EMPTY,    /* no cached kernel lies in it */
} KtstrKernelRangeError;

/* TRUE when TEXT has the shape START..END with a version at each end
 * (digits and dots, then an optional suffix such as -rc1): how --kernel
 * tells a range from a path or cache key. */
gboolean ktstr_kernel_range_is_range (const char *text);

/* Splits TEXT into its ends; fails on a text that is no range or whose
 * START comes after END, naming TEXT. */
gboolean ktstr_kernel_range_parse (const char *text, char **start, char **end, GError **error);

/* <0, 0, >0 as VERSION is before, within or after the prefix BOUND. */
int ktstr_kernel_version_compare_bound (const char *version, const char *bound);

/* The entries of ENTRIES (KtstrCacheEntry*, newest first as
 * ktstr_cache_list gives them, borrowed) that RANGE selects, oldest
 * version first, one per version: a new array of borrowed pointers.
 * Entries built with another fragment than KCONFIG_HASH (when non-NULL)
 * are left out and counted in *N_STALE (may be NULL).  An empty
 * selection is an error naming RANGE and the versions the cache has. */
GPtrArray *ktstr_kernel_range_select (GPtrArray *entries, const char *range,
                                      const char *kconfig_hash, guint *n_stale, GError **error);

G_END_DECLS

#endif
