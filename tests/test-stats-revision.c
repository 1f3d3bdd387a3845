/* Git revisions in ktstr-stats' commit filters: the resolver against a
 * throwaway repository the test builds with libgit2, and `compare` /
 * `noise` end to end over sidecars recorded at its commits. */
#include "config.h"

#include <git2.h>
#include <string.h>

#include "stats/revision.h"
#include "tests/test-stats-trials.h"
#include "tests/test-stats-util.h"

/* History of the throwaway repository (oldest first):
 *   main:  c0 - c1 - c2 - c3   (HEAD, refs/heads/main, tag v1 on c1)
 *   side:         \- s1        (refs/heads/side, from c1) */
typedef struct
{
  char *dir;
  char *ids[4]; /* full hex ids of c0..c3 */
  char *side;   /* s1 */
  char *target; /* a CARGO_TARGET_DIR for the CLI tests */
} Fixture;

static char *
short_id (const char *hex)
{
  return g_strndup (hex, 7);
}

static void
git_ok (int rc)
{
  if (rc < 0)
    g_error ("libgit2: %s", git_error_last () ? git_error_last ()->message : "?");
}

/* A commit with an empty tree on top of PARENT (NULL: a root commit),
 * moving REF to it. */
static char *
commit (git_repository *repo, const char *ref, const char *message, const git_oid *parent)
{
  git_treebuilder *tb = NULL;
  git_oid tree_id, id;
  git_tree *tree = NULL;
  git_commit *parent_commit = NULL;
  git_signature *sig = NULL;
  char hex[GIT_OID_HEXSZ + 1];

  git_ok (git_treebuilder_new (&tb, repo, NULL));
  git_ok (git_treebuilder_write (&tree_id, tb));
  git_ok (git_tree_lookup (&tree, repo, &tree_id));
  /* A fixed time: the ids are the same on every run. */
  git_ok (git_signature_new (&sig, "ktstr test", "test@example.invalid", 1700000000, 0));
  if (parent != NULL)
    git_ok (git_commit_lookup (&parent_commit, repo, parent));
  const git_commit *parents[] = { parent_commit };
  git_ok (
      git_commit_create (&id, repo, ref, sig, sig, NULL, message, tree, parent ? 1 : 0, parents));
  git_oid_tostr (hex, sizeof hex, &id);
  git_commit_free (parent_commit);
  git_signature_free (sig);
  git_tree_free (tree);
  git_treebuilder_free (tb);
  return g_strdup (hex);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  git_repository *repo = NULL;
  git_oid oid;
  git_object *target = NULL;

  git_libgit2_init ();
  f->dir = g_dir_make_tmp ("ktstr-rev-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  git_ok (git_repository_init (&repo, f->dir, FALSE));
  git_ok (git_repository_set_head (repo, "refs/heads/main"));
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *msg = g_strdup_printf ("c%u", i);
      if (i > 0)
        git_ok (git_oid_fromstr (&oid, f->ids[i - 1]));
      f->ids[i] = commit (repo, "refs/heads/main", msg, i > 0 ? &oid : NULL);
    }
  /* Unborn before the first commit: HEAD now follows main. */
  git_ok (git_oid_fromstr (&oid, f->ids[1]));
  f->side = commit (repo, "refs/heads/side", "s1", &oid);
  git_ok (git_object_lookup (&target, repo, &oid, GIT_OBJECT_COMMIT));
  git_ok (git_tag_create_lightweight (&oid, repo, "v1", target, 0));
  git_object_free (target);
  git_repository_free (repo);
  f->target = g_dir_make_tmp ("ktstr-rev-target-XXXXXX", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->dir);
  stats_test_rm_rf (f->target);
  g_free (f->dir);
  g_free (f->target);
  for (guint i = 0; i < 4; i++)
    g_free (f->ids[i]);
  g_free (f->side);
  git_libgit2_shutdown ();
}

/* Resolves SPEC in F's repository: the values joined by ',', and the label. */
static char *
resolve (Fixture *f, const char *spec, char **label, GError **error)
{
  g_autoptr (KtstrRevisionResolver) r = ktstr_revision_resolver_new (f->dir);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  char *l = ktstr_revision_resolve (r, spec, out, error);
  if (l == NULL)
    {
      g_assert_cmpuint (out->len, ==, 0);
      return NULL;
    }
  if (label != NULL)
    *label = l;
  else
    g_free (l);
  g_ptr_array_add (out, NULL);
  return g_strjoinv (",", (char **)out->pdata);
}

