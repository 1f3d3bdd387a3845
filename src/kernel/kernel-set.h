/* The kernels of one `ktstr test` run.
 *
 * --kernel may be given several times; each value is a path, a cache key,
 * a version or MAJOR.MINOR prefix found in the cache (kernel.h), or a
 * START..END range over the cached kernels (kernel-range.h).  All of them
 * are resolved before anything boots, so a typo in the third kernel fails
 * the run at once instead of after the first kernel's tests.  Without
 * --kernel the run has the one kernel of the discovery chain.
 *
 * Each kernel's sidecars go to its own run directory, keyed by its
 * version, so two kernels with the same version (or two without one)
 * would overwrite each other's sidecars: that is refused, naming both
 * values.  The same image named twice (a path and its cache key) runs
 * once. */
#ifndef KTSTR_KERNEL_SET_H
#define KTSTR_KERNEL_SET_H

#include <glib.h>

#include "kernel/kernel.h"

G_BEGIN_DECLS

/* ARGS: the --kernel values (NULL or empty: the discovery chain).  Returns
 * the kernels (KtstrKernel*) in the order given, a range's oldest first;
 * NULL and *error naming the value that failed. */
GPtrArray *ktstr_kernels_resolve (char **args, const char *boot_dir, GError **error);

/* What a kernel is called in test names and the compare hint: its version,
 * or "unknown". */
const char *ktstr_kernel_label (const KtstrKernel *kernel);

G_END_DECLS

#endif
