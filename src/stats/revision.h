/* Git revisions in the commit filters of ktstr-stats.
 *
 * Sidecars record a commit as its first 7 hex digits, with "-dirty" when
 * the tree had uncommitted changes.  People think of commits as `HEAD`,
 * `HEAD~3`, `main` or "my branch against its base" (`main..HEAD`), so
 * `--project-commit` and `--kernel-commit` values are read here:
 *
 *   abc1234, abc1234-dirty  a literal as sidecars store it: no repository
 *                           needed, kept as is
 *   7 to 40 hex digits      a commit id: its first 7 digits (sidecars
 *                           store no more), no repository needed
 *   REV                     any revision libgit2 parses (HEAD~1, main,
 *                           v1.2, a full or short id): its commit
 *   REV-dirty               the dirty runs made on top of REV's commit
 *   A..B                    every commit reachable from B and not from A
 *   A...B                   every commit reachable from A or B but not
 *                           from both (their merge base hides the rest)
 *
 * A revision is looked up in one repository: the one enclosing a
 * directory (the current one by default).  A value that is neither a
 * literal nor a revision of that repository is an error, never a silent
 * empty match: a typo must not compare nothing against something. */
#ifndef KTSTR_STATS_REVISION_H
#define KTSTR_STATS_REVISION_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_REVISION_ERROR (ktstr_revision_error_quark ())
GQuark ktstr_revision_error_quark (void);

typedef enum
{
  KTSTR_REVISION_ERROR_NO_REPOSITORY, /* a revision, but no repository to look it up in */
  KTSTR_REVISION_ERROR_UNKNOWN,       /* the repository has no such revision */
  KTSTR_REVISION_ERROR_EMPTY_RANGE,   /* a range with no commit in it */
  KTSTR_REVISION_ERROR_FAILED,        /* libgit2 failed on a repository that exists */
} KtstrRevisionError;

typedef struct _KtstrRevisionResolver KtstrRevisionResolver;

/* Looks revisions up in the repository enclosing DIR (NULL: the current
 * directory).  The repository is opened on the first revision that needs
 * it, so literals work anywhere. */
KtstrRevisionResolver *ktstr_revision_resolver_new (const char *dir);
void ktstr_revision_resolver_free (KtstrRevisionResolver *resolver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrRevisionResolver, ktstr_revision_resolver_free)

/* TRUE when VALUE is matched as written: 7 hex digits, with or without
 * "-dirty". */
gboolean ktstr_revision_is_literal (const char *value);

/* Appends the commit values SPEC stands for (7 hex digits, "-dirty" kept)
 * to OUT (char*, owned by OUT) and returns how SPEC should be shown in a
 * report: the commit for a single revision, SPEC itself for a range.
 * NULL with ERROR set when SPEC does not resolve. */
char *ktstr_revision_resolve (KtstrRevisionResolver *resolver, const char *spec, GPtrArray *out,
                              GError **error);

G_END_DECLS

#endif
