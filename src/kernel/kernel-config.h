/* The build configuration of a kernel under test, when one can be found
 * next to it: CONFIG in the build tree (.config), a "config" file beside
 * the image, or /boot/config-VERSION.  Used to refuse --scheduler on a
 * kernel without sched_ext before any VM starts. */
#ifndef KTSTR_KERNEL_CONFIG_H
#define KTSTR_KERNEL_CONFIG_H

#include <glib.h>

#include "kernel/kernel.h"

G_BEGIN_DECLS

/* The config file path for KERNEL, or NULL when none is known. */
char *ktstr_kernel_find_config (const KtstrKernel *kernel, const char *boot_dir);

/* The value of OPTION ("CONFIG_SCHED_CLASS_EXT") in the config text:
 * "y", "m", a string, or NULL when unset ("is not set" or absent). */
char *ktstr_kernel_config_value (const char *config_text, const char *option);

/* FALSE (error set) when KERNEL's config is known and lacks sched_ext. */
gboolean ktstr_kernel_check_sched_ext (const KtstrKernel *kernel, const char *boot_dir,
                                       GError **error);

G_END_DECLS

#endif