static void
test_literal (Fixture *f, gconstpointer data)
{
  /* Literals need no repository: resolve them in a directory that has none. */
  g_autoptr (KtstrRevisionResolver) r = ktstr_revision_resolver_new (f->target);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = ktstr_revision_resolve (r, "abc1234", out, &error);
  g_autofree char *b = ktstr_revision_resolve (r, "abc1234-dirty", out, &error);
  g_autofree char *c = ktstr_revision_resolve (r, "0123456789abcdef0123", out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "abc1234");
  g_assert_cmpstr (b, ==, "abc1234-dirty");
  g_assert_cmpstr (c, ==, "0123456");
  g_assert_cmpuint (out->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (out, 2), ==, "0123456");

  g_assert_true (ktstr_revision_is_literal ("abc1234"));
  g_assert_true (ktstr_revision_is_literal ("abc1234-dirty"));
  g_assert_false (ktstr_revision_is_literal ("ABC1234"));
  g_assert_false (ktstr_revision_is_literal ("abc123"));
  g_assert_false (ktstr_revision_is_literal ("abc1234-dirt"));
  g_assert_false (ktstr_revision_is_literal ("HEAD"));
}

static void
test_single (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *c3 = short_id (f->ids[3]);
  g_autofree char *c2 = short_id (f->ids[2]);
  g_autofree char *c1 = short_id (f->ids[1]);
  g_autofree char *s1 = short_id (f->side);
  g_autofree char *label = NULL;

  g_autofree char *head = resolve (f, "HEAD", &label, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (head, ==, c3);
  g_assert_cmpstr (label, ==, c3);
  g_autofree char *parent = resolve (f, "HEAD~1", NULL, &error);
  g_assert_cmpstr (parent, ==, c2);
  g_autofree char *branch = resolve (f, "side", NULL, &error);
  g_assert_cmpstr (branch, ==, s1);
  g_autofree char *tag = resolve (f, "v1", NULL, &error);
  g_assert_cmpstr (tag, ==, c1);
  g_autofree char *main_ = resolve (f, "main", NULL, &error);
  g_assert_cmpstr (main_, ==, c3);
  g_assert_no_error (error);

  /* REV-dirty: the dirty runs on top of REV. */
  g_autofree char *dirty = resolve (f, "HEAD~1-dirty", NULL, &error);
  g_assert_no_error (error);
  g_autofree char *want = g_strconcat (c2, "-dirty", NULL);
  g_assert_cmpstr (dirty, ==, want);
}

static void
test_range (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *label = NULL;
  g_autofree char *c3 = short_id (f->ids[3]);
  g_autofree char *c2 = short_id (f->ids[2]);
  g_autofree char *s1 = short_id (f->side);

  /* A..B: what B has and A has not, newest first; shown as written. */
  g_autofree char *range = resolve (f, "HEAD~2..HEAD", &label, &error);
  g_assert_no_error (error);
  g_autofree char *want = g_strjoin (",", c3, c2, NULL);
  g_assert_cmpstr (range, ==, want);
  g_assert_cmpstr (label, ==, "HEAD~2..HEAD");

  /* A...B: either side, less the merge base (c1) and what is under it. */
  g_autofree char *sym = resolve (f, "side...main", NULL, &error);
  g_assert_no_error (error);
  g_auto (GStrv) parts = g_strsplit (sym, ",", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_true (g_strv_contains ((const char *const *)parts, c3));
  g_assert_true (g_strv_contains ((const char *const *)parts, c2));
  g_assert_true (g_strv_contains ((const char *const *)parts, s1));
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (GError) e3 = NULL;
  g_autoptr (GError) e4 = NULL;
  g_autoptr (GError) e5 = NULL;

  g_assert_null (resolve (f, "no-such-branch", NULL, &e1));
  g_assert_error (e1, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (e1->message, "'no-such-branch' is not a revision of the git "
                                         "repository"));
  g_assert_nonnull (strstr (e1->message, f->dir));

  /* B an ancestor of A: nothing in the range, said rather than matched. */
  g_assert_null (resolve (f, "HEAD..HEAD~2", NULL, &e2));
  g_assert_error (e2, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_EMPTY_RANGE);
  g_assert_nonnull (strstr (e2->message, "'HEAD..HEAD~2' holds no commit"));

  g_assert_null (resolve (f, "nope..HEAD", NULL, &e3));
  g_assert_error (e3, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_UNKNOWN);

  /* The directory placeholder for a null commit is not a filter value. */
  g_assert_null (resolve (f, "unknown", NULL, &e4));
  g_assert_error (e4, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (e4->message, "leave the filter out"));

  /* A revision where there is no repository. */
  g_autoptr (KtstrRevisionResolver) r = ktstr_revision_resolver_new (f->target);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_assert_null (ktstr_revision_resolve (r, "HEAD~1", out, &e5));
  g_assert_error (e5, KTSTR_REVISION_ERROR, KTSTR_REVISION_ERROR_NO_REPOSITORY);
  g_assert_nonnull (strstr (e5->message, "is not inside a git repository"));
  g_assert_nonnull (strstr (e5->message, "--repo DIR"));
}

/* Five trials a side recorded at HEAD~1 (A) and HEAD (B) of the test's
 * repository, B's throughput 30 % lower. */
static char *
write_pool (Fixture *f)
{
  g_autofree char *a = short_id (f->ids[2]);
  g_autofree char *b = short_id (f->ids[3]);
  char *root = stats_test_runs_root (f->target);
  stats_test_write_trial_pool_commits (root, 7, 5, 0.30, a, b);
  return root;
}

static void
test_compare_head (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) literal;
  g_autofree char *root = write_pool (f);
  g_autofree char *a = short_id (f->ids[2]);
  g_autofree char *b = short_id (f->ids[3]);

  /* Run inside the repository: the revisions resolve there. */
  stats_test_run_in (&run, f->dir, f->target, NULL, "compare", "--a-project-commit", "HEAD~1",
                     "--b-project-commit", "HEAD", NULL);
  g_assert_cmpint (run.status, ==, 1); /* the planted 30 % drop */
  g_assert_nonnull (strstr (run.out, "slicing dimensions: project-commit"));
  g_assert_nonnull (strstr (run.out, "total_iterations"));
  g_assert_nonnull (strstr (run.out, "REGRESSION"));
  /* The sides are labelled with the commits the revisions named. */
  g_autofree char *averaged = g_strdup_printf ("(%s) and 30 runs (%s)", a, b);
  g_assert_nonnull (strstr (run.out, averaged));

  /* The same comparison with the literal commits, from anywhere. */
  stats_test_run (&literal, f->target, NULL, "compare", "--a-project-commit", a,
                  "--b-project-commit", b, NULL);
  g_assert_cmpint (literal.status, ==, 1);
  g_assert_cmpstr (literal.out, ==, run.out);
}

static void
test_compare_repo_option_and_range (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) run;
  g_auto (StatsTestRun) noise;
  g_autofree char *root = write_pool (f);

  /* --repo from outside the repository; a range on side B labels it. */
  stats_test_run_in (&run, f->target, f->target, NULL, "compare", "--repo", f->dir,
                     "--a-project-commit", "HEAD~1", "--b-project-commit", "HEAD~1..main", "--json",
                     NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "\"label_b\": \"HEAD~1..main\""));

  /* noise takes the shared filter alike: the range covers both sides' runs. */
  stats_test_run_in (&noise, f->dir, f->target, NULL, "noise", "--project-commit", "HEAD~2..HEAD",
                     "--json", NULL);
  g_assert_cmpint (noise.status, ==, 0);
  g_assert_nonnull (strstr (noise.out, "\"configurations\": 12"));
}

