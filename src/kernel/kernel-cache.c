#include "config.h"

#include "kernel/kernel-cache.h"
#include "util/json-util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "record/rundir.h"
#include "util/fsutil.h"
#include "util/json-guard.h"

GQuark
ktstr_cache_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-cache-error-quark");
}

void
ktstr_cache_entry_free (KtstrCacheEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->key);
  g_free (e->path);
  g_free (e->image);
  g_free (e->vmlinux);
  g_free (e->version);
  g_free (e->source_type);
  g_free (e->source_path);
  g_free (e->git_commit);
  g_free (e->git_ref);
  g_free (e->kconfig_hash);
  g_free (e->config_hash);
  g_free (e->error);
  g_free (e);
}

char *
ktstr_cache_root (GError **error)
{
  const char *env = g_getenv ("KTSTR_CACHE_DIR");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  env = g_getenv ("XDG_CACHE_HOME");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, "ktstr", "kernels", NULL);
  env = g_getenv ("HOME");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, ".cache", "ktstr", "kernels", NULL);
  g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_NO_ROOT,
               "no kernel cache directory: KTSTR_CACHE_DIR, XDG_CACHE_HOME and HOME are all "
               "unset or empty; set KTSTR_CACHE_DIR to a writable directory");
  return NULL;
}

/* Reads ROOT/KEY; a problem with its contents is recorded in ->error, not
 * returned, so that 'kernel list' can show it and 'kernel clean' remove it. */
static KtstrCacheEntry *
entry_read (const char *root, const char *key)
{
  KtstrCacheEntry *e = g_new0 (KtstrCacheEntry, 1);
  e->key = g_strdup (key);
  e->path = g_build_filename (root, key, NULL);
  e->image = g_build_filename (e->path, "bzImage", NULL);

  g_autofree char *meta = g_build_filename (e->path, "metadata.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!g_file_test (meta, G_FILE_TEST_EXISTS))
    {
      e->error = g_strdup ("metadata.json missing");
      return e;
    }
  if (!ktstr_json_guard_load_file (parser, meta, KTSTR_KERNEL_METADATA_MAX_BYTES, meta, &local))
    {
      e->error = g_strdup_printf ("metadata.json unreadable: %s", local->message);
      return e;
    }
  JsonNode *root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      e->error = g_strdup ("metadata.json is not a JSON object");
      return e;
    }
  JsonObject *o = json_node_get_object (root_node);
  e->version = g_strdup (ktstr_json_lookup_string (o, "version"));
  e->source_type = g_strdup (ktstr_json_lookup_string (o, "source_type"));
  e->source_path = g_strdup (ktstr_json_lookup_string (o, "source_path"));
  e->git_commit = g_strdup (ktstr_json_lookup_string (o, "git_commit"));
  e->git_ref = g_strdup (ktstr_json_lookup_string (o, "git_ref"));
  e->kconfig_hash = g_strdup (ktstr_json_lookup_string (o, "ktstr_kconfig_hash"));
  e->config_hash = g_strdup (ktstr_json_lookup_string (o, "config_hash"));
  e->built_at = ktstr_json_lookup_int64 (o, "built_at", 0);
  if (e->built_at <= 0)
    e->error = g_strdup ("metadata.json has no built_at");
  else if (!g_file_test (e->image, G_FILE_TEST_IS_REGULAR))
    e->error = g_strdup ("bzImage missing");
  g_autofree char *vmlinux = g_build_filename (e->path, "vmlinux", NULL);
  if (g_file_test (vmlinux, G_FILE_TEST_IS_REGULAR))
    e->vmlinux = g_steal_pointer (&vmlinux);
  return e;
}

static int
compare_newest_first (gconstpointer a, gconstpointer b)
{
  const KtstrCacheEntry *x = *(KtstrCacheEntry *const *)a;
  const KtstrCacheEntry *y = *(KtstrCacheEntry *const *)b;
  if (x->built_at != y->built_at)
    return x->built_at > y->built_at ? -1 : 1;
  return g_strcmp0 (x->key, y->key);
}

GPtrArray *
ktstr_cache_list (const char *root, GError **error)
{
  g_autoptr (GPtrArray) out
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_cache_entry_free);
  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&out);
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) dir = g_dir_open (root, 0, &local);
  if (dir == NULL)
    {
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot read the kernel cache '%s': %s", root, local->message);
      return NULL;
    }
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (root, name, NULL);
      /* Dot names are temp directories of stores in progress. */
      if (name[0] == '.' || !g_file_test (p, G_FILE_TEST_IS_DIR))
        continue;
      g_ptr_array_add (out, entry_read (root, name));
    }
  g_ptr_array_sort (out, compare_newest_first);
  return g_steal_pointer (&out);
}

