/* 'ktstr kernel build': configures a kernel source tree (or an extracted
 * tarball) with data/ktstr.kconfig, builds its bzImage with a progress
 * display and stores it in the kernel cache.  Dirty or non-git trees are
 * built but not cached: their contents have no name a later run could
 * trust. */
#ifndef KTSTR_KERNEL_BUILD_H
#define KTSTR_KERNEL_BUILD_H

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

#define KTSTR_BUILD_ERROR (ktstr_build_error_quark ())
GQuark ktstr_build_error_quark (void);

typedef enum
{
  KTSTR_BUILD_ERROR_SOURCE, /* not a kernel tree nor a tarball */
  KTSTR_BUILD_ERROR_MAKE,   /* a make step failed */
  KTSTR_BUILD_ERROR_IO,
} KtstrBuildError;

typedef struct
{
  const char *source;     /* a kernel source tree or a .tar[.gz|.xz|.zst] */
  gboolean force;         /* rebuild even when the cache has the key */
  gboolean clean;         /* 'make mrproper' first */
  const char *cache_root; /* NULL: ktstr_cache_root () */
  const char *fragment;   /* path of ktstr.kconfig; NULL: ktstr_kconfig_fragment_path () */
  guint jobs;             /* make -jN; 0: the number of CPUs */
  FILE *progress;         /* NULL: stderr */
  int is_tty;             /* progress as one updating line: 1, plain lines: 0, -1: isatty */
} KtstrKernelBuildOptions;

typedef struct
{
  char *key;           /* the cache key */
  char *image;         /* the bzImage to boot: in the cache, or in the tree when not cached */
  char *version;       /* kernel release */
  gboolean is_cached;  /* stored in (or found in) the cache */
  gboolean was_reused; /* found in the cache, nothing built */
  char *not_cached;    /* why it was not cached, or NULL */
} KtstrKernelBuildResult;

void ktstr_kernel_build_result_free (KtstrKernelBuildResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKernelBuildResult, ktstr_kernel_build_result_free)

KtstrKernelBuildResult *ktstr_kernel_build (const KtstrKernelBuildOptions *opts, GError **error);

G_END_DECLS

#endif
