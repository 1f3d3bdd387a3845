/* ktstr kernel build|list|clean: the kernel cache (see kernel-build.h and
 * kernel-cache.h). */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "kernel/kconfig.h"
#include "kernel/kernel-build.h"
#include "kernel/kernel-cache.h"
#include "kernel/kernel-range.h"
#include "util/json-util.h"
#include "util/table.h"

static gboolean
parse (GOptionContext *ctx, const char *name, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &error) || *argc > 1)
    {
      fprintf (stderr, "ktstr kernel %s: %s\n", name,
               error ? error->message : "takes no positional arguments (see --help)");
      return FALSE;
    }
  return TRUE;
}

static int
cmd_build (int argc, char **argv)
{
  char *source = NULL, *git = NULL, *ref = NULL;
  gboolean force = FALSE, clean = FALSE;
  int jobs = 0;
  GOptionEntry entries[] = {
    { "source", 0, 0, G_OPTION_ARG_FILENAME, &source,
      "Kernel source tree or tarball (.tar, .tar.gz, .tar.xz; Debian's linux-source-6.12 is "
      "/usr/src/linux-source-6.12.tar.xz)",
      "DIR|TARBALL" },
    { "git", 0, 0, G_OPTION_ARG_STRING, &git,
      "Git repository (URL or path) to fetch the kernel from, one commit deep; needs --ref",
      "URL" },
    { "ref", 0, 0, G_OPTION_ARG_STRING, &ref, "Branch, tag or full commit hash of --git to build",
      "REF" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "make -jN (default: the number of CPUs)", "N" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Rebuild even when the cache has this kernel",
      NULL },
    { "clean", 0, 0, G_OPTION_ARG_NONE, &clean, "Run 'make mrproper' first (drops .config)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- configure a kernel with ktstr.kconfig, build and cache it");
  g_option_context_set_summary (
      ctx, "Builds the bzImage (and vmlinux) of a tree, a tarball or a git ref with the options "
           "of ktstr.kconfig and stores them in the kernel cache, where 'ktstr test' finds the "
           "newest one by default.\nOn a terminal one line shows the progress; otherwise only "
           "the steps are printed.  Standard output: the cache key (or the image of a build "
           "that cannot be cached).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  gboolean ok = parse (ctx, "build", &argc, &argv);
  g_autofree char *src = source, *git_url = git, *git_ref = ref;
  if (!ok)
    return KTSTR_EXIT_USAGE;
  if ((src != NULL) == (git_url != NULL))
    {
      fprintf (stderr, "ktstr kernel build: give --source DIR|TARBALL or --git URL --ref REF "
                       "(downloading release kernels is not supported)\n");
      return KTSTR_EXIT_USAGE;
    }
  if ((git_url != NULL) != (git_ref != NULL))
    {
      fprintf (stderr, "ktstr kernel build: %s\n",
               git_url != NULL ? "--git needs --ref REF (a branch, a tag or a full commit hash)"
                               : "--ref names a ref of a --git repository; give --git URL too");
      return KTSTR_EXIT_USAGE;
    }
  if (jobs < 0 || jobs > 1024)
    {
      fprintf (stderr, "ktstr kernel build: --jobs must be between 1 and 1024, not %d\n", jobs);
      return KTSTR_EXIT_USAGE;
    }
  KtstrKernelBuildOptions opts = {
    .source = src,
    .git_url = git_url,
    .git_ref = git_ref,
    .force = force,
    .clean = clean,
    .jobs = (guint)jobs,
    .is_tty = -1,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrKernelBuildResult) r = ktstr_kernel_build (&opts, &error);
  if (r == NULL)
    {
      fprintf (stderr, "ktstr kernel build: %s\n", error->message);
      return KTSTR_EXIT_FAILED;
    }
  /* stdout: what to pass to --kernel. */
  printf ("%s\n", r->is_cached ? r->key : r->image);
  return KTSTR_EXIT_OK;
}

static char *
format_time (gint64 secs)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (secs);
  return t ? g_date_time_format (t, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

static const char *
kconfig_status (const KtstrCacheEntry *e, const char *current)
{
  if (e->kconfig_hash == NULL)
    return "untracked";
  return g_str_equal (e->kconfig_hash, current) ? "current" : "stale";
}

static void
list_json (const char *root, GPtrArray *entries, const char *current, const char *range)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "cache", root);
  if (range != NULL)
    ktstr_json_member_string (b, "range", range);
  ktstr_json_member_string (b, "current_ktstr_kconfig_hash", current);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      KtstrCacheEntry *e = entries->pdata[i];
      const char *fields[][2] = {
        { "key", e->key },
        { "path", e->path },
        { "version", e->version },
        { "source_type", e->source_type },
        { "source_path", e->source_path },
        { "git_commit", e->git_commit },
        { "git_ref", e->git_ref },
        { "ktstr_kconfig_hash", e->kconfig_hash },
        { "config_hash", e->config_hash },
        { "image_path", e->error ? NULL : e->image },
        { "vmlinux_path", e->error ? NULL : e->vmlinux },
        { "kconfig_status", e->error ? NULL : kconfig_status (e, current) },
        { "error", e->error },
      };
      json_builder_begin_object (b);
      for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
        ktstr_json_member_string (b, fields[f][0], fields[f][1]);
      ktstr_json_member_int (b, "built_at", e->built_at);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autofree char *text = ktstr_json_builder_finish (g_steal_pointer (&b));
  fputs (text, stdout);
}

static int
cmd_list (int argc, char **argv)
{
  gboolean as_json = FALSE;
  char *range_arg = NULL;
  GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL },
          { "range", 0, 0, G_OPTION_ARG_STRING, &range_arg,
            "Only the kernels 'ktstr test --kernel START..END' would run on (both ends "
            "included, each a version prefix: 6.10..6.12 takes every 6.10.x to 6.12.x)",
            "START..END" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list the cached kernels");
  g_option_context_add_main_entries (ctx, entries, NULL);
  gboolean ok = parse (ctx, "list", &argc, &argv);
  g_autofree char *range = range_arg;
  if (!ok)
    return KTSTR_EXIT_USAGE;
  g_autoptr (GError) range_error = NULL;
  g_autofree char *range_start = NULL, *range_end = NULL;
  if (range != NULL && !ktstr_kernel_range_parse (range, &range_start, &range_end, &range_error))
    {
      fprintf (stderr, "ktstr kernel list: --range: %s\n", range_error->message);
      return KTSTR_EXIT_USAGE;
    }

  g_autoptr (GError) error = NULL;
  g_autofree char *root = ktstr_cache_root (&error);
  g_autofree char *frag = ktstr_kconfig_fragment_path ();
  g_autofree char *current = NULL;
  g_autofree char *text = root ? ktstr_kconfig_fragment_load (frag, &current, &error) : NULL;
  g_autoptr (GPtrArray) all = text ? ktstr_cache_list (root, &error) : NULL;
  if (all == NULL)
    {
      fprintf (stderr, "ktstr kernel list: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  if (range != NULL)
    {
      /* What the range selects, exactly as a test run would pick it; an
       * empty selection is a listing too, with the reason on stderr. */
      guint n_stale = 0;
      g_autoptr (GPtrArray) picked
          = ktstr_kernel_range_select (all, range, current, &n_stale, &range_error);
      g_autoptr (GPtrArray) shown
          = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_cache_entry_free);
      for (guint i = 0; picked != NULL && i < picked->len; i++)
        for (guint j = 0; j < all->len; j++)
          if (all->pdata[j] == picked->pdata[i])
            g_ptr_array_add (shown, g_ptr_array_steal_index (all, j));
      if (as_json)
        list_json (root, shown, current, range);
      else
        {
          fprintf (stderr, "cache: %s\nrange %s: %u kernel%s\n", root, range, shown->len,
                   shown->len == 1 ? "" : "s");
          static const char *const headers[] = { "KEY", "VERSION", "SOURCE", "BUILT" };
          static const KtstrAlign align[]
              = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT };
          g_autoptr (KtstrTable) table = ktstr_table_new (G_N_ELEMENTS (headers), headers, align);
          for (guint i = 0; i < shown->len; i++)
            {
              KtstrCacheEntry *e = shown->pdata[i];
              g_autofree char *when = format_time (e->built_at);
              ktstr_table_add_row (table,
                                   (const char *[]){ e->key, e->version,
                                                     e->source_type ? e->source_type : "-", when });
            }
          g_autoptr (GString) rendered = g_string_new (NULL);
          ktstr_table_render (table, rendered, FALSE);
          fputs (rendered->str, stdout);
        }
      if (range_error != NULL)
        fprintf (stderr, "ktstr kernel list: %s\n", range_error->message);
      else if (n_stale > 0)
        fprintf (stderr,
                 "%u more cached kernel%s in the range %s built with another ktstr.kconfig; "
                 "'ktstr test' uses those only by their full key\n",
                 n_stale, n_stale == 1 ? "" : "s", range);
      return KTSTR_EXIT_OK;
    }
  if (as_json)
    {
      list_json (root, all, current, NULL);
      return KTSTR_EXIT_OK;
    }
  fprintf (stderr, "cache: %s\n", root);
  static const char *const headers[] = { "KEY", "VERSION", "SOURCE", "BUILT", "NOTE" };
  static const KtstrAlign align[] = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT,
                                      KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT };
  g_autoptr (KtstrTable) table = ktstr_table_new (G_N_ELEMENTS (headers), headers, align);
  guint stale = 0, untracked = 0, corrupt = 0;
  for (guint i = 0; i < all->len; i++)
    {
      KtstrCacheEntry *e = all->pdata[i];
      if (e->error != NULL)
        {
          g_autofree char *note = g_strdup_printf ("(corrupt: %s)", e->error);
          ktstr_table_add_row (table, (const char *[]){ e->key, "-", "-", "-", note });
          corrupt++;
          continue;
        }
      g_autofree char *when = format_time (e->built_at);
      const char *st = kconfig_status (e, current);
      const char *note = g_str_equal (st, "stale")       ? "(stale kconfig)"
                         : g_str_equal (st, "untracked") ? "(untracked kconfig)"
                                                         : NULL;
      ktstr_table_add_row (table,
                           (const char *[]){ e->key, e->version ? e->version : "-",
                                             e->source_type ? e->source_type : "-", when, note });
      stale += g_str_equal (st, "stale");
      untracked += g_str_equal (st, "untracked");
    }
  g_autoptr (GString) rendered = g_string_new (NULL);
  ktstr_table_render (table, rendered, FALSE);
  fputs (rendered->str, stdout);
  if (all->len == 0)
    fprintf (stderr, "no cached kernels; build one with 'ktstr kernel build --source DIR'\n");
  if (untracked)
    fprintf (stderr, "(untracked kconfig): built without a recorded ktstr.kconfig hash\n");
  if (stale)
    fprintf (stderr,
             "(stale kconfig): built with another ktstr.kconfig than the current one "
             "(kc%s); rebuild with 'ktstr kernel build --force'\n",
             current);
  if (corrupt)
    fprintf (stderr, "%u corrupt entr%s: remove with 'ktstr kernel clean'\n", corrupt,
             corrupt == 1 ? "y" : "ies");
  return KTSTR_EXIT_OK;
}

