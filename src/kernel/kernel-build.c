#include "config.h"

#include "kernel/kernel-build.h"
#include "kernel/kernel.h"

#include "record/gitcommit.h"
#include "kernel/kconfig.h"
#include "kernel/kernel-cache.h"
#include "util/owned-tmpdir.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

GQuark
ktstr_build_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-build-error-quark");
}

#define TAIL_LINES 40 /* make output kept for the error of a failed step */

void
ktstr_kernel_build_result_free (KtstrKernelBuildResult *r)
{
  if (r == NULL)
    return;
  g_free (r->key);
  g_free (r->image);
  g_free (r->version);
  g_free (r->not_cached);
  g_free (r);
}

typedef struct
{
  const char *tree;
  FILE *out;
  gboolean is_tty;
  guint jobs;
} Builder;

static guint
terminal_width (FILE *out)
{
  struct winsize ws;
  if (ioctl (fileno (out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    return ws.ws_col;
  return 80;
}

/* Runs make in the tree with ARGS.  With SHOW, each output line is shown
 * (on a terminal as one line rewritten in place, else as plain lines);
 * otherwise it is kept quiet.  On failure the error carries the last
 * lines.  With STDOUT_OUT the output is returned instead. */
static gboolean
run_make (Builder *b, const char *const *args, gboolean show, char **stdout_out, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *)"make");
  g_ptr_array_add (argv, (char *)"--no-print-directory");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *what = g_strjoinv (" ", (char **)argv->pdata);

  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE
      | (stdout_out ? G_SUBPROCESS_FLAGS_STDERR_PIPE : G_SUBPROCESS_FLAGS_STDERR_MERGE));
  g_subprocess_launcher_set_cwd (l, b->tree);
  /* Run from a make (a build script, 'make check'), the parent's flags
   * would leak in: -w output in kernelrelease, its jobserver, its -s. */
  g_subprocess_launcher_unsetenv (l, "MAKEFLAGS");
  g_subprocess_launcher_unsetenv (l, "MFLAGS");
  g_subprocess_launcher_unsetenv (l, "MAKELEVEL");
  /* make ends with ktstr, however ktstr ends (its running compilers
   * finish their file and exit). */
  g_subprocess_launcher_set_child_setup (l, ktstr_spawn_die_with_parent,
                                         GINT_TO_POINTER ((int)getpid ()), NULL);
  g_autoptr (GSubprocess) p
      = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, error);
  if (p == NULL)
    {
      g_prefix_error (error, "cannot run '%s' in %s: ", what, b->tree);
      return FALSE;
    }

  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  g_autoptr (GQueue) tail = g_queue_new ();
  g_autoptr (GString) all = g_string_new (NULL);
  g_autoptr (GTimer) timer = g_timer_new ();
  guint width = b->is_tty ? terminal_width (b->out) : 0;
  char *line;
  gsize len;
  while ((line = g_data_input_stream_read_line_utf8 (in, &len, NULL, NULL)) != NULL)
    {
      if (stdout_out != NULL)
        g_string_append_printf (all, "%s\n", line);
      if (show && b->is_tty)
        {
          guint secs = (guint)g_timer_elapsed (timer, NULL);
          g_autofree char *shown = g_strdup_printf ("[%02u:%02u] %s", secs / 60, secs % 60, line);
          if (g_utf8_strlen (shown, -1) >= width)
            *g_utf8_offset_to_pointer (shown, width - 1) = '\0';
          fprintf (b->out, "\r\033[K%s", shown);
          fflush (b->out);
        }
      else if (show)
        fprintf (b->out, "%s\n", line);
      g_queue_push_tail (tail, line);
      if (tail->length > TAIL_LINES)
        g_free (g_queue_pop_head (tail));
    }
  if (show && b->is_tty)
    {
      fprintf (b->out, "\r\033[K");
      fflush (b->out);
    }
  gboolean ok = g_subprocess_wait (p, NULL, error);
  if (ok && !g_subprocess_get_successful (p))
    {
      g_autoptr (GString) msg = g_string_new (NULL);
      for (GList *it = tail->head; it != NULL; it = it->next)
        g_string_append_printf (msg, "\n  %s", (char *)it->data);
      g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_MAKE,
                   "'%s' failed in %s (exit status %d)%s%s", what, b->tree,
                   g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1,
                   msg->len ? "; its last output:" : "", msg->str);
      ok = FALSE;
    }
  g_queue_free_full (g_steal_pointer (&tail), g_free);
  if (ok && stdout_out != NULL)
    *stdout_out = g_string_free (g_steal_pointer (&all), FALSE);
  return ok;
}

