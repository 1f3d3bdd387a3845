/* What `ktstr cleanup` found, one thing at a time.
 *
 * Each area that leaves things behind when ktstr is killed (run
 * directories and their locks, the kernel cache's locks, work directories
 * in the temporary directory, scenario cgroups) sweeps its own and reports
 * every candidate through a KtstrCleanupFunc: removed, would be removed
 * (a dry run), kept because something live still uses it, or failed.
 * The command line prints or serialises the reports; nothing that sweeps
 * prints. */
#ifndef KTSTR_UTIL_CLEANUP_REPORT_H
#define KTSTR_UTIL_CLEANUP_REPORT_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KTSTR_CLEANUP_REMOVED,
  KTSTR_CLEANUP_WOULD_REMOVE, /* a dry run: stale, left in place */
  KTSTR_CLEANUP_KEPT,         /* in use: REASON says by what */
  KTSTR_CLEANUP_FAILED,       /* stale, but removing it failed: REASON says why */
} KtstrCleanupAction;

/* KIND: "cgroup", "work-directory", "lock", "temp-file".  REASON: NULL
 * for REMOVED and WOULD_REMOVE. */
typedef void (*KtstrCleanupFunc) (const char *kind, const char *path, KtstrCleanupAction action,
                                  const char *reason, gpointer user_data);

G_END_DECLS

#endif
