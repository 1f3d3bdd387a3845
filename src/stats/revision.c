#include "config.h"

#include <git2.h>
#include <string.h>

#include "stats/revision.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_revision_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-revision-error-quark");
}
/* clang-format on */

/* Sidecars keep this many hex digits of a commit id. */
#define SHORT_ID_LEN 7
#define DIRTY_SUFFIX "-dirty"

struct _KtstrRevisionResolver
{
  char *dir;            /* where discovery starts */
  git_repository *repo; /* NULL until a revision needs it */
  char *workdir;        /* the repository's top, for messages */
  gboolean tried;       /* discovery ran (and found REPO or not) */
};

static void
ensure_libgit2 (void)
{
  /* libgit2 counts its initialisations; one for the process is enough and
   * it lives as long as the process. */
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      git_libgit2_init ();
      g_once_init_leave (&once, 1);
    }
}

KtstrRevisionResolver *
ktstr_revision_resolver_new (const char *dir)
{
  KtstrRevisionResolver *r = g_new0 (KtstrRevisionResolver, 1);
  r->dir = dir ? g_strdup (dir) : g_get_current_dir ();
  return r;
}

void
ktstr_revision_resolver_free (KtstrRevisionResolver *r)
{
  if (r == NULL)
    return;
  if (r->repo != NULL)
    git_repository_free (r->repo);
  g_free (r->workdir);
  g_free (r->dir);
  g_free (r);
}

