/* Initramfs images for test VMs.
 *
 * An image is two newc archives back to back: a base archive (the guest
 * agent as /init, device nodes, and any scheduler binaries and libraries)
 * that is cached by the hash of its inputs, and a small per-test archive
 * holding the plan.  Identical inputs therefore never rebuild the base. */
#ifndef KTSTR_INITRAMFS_H
#define KTSTR_INITRAMFS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *archive_name; /* path inside the image, no leading '/' */
  char *host_path;
} KtstrInitramfsFile;

typedef struct
{
  char *init_path;  /* the guest agent binary, becomes /init */
  GPtrArray *files; /* KtstrInitramfsFile*, extra files (scheduler, libraries) */
} KtstrInitramfsSpec;

KtstrInitramfsSpec *ktstr_initramfs_spec_new (const char *init_path);
void ktstr_initramfs_spec_add (KtstrInitramfsSpec *spec, const char *archive_name,
                               const char *host_path);
void ktstr_initramfs_spec_free (KtstrInitramfsSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrInitramfsSpec, ktstr_initramfs_spec_free)

typedef struct
{
  gboolean was_cached;
  guint64 size;
  gint64 build_us; /* time spent hashing + (if not cached) building */
} KtstrInitramfsInfo;

/* Returns the path of the cached base archive for SPEC under CACHE_DIR,
 * building it when absent. */
char *ktstr_initramfs_get_base (const KtstrInitramfsSpec *spec, const char *cache_dir,
                                KtstrInitramfsInfo *info, GError **error);

/* Writes BASE followed by a per-test archive to OUT_PATH.  The archive
 * holds PLAN_TEXT at the plan path and FILES->files (NULL: none; its
 * init_path is not used): a test's payloads. */
gboolean ktstr_initramfs_compose_files (const char *base_path, const char *plan_text,
                                        const KtstrInitramfsSpec *files, const char *out_path,
                                        GError **error);

/* ${XDG_CACHE_HOME:-~/.cache}/ktstr/initramfs */
char *ktstr_initramfs_default_cache_dir (void);

/* Where the guest agent binary is: $KTSTR_INIT, else the build tree's for a
 * program running uninstalled, else the installed copy (util/datapath.h). */
char *ktstr_initramfs_find_agent (GError **error);

G_END_DECLS

#endif
