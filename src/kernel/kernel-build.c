#include "config.h"

#include "kernel/kernel-build.h"
#include "kernel/kernel.h"

#include "kernel/kconfig.h"
#include "kernel/kernel-cache.h"
#include "kernel/kernel-source.h"
#include "util/owned-tmpdir.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
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
  g_free (r->vmlinux);
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

/* Runs make in the tree with ARGS.  With SHOW on a terminal, each output
 * line replaces the last on one status line with the time elapsed;
 * otherwise the output is kept quiet (a CI log gains nothing from ten
 * thousand CC lines).  On failure the error carries the last lines.  With
 * STDOUT_OUT the output is returned instead. */
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

static char *
file_crc (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  return ktstr_kconfig_crc32_hex (text, len);
}

/* The tree's vmlinux without DWARF, written beside it: symbols and .BTF
 * stay (the monitor needs both), the debug info (hundreds of megabytes
 * that nothing of ktstr reads) goes.  NULL with an error when strip
 * fails; NULL without one when the build left no vmlinux. */
static char *
strip_vmlinux (Builder *b, GError **error)
{
  g_autofree char *full = g_build_filename (b->tree, "vmlinux", NULL);
  if (!g_file_test (full, G_FILE_TEST_IS_REGULAR))
    return NULL;
  char *out = g_build_filename (b->tree, "vmlinux.ktstr-stripped", NULL);
  const char *argv[] = { "strip", "--strip-debug", "-o", out, full, NULL };
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  g_autofree char *err = NULL;
  if (p == NULL || !g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, error))
    {
      g_prefix_error (error, "cannot run strip on %s (install binutils): ", full);
      g_free (out);
      return NULL;
    }
  if (!g_subprocess_get_successful (p))
    {
      g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_STRIP,
                   "'strip --strip-debug' failed on %s: %s", full, g_strstrip (err));
      g_free (out);
      return NULL;
    }
  return out;
}

/* The source to build: a tree or tarball, or a fetched git ref.  For a
 * ref whose build is cached already, *CACHED_KEY_OUT gets the key and
 * nothing is fetched. */
static KtstrKernelSource *
open_source (const KtstrKernelBuildOptions *opts, Builder *b, const char *root, const char *kc,
             char **cached_out, GError **error)
{
  if (opts->git_url == NULL)
    return ktstr_kernel_source_open_path (opts->source, b->out, error);
  /* Asking the repository what the ref names costs a round trip; fetching
   * a kernel costs minutes: look in the cache first. */
  g_autofree char *hash = ktstr_kernel_source_resolve_ref (opts->git_url, opts->git_ref, error);
  if (hash == NULL)
    return NULL;
  g_autofree char *label = ktstr_kernel_source_ref_label (opts->git_ref);
  g_autofree char *key = g_strdup_printf ("%s-git-%.7s-x86_64-kc%s", label, hash, kc);
  g_autofree char *image = g_build_filename (root, key, "bzImage", NULL);
  if (!opts->force && g_file_test (image, G_FILE_TEST_IS_REGULAR))
    {
      *cached_out = g_steal_pointer (&key);
      return NULL;
    }
  return ktstr_kernel_source_fetch_git (opts->git_url, opts->git_ref, b->out, error);
}

/* The cache key of a build of S whose final .config hashes to CFG; a
 * tarball is named by its release, a git tree or ref by its commit, an
 * uncacheable tree by its path. */
static char *
cache_key (const KtstrKernelSource *s, const char *version, const char *cfg, const char *kc)
{
  switch (s->type)
    {
    case KTSTR_KERNEL_SOURCE_TARBALL:
      return g_strdup_printf ("%s-tarball-x86_64-kc%s", version ? version : "unknown", kc);
    case KTSTR_KERNEL_SOURCE_GIT:
      {
        g_autofree char *label = ktstr_kernel_source_ref_label (s->ref);
        return g_strdup_printf ("%s-git-%.7s-x86_64-kc%s", label, s->commit, kc);
      }
    case KTSTR_KERNEL_SOURCE_LOCAL:
    default:
      if (s->not_cached == NULL)
        return g_strdup_printf ("local-%.7s-x86_64-cfg%s-kc%s", s->commit, cfg, kc);
      g_autofree char *pc = ktstr_kconfig_crc32_hex (s->tree, strlen (s->tree));
      return g_strdup_printf ("local-unknown-%s-x86_64-kc%s", pc, kc);
    }
}

/* A cached entry of KEY found before anything was built. */
static KtstrKernelBuildResult *
reuse (Builder *b, const char *root, const char *key, GError **error)
{
  g_autoptr (KtstrCacheEntry) e = ktstr_cache_lookup (root, key, NULL, error);
  if (e == NULL)
    return NULL;
  fprintf (b->out, "cached kernel found: %s\nuse --force to rebuild\n", e->image);
  KtstrKernelBuildResult *r = g_new0 (KtstrKernelBuildResult, 1);
  r->key = g_strdup (key);
  r->image = g_strdup (e->image);
  r->vmlinux = g_strdup (e->vmlinux);
  r->version = g_strdup (e->version);
  r->is_cached = r->was_reused = TRUE;
  return r;
}

/* make bzImage, then the stripped vmlinux and the cache entry (or, for a
 * tree that cannot be cached, the image's place in the tree). */