static gboolean
is_hex (const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

gboolean
ktstr_revision_is_literal (const char *value)
{
  gsize n = strlen (value);
  if (n == SHORT_ID_LEN)
    return is_hex (value, n);
  return n == SHORT_ID_LEN + strlen (DIRTY_SUFFIX) && is_hex (value, SHORT_ID_LEN)
         && strcmp (value + SHORT_ID_LEN, DIRTY_SUFFIX) == 0;
}

/* 8 to 40 lowercase hex digits: a commit id, whose first 7 digits are what
 * sidecars hold. */
static gboolean
is_long_id (const char *value)
{
  gsize n = strlen (value);
  return n > SHORT_ID_LEN && n <= GIT_OID_HEXSZ && is_hex (value, n);
}

static const char *
git_message (void)
{
  const git_error *e = git_error_last ();
  return e != NULL && e->message != NULL ? e->message : "unknown libgit2 error";
}

static gboolean
open_repository (KtstrRevisionResolver *r, const char *spec, GError **error)
{
  if (r->repo != NULL)
    return TRUE;
  if (!r->tried)
    {
      r->tried = TRUE;
      ensure_libgit2 ();
      int rc = git_repository_open_ext (&r->repo, r->dir, 0, NULL);
      if (rc < 0 && rc != GIT_ENOTFOUND)
        {
          g_set_error (error, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_FAILED,
                       "cannot open the git repository at %s to resolve '%s': %s", r->dir, spec,
                       git_message ());
          r->repo = NULL;
          return FALSE;
        }
      if (r->repo != NULL)
        {
          const char *top = git_repository_workdir (r->repo);
          r->workdir = g_strdup (top ? top : git_repository_path (r->repo));
          /* libgit2 ends the path with a slash; messages read better without. */
          gsize len = strlen (r->workdir);
          if (len > 1 && r->workdir[len - 1] == '/')
            r->workdir[len - 1] = '\0';
        }
    }
  if (r->repo == NULL)
    {
      g_set_error (error, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_NO_REPOSITORY,
                   "'%s' is not a commit as sidecars record it (7 hex digits, optionally "
                   "-dirty), and %s is not inside a git repository to resolve it as a revision; "
                   "run from the repository, name it with --repo DIR (--kernel-repo DIR for "
                   "kernel commits), or give the commit as `ktstr-stats list-values` prints it",
                   spec, r->dir);
      return FALSE;
    }
  return TRUE;
}

static void
add_short_id (GPtrArray *out, const git_oid *oid, gboolean dirty)
{
  char hex[SHORT_ID_LEN + 1];
  git_oid_tostr (hex, sizeof hex, oid);
  g_ptr_array_add (out, dirty ? g_strconcat (hex, DIRTY_SUFFIX, NULL) : g_strdup (hex));
}

static void
set_unknown (GError **error, const KtstrRevisionResolver *r, const char *spec)
{
  g_set_error (error, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_UNKNOWN,
               "'%s' is not a revision of the git repository %s (%s); give a commit, branch, "
               "tag, HEAD~N or A..B of that repository (--repo DIR or --kernel-repo DIR name "
               "another), or a commit as `ktstr-stats list-values` prints it",
               spec, r->workdir, git_message ());
}

/* The commit SPEC names, or FALSE (libgit2's error left for the caller). */
static gboolean
peel_commit (git_repository *repo, const char *spec, git_oid *oid)
{
  git_object *obj = NULL, *commit = NULL;
  if (git_revparse_single (&obj, repo, spec) < 0)
    return FALSE;
  int rc = git_object_peel (&commit, obj, GIT_OBJECT_COMMIT);
  git_object_free (obj);
  if (rc < 0)
    return FALSE;
  git_oid_cpy (oid, git_object_id (commit));
  git_object_free (commit);
  return TRUE;
}

static gboolean
peel_object (git_object *obj, git_oid *oid)
{
  git_object *commit = NULL;
  if (git_object_peel (&commit, obj, GIT_OBJECT_COMMIT) < 0)
    return FALSE;
  git_oid_cpy (oid, git_object_id (commit));
  git_object_free (commit);
  return TRUE;
}

/* Walks the commits of the range SPEC (already parsed into REVSPEC) into
 * OUT; returns how many, or -1 on a libgit2 failure. */
static gint
walk_range (git_repository *repo, const git_revspec *revspec, GPtrArray *out)
{
  git_oid from, to;
  git_revwalk *walk = NULL;
  gint n = 0;

  if (!peel_object (revspec->from, &from) || !peel_object (revspec->to, &to))
    return -1;
  if (git_revwalk_new (&walk, repo) < 0)
    return -1;
  gboolean ok = git_revwalk_push (walk, &to) == 0;
  if (ok && (revspec->flags & GIT_REVSPEC_MERGE_BASE))
    {
      /* A...B: both sides, less what they share. */
      git_oid base;
      ok = git_revwalk_push (walk, &from) == 0;
      int rc = ok ? git_merge_base (&base, repo, &from, &to) : -1;
      if (rc == 0)
        ok = git_revwalk_hide (walk, &base) == 0;
      else if (rc != GIT_ENOTFOUND) /* unrelated histories hide nothing */
        ok = FALSE;
    }
  else if (ok)
    ok = git_revwalk_hide (walk, &from) == 0;

  git_oid oid;
  int rc = 0;
  while (ok && (rc = git_revwalk_next (&oid, walk)) == 0)
    {
      add_short_id (out, &oid, FALSE);
      n++;
    }
  if (rc < 0 && rc != GIT_ITEROVER)
    ok = FALSE;
  git_revwalk_free (walk);
  return ok ? n : -1;
}

char *
ktstr_revision_resolve (KtstrRevisionResolver *r, const char *spec, GPtrArray *out, GError **error)
{
  if (ktstr_revision_is_literal (spec))
    {
      g_ptr_array_add (out, g_strdup (spec));
      return g_strdup (spec);
    }
  if (is_long_id (spec))
    {
      g_ptr_array_add (out, g_strndup (spec, SHORT_ID_LEN));
      return g_strndup (spec, SHORT_ID_LEN);
    }
  if (strcmp (spec, "unknown") == 0)
    {
      g_set_error_literal (error, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_UNKNOWN,
                           "'unknown' is how a run directory's name shows a null commit (a run "
                           "outside git, or a kernel not built from a git tree); a commit "
                           "filter never matches null: leave the filter out to include those "
                           "sidecars");
      return NULL;
    }
  if (!open_repository (r, spec, error))
    return NULL;

  if (strstr (spec, "..") != NULL)
    {
      git_revspec revspec = { 0 };
      if (git_revparse (&revspec, r->repo, spec) < 0)
        {
          set_unknown (error, r, spec);
          return NULL;
        }
      gint n = -1;
      if (revspec.flags & GIT_REVSPEC_RANGE)
        n = walk_range (r->repo, &revspec, out);
      git_object_free (revspec.from);
      git_object_free (revspec.to);
      if (n < 0)
        {
          set_unknown (error, r, spec);
          return NULL;
        }
      if (n == 0)
        {
          g_set_error (error, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_EMPTY_RANGE,
                       "the range '%s' holds no commit in %s (A..B is what B has and A has "
                       "not: is B an ancestor of A?)",
                       spec, r->workdir);
          return NULL;
        }
      return g_strdup (spec);
    }

  git_oid oid;
  if (peel_commit (r->repo, spec, &oid))
    {
      add_short_id (out, &oid, FALSE);
      return g_strdup (g_ptr_array_index (out, out->len - 1));
    }
  /* REV-dirty: the runs of a working tree with changes on top of REV. */
  if (g_str_has_suffix (spec, DIRTY_SUFFIX) && strlen (spec) > strlen (DIRTY_SUFFIX))
    {
      g_autofree char *base = g_strndup (spec, strlen (spec) - strlen (DIRTY_SUFFIX));
      if (peel_commit (r->repo, base, &oid))
        {
          add_short_id (out, &oid, TRUE);
          return g_strdup (g_ptr_array_index (out, out->len - 1));
        }
      /* Name the value as given, with the error of its base. */
    }
  set_unknown (error, r, spec);
  return NULL;
}