static gboolean
confirm (guint n, const char *root)
{
  fprintf (stderr, "remove %u cached kernel%s from %s? [y/N] ", n, n == 1 ? "" : "s", root);
  fflush (stderr);
  char answer[16] = "";
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  return answer[0] == 'y' || answer[0] == 'Y';
}

static int
cmd_clean (int argc, char **argv)
{
  int keep = 0;
  gboolean force = FALSE;
  GOptionEntry entries[]
      = { { "keep", 0, 0, G_OPTION_ARG_INT, &keep, "Keep the N newest valid entries", "N" },
          { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Do not ask before deleting", NULL },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- remove cached kernels");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!parse (ctx, "clean", &argc, &argv))
    return KTSTR_EXIT_USAGE;
  if (keep < 0)
    {
      fprintf (stderr, "ktstr kernel clean: --keep must be 0 or more, not %d\n", keep);
      return KTSTR_EXIT_USAGE;
    }

  g_autoptr (GError) error = NULL;
  g_autofree char *root = ktstr_cache_root (&error);
  g_autoptr (GPtrArray) all = root ? ktstr_cache_list (root, &error) : NULL;
  if (all == NULL)
    {
      fprintf (stderr, "ktstr kernel clean: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  /* Newest first: the first KEEP valid entries stay; corrupt entries
   * never take a keep slot. */
  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();
  int kept = 0;
  for (guint i = 0; i < all->len; i++)
    {
      KtstrCacheEntry *e = all->pdata[i];
      if (e->error == NULL && kept < keep)
        kept++;
      else
        g_ptr_array_add (doomed, e);
    }
  if (doomed->len == 0)
    {
      fprintf (stderr, "nothing to remove in %s\n", root);
      return KTSTR_EXIT_OK;
    }
  if (!force)
    {
      if (!isatty (STDIN_FILENO))
        {
          fprintf (stderr,
                   "ktstr kernel clean: would remove %u cached kernel%s from %s, but "
                   "stdin is not a terminal to confirm; pass --force\n",
                   doomed->len, doomed->len == 1 ? "" : "s", root);
          return KTSTR_EXIT_USAGE;
        }
      for (guint i = 0; i < doomed->len; i++)
        fprintf (stderr, "  %s\n", ((KtstrCacheEntry *)doomed->pdata[i])->key);
      if (!confirm (doomed->len, root))
        {
          fprintf (stderr, "nothing removed\n");
          return KTSTR_EXIT_OK;
        }
    }
  int status = KTSTR_EXIT_OK;
  for (guint i = 0; i < doomed->len; i++)
    {
      KtstrCacheEntry *e = doomed->pdata[i];
      g_autoptr (GError) rm_error = NULL;
      if (ktstr_cache_remove (e, &rm_error))
        printf ("removed %s\n", e->key);
      else
        {
          fprintf (stderr, "ktstr kernel clean: %s\n", rm_error->message);
          status = KTSTR_EXIT_FAILED;
        }
    }
  return status;
}

int
ktstr_cmd_kernel (int argc, char **argv)
{
  static const struct
  {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *summary;
  } subs[] = {
    { "build", cmd_build, "configure with ktstr.kconfig, build and cache a kernel" },
    { "list", cmd_list, "list the cached kernels" },
    { "clean", cmd_clean, "remove cached kernels" },
  };
  if (argc >= 2)
    for (gsize i = 0; i < G_N_ELEMENTS (subs); i++)
      if (g_str_equal (argv[1], subs[i].name))
        {
          g_autofree char *prg = g_strdup_printf ("ktstr kernel %s", subs[i].name);
          g_set_prgname (prg);
          return subs[i].run (argc - 1, argv + 1);
        }
  gboolean is_help = argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"));
  FILE *to = is_help ? stdout : stderr;
  if (argc >= 2 && !is_help)
    fprintf (stderr, "ktstr kernel: unknown subcommand '%s'\n\n", argv[1]);
  fprintf (to, "Usage: ktstr kernel SUBCOMMAND [OPTION…]\n\nSubcommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (subs); i++)
    fprintf (to, "  %-6s %s\n", subs[i].name, subs[i].summary);
  fprintf (to, "\nThe cache is $KTSTR_CACHE_DIR, else $XDG_CACHE_HOME/ktstr/kernels, else "
               "~/.cache/ktstr/kernels; see ktstr(1), KERNEL MANAGEMENT.\n");
  return is_help ? KTSTR_EXIT_OK : KTSTR_EXIT_USAGE;
}
