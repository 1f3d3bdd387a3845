/* Booting a kernel's vmlinux instead of its bzImage.
 *
 * An uncompressed vmlinux boots through its PVH entry without the
 * bzImage's decompressor and real-mode setup: under TCG, where every
 * instruction of that path is emulated, it reaches the guest agent about
 * half a second sooner.  A vmlinux found beside a bzImage (a kernel cache
 * entry, a build tree, --vmlinux) is only used in its place when it is
 * the same build: its banner ("Linux version 6.12.117 (user@host) (gcc
 * ...) #3 SMP ... 2026") must hold the release, builder and build stamp
 * the bzImage's header names; a vmlinux of another build, or one without
 * a PVH entry note (CONFIG_PVH off), is refused with the reason. */
#ifndef KTSTR_KERNEL_BOOT_VMLINUX_H
#define KTSTR_KERNEL_BOOT_VMLINUX_H

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when VMLINUX can be booted in place of the bzImage IMAGE (same
 * build, PVH entry); otherwise FALSE and *ERROR says why. */
gboolean ktstr_kernel_vmlinux_boots_as (const char *vmlinux, const char *image, GError **error);

G_END_DECLS

#endif
