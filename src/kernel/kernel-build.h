/* 'ktstr kernel build': configures a kernel source tree (a tree on disk,
 * an extracted tarball or a fetched git ref: kernel-source.h) with
 * data/ktstr.kconfig, builds its bzImage (and with it the vmlinux) and
 * stores both in the kernel cache.  On a terminal one line shows the
 * build's progress; elsewhere (CI logs, pipes) only the steps are
 * announced, and a failing step shows its last lines.  Dirty or non-git
 * trees are built but not cached: their contents have no name a later
 * run could trust. */
#ifndef KTSTR_KERNEL_BUILD_H
#define KTSTR_KERNEL_BUILD_H

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

#define KTSTR_BUILD_ERROR (ktstr_build_error_quark ())
GQuark ktstr_build_error_quark (void);

typedef enum
{
  KTSTR_BUILD_ERROR_MAKE,  /* a make step failed */
  KTSTR_BUILD_ERROR_STRIP, /* the vmlinux could not be stripped of its DWARF */
} KtstrBuildError;

typedef struct
{
  const char *source;     /* a kernel source tree or a .tar[.gz|.xz|.zst]; or NULL and: */
  const char *git_url;    /* a git repository (URL or path) */
  const char *git_ref;    /* and the branch, tag or commit in it to build */
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
  char *vmlinux;       /* the stripped vmlinux beside it in the cache, or NULL */
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
