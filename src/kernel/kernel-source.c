/* Kernel source trees for `ktstr kernel build`: see kernel-source.h. */
#include "config.h"

#include "kernel/kernel-source.h"

#include <gio/gio.h>
#include <string.h>

#include "kernel/kernel-cache.h"
#include "record/gitcommit.h"
#include "util/owned-tmpdir.h"

GQuark
ktstr_kernel_source_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kernel-source-error-quark");
}

void
ktstr_kernel_source_free (KtstrKernelSource *s)
{
  if (s == NULL)
    return;
  if (s->tmp != NULL)
    ktstr_rm_rf (s->tmp, NULL);
  g_free (s->given);
  g_free (s->tree);
  g_free (s->commit);
  g_free (s->ref);
  g_free (s->not_cached);
  g_free (s->tmp);
  g_free (s);
}

const char *
ktstr_kernel_source_type_name (KtstrKernelSourceType type)
{
  switch (type)
    {
    case KTSTR_KERNEL_SOURCE_TARBALL:
      return "tarball";
    case KTSTR_KERNEL_SOURCE_GIT:
      return "git";
    case KTSTR_KERNEL_SOURCE_LOCAL:
    default:
      return "local";
    }
}

/* Runs ARGV (in CWD, NULL: here) with git's prompts off, so that a
 * repository asking for credentials fails instead of waiting for a
 * terminal nobody watches.  *STDOUT_OUT (optional) gets its output; on
 * failure the error quotes what it printed on stderr. */
static gboolean
run_tool (const char *const *argv, const char *cwd, char **stdout_out, GError **error)
{
  g_autoptr (GSubprocessLauncher) l
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                   | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_setenv (l, "GIT_TERMINAL_PROMPT", "0", TRUE);
  g_subprocess_launcher_setenv (l, "LC_ALL", "C", TRUE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (l, cwd);
  g_autofree char *what = g_strjoinv (" ", (char **)argv);
  g_autoptr (GError) local = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, argv, &local);
  g_autofree char *out = NULL, *err = NULL;
  if (p == NULL || !g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &local))
    {
      g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_TOOL,
                   "cannot run '%s': %s (is %s installed?)", what, local->message, argv[0]);
      return FALSE;
    }
  if (!g_subprocess_get_successful (p))
    {
      g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_TOOL,
                   "'%s' failed: %s", what,
                   err != NULL && *g_strstrip (err) ? err : "(no message)");
      return FALSE;
    }
  if (stdout_out != NULL)
    *stdout_out = g_steal_pointer (&out);
  return TRUE;
}

static gboolean
check_tree (const char *tree, const char *given, GError **error)
{
  g_autofree char *makefile = g_build_filename (tree, "Makefile", NULL);
  g_autofree char *kconfig = g_build_filename (tree, "Kconfig", NULL);
  if (g_file_test (makefile, G_FILE_TEST_EXISTS) && g_file_test (kconfig, G_FILE_TEST_EXISTS))
    return TRUE;
  g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_INVALID,
               "'%s' is not a kernel source tree (no Makefile and Kconfig at its top); pass the "
               "top of a Linux tree, a linux-*.tar.xz tarball, or --git URL --ref REF",
               given);
  return FALSE;
}

/* Extracts TARBALL into S->tmp and points S->tree at the kernel tree in
 * it: a release tarball's one top directory (linux-6.12.3/,
 * linux-source-6.12/), or the top itself. */
static gboolean
extract_tarball (KtstrKernelSource *s, const char *tarball, GError **error)
{
  s->tmp = ktstr_owned_tmpdir_new (KTSTR_KERNEL_WORKDIR_PREFIX, error);
  if (s->tmp == NULL)
    return FALSE;
  const char *argv[] = { "tar", "-xf", tarball, "-C", s->tmp, NULL };
  if (!run_tool (argv, NULL, NULL, error))
    {
      g_prefix_error (error, "cannot extract kernel tarball '%s': ", tarball);
      return FALSE;
    }
  g_autofree char *top_makefile = g_build_filename (s->tmp, "Makefile", NULL);
  if (g_file_test (top_makefile, G_FILE_TEST_EXISTS))
    {
      s->tree = g_strdup (s->tmp);
      return TRUE;
    }
  g_autoptr (GDir) d = g_dir_open (s->tmp, 0, error);
  if (d == NULL)
    return FALSE;
  /* The one entry besides the owner stamp. */
  const char *name = g_dir_read_name (d), *next = NULL;
  if (name != NULL && g_str_equal (name, KTSTR_OWNER_STAMP))
    name = g_dir_read_name (d);
  next = g_dir_read_name (d);
  if (next != NULL && g_str_equal (next, KTSTR_OWNER_STAMP))
    next = g_dir_read_name (d);
  if (name != NULL && next == NULL)
    {
      s->tree = g_build_filename (s->tmp, name, NULL);
      return TRUE;
    }
  g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_INVALID,
               "kernel tarball '%s' does not hold one top directory with the kernel tree", tarball);
  return FALSE;
}