static gboolean
make_step (Builder *b, const char *target, GError **error)
{
  const char *args[] = { target, NULL };
  fprintf (b->out, "ktstr: make %s\n", target);
  return run_make (b, args, FALSE, NULL, error);
}

static char *
make_query (Builder *b, const char *target)
{
  const char *args[] = { "-s", target, NULL };
  g_autofree char *out = NULL;
  if (!run_make (b, args, FALSE, &out, NULL))
    return NULL;
  g_strstrip (out);
  return *out ? g_steal_pointer (&out) : NULL;
}

/* Extracts TARBALL into a new temp directory (*tmp_out, to be removed by
 * the caller) and returns the kernel tree inside it. */
static char *
extract_tarball (const char *tarball, char **tmp_out, GError **error)
{
  g_autofree char *tmp = g_dir_make_tmp ("ktstr-kernel-XXXXXX", error);
  if (tmp == NULL)
    return NULL;
  *tmp_out = g_strdup (tmp);
  const char *argv[] = { "tar", "-xf", tarball, "-C", tmp, NULL };
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  g_autofree char *err = NULL;
  if (p == NULL || !g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, error))
    return NULL;
  if (!g_subprocess_get_successful (p))
    {
      g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_SOURCE,
                   "cannot extract kernel tarball '%s': %s", tarball, g_strstrip (err));
      return NULL;
    }
  /* Release tarballs hold one top directory (linux-6.12.3/); accept a
   * tree at the top too. */
  g_autofree char *top_makefile = g_build_filename (tmp, "Makefile", NULL);
  if (g_file_test (top_makefile, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&tmp);
  g_autoptr (GDir) d = g_dir_open (tmp, 0, error);
  if (d == NULL)
    return NULL;
  const char *name = g_dir_read_name (d);
  if (name != NULL && g_dir_read_name (d) == NULL)
    return g_build_filename (tmp, name, NULL);
  g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_SOURCE,
               "kernel tarball '%s' does not hold one top directory with the kernel tree", tarball);
  return NULL;
}

static gboolean
check_tree (const char *tree, const char *given, GError **error)
{
  g_autofree char *makefile = g_build_filename (tree, "Makefile", NULL);
  g_autofree char *kconfig = g_build_filename (tree, "Kconfig", NULL);
  if (g_file_test (makefile, G_FILE_TEST_EXISTS) && g_file_test (kconfig, G_FILE_TEST_EXISTS))
    return TRUE;
  g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_SOURCE,
               "'%s' is not a kernel source tree (no Makefile and Kconfig at its top); pass the "
               "top of a Linux tree or a linux-*.tar.xz tarball",
               given);
  return FALSE;
}

static char *
file_crc (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  return ktstr_kconfig_crc32_hex (text, len);
}

