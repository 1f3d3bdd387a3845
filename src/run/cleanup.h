/* `ktstr cleanup`: what killed runs leave behind, found and removed.
 *
 * A ktstr killed with SIGKILL (or by the OOM killer, or a crash) cannot
 * tidy up.  What it may leave, and how each is known to be stale:
 *   - scenario cgroups under the cgroup parent (KTSTR_CGROUP_ROOT, the
 *     guest agent's, when `ktstr-init --run-plan` ran on the host): a
 *     cgroup with no process in it, deepest first; with the default parent
 *     nothing is touched while a ktstr-init process runs, and the parent
 *     itself goes too; a parent given outright is kept;
 *   - work directories in the temporary directory (owned-tmpdir.h): those
 *     whose owner stamp names a process that has ended;
 *   - temporary files of sidecar and log writers in run directories no
 *     live run holds, and lockfiles of run directories nobody holds
 *     (rundir.h);
 *   - lockfiles of kernel cache entries nobody holds (kernel-cache.h).
 * Anything in use is kept and reported as such; a dry run removes
 * nothing and reports what it would remove. */
#ifndef KTSTR_RUN_CLEANUP_H
#define KTSTR_RUN_CLEANUP_H

#include <glib.h>

#include "util/cleanup-report.h"

G_BEGIN_DECLS

#define KTSTR_CLEANUP_ERROR (ktstr_cleanup_error_quark ())
GQuark ktstr_cleanup_error_quark (void);

typedef enum
{
  KTSTR_CLEANUP_ERROR_NOT_CGROUP, /* the parent given is not a cgroup2 directory */
} KtstrCleanupError;

typedef struct
{
  const char *cgroup_parent; /* NULL: the guest agent's default, KTSTR_CGROUP_ROOT */
  gboolean dry_run;
  const char *runs_root;  /* NULL: ktstr_runs_root () */
  const char *cache_root; /* NULL: ktstr_cache_root (), skipped when there is none */
  /* Unit tests: a plain directory tree stands for the cgroup hierarchy
   * (no cgroup2 filesystem check, no ktstr-init process check). */
  gboolean is_cgroup_fs_unchecked;
} KtstrCleanupOptions;

/* Sweeps all of the above, reporting each candidate through REPORT.
 * FALSE only when OPTIONS' cgroup_parent is not a cgroup2 directory
 * (nothing is removed then). */
gboolean ktstr_cleanup (const KtstrCleanupOptions *options, KtstrCleanupFunc report,
                        gpointer user_data, GError **error);

G_END_DECLS

#endif