KtstrKernelSource *
ktstr_kernel_source_open_path (const char *path, FILE *out, GError **error)
{
  g_autoptr (KtstrKernelSource) s = g_new0 (KtstrKernelSource, 1);
  s->given = g_canonicalize_filename (path, NULL);
  if (!g_file_test (s->given, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND,
                   "kernel source '%s' does not exist; pass a kernel tree or a tarball (Debian: "
                   "apt-get install linux-source-6.12 gives /usr/src/linux-source-6.12.tar.xz)",
                   path);
      return NULL;
    }
  if (g_file_test (s->given, G_FILE_TEST_IS_DIR))
    {
      s->type = KTSTR_KERNEL_SOURCE_LOCAL;
      s->tree = g_strdup (s->given);
      if (!check_tree (s->tree, path, error))
        return NULL;
      g_autoptr (GError) gerr = NULL;
      if (!ktstr_git_open_commit (s->tree, &s->commit, &gerr))
        s->not_cached = g_strdup_printf ("git failed on %s: %s", s->tree, gerr->message);
      else if (s->commit == NULL)
        s->not_cached = g_strdup_printf ("%s is not a git work tree", s->tree);
      else if (g_str_has_suffix (s->commit, "-dirty"))
        s->not_cached = g_strdup_printf ("%s has uncommitted changes (%s)", s->tree, s->commit);
      return g_steal_pointer (&s);
    }
  s->type = KTSTR_KERNEL_SOURCE_TARBALL;
  fprintf (out, "ktstr: extracting %s\n", s->given);
  fflush (out);
  if (!extract_tarball (s, s->given, error) || !check_tree (s->tree, path, error))
    return NULL;
  return g_steal_pointer (&s);
}

static gboolean
is_full_hash (const char *ref)
{
  if (strlen (ref) != 40)
    return FALSE;
  for (const char *p = ref; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

char *
ktstr_kernel_source_resolve_ref (const char *url, const char *ref, GError **error)
{
  if (is_full_hash (ref))
    return g_ascii_strdown (ref, -1);
  const char *argv[] = { "git", "ls-remote", "--", url, ref, NULL };
  g_autofree char *out = NULL;
  if (!run_tool (argv, NULL, &out, error))
    {
      g_prefix_error (error, "cannot read the refs of git repository '%s': ", url);
      return NULL;
    }
  /* ls-remote matches REF against the tail of every ref name; take the
   * exact name, else the branch, else the tag's commit (a peeled "^{}"
   * line, which annotated tags have), else the tag. */
  g_autofree char *branch = g_strconcat ("refs/heads/", ref, NULL);
  g_autofree char *peeled = g_strconcat ("refs/tags/", ref, "^{}", NULL);
  g_autofree char *tag = g_strconcat ("refs/tags/", ref, NULL);
  const char *wanted[] = { ref, branch, peeled, tag };
  char *found[G_N_ELEMENTS (wanted)] = { NULL };
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      char *tab = strchr (*l, '\t');
      if (tab == NULL || tab - *l != 40)
        continue;
      for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
        if (found[i] == NULL && g_str_equal (tab + 1, wanted[i]))
          found[i] = g_strndup (*l, 40);
    }
  char *hash = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      if (hash == NULL)
        hash = g_steal_pointer (&found[i]);
      g_free (found[i]);
    }
  if (hash == NULL)
    g_set_error (error, KTSTR_KERNEL_SOURCE_ERROR, KTSTR_KERNEL_SOURCE_ERROR_NOT_FOUND,
                 "git repository '%s' has no branch or tag '%s'; give a branch, a tag or a "
                 "full 40-hex commit (see 'git ls-remote %s')",
                 url, ref, url);
  return hash;
}

KtstrKernelSource *
ktstr_kernel_source_fetch_git (const char *url, const char *ref, FILE *out, GError **error)
{
  g_autoptr (KtstrKernelSource) s = g_new0 (KtstrKernelSource, 1);
  s->type = KTSTR_KERNEL_SOURCE_GIT;
  s->given = g_strdup (url);
  s->ref = g_strdup (ref);
  s->tmp = ktstr_owned_tmpdir_new (KTSTR_KERNEL_WORKDIR_PREFIX, error);
  if (s->tmp == NULL)
    return NULL;
  s->tree = g_build_filename (s->tmp, "linux", NULL);
  fprintf (out, "ktstr: fetching %s of %s (one commit deep)\n", ref, url);
  fflush (out);
  /* init + fetch rather than clone: a fetch takes a commit hash as well as
   * a branch or tag, and --depth 1 keeps a kernel's history (gigabytes)
   * out of it. */
  const char *init[] = { "git", "init", "-q", s->tree, NULL };
  const char *fetch[] = { "git", "fetch", "-q", "--depth", "1", "--", url, ref, NULL };
  const char *checkout[] = { "git", "checkout", "-q", "--detach", "FETCH_HEAD", NULL };
  if (!run_tool (init, NULL, NULL, error) || !run_tool (fetch, s->tree, NULL, error)
      || !run_tool (checkout, s->tree, NULL, error))
    {
      g_prefix_error (error, "cannot fetch '%s' of git repository '%s': ", ref, url);
      return NULL;
    }
  const char *rev_parse[] = { "git", "rev-parse", "--short=7", "HEAD", NULL };
  g_autofree char *commit = NULL;
  if (!run_tool (rev_parse, s->tree, &commit, error))
    return NULL;
  s->commit = g_strdup (g_strstrip (commit));
  g_autofree char *label = g_strdup_printf ("'%s' of %s", ref, url);
  if (!check_tree (s->tree, label, error))
    return NULL;
  return g_steal_pointer (&s);
}

char *
ktstr_kernel_source_ref_label (const char *ref)
{
  char *label = g_strdup (ref);
  for (char *p = label; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  return label;
}