static void
test_compare_bad_revision (Fixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) bad;
  g_auto (StatsTestRun) outside;
  g_auto (StatsTestRun) empty;
  g_autofree char *root = write_pool (f);

  stats_test_run_in (&bad, f->dir, f->target, NULL, "compare", "--a-project-commit", "HEAD~1",
                     "--b-project-commit", "no-such-branch", NULL);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_cmpstr (bad.out, ==, "");
  g_assert_nonnull (strstr (bad.err, "ktstr-stats compare: error: --b-project-commit: "
                                     "'no-such-branch' is not a revision of the git repository"));

  /* Outside any repository a revision cannot resolve; literals would. */
  stats_test_run_in (&outside, f->target, f->target, NULL, "compare", "--a-project-commit",
                     "HEAD~1", "--b-project-commit", "HEAD", NULL);
  g_assert_cmpint (outside.status, ==, 2);
  g_assert_nonnull (strstr (outside.err, "--a-project-commit: 'HEAD~1' is not a commit as "
                                         "sidecars record it"));

  /* A range that resolves but names no recorded commit: said with what it
   * resolved to. */
  g_auto (StatsTestRun) unrecorded;
  g_autofree char *c1 = short_id (f->ids[1]);
  stats_test_run_in (&unrecorded, f->dir, f->target, NULL, "compare", "--a-project-commit",
                     "HEAD~3..HEAD~2", "--b-project-commit", "HEAD", NULL);
  g_assert_cmpint (unrecorded.status, ==, 2);
  g_assert_nonnull (strstr (unrecorded.err, "side A matched 0"));
  g_autofree char *hint
      = g_strdup_printf ("hint: --project-commit resolved to 1 commit(s) (%s), and no sidecar "
                         "records any of them",
                         c1);
  g_assert_nonnull (strstr (unrecorded.err, hint));

  stats_test_run_in (&empty, f->dir, f->target, NULL, "compare", "--a-kernel-commit",
                     "HEAD..HEAD~1", "--b-kernel-commit", "HEAD", NULL);
  g_assert_cmpint (empty.status, ==, 2);
  g_assert_nonnull (strstr (empty.err, "--a-kernel-commit: the range 'HEAD..HEAD~1' holds no "
                                       "commit"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/stats/revision/literal", test_literal);
  ADD ("/stats/revision/single", test_single);
  ADD ("/stats/revision/range", test_range);
  ADD ("/stats/revision/errors", test_errors);
  ADD ("/stats/revision/compare/head", test_compare_head);
  ADD ("/stats/revision/compare/repo-and-range", test_compare_repo_option_and_range);
  ADD ("/stats/revision/compare/bad-revision", test_compare_bad_revision);
  return g_test_run ();
}
