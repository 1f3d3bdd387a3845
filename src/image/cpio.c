#include "config.h"

#include "image/cpio.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

struct _KtstrCpio
{
  GByteArray *buf;
  guint32 next_ino;
  GHashTable *names; /* every name added, so parents are added once */
};

KtstrCpio *
ktstr_cpio_new (void)
{
  KtstrCpio *cpio = g_new0 (KtstrCpio, 1);
  cpio->buf = g_byte_array_new ();
  /* Inode 0 is never used: some unpackers treat it as "no inode". */
  cpio->next_ino = 1;
  cpio->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return cpio;
}

void
ktstr_cpio_free (KtstrCpio *cpio)
{
  if (cpio == NULL)
    return;
  g_byte_array_unref (cpio->buf);
  g_hash_table_unref (cpio->names);
  g_free (cpio);
}

static void
pad4 (GByteArray *buf)
{
  static const guint8 zeros[4] = { 0 };
  guint rem = buf->len % 4;
  if (rem != 0)
    g_byte_array_append (buf, zeros, 4 - rem);
}

static void
add_entry (KtstrCpio *cpio, const char *name, guint32 mode, guint32 nlink, guint rdev_major,
           guint rdev_minor, const void *data, gsize len)
{
  char hdr[111];
  gsize namesize = strlen (name) + 1;
  guint32 ino = g_str_equal (name, "TRAILER!!!") ? 0 : cpio->next_ino++;

  /* mtime 0 keeps archives byte-identical for identical inputs, which the
   * initramfs cache relies on. */
  g_snprintf (hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
              mode, 0, 0, nlink, 0, (guint32)len, 0, 0, rdev_major, rdev_minor, (guint32)namesize,
              0);
  g_byte_array_append (cpio->buf, (const guint8 *)hdr, 110);
  g_byte_array_append (cpio->buf, (const guint8 *)name, namesize);
  pad4 (cpio->buf);
  if (len > 0)
    {
      g_byte_array_append (cpio->buf, data, len);
      pad4 (cpio->buf);
    }
  g_hash_table_add (cpio->names, g_strdup (name));
}

void
ktstr_cpio_add_parents (KtstrCpio *cpio, const char *name)
{
  g_autofree char *copy = g_strdup (name);
  for (char *p = strchr (copy, '/'); p != NULL; p = strchr (p + 1, '/'))
    {
      *p = '\0';
      if (*copy != '\0' && !g_hash_table_contains (cpio->names, copy))
        add_entry (cpio, copy, S_IFDIR | 0755, 2, 0, 0, NULL, 0);
      *p = '/';
    }
}

void
ktstr_cpio_add_dir (KtstrCpio *cpio, const char *name, mode_t perm)
{
  if (!g_hash_table_contains (cpio->names, name))
    add_entry (cpio, name, S_IFDIR | (perm & 07777), 2, 0, 0, NULL, 0);
}

void
ktstr_cpio_add_file (KtstrCpio *cpio, const char *name, mode_t perm, const void *data, gsize len)
{
  g_return_if_fail (len <= G_MAXUINT32);
  add_entry (cpio, name, S_IFREG | (perm & 07777), 1, 0, 0, data, len);
}

void
ktstr_cpio_add_symlink (KtstrCpio *cpio, const char *name, const char *target)
{
  add_entry (cpio, name, S_IFLNK | 0777, 1, 0, 0, target, strlen (target));
}

void
ktstr_cpio_add_chardev (KtstrCpio *cpio, const char *name, mode_t perm, guint major, guint minor)
{
  add_entry (cpio, name, S_IFCHR | (perm & 07777), 1, major, minor, NULL, 0);
}

gboolean
ktstr_cpio_add_host_file (KtstrCpio *cpio, const char *name, const char *host_path, GError **error)
{
  struct stat st;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (stat (host_path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot add '%s' to the initramfs: %s", host_path, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_get_contents (host_path, &contents, &len, error))
    {
      g_prefix_error (error, "cannot add '%s' to the initramfs: ", host_path);
      return FALSE;
    }
  ktstr_cpio_add_file (cpio, name, st.st_mode & 07777, contents, len);
  return TRUE;
}

GBytes *
ktstr_cpio_finish (KtstrCpio *cpio)
{
  add_entry (cpio, "TRAILER!!!", 0, 1, 0, 0, NULL, 0);
  GByteArray *done = cpio->buf;
  cpio->buf = g_byte_array_new ();
  g_hash_table_remove_all (cpio->names);
  return g_byte_array_free_to_bytes (done);
}
