/* Small file helpers: see fsutil.h. */
#include "config.h"

#include "util/fsutil.h"

#include "common/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

GQuark
ktstr_file_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-file-error-quark");
}

/* Text files read whole: kernel.release, sysfs and /proc values. */
#define READ_TRIMMED_MAX (1024 * 1024)

char *
ktstr_read_trimmed (const char *path)
{
  g_autofree char *text = NULL;
  gsize len;
  /* /proc and sysfs files say they are empty; they are still regular. */
  if (!ktstr_read_regular_file (path, READ_TRIMMED_MAX, &text, &len, NULL))
    return NULL;
  g_strstrip (text);
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

const char *
ktstr_file_type_name (unsigned int mode)
{
  switch (mode & S_IFMT)
    {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "not a regular file";
    }
}

/* PATH opened read-only without blocking on a FIFO, checked to be a
 * regular file, then blocking again; -1 and the error otherwise. */
static int
open_regular (const char *path, goffset *size, GError **error)
{
  /* O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise. */
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot open %s: %s", path,
                   g_strerror (errsv));
      return -1;
    }
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;
      close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot stat %s: %s", path,
                   g_strerror (errsv));
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_NOT_REGULAR,
                   "%s is %s, not a regular file", path, ktstr_file_type_name (st.st_mode));
      return -1;
    }
  /* Reads block as usual from here on. */
  int flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  if (size != NULL)
    *size = st.st_size;
  return fd;
}

gboolean
ktstr_read_regular_file (const char *path, gsize max_bytes, char **data, gsize *len, GError **error)
{
  goffset size = 0;
  int fd = open_regular (path, &size, error);
  if (fd < 0)
    return FALSE;
  if (size > 0 && (guint64)size > max_bytes)
    {
      close (fd);
      g_set_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_TOO_LARGE,
                   "%s is %" G_GINT64_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
                   " bytes ktstr reads from such a file",
                   path, (gint64)size, max_bytes);
      return FALSE;
    }
  /* The size is a hint (/proc says 0; a file may grow): read until EOF,
   * never past the cap. */
  GByteArray *buf = g_byte_array_sized_new ((guint)MIN ((gsize)size + 1, max_bytes + 1));
  guint8 chunk[65536];
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          g_byte_array_unref (buf);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot read %s: %s",
                       path, g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize)n > max_bytes)
        {
          close (fd);
          g_byte_array_unref (buf);
          g_set_error (error, KTSTR_FILE_ERROR, KTSTR_FILE_ERROR_TOO_LARGE,
                       "%s holds more than the %" G_GSIZE_FORMAT
                       " bytes ktstr reads from such a file",
                       path, max_bytes);
          return FALSE;
        }
      g_byte_array_append (buf, chunk, (guint)n);
    }
  close (fd);
  *len = buf->len;
  guint8 nul = 0;
  g_byte_array_append (buf, &nul, 1);
  *data = (char *)g_byte_array_free (buf, FALSE);
  return TRUE;
}

gboolean
ktstr_file_replace (const char *path, const void *data, gsize len, int mode, GError **error)
{
  KtstrAtomicStep step;
  int rc = ktstr_atomic_file_write (path, data, len, (mode_t)mode, &step);
  if (rc == 0)
    return TRUE;
  int errsv = -rc;
  g_autofree char *dir = g_path_get_dirname (path);
  if (step == KTSTR_ATOMIC_STEP_CREATE && (errsv == ENOENT || errsv == ENOTDIR))
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "cannot write %s: its directory %s %s", path, dir,
                 errsv == ENOENT ? "does not exist (any more)" : "is not a directory");
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "cannot write %s: %s (while %s; %s was not changed)", path, g_strerror (errsv),
                 ktstr_atomic_step_name (step), path);
  return FALSE;
}

gboolean
ktstr_file_is_replace_temp (const char *basename)
{
  return ktstr_atomic_file_is_temp (basename);
}
