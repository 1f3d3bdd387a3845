/* The base-image cache: see initramfs-cache.h. */
#include "config.h"

#include "image/initramfs-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic-file.h"

#define IMAGE_PREFIX "base-"
#define IMAGE_SUFFIX ".cpio"
/* A writer takes seconds; a temporary file this old lost its writer. */
#define STALE_TEMP_S 3600

static gboolean
is_image_name (const char *name)
{
  return g_str_has_prefix (name, IMAGE_PREFIX) && g_str_has_suffix (name, IMAGE_SUFFIX);
}

gboolean
ktstr_initramfs_cache_prepare (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create the initramfs cache '%s': %s", dir, g_strerror (saved));
      return FALSE;
    }
  /* An older ktstr made the cache world-readable; only ours is changed. */
  struct stat st;
  if (stat (dir, &st) == 0 && st.st_uid == getuid () && (st.st_mode & 077) != 0)
    {
      chmod (dir, 0700);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        if (is_image_name (name))
          {
            g_autofree char *path = g_build_filename (dir, name, NULL);
            chmod (path, 0600);
          }
    }
  return TRUE;
}

void
ktstr_initramfs_cache_touch (const char *path)
{
  /* Best effort: an image that cannot be touched is merely evicted earlier. */
  utimensat (AT_FDCWD, path, NULL, 0);
}

typedef struct
{
  char *path;
  gint64 mtime;
  guint64 size;
} Image;

static void
image_clear (gpointer p)
{
  g_free (((Image *)p)->path);
}

static int
compare_oldest_first (gconstpointer a, gconstpointer b)
{
  const Image *x = a, *y = b;
  return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

guint
ktstr_initramfs_cache_evict (const char *dir, const char *keep, gint64 max_age_s, guint64 max_bytes)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GArray) images = g_array_new (FALSE, FALSE, sizeof (Image));
  g_array_set_clear_func (images, image_clear);
  guint removed = 0;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;
      if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
        continue;
      if (ktstr_atomic_file_is_temp (name))
        {
          if (now - st.st_mtime > STALE_TEMP_S && unlink (path) == 0)
            removed++;
          continue;
        }
      if (!is_image_name (name) || g_strcmp0 (path, keep) == 0)
        continue;
      if (now - st.st_mtime > max_age_s)
        {
          removed += unlink (path) == 0;
          continue;
        }
      Image img = { g_steal_pointer (&path), st.st_mtime, (guint64)st.st_size };
      g_array_append_val (images, img);
    }
  guint64 total = 0;
  struct stat kst;
  if (keep != NULL && stat (keep, &kst) == 0)
    total += (guint64)kst.st_size;
  for (guint i = 0; i < images->len; i++)
    total += g_array_index (images, Image, i).size;
  g_array_sort (images, compare_oldest_first);
  for (guint i = 0; i < images->len && total > max_bytes; i++)
    {
      Image *img = &g_array_index (images, Image, i);
      if (unlink (img->path) == 0)
        {
          removed++;
          total -= img->size;
        }
    }
  return removed;
}