KtstrKernelBuildResult *
ktstr_kernel_build (const KtstrKernelBuildOptions *opts, GError **error)
{
  Builder b = { 0 };
  b.out = opts->progress ? opts->progress : stderr;
  b.is_tty = opts->is_tty < 0 ? isatty (fileno (b.out)) : opts->is_tty;
  b.jobs = opts->jobs ? opts->jobs : g_get_num_processors ();

  g_autofree char *root = opts->cache_root ? g_strdup (opts->cache_root) : ktstr_cache_root (error);
  g_autofree char *frag_path
      = opts->fragment ? g_strdup (opts->fragment) : ktstr_kconfig_fragment_path ();
  g_autofree char *kc = NULL;
  g_autofree char *fragment = NULL;
  if (root == NULL || (fragment = ktstr_kconfig_fragment_load (frag_path, &kc, error)) == NULL)
    return NULL;

  g_autofree char *source = g_canonicalize_filename (opts->source, NULL);
  g_autofree char *tmp = NULL;
  g_autofree char *tree = NULL;
  gboolean is_tarball = g_file_test (source, G_FILE_TEST_IS_REGULAR);
  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_SOURCE,
                   "kernel source '%s' does not exist", opts->source);
      return NULL;
    }
  if (is_tarball)
    {
      fprintf (b.out, "ktstr: extracting %s\n", source);
      tree = extract_tarball (source, &tmp, error);
    }
  else
    tree = g_strdup (source);

  g_autoptr (KtstrKernelBuildResult) r = NULL;
  if (tree != NULL && check_tree (tree, opts->source, error))
    {
      b.tree = tree;
      r = g_new0 (KtstrKernelBuildResult, 1);
      g_autofree char *commit = NULL;
      g_autofree char *config = g_build_filename (tree, ".config", NULL);
      gboolean ok = TRUE;

      if (!is_tarball)
        {
          g_autoptr (GError) gerr = NULL;
          if (!ktstr_git_open_commit (tree, &commit, &gerr))
            r->not_cached = g_strdup_printf ("git failed on %s: %s", tree, gerr->message);
          else if (commit == NULL)
            r->not_cached = g_strdup_printf ("%s is not a git work tree", tree);
          else if (g_str_has_suffix (commit, "-dirty"))
            r->not_cached = g_strdup_printf ("%s has uncommitted changes (%s)", tree, commit);
        }

      if (opts->clean)
        ok = make_step (&b, "mrproper", error);
      if (ok && !g_file_test (config, G_FILE_TEST_EXISTS))
        ok = make_step (&b, "defconfig", error);
      if (ok)
        {
          fprintf (b.out, "ktstr: merging %s (kc%s)\n", frag_path, kc);
          ok = ktstr_kconfig_merge (config, fragment, error)
               && make_step (&b, "olddefconfig", error) && ktstr_kconfig_validate (config, error);
        }
      g_autofree char *cfg = ok ? file_crc (config) : NULL;
      if (ok)
        {
          r->version = make_query (&b, "kernelrelease");
          g_autofree char *origin = g_strdup_printf ("'make kernelrelease' in %s", tree);
          if (r->version != NULL && !ktstr_kernel_version_check (r->version, origin, error))
            ok = FALSE;
        }
      if (ok)
        {
          if (is_tarball)
            r->key = g_strdup_printf ("%s-tarball-x86_64-kc%s", r->version ? r->version : "unknown",
                                      kc);
          else if (r->not_cached == NULL)
            r->key = g_strdup_printf ("local-%.7s-x86_64-cfg%s-kc%s", commit, cfg, kc);
          else
            {
              g_autofree char *pc = ktstr_kconfig_crc32_hex (tree, strlen (tree));
              r->key = g_strdup_printf ("local-unknown-%s-x86_64-kc%s", pc, kc);
            }
        }

      g_autofree char *cached = ok ? g_build_filename (root, r->key, "bzImage", NULL) : NULL;
      if (ok && r->not_cached == NULL && !opts->force && g_file_test (cached, G_FILE_TEST_EXISTS))
        {
          fprintf (b.out, "cached kernel found: %s\nuse --force to rebuild\n", cached);
          r->image = g_steal_pointer (&cached);
          r->is_cached = r->was_reused = TRUE;
        }
      else if (ok)
        {
          g_autofree char *jobs = g_strdup_printf ("-j%u", b.jobs);
          const char *args[] = { jobs, "KCFLAGS=-Wno-error", "bzImage", NULL };
          fprintf (b.out, "ktstr: make %s KCFLAGS=-Wno-error bzImage in %s\n", jobs, tree);
          g_autoptr (GTimer) t = g_timer_new ();
          ok = run_make (&b, args, TRUE, NULL, error);
          g_autofree char *built = g_build_filename (tree, "arch", "x86", "boot", "bzImage", NULL);
          if (ok && !g_file_test (built, G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_MAKE,
                           "'make bzImage' succeeded in %s but left no arch/x86/boot/bzImage",
                           tree);
              ok = FALSE;
            }
          if (ok)
            {
              fprintf (b.out, "ktstr: built %s in %.0f s\n", r->version ? r->version : "kernel",
                       g_timer_elapsed (t, NULL));
              g_free (r->version);
              r->version = make_query (&b, "kernelrelease");
              g_autofree char *origin = g_strdup_printf ("'make kernelrelease' in %s", tree);
              if (r->version != NULL && !ktstr_kernel_version_check (r->version, origin, error))
                ok = FALSE;
            }
          if (ok && r->not_cached == NULL)
            {
              g_autoptr (KtstrCacheEntry) e = g_new0 (KtstrCacheEntry, 1);
              e->key = g_strdup (r->key);
              e->version = g_strdup (r->version);
              e->source_type = g_strdup (is_tarball ? "tarball" : "local");
              e->source_path = g_strdup (source);
              e->git_commit = g_strdup (commit);
              e->kconfig_hash = g_strdup (kc);
              e->config_hash = g_strdup (cfg);
              e->built_at = g_get_real_time () / G_USEC_PER_SEC;
              ok = ktstr_cache_store (root, e, built, config, error);
              if (ok)
                {
                  r->image = g_strdup (e->image);
                  r->is_cached = TRUE;
                  fprintf (b.out, "ktstr: cached as %s in %s\n", r->key, root);
                }
            }
          else if (ok)
            {
              r->image = g_steal_pointer (&built);
              fprintf (b.out,
                       "ktstr: built %s but did not cache it: %s; commit the tree to "
                       "cache its builds\n",
                       r->image, r->not_cached);
            }
        }
      if (!ok)
        g_clear_pointer (&r, ktstr_kernel_build_result_free);
    }
  if (tmp != NULL)
    ktstr_rm_rf (tmp, NULL);
  return g_steal_pointer (&r);
}
