/* The build configuration of a kernel under test, when one can be found
 * next to it: CONFIG in the build tree (.config), a "config" file beside
 * the image, or /boot/config-VERSION.  Used to refuse --scheduler on a
 * kernel without sched_ext before any VM starts. */
#ifndef KTSTR_KERNEL_CONFIG_H
#define KTSTR_KERNEL_CONFIG_H

#include <glib.h>

#include "kernel/kernel.h"

G_BEGIN_DECLS

/* FALSE (error set) when KERNEL's config is known and lacks sched_ext. */
gboolean ktstr_kernel_check_sched_ext (const KtstrKernel *kernel, const char *boot_dir,
                                       GError **error);

G_END_DECLS

#endif
