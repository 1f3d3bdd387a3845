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
  KTSTR_KERNEL_ERROR_BAD_VERSION,  /* its version cannot name a directory */
  KTSTR_KERNEL_ERROR_SAME_RUN,     /* two kernels of one run would share a run directory */
} KtstrKernelError;

typedef enum
{
  KTSTR_KERNEL_FORMAT_BZIMAGE,
  KTSTR_KERNEL_FORMAT_ELF, /* uncompressed vmlinux, booted through PVH */
} KtstrKernelFormat;

/* Checks, before anything boots, that PATH is a kernel: a bzImage whose
 * setup header is complete (boot flag, protocol 2.06+) and whose file
 * holds the protected-mode part the header declares (a truncated image is
 * refused, saying how many bytes it lacks), or an x86-64 ELF vmlinux with
 * loadable segments inside the file and a PVH entry note (any other ELF
 * program is refused).  PATH is opened without blocking, so a FIFO is an
 * error too.  On success sets *FORMAT. */
gboolean ktstr_kernel_check_image (const char *path, KtstrKernelFormat *format, GError **error);

/* The same checks on the LEN bytes of a kernel image at DATA; NAME names
 * it in messages. */
gboolean ktstr_kernel_image_probe (const guint8 *data, gsize len, const char *name,
                                   KtstrKernelFormat *format, GError **error);

/* The Xen ELF note type of the PVH entry point. */
#define KTSTR_XEN_ELFNOTE_PHYS32_ENTRY 18

/* Looks for the PVH entry (a "Xen" note of type
 * KTSTR_XEN_ELFNOTE_PHYS32_ENTRY) in the SIZE bytes of one PT_NOTE
 * segment at NOTES; TRUE with *ENTRY set when found. */
gboolean ktstr_kernel_image_find_pvh_entry (const guint8 *notes, gsize size, guint64 *entry);

/* The version string embedded in a bzImage header (first word), or NULL. */
char *ktstr_kernel_image_version (const char *path);

/* The whole of that string, which names one build: "6.12.117 (user@host)
 * #1 SMP PREEMPT_DYNAMIC Tue Nov 4 10:00:00 UTC 2025"; NULL for anything
 * but a bzImage that has one. */
char *ktstr_kernel_image_build_string (const char *path);

G_END_DECLS

#endif
