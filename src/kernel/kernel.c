#include "config.h"

#include "kernel/kernel.h"
#include "util/fsutil.h"
#include "kernel/kconfig.h"
#include "kernel/kernel-cache.h"
#include "kernel/kernel-range.h"
#include "record/rundir.h"
#include "util/path-component.h"

#include <string.h>
#include <sys/utsname.h>

void
ktstr_kernel_free (KtstrKernel *kernel)
{
  if (kernel == NULL)
    return;
  g_free (kernel->image);
  g_free (kernel->tree);
  g_free (kernel->version);
  g_free (kernel->source);
  g_free (kernel->commit);
  g_free (kernel);
}

/* An image's version: files next to it (a fixture or cache entry keeps
 * kernel.release beside the image), else the string in the bzImage header.
 * *ORIGIN gets where it was read. */
static char *
image_version (const char *image, char **origin)
{
  g_autofree char *dir = g_path_get_dirname (image);
  char *v = ktstr_kernel_tree_version_from (dir, origin);
  if (v == NULL)
    {
      g_autofree char *side = g_build_filename (dir, "kernel.release", NULL);
      v = ktstr_read_trimmed (side);
      if (v != NULL)
        *origin = g_steal_pointer (&side);
    }
  if (v == NULL && (v = ktstr_kernel_image_version (image)) != NULL)
    *origin = g_strdup_printf ("the boot header of %s", image);
  return v;
}

gboolean
ktstr_kernel_version_check (const char *version, const char *origin, GError **error)
{
  const char *problem = ktstr_path_component_problem (version, KTSTR_PATH_COMPONENT_MAX);
  if (problem == NULL)
    return TRUE;
  g_autofree char *shown = g_strescape (version, NULL);
  g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_BAD_VERSION,
               "the kernel version \"%.200s\" read from %s cannot name a run directory: %s; "
               "a kernel release looks like 6.12.0-rc1+ (fix or remove that file)",
               shown, origin, problem);
  return FALSE;
}

static KtstrKernel *
from_path (const char *arg, const char *source, gboolean image_only, GError **error)
{
  g_autoptr (KtstrKernel) k = g_new0 (KtstrKernel, 1);
  g_autofree char *abs = g_canonicalize_filename (arg, NULL);

  k->source = g_strdup (source);
  if (g_file_test (abs, G_FILE_TEST_IS_DIR) && !image_only)
    {
      k->tree = g_strdup (abs);
      k->image = g_build_filename (abs, "arch", "x86", "boot", "bzImage", NULL);
      if (!g_file_test (k->image, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND,
                       "kernel build tree '%s' (from %s) has no arch/x86/boot/bzImage; build it "
                       "with 'make -C %s bzImage'",
                       abs, source, abs);
          return NULL;
        }
      g_autofree char *origin = NULL;
      k->version = ktstr_kernel_tree_version_from (abs, &origin);
      if (k->version != NULL && !ktstr_kernel_version_check (k->version, origin, error))
        return NULL;
    }
  else
    {
      k->image = g_steal_pointer (&abs);
      if (!ktstr_kernel_check_image (k->image, &k->format, error))
        {
          g_prefix_error (error, "%s: ", source);
          return NULL;
        }
      g_autofree char *origin = NULL;
      k->version = image_version (k->image, &origin);
      if (k->version != NULL && !ktstr_kernel_version_check (k->version, origin, error))
        return NULL;
      return g_steal_pointer (&k);
    }
  if (!ktstr_kernel_check_image (k->image, &k->format, error))
    {
      g_prefix_error (error, "%s: ", source);
      return NULL;
    }
  return g_steal_pointer (&k);
}

static int
compare_versions_desc (gconstpointer a, gconstpointer b)
{
  return -strverscmp (*(const char *const *)a, *(const char *const *)b);
}

/* Newest /boot/vmlinuz-* by version order, not mtime: a reinstalled old
 * kernel must not win over a newer one. */
static char *
newest_boot_image (const char *boot_dir)
{
  g_autoptr (GDir) dir = g_dir_open (boot_dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "vmlinuz-"))
      g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    return NULL;
  g_ptr_array_sort (names, compare_versions_desc);
  return g_build_filename (boot_dir, names->pdata[0], NULL);
}

/* A --kernel or $KTSTR_KERNEL value that names no file and does not look
 * like a path is a version ("6.12", "6.12.117") or a cache key. */
static gboolean
is_cache_id (const char *arg)
{
  return strchr (arg, '/') == NULL && arg[0] != '.' && arg[0] != '~'
         && !g_file_test (arg, G_FILE_TEST_EXISTS);
}

/* The current fragment's hash: cache entries built with another one are
 * only found by their exact key. */
static char *
current_kconfig_hash (void)
{
  g_autofree char *frag = ktstr_kconfig_fragment_path ();
  char *kc = NULL;
  g_autofree char *text = ktstr_kconfig_fragment_load (frag, &kc, NULL);
  return kc;
}

