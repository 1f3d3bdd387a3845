#include "config.h"

#include "image/initramfs.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/proto.h"
#include "image/cpio.h"
#include "image/initramfs-cache.h"
#include "util/datapath.h"
#include "util/fsutil.h"

/* Bump when the base layout changes so stale cached images are not reused. */
#define BASE_FORMAT "ktstr-initramfs-base-1"

KtstrInitramfsSpec *
ktstr_initramfs_spec_new (const char *init_path)
{
  KtstrInitramfsSpec *spec = g_new0 (KtstrInitramfsSpec, 1);
  spec->init_path = g_strdup (init_path);
  spec->files = g_ptr_array_new ();
  return spec;
}

void
ktstr_initramfs_spec_add (KtstrInitramfsSpec *spec, const char *archive_name, const char *host_path)
{
  KtstrInitramfsFile *f = g_new0 (KtstrInitramfsFile, 1);
  while (*archive_name == '/')
    archive_name++;
  f->archive_name = g_strdup (archive_name);
  f->host_path = g_strdup (host_path);
  g_ptr_array_add (spec->files, f);
}

void
ktstr_initramfs_spec_free (KtstrInitramfsSpec *spec)
{
  if (spec == NULL)
    return;
  for (guint i = 0; i < spec->files->len; i++)
    {
      KtstrInitramfsFile *f = spec->files->pdata[i];
      g_free (f->archive_name);
      g_free (f->host_path);
      g_free (f);
    }
  g_ptr_array_unref (spec->files);
  g_free (spec->init_path);
  g_free (spec);
}

typedef struct
{
  const char *archive_name;
  const char *host_path;
  GBytes *contents;
  guint mode;
} LoadedFile;

static gboolean
load_file (const char *archive_name, const char *host_path, LoadedFile *out, GError **error)
{
  struct stat st;
  char *data = NULL;
  gsize len = 0;

  if (stat (host_path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "initramfs input '%s' (for /%s): %s", host_path, archive_name,
                   g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "initramfs input '%s' (for /%s) is not a regular file", host_path, archive_name);
      return FALSE;
    }
  if (!g_file_get_contents (host_path, &data, &len, error))
    {
      g_prefix_error (error, "initramfs input for /%s: ", archive_name);
      return FALSE;
    }
  out->archive_name = archive_name;
  out->host_path = host_path;
  out->contents = g_bytes_new_take (data, len);
  out->mode = st.st_mode & 07777;
  return TRUE;
}

static void
loaded_clear (LoadedFile *f)
{
  g_clear_pointer (&f->contents, g_bytes_unref);
}

static GBytes *
build_base (LoadedFile *files, guint n)
{
  g_autoptr (KtstrCpio) cpio = ktstr_cpio_new ();

  /* The kernel opens /dev/console for PID 1 before anything is mounted, so
   * the node must be in the archive itself. */
  static const char *dirs[] = { "dev", "proc", "sys", "tmp", "run", "ktstr", "etc" };
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    ktstr_cpio_add_dir (cpio, dirs[i], 0755);
  ktstr_cpio_add_chardev (cpio, "dev/console", 0600, 5, 1);
  ktstr_cpio_add_chardev (cpio, "dev/null", 0666, 1, 3);

  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const void *data = g_bytes_get_data (files[i].contents, &len);
      ktstr_cpio_add_parents (cpio, files[i].archive_name);
      ktstr_cpio_add_file (cpio, files[i].archive_name, files[i].mode, data, len);
    }
  return ktstr_cpio_finish (cpio);
}

static char *
hash_inputs (LoadedFile *files, guint n)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *)BASE_FORMAT, sizeof BASE_FORMAT);
  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const guchar *data = g_bytes_get_data (files[i].contents, &len);
      char meta[64];
      g_checksum_update (sum, (const guchar *)files[i].archive_name,
                         strlen (files[i].archive_name) + 1);
      g_snprintf (meta, sizeof meta, "%o:%" G_GSIZE_FORMAT ":", files[i].mode, len);
      g_checksum_update (sum, (const guchar *)meta, -1);
      g_checksum_update (sum, data, len);
    }
  return g_strdup (g_checksum_get_string (sum));
}