static gboolean
build_and_store (Builder *b, const KtstrKernelSource *s, const char *root, const char *frag_hash,
                 const char *cfg, KtstrKernelBuildResult *r, GError **error)
{
  g_autofree char *jobs = g_strdup_printf ("-j%u", b->jobs);
  const char *args[] = { jobs, "KCFLAGS=-Wno-error", "bzImage", NULL };
  fprintf (b->out, "ktstr: make %s KCFLAGS=-Wno-error bzImage in %s%s\n", jobs, s->tree,
           b->is_tty ? "" : " (quiet when not on a terminal; a failure shows its last lines)");
  fflush (b->out);
  g_autoptr (GTimer) t = g_timer_new ();
  if (!run_make (b, args, TRUE, NULL, error))
    return FALSE;
  g_autofree char *built = g_build_filename (s->tree, "arch", "x86", "boot", "bzImage", NULL);
  if (!g_file_test (built, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, KTSTR_BUILD_ERROR, KTSTR_BUILD_ERROR_MAKE,
                   "'make bzImage' succeeded in %s but left no arch/x86/boot/bzImage", s->tree);
      return FALSE;
    }
  fprintf (b->out, "ktstr: built %s in %.0f s\n", r->version ? r->version : "kernel",
           g_timer_elapsed (t, NULL));
  g_free (r->version);
  r->version = make_query (b, "kernelrelease");
  g_autofree char *origin = g_strdup_printf ("'make kernelrelease' in %s", s->tree);
  if (r->version != NULL && !ktstr_kernel_version_check (r->version, origin, error))
    return FALSE;
  if (s->not_cached != NULL)
    {
      r->image = g_steal_pointer (&built);
      fprintf (b->out,
               "ktstr: built %s but did not cache it: %s; commit the tree to cache its builds\n",
               r->image, s->not_cached);
      return TRUE;
    }

  g_autoptr (GError) strip_error = NULL;
  g_autofree char *vmlinux = strip_vmlinux (b, &strip_error);
  if (strip_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&strip_error));
      return FALSE;
    }
  if (vmlinux == NULL)
    fprintf (b->out,
             "ktstr: warning: the build left no vmlinux in %s; the cache entry has "
             "none, and the monitor will sample from inside the guest\n",
             s->tree);
  g_autofree char *config = g_build_filename (s->tree, ".config", NULL);
  g_autoptr (KtstrCacheEntry) e = g_new0 (KtstrCacheEntry, 1);
  e->key = g_strdup (r->key);
  e->version = g_strdup (r->version);
  e->source_type = g_strdup (ktstr_kernel_source_type_name (s->type));
  e->source_path = g_strdup (s->given);
  e->git_commit = g_strdup (s->commit);
  e->git_ref = g_strdup (s->ref);
  e->kconfig_hash = g_strdup (frag_hash);
  e->config_hash = g_strdup (cfg);
  e->built_at = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok = ktstr_cache_store (root, e, built, config, vmlinux, error);
  if (vmlinux != NULL)
    g_unlink (vmlinux);
  if (!ok)
    return FALSE;
  r->image = g_strdup (e->image);
  r->vmlinux = g_strdup (e->vmlinux);
  r->is_cached = TRUE;
  fprintf (b->out, "ktstr: cached as %s in %s\n", r->key, root);
  return TRUE;
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

  g_autofree char *cached_key = NULL;
  g_autoptr (KtstrKernelSource) s = open_source (opts, &b, root, kc, &cached_key, error);
  if (cached_key != NULL)
    return reuse (&b, root, cached_key, error);
  if (s == NULL)
    return NULL;
  b.tree = s->tree;

  g_autoptr (KtstrKernelBuildResult) r = g_new0 (KtstrKernelBuildResult, 1);
  r->not_cached = g_strdup (s->not_cached);
  g_autofree char *config = g_build_filename (s->tree, ".config", NULL);
  if (opts->clean && !make_step (&b, "mrproper", error))
    return NULL;
  if (!g_file_test (config, G_FILE_TEST_EXISTS) && !make_step (&b, "defconfig", error))
    return NULL;
  fprintf (b.out, "ktstr: merging %s (kc%s)\n", frag_path, kc);
  if (!ktstr_kconfig_merge (config, fragment, error) || !make_step (&b, "olddefconfig", error)
      || !ktstr_kconfig_validate (config, error))
    return NULL;
  g_autofree char *cfg = file_crc (config);
  r->version = make_query (&b, "kernelrelease");
  g_autofree char *origin = g_strdup_printf ("'make kernelrelease' in %s", s->tree);
  if (r->version != NULL && !ktstr_kernel_version_check (r->version, origin, error))
    return NULL;
  r->key = cache_key (s, r->version, cfg, kc);

  g_autofree char *cached = g_build_filename (root, r->key, "bzImage", NULL);
  if (s->not_cached == NULL && !opts->force && g_file_test (cached, G_FILE_TEST_EXISTS))
    {
      g_autofree char *key = g_strdup (r->key);
      return reuse (&b, root, key, error);
    }
  if (!build_and_store (&b, s, root, kc, cfg, r, error))
    return NULL;
  return g_steal_pointer (&r);
}