static KtstrKernel *
from_entry (const KtstrCacheEntry *e, const char *source, GError **error)
{
  g_autofree char *label = g_strdup_printf ("%s (cache %s)", source, e->key);
  KtstrKernel *k = from_path (e->image, label, TRUE, error);
  if (k == NULL)
    return NULL;
  g_autofree char *meta = g_build_filename (e->path, "metadata.json", NULL);
  if (e->version != NULL && !ktstr_kernel_version_check (e->version, meta, error))
    {
      ktstr_kernel_free (k);
      return NULL;
    }
  if (e->version != NULL)
    {
      g_free (k->version);
      k->version = g_strdup (e->version);
    }
  k->commit = g_strdup (e->git_commit);
  return k;
}

static KtstrKernel *
from_cache (const char *id, const char *source, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *root = ktstr_cache_root (&local);
  g_autofree char *kc = current_kconfig_hash ();
  g_autoptr (KtstrCacheEntry) e = root ? ktstr_cache_lookup (root, id, kc, &local) : NULL;
  if (e == NULL)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND,
                   "%s '%s' is not a file, and as a version or cache key: %s", source, id,
                   local->message);
      return NULL;
    }
  return from_entry (e, source, error);
}

GPtrArray *
ktstr_kernel_resolve_range (const char *range, const char *source, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *root = ktstr_cache_root (&local);
  g_autofree char *kc = root ? current_kconfig_hash () : NULL;
  g_autoptr (GPtrArray) all = root ? ktstr_cache_list (root, &local) : NULL;
  g_autoptr (GPtrArray) picked
      = all ? ktstr_kernel_range_select (all, range, kc, NULL, &local) : NULL;
  if (picked == NULL)
    {
      g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND, "%s %s: %s%s%s%s",
                   source, range, local->message, root ? " (kernel cache " : "", root ? root : "",
                   root ? ")" : "");
      return NULL;
    }
  g_autoptr (GPtrArray) kernels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_kernel_free);
  g_autofree char *label = g_strdup_printf ("%s %s", source, range);
  for (guint i = 0; i < picked->len; i++)
    {
      KtstrKernel *k = from_entry (picked->pdata[i], label, error);
      if (k == NULL)
        return NULL;
      g_ptr_array_add (kernels, k);
    }
  return g_steal_pointer (&kernels);
}

/* The chain's cache step: the newest entry built with the current
 * fragment.  NULL and no error when there is none (TRIED says where it
 * looked); an unreadable cache is an error, not a quiet skip, since it
 * would hide the kernel the user built. */
static KtstrKernel *
from_newest_cached (GString *tried, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *root = ktstr_cache_root (&local);
  if (root == NULL)
    {
      g_string_append (tried, ", the kernel cache (no cache directory)");
      return NULL;
    }
  g_autofree char *kc = current_kconfig_hash ();
  g_autoptr (KtstrCacheEntry) e = ktstr_cache_newest (root, kc, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (e == NULL)
    {
      g_string_append_printf (tried,
                              ", the kernel cache %s (no entry built with the current "
                              "ktstr.kconfig)",
                              root);
      return NULL;
    }
  return from_entry (e, "the kernel cache", error);
}

KtstrKernel *
ktstr_kernel_resolve (const char *arg, const char *boot_dir, GError **error)
{
  if (arg != NULL)
    return is_cache_id (arg) ? from_cache (arg, "--kernel", error)
                             : from_path (arg, "--kernel", FALSE, error);

  const char *env = g_getenv ("KTSTR_TEST_KERNEL");
  if (env != NULL && *env != '\0')
    return from_path (env, "KTSTR_TEST_KERNEL", TRUE, error);
  env = g_getenv ("KTSTR_KERNEL");
  if (env != NULL && *env != '\0')
    return is_cache_id (env) ? from_cache (env, "KTSTR_KERNEL", error)
                             : from_path (env, "KTSTR_KERNEL", FALSE, error);

  g_autoptr (GString) tried = g_string_new ("$KTSTR_TEST_KERNEL (unset), $KTSTR_KERNEL (unset)");
  g_autoptr (GError) cache_error = NULL;
  KtstrKernel *cached = from_newest_cached (tried, &cache_error);
  if (cached != NULL || cache_error != NULL)
    {
      if (cache_error != NULL)
        g_propagate_error (error, g_steal_pointer (&cache_error));
      return cached;
    }
  static const char *trees[] = { "./linux", "../linux" };
  for (gsize i = 0; i < G_N_ELEMENTS (trees); i++)
    {
      g_autofree char *bz = g_build_filename (trees[i], "arch", "x86", "boot", "bzImage", NULL);
      if (g_file_test (bz, G_FILE_TEST_EXISTS))
        return from_path (trees[i], trees[i], FALSE, error);
      g_string_append_printf (tried, ", %s", bz);
    }

  struct utsname u;
  if (uname (&u) == 0)
    {
      g_autofree char *running = g_strdup_printf ("%s/vmlinuz-%s", boot_dir, u.release);
      if (g_file_test (running, G_FILE_TEST_EXISTS))
        return from_path (running, running, TRUE, error);
      g_string_append_printf (tried, ", %s", running);
    }

  g_autofree char *newest = newest_boot_image (boot_dir);
  if (newest != NULL)
    return from_path (newest, newest, TRUE, error);
  g_string_append_printf (tried, ", %s/vmlinuz-*", boot_dir);

  g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NOT_FOUND,
               "no kernel found; tried %s. Pass --kernel PATH (a bzImage or a kernel build "
               "tree), or install one (Debian: apt-get install linux-image-amd64)",
               tried->str);
  return NULL;
}
