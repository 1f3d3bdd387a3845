/* A writer for the "newc" cpio format the kernel unpacks as initramfs.
 *
 * Entries are appended to a GByteArray so a caller can cache or concatenate
 * archives (the kernel accepts several newc archives back to back, which is
 * how a cached base image and a per-test plan are combined). */
#ifndef KTSTR_CPIO_H
#define KTSTR_CPIO_H

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct _KtstrCpio KtstrCpio;

KtstrCpio *ktstr_cpio_new (void);
void ktstr_cpio_free (KtstrCpio *cpio);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCpio, ktstr_cpio_free)

/* NAME is the path inside the archive without a leading '/'.  Parent
 * directories are not created implicitly: add them first. */
void ktstr_cpio_add_dir (KtstrCpio *cpio, const char *name, mode_t perm);
void ktstr_cpio_add_file (KtstrCpio *cpio, const char *name, mode_t perm, const void *data,
                          gsize len);
void ktstr_cpio_add_symlink (KtstrCpio *cpio, const char *name, const char *target);
void ktstr_cpio_add_chardev (KtstrCpio *cpio, const char *name, mode_t perm, guint major,
                             guint minor);
/* Reads HOST_PATH and adds it as NAME, keeping its permission bits. */
gboolean ktstr_cpio_add_host_file (KtstrCpio *cpio, const char *name, const char *host_path,
                                   GError **error);
/* Adds every missing parent directory of NAME (mode 0755). */
void ktstr_cpio_add_parents (KtstrCpio *cpio, const char *name);

/* Appends the trailer and returns the archive; CPIO is left empty. */
GBytes *ktstr_cpio_finish (KtstrCpio *cpio);

G_END_DECLS

#endif
