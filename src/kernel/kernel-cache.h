/* The kernel cache: kernels built by 'ktstr kernel build', one directory
 * per entry under the cache root ($KTSTR_CACHE_DIR, else
 * $XDG_CACHE_HOME/ktstr/kernels, else ~/.cache/ktstr/kernels).  An entry
 * holds bzImage, config, metadata.json and, when the build left one,
 * vmlinux: the kernel ELF without its DWARF (symbols and .BTF stay), which
 * the scheduler monitor reads and which QEMU can boot directly (PVH).  It
 * is kept uncompressed beside the bzImage, where every lookup of "the
 * vmlinux of this image" looks.  The entry's name (the cache key) ends in
 * "-kc" plus the CRC32 of the ktstr.kconfig it was built with, so an
 * edited fragment never silently reuses an old build. */
#ifndef KTSTR_KERNEL_CACHE_H
#define KTSTR_KERNEL_CACHE_H

#include <glib.h>

#include "util/cleanup-report.h"

G_BEGIN_DECLS

#define KTSTR_CACHE_ERROR (ktstr_cache_error_quark ())
GQuark ktstr_cache_error_quark (void);

typedef enum
{
  KTSTR_CACHE_ERROR_NO_ROOT, /* no KTSTR_CACHE_DIR, XDG_CACHE_HOME nor HOME */
  KTSTR_CACHE_ERROR_IO,
  KTSTR_CACHE_ERROR_NOT_FOUND, /* no entry matches a version or key */
} KtstrCacheError;

typedef struct
{
  char *key;
  char *path;         /* the entry's directory */
  char *image;        /* path of bzImage in it */
  char *vmlinux;      /* path of the stripped vmlinux in it, or NULL when it has none */
  char *version;      /* kernel release, or NULL */
  char *source_type;  /* "local", "tarball" or "git" */
  char *source_path;  /* the tree, tarball or repository it was built from */
  char *git_commit;   /* 7-hex commit it was built from, or NULL (tarball) */
  char *git_ref;      /* git: the ref asked for, or NULL */
  char *kconfig_hash; /* CRC32 of the fragment, or NULL (untracked) */
  char *config_hash;  /* CRC32 of the final .config */
  gint64 built_at;    /* unix seconds */
  char *error;        /* why the entry is corrupt, or NULL when valid */
} KtstrCacheEntry;

void ktstr_cache_entry_free (KtstrCacheEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCacheEntry, ktstr_cache_entry_free)

/* The cache root (not created). */
char *ktstr_cache_root (GError **error);

/* Every entry under ROOT, newest first (corrupt ones included, with
 * ->error set).  A missing ROOT is an empty cache. */
GPtrArray *ktstr_cache_list (const char *root, GError **error);

/* The entry whose key is ID, else the newest valid entry whose version is
 * ID or starts with ID followed by '.' or '-' ("6.12" finds 6.12.117).
 * Entries built with another fragment (KCONFIG_HASH, when non-NULL) only
 * match by exact key. */
KtstrCacheEntry *ktstr_cache_lookup (const char *root, const char *id, const char *kconfig_hash,
                                     GError **error);

/* The newest valid entry built with the fragment whose hash is
 * KCONFIG_HASH (stale and untracked entries are skipped): what `ktstr
 * test` boots when no kernel is named.  NULL (no error) when there is
 * none; an error only when ROOT cannot be read. */
KtstrCacheEntry *ktstr_cache_newest (const char *root, const char *kconfig_hash, GError **error);

/* Stores IMAGE, CONFIG and VMLINUX (NULL: none) under ROOT/ENTRY->key
 * with metadata.json from ENTRY, atomically (a temp directory renamed
 * into place); an existing entry of that key is replaced.  Sets
 * ENTRY->path, ->image and ->vmlinux. */
gboolean ktstr_cache_store (const char *root, KtstrCacheEntry *entry, const char *image,
                            const char *config, const char *vmlinux, GError **error);

/* Removes an entry's directory tree. */
gboolean ktstr_cache_remove (const KtstrCacheEntry *entry, GError **error);

/* `ktstr cleanup`: the entry lockfiles under ROOT nobody holds (each
 * removed while held, see ktstr_lockfile_is_current); one in use is
 * reported KEPT.  DRY_RUN: nothing is removed. */
void ktstr_cache_cleanup_locks (const char *root, gboolean dry_run, KtstrCleanupFunc report,
                                gpointer user_data);

/* Removes PATH recursively (no symlink following); for temp trees too. */
gboolean ktstr_rm_rf (const char *path, GError **error);

G_END_DECLS

#endif
