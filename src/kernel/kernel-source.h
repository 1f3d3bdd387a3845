/* Where `ktstr kernel build` gets a kernel source tree from: a tree on
 * disk, a release tarball (Debian's linux-source-6.12 ships
 * /usr/src/linux-source-6.12.tar.xz), or a git repository at a ref.  A
 * tarball is extracted and a ref fetched (one commit deep) into a
 * temporary directory that ktstr_kernel_source_free removes, so a build
 * from either leaves nothing behind but its cache entry.
 *
 * What a source is called decides whether its build can be cached: a
 * clean git tree and a fetched ref name one commit, a tarball names one
 * release; a dirty or non-git tree names nothing a later run could trust
 * (the build says why in not_cached). */
#ifndef KTSTR_KERNEL_SOURCE_H
#define KTSTR_KERNEL_SOURCE_H

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

#define KTSTR_KERNEL_SOURCE_ERROR (ktstr_kernel_source_error_quark ())
GQuark ktstr_kernel_source_error_quark (void);

typedef enum
{
  KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND, /* no such tree, tarball, repository or ref */
  KTSTR_KERNEL_SOURCE_ERROR_INVALID,   /* not a kernel tree, or a tarball without one */
  KTSTR_KERNEL_SOURCE_ERROR_TOOL,      /* tar or git failed */
} KtstrKernelSourceError;

typedef enum
{
  KTSTR_KERNEL_SOURCE_LOCAL,   /* a tree on disk, built in place */
  KTSTR_KERNEL_SOURCE_TARBALL, /* extracted into a temporary directory */
  KTSTR_KERNEL_SOURCE_GIT,     /* fetched at a ref into a temporary directory */
} KtstrKernelSourceType;

typedef struct
{
  KtstrKernelSourceType type;
  char *given;      /* the tree, tarball or repository as the user named it */
  char *tree;       /* the kernel tree to build in */
  char *commit;     /* 7-hex commit (local: "-dirty" when modified), or NULL */
  char *ref;        /* git: the ref asked for */
  char *not_cached; /* local: why its builds cannot be cached, or NULL */
  char *tmp;        /* temporary directory holding TREE, removed on free; or NULL */
} KtstrKernelSource;

void ktstr_kernel_source_free (KtstrKernelSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKernelSource, ktstr_kernel_source_free)

/* "local", "tarball" or "git": the cache metadata's source_type. */
const char *ktstr_kernel_source_type_name (KtstrKernelSourceType type);

/* A tree or a tarball (.tar, .tar.gz, .tar.xz, .tar.zst; any regular
 * file is handed to tar) at PATH.  Steps are announced on OUT. */
KtstrKernelSource *ktstr_kernel_source_open_path (const char *path, FILE *out, GError **error);

/* The commit REF names in the repository URL (a URL or a path), asked of
 * the repository without fetching anything: a full 40-hex REF is its own
 * answer; a branch or tag (peeled to its commit) is looked up with `git
 * ls-remote`.  Returns the full hash, or NULL with
 * KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND when the repository has no such ref. */
char *ktstr_kernel_source_resolve_ref (const char *url, const char *ref, GError **error);

/* Fetches REF of the repository URL one commit deep into a temporary
 * directory and checks it out. */
KtstrKernelSource *ktstr_kernel_source_fetch_git (const char *url, const char *ref, FILE *out,
                                                  GError **error);

/* REF as it can stand in a cache key: every character outside
 * [A-Za-z0-9._-] becomes '_' ("v6.12", "for-next", "refs_tags_v6.12"). */
char *ktstr_kernel_source_ref_label (const char *ref);

G_END_DECLS

#endif
