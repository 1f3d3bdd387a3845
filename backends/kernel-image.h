/* Kernel images as the backends boot them: a bzImage (Linux x86 boot
 * protocol 2.06 or newer) or an uncompressed x86-64 ELF vmlinux (booted
 * through PVH), told apart by their headers.
 *
 * It sits below both the backends (backends/kvm loads either format) and
 * the host's kernel discovery (src/kernel/kernel.h, which includes this
 * header), so the error domain of kernels lives here too. */
#ifndef KTSTR_BACKENDS_KERNEL_IMAGE_H
#define KTSTR_BACKENDS_KERNEL_IMAGE_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_KERNEL_ERROR (ktstr_kernel_error_quark ())
GQuark ktstr_kernel_error_quark (void);

typedef enum
{
  KTSTR_KERNEL_ERROR_NOT_FOUND,
  KTSTR_KERNEL_ERROR_UNREADABLE,
  KTSTR_KERNEL_ERROR_NOT_A_KERNEL,
  KTSTR_KERNEL_ERROR_NO_SCHED_EXT, /* --scheduler on a kernel without sched_ext */
} KtstrKernelError;

typedef enum
{
  KTSTR_KERNEL_FORMAT_BZIMAGE,
  KTSTR_KERNEL_FORMAT_ELF, /* uncompressed vmlinux, booted through PVH */
} KtstrKernelFormat;

/* Checks that PATH is a bzImage or an x86-64 ELF; on success sets *format. */
gboolean ktstr_kernel_check_image (const char *path, KtstrKernelFormat *format, GError **error);

/* The version string embedded in a bzImage header (first word), or NULL. */
char *ktstr_kernel_image_version (const char *path);

G_END_DECLS

#endif
