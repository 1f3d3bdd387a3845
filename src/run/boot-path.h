/* Which image a run boots: the kernel's vmlinux through its PVH entry when
 * one is known and is the same build, else the image given.
 *
 * Under TCG the bzImage's decompressor and real-mode setup are emulated
 * instruction by instruction; the vmlinux skips both and reaches the
 * guest agent about half a second sooner (bench/boot-bench.sh).  The
 * vmlinux is the one the host monitor reads (--vmlinux, $KTSTR_VMLINUX,
 * the build tree's, one beside the image such as a kernel cache entry's);
 * it replaces the bzImage only when its banner names the same build
 * (kernel/boot-vmlinux.h).  KTSTR_BOOT=bzimage keeps the bzImage;
 * KTSTR_BOOT=auto (or unset) chooses as above. */
#ifndef KTSTR_RUN_BOOT_PATH_H
#define KTSTR_RUN_BOOT_PATH_H

#include <glib.h>

#include "kernel/kernel.h"

G_BEGIN_DECLS

typedef struct
{
  char *image;       /* what the VM boots */
  const char *path;  /* "pvh" or "bzimage", as the sidecar's "boot" records */
  char *why_bzimage; /* a vmlinux was found but not used, and why; else NULL */
  char *warning;     /* KTSTR_BOOT had a value it does not take; else NULL */
} KtstrBootPath;

/* Chooses for KERNEL; VMLINUX is --vmlinux (NULL: not given). */
void ktstr_boot_path_choose (const KtstrKernel *kernel, const char *vmlinux, KtstrBootPath *out);
void ktstr_boot_path_clear (KtstrBootPath *path);

G_END_DECLS

#endif