static gboolean
version_matches (const char *version, const char *id)
{
  if (version == NULL)
    return FALSE;
  gsize n = strlen (id);
  return strncmp (version, id, n) == 0
         && (version[n] == '\0' || version[n] == '.' || version[n] == '-' || version[n] == '+');
}

KtstrCacheEntry *
ktstr_cache_lookup (const char *root, const char *id, const char *kconfig_hash, GError **error)
{
  g_autoptr (GPtrArray) all = ktstr_cache_list (root, error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      KtstrCacheEntry *e = all->pdata[i];
      if (g_str_equal (e->key, id))
        {
          if (e->error != NULL)
            {
              g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_NOT_FOUND,
                           "cached kernel '%s' in %s is corrupt (%s); rebuild it with 'ktstr "
                           "kernel build --force' or remove it with 'ktstr kernel clean'",
                           id, root, e->error);
              return NULL;
            }
          return g_ptr_array_steal_index (all, i);
        }
    }
  guint stale = 0;
  for (guint i = 0; i < all->len; i++)
    {
      KtstrCacheEntry *e = all->pdata[i];
      if (e->error != NULL || !version_matches (e->version, id))
        continue;
      if (kconfig_hash != NULL && g_strcmp0 (e->kconfig_hash, kconfig_hash) != 0)
        {
          stale++;
          continue;
        }
      return g_ptr_array_steal_index (all, i);
    }
  g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_NOT_FOUND,
               "no cached kernel matches '%s' in %s%s; build one with 'ktstr kernel build "
               "--source DIR' (see 'ktstr kernel list')",
               id, root,
               stale ? " (entries of that version were built with another ktstr.kconfig; "
                       "pass their full key to use them anyway)"
                     : "");
  return NULL;
}

/* A bzImage is tens of megabytes and a .config a few hundred kilobytes. */
#define KTSTR_CACHE_MAX_FILE_BYTES (512 * 1024 * 1024)

KtstrCacheEntry *
ktstr_cache_newest (const char *root, const char *kconfig_hash, GError **error)
{
  g_autoptr (GPtrArray) all = ktstr_cache_list (root, error);
  if (all == NULL)
    return NULL;
  /* Newest first (ktstr_cache_list's order). */
  for (guint i = 0; i < all->len; i++)
    {
      KtstrCacheEntry *e = all->pdata[i];
      if (e->error == NULL && e->kconfig_hash != NULL
          && g_strcmp0 (e->kconfig_hash, kconfig_hash) == 0)
        return g_ptr_array_steal_index (all, i);
    }
  return NULL;
}

static gboolean
copy_file (const char *from, const char *to, GError **error)
{
  /* Private like the rest of the cache, and on disk before the entry's
   * directory is renamed into place. */
  g_autofree char *data = NULL;
  gsize len = 0;
  return ktstr_read_regular_file (from, KTSTR_CACHE_MAX_FILE_BYTES, &data, &len, error)
         && ktstr_file_replace (to, data, len, 0600, error);
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  return (flag == FTW_DP ? rmdir (path) : unlink (path)) == 0 ? 0 : -1;
}

