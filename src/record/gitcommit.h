/* Commit probes for run records: the project tree's HEAD (discovered by
 * walking up from a directory; it names the run directory and fills the
 * sidecar's project_commit) and a kernel source tree's HEAD (opened at the
 * exact path; fills kernel_commit).  Both render as 7 hex digits plus
 * "-dirty" when the tree has uncommitted changes to tracked files. */
#ifndef KTSTR_GITCOMMIT_H
#define KTSTR_GITCOMMIT_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_GIT_ERROR (ktstr_git_error_quark ())
GQuark ktstr_git_error_quark (void);

typedef enum
{
  KTSTR_GIT_ERROR_FAILED, /* libgit2 failed on a repository that exists */
} KtstrGitError;

/* Walks up from START_DIR (NULL = cwd) to the enclosing repository.  On
 * success *out is "abc1234" or "abc1234-dirty", or NULL when START_DIR is
 * not inside a repository or HEAD is unborn (both are not errors).  Returns
 * FALSE only when libgit2 fails on a repository it found; callers record
 * that as an unknown commit too (the probe is metadata, never a gate).
 * Not memoized: each call re-reads the status, so the runner probes once
 * per process. */
gboolean ktstr_git_detect_commit (const char *start_dir, char **out, GError **error);

/* Same, but PATH must be the repository's work tree itself (no discovery
 * through parents): for the kernel_commit of a kernel source tree.  *out
 * is NULL when PATH is not a repository. */
gboolean ktstr_git_open_commit (const char *path, char **out, GError **error);

G_END_DECLS

#endif
