/* Finding the kernel a test boots.
 *
 * A kernel is given as an image (bzImage or uncompressed ELF vmlinux), as
 * a build tree (arch/x86/boot/bzImage inside it), or as a version or cache
 * key of the kernel cache (kernel-cache.h).  Without --kernel the
 * chain is: $KTSTR_TEST_KERNEL (image), $KTSTR_KERNEL (tree, image,
 * version or key), the newest cache entry built with the current
 * ktstr.kconfig (what `ktstr kernel build` made last), ./linux, ../linux,
 * /boot/vmlinuz-$(uname -r), the newest /boot/vmlinuz-*.  A kernel someone
 * built for ktstr comes before the distribution's, which usually lacks
 * sched_ext; the environment comes before both.  Discovery never builds. */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include <glib.h>

#include "backends/kernel-image.h"

G_BEGIN_DECLS

typedef struct
{
  char *image;   /* absolute path of the file handed to the VM */
  char *tree;    /* build tree it came from, or NULL */
  char *version; /* kernel release, NULL when unknown */
  char *source;  /* how it was found, e.g. "--kernel", "KTSTR_KERNEL", "/boot" */
  char *commit;  /* a cached kernel's 7-hex source commit (git tree or ref), or NULL */
  KtstrKernelFormat format;
} KtstrKernel;

void ktstr_kernel_free (KtstrKernel *kernel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKernel, ktstr_kernel_free)

/* ARG is the --kernel value or NULL for the discovery chain.  BOOT_DIR is
 * normally "/boot" (tests point it elsewhere). */
KtstrKernel *ktstr_kernel_resolve (const char *arg, const char *boot_dir, GError **error);

/* Every cached kernel RANGE ("START..END", kernel-range.h) selects, oldest
 * version first: a new array of KtstrKernel*.  SOURCE says where RANGE
 * came from ("--kernel"); errors name it and RANGE. */
GPtrArray *ktstr_kernel_resolve_range (const char *range, const char *source, GError **error);

/* A kernel's version names its run directory and cache entries, so one
 * that could not be a file name ('/', "..", control characters, over
 * KTSTR_PATH_COMPONENT_MAX bytes) is refused with
 * KTSTR_KERNEL_ERROR_BAD_VERSION, naming ORIGIN (the file it was read
 * from). */
gboolean ktstr_kernel_version_check (const char *version, const char *origin, GError **error);

G_END_DECLS

#endif