char *
ktstr_initramfs_get_base (const KtstrInitramfsSpec *spec, const char *cache_dir,
                          KtstrInitramfsInfo *info, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  guint n = spec->files->len + 1;
  g_autofree LoadedFile *files = g_new0 (LoadedFile, n);
  char *result = NULL;

  gboolean ok = load_file ("init", spec->init_path, &files[0], error);
  for (guint i = 1; ok && i < n; i++)
    {
      KtstrInitramfsFile *f = spec->files->pdata[i - 1];
      ok = load_file (f->archive_name, f->host_path, &files[i], error);
    }

  /* Private, whatever an older ktstr made of it: the images hold the
   * user's scheduler and libraries. */
  if (ok)
    ok = ktstr_initramfs_cache_prepare (cache_dir, error);
  if (ok)
    {
      g_autofree char *hash = hash_inputs (files, n);
      g_autofree char *name = g_strdup_printf ("base-%.32s.cpio", hash);
      g_autofree char *path = g_build_filename (cache_dir, name, NULL);
      struct stat st;
      gboolean cached = stat (path, &st) == 0 && S_ISREG (st.st_mode);

      if (!cached)
        {
          g_autoptr (GBytes) image = build_base (files, n);
          gsize len;
          const char *data = g_bytes_get_data (image, &len);
          ok = ktstr_file_replace (path, data, len, 0600, error);
          st.st_size = len;
        }
      else
        ktstr_initramfs_cache_touch (path);
      if (ok)
        {
          ktstr_initramfs_cache_evict (cache_dir, path,
                                       (gint64)KTSTR_INITRAMFS_CACHE_MAX_AGE_DAYS * 24 * 3600,
                                       KTSTR_INITRAMFS_CACHE_MAX_BYTES);
          if (info != NULL)
            {
              info->was_cached = cached;
              info->size = st.st_size;
              info->build_us = g_get_monotonic_time () - start;
            }
          result = g_steal_pointer (&path);
        }
    }

  for (guint i = 0; i < n; i++)
    loaded_clear (&files[i]);
  return result;
}

gboolean
ktstr_initramfs_compose_files (const char *base_path, const char *plan_text,
                               const KtstrInitramfsSpec *files, const char *out_path,
                               GError **error)
{
  g_autofree char *base = NULL;
  gsize base_len = 0;
  g_autoptr (KtstrCpio) cpio = ktstr_cpio_new ();
  /* The archive's names are relative: the plan's path without its '/'. */
  const char *plan_name = &KTSTR_PLAN_PATH[1];

  if (!g_file_get_contents (base_path, &base, &base_len, error))
    return FALSE;

  ktstr_cpio_add_parents (cpio, plan_name);
  ktstr_cpio_add_file (cpio, plan_name, 0644, plan_text, strlen (plan_text));
  for (guint i = 0; files != NULL && i < files->files->len; i++)
    {
      const KtstrInitramfsFile *f = files->files->pdata[i];
      ktstr_cpio_add_parents (cpio, f->archive_name);
      if (!ktstr_cpio_add_host_file (cpio, f->archive_name, f->host_path, error))
        return FALSE;
    }
  g_autoptr (GBytes) plan_archive = ktstr_cpio_finish (cpio);

  g_autoptr (GByteArray) all = g_byte_array_sized_new (base_len + 512);
  gsize plan_len;
  const guint8 *plan_data = g_bytes_get_data (plan_archive, &plan_len);
  g_byte_array_append (all, (const guint8 *)base, base_len);
  g_byte_array_append (all, plan_data, plan_len);
  return g_file_set_contents_full (out_path, (const char *)all->data, all->len,
                                   G_FILE_SET_CONTENTS_NONE, 0644, error);
}

char *
ktstr_initramfs_default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "ktstr", "initramfs", NULL);
}

char *
ktstr_initramfs_find_agent (GError **error)
{
  const char *env = g_getenv ("KTSTR_INIT");
  if (env != NULL && *env != '\0')
    {
      if (g_file_test (env, G_FILE_TEST_IS_REGULAR))
        return g_strdup (env);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "KTSTR_INIT='%s' is not a file; point it at a built ktstr-init or unset it",
                   env);
      return NULL;
    }

  /* The build tree's agent for an uninstalled program, else the installed one. */
  g_autofree char *path = ktstr_libexec_path ("guest-init/ktstr-init");
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "the guest agent ktstr-init was not found at %s; run 'make' (or 'make install') "
               "or set KTSTR_INIT",
               path);
  return NULL;
}
