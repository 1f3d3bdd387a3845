/* Project and kernel commit probes through libgit2.
 *
 * Dirty means "the tracked content differs from HEAD": HEAD vs index
 * (staged changes) or index vs worktree (unstaged changes to tracked
 * files), submodules ignored.  Untracked files do not count (nor do they
 * for the Rust ktstr, so both name a run directory alike,
 * doc/compatibility.md): a build directory or a stray log file inside the
 * project must not turn every run into a -dirty snapshot. */
#include "config.h"

#include <git2.h>

#include "record/gitcommit.h"

GQuark
ktstr_git_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-git-error-quark");
}

static gpointer
init_libgit2 (gpointer unused)
{
  /* Never shut down: the library stays initialised for the process. */
  git_libgit2_init ();
  return NULL;
}

static void
ensure_libgit2 (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_libgit2, NULL);
}

static gboolean
git_fail (GError **error, const char *what, const char *path)
{
  const git_error *e = git_error_last ();
  g_set_error (error, KTSTR_GIT_ERROR, KTSTR_GIT_ERROR_FAILED, "%s %s: %s", what, path,
               e != NULL && e->message != NULL ? e->message : "unknown libgit2 error");
  return FALSE;
}

static gboolean
is_dirty (git_repository *repo, const char *path, gboolean *dirty, GError **error)
{
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  git_status_list *list = NULL;

  *dirty = FALSE;
  if (git_repository_is_bare (repo))
    return TRUE; /* no worktree, nothing to differ */
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  /* No INCLUDE_UNTRACKED / INCLUDE_IGNORED and no rename detection. */
  opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
  if (git_status_list_new (&list, repo, &opts) < 0)
    return git_fail (error, "cannot compute git status of", path);
  *dirty = git_status_list_entrycount (list) > 0;
  git_status_list_free (list);
  return TRUE;
}

static gboolean
describe (git_repository *repo, const char *path, char **out, GError **error)
{
  git_oid oid;
  char hex[8];
  gboolean dirty;
  int rc;

  rc = git_repository_head_unborn (repo);
  if (rc == 1)
    return TRUE; /* fresh repository without commits: "unknown" */
  if (rc < 0)
    return git_fail (error, "cannot read HEAD of", path);
  if (git_reference_name_to_id (&oid, repo, "HEAD") < 0)
    return git_fail (error, "cannot resolve HEAD of", path);
  git_oid_tostr (hex, sizeof hex, &oid); /* 7 hex digits + NUL */
  if (!is_dirty (repo, path, &dirty, error))
    return FALSE;
  *out = dirty ? g_strconcat (hex, "-dirty", NULL) : g_strdup (hex);
  return TRUE;
}

static gboolean
probe (const char *path, unsigned int flags, char **out, GError **error)
{
  git_repository *repo = NULL;
  g_autofree char *cwd = NULL;
  gboolean ok;
  int rc;

  *out = NULL;
  ensure_libgit2 ();
  if (path == NULL)
    path = cwd = g_get_current_dir ();
  rc = git_repository_open_ext (&repo, path, flags, NULL);
  if (rc == GIT_ENOTFOUND)
    return TRUE;
  if (rc < 0)
    return git_fail (error, "cannot open git repository at", path);
  ok = describe (repo, path, out, error);
  git_repository_free (repo);
  return ok;
}

gboolean
ktstr_git_detect_commit (const char *start_dir, char **out, GError **error)
{
  return probe (start_dir, 0, out, error);
}

gboolean
ktstr_git_open_commit (const char *path, char **out, GError **error)
{
  return probe (path, GIT_REPOSITORY_OPEN_NO_SEARCH, out, error);
}