gboolean
ktstr_rm_rf (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return TRUE;
  if (nftw (path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO, "cannot remove '%s': %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_cache_store (const char *root, KtstrCacheEntry *e, const char *image, const char *config,
                   const char *vmlinux, GError **error)
{
  if (g_mkdir_with_parents (root, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot create the kernel cache '%s': %s", root, g_strerror (saved));
      return FALSE;
    }
  g_autofree char *tmpl = g_build_filename (root, ".store-XXXXXX", NULL);
  if (g_mkdtemp (tmpl) == NULL)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot create a directory in the kernel cache '%s': %s", root,
                   g_strerror (saved));
      return FALSE;
    }
  g_autofree char *img = g_build_filename (tmpl, "bzImage", NULL);
  g_autofree char *cfg = g_build_filename (tmpl, "config", NULL);
  g_autofree char *meta = g_build_filename (tmpl, "metadata.json", NULL);
  g_autofree char *elf = g_build_filename (tmpl, "vmlinux", NULL);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "key", e->key);
  ktstr_json_member_string (b, "version", e->version);
  ktstr_json_member_string (b, "source_type", e->source_type);
  ktstr_json_member_string (b, "source_path", e->source_path);
  ktstr_json_member_string (b, "git_commit", e->git_commit);
  ktstr_json_member_string (b, "git_ref", e->git_ref);
  ktstr_json_member_string (b, "arch", "x86_64");
  ktstr_json_member_string (b, "image_name", "bzImage");
  ktstr_json_member_string (b, "config_hash", e->config_hash);
  ktstr_json_member_string (b, "ktstr_kconfig_hash", e->kconfig_hash);
  ktstr_json_member_int (b, "built_at", e->built_at);
  /* Only ever stored stripped of DWARF (see kernel-build.c). */
  ktstr_json_member_bool (b, "has_vmlinux", vmlinux != NULL);
  ktstr_json_member_bool (b, "vmlinux_stripped", vmlinux != NULL);
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  gsize meta_len;
  g_autofree char *meta_text = ktstr_json_to_data (node, &meta_len);

  g_autofree char *dest = g_build_filename (root, e->key, NULL);
  g_autofree char *old = g_strconcat (tmpl, ".old", NULL);
  if (!copy_file (image, img, error) || !copy_file (config, cfg, error)
      || (vmlinux != NULL && !copy_file (vmlinux, elf, error))
      || !ktstr_file_replace (meta, meta_text, meta_len, 0600, error))
    {
      g_prefix_error (error, "cannot store kernel '%s' in %s: ", e->key, root);
      ktstr_rm_rf (tmpl, NULL);
      return FALSE;
    }
  /* Two builds of one key (two `ktstr kernel build` at once) each made
   * their own entry; the swap below takes two renames, so it runs under
   * an exclusive flock of the key: the last one to finish wins, whole. */
  g_autofree char *lock_path = g_strconcat (root, "/.", e->key, ".lock", NULL);
  int lock = -1;
  gboolean is_locked = FALSE;
  for (;;)
    {
      lock = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (lock < 0 || flock (lock, LOCK_EX) != 0)
        break;
      /* `ktstr cleanup` removes a lockfile nobody holds: lock the one at
       * the path now, not one removed while we waited. */
      is_locked = ktstr_lockfile_is_current (lock, lock_path);
      if (is_locked)
        break;
      close (lock);
    }
  if (!is_locked)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot lock the kernel cache entry '%s' (%s): %s", e->key, lock_path,
                   g_strerror (saved));
      if (lock >= 0)
        close (lock);
      ktstr_rm_rf (tmpl, NULL);
      return FALSE;
    }
  /* Replace an existing entry: move it aside first, since rename(2) onto
   * a non-empty directory fails. */
  gboolean ok = FALSE;
  if (g_file_test (dest, G_FILE_TEST_EXISTS) && rename (dest, old) != 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot replace cached kernel '%s': %s", dest, g_strerror (saved));
    }
  else if (rename (tmpl, dest) != 0)
    {
      int saved = errno;
      g_set_error (error, KTSTR_CACHE_ERROR, KTSTR_CACHE_ERROR_IO,
                   "cannot move the new kernel into '%s': %s", dest, g_strerror (saved));
      rename (old, dest); /* put the old entry back */
    }
  else
    ok = TRUE;
  close (lock);
  ktstr_rm_rf (ok ? old : tmpl, NULL);
  if (!ok)
    return FALSE;
  g_free (e->path);
  e->path = g_steal_pointer (&dest);
  g_free (e->image);
  e->image = g_build_filename (e->path, "bzImage", NULL);
  g_free (e->vmlinux);
  e->vmlinux = vmlinux != NULL ? g_build_filename (e->path, "vmlinux", NULL) : NULL;
  return TRUE;
}

gboolean
ktstr_cache_remove (const KtstrCacheEntry *entry, GError **error)
{
  return ktstr_rm_rf (entry->path, error);
}

void
ktstr_cache_cleanup_locks (const char *root, gboolean dry_run, KtstrCleanupFunc report,
                           gpointer data)
{
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      if (name[0] != '.' || !g_str_has_suffix (name, ".lock"))
        continue;
      g_autofree char *path = g_build_filename (root, name, NULL);
      int fd = open (path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0)
        continue;
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          report ("lock", path, KTSTR_CLEANUP_KEPT, "held by a kernel build storing that entry",
                  data);
          close (fd);
          continue;
        }
      if (!ktstr_lockfile_is_current (fd, path))
        {
          close (fd);
          continue;
        }
      if (dry_run)
        report ("lock", path, KTSTR_CLEANUP_WOULD_REMOVE, NULL, data);
      else if (unlink (path) == 0 || errno == ENOENT)
        report ("lock", path, KTSTR_CLEANUP_REMOVED, NULL, data);
      else
        report ("lock", path, KTSTR_CLEANUP_FAILED, g_strerror (errno), data);
      close (fd);
    }
}
