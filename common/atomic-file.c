/* Atomic file replacement: see atomic-file.h. */
#include "config.h"

#include "common/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_MARK ".tmp-"
#define TEMP_RANDOM "XXXXXX"

const char *
ktstr_atomic_step_name (KtstrAtomicStep step)
{
  switch (step)
    {
    case KTSTR_ATOMIC_STEP_CREATE:
      return "creating its temporary file";
    case KTSTR_ATOMIC_STEP_WRITE:
      return "writing it";
    case KTSTR_ATOMIC_STEP_SYNC:
      return "flushing it to disk";
    case KTSTR_ATOMIC_STEP_RENAME:
    default:
      return "renaming its temporary file over it";
    }
}

/* The umask, read without changing it: umask(2) only sets it, and
 * setting it back and forth races with other threads creating files.
 * Linux reports it in /proc/self/status; without /proc, 022. */
static mode_t
process_umask (void)
{
  mode_t mask = 022;
  FILE *f = fopen ("/proc/self/status", "re");
  if (f == NULL)
    return mask;
  char line[256];
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned int m;
      if (sscanf (line, "Umask: %o", &m) == 1)
        {
          mask = (mode_t)m;
          break;
        }
    }
  fclose (f);
  return mask;
}

static int
fail (KtstrAtomicStep *out, KtstrAtomicStep step, int errsv)
{
  if (out != NULL)
    *out = step;
  return -errsv;
}

int
ktstr_atomic_file_write (const char *path, const void *data, size_t len, mode_t mode,
                         KtstrAtomicStep *step)
{
  const char *slash = strrchr (path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  char dir[PATH_MAX];
  char tmp[PATH_MAX];

  if (*base == '\0')
    return fail (step, KTSTR_ATOMIC_STEP_CREATE, EISDIR);
  if (slash == NULL)
    snprintf (dir, sizeof dir, ".");
  else if (slash == path)
    snprintf (dir, sizeof dir, "/");
  else if (snprintf (dir, sizeof dir, "%.*s", (int)(slash - path), path) >= (int)sizeof dir)
    return fail (step, KTSTR_ATOMIC_STEP_CREATE, ENAMETOOLONG);
  /* DIR/.BASE.tmp-XXXXXX: hidden, so listings of DIR pass it by. */
  if (snprintf (tmp, sizeof tmp, "%s/.%s" TEMP_MARK TEMP_RANDOM, strcmp (dir, "/") == 0 ? "" : dir,
                base)
      >= (int)sizeof tmp)
    return fail (step, KTSTR_ATOMIC_STEP_CREATE, ENAMETOOLONG);

  int fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    return fail (step, KTSTR_ATOMIC_STEP_CREATE, errno);
  /* mkostemp makes it 0600; give it the mode the caller asked for,
   * minus the umask as open() would. */
  mode_t mask = process_umask ();
  int errsv = 0;
  KtstrAtomicStep at = KTSTR_ATOMIC_STEP_WRITE;
  if (fchmod (fd, mode & ~mask) != 0)
    errsv = errno;
  for (size_t off = 0; errsv == 0 && off < len;)
    {
      ssize_t n = write (fd, (const char *)data + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        errsv = n < 0 ? errno : EIO;
      else
        off += (size_t)n;
    }
  if (errsv == 0 && fsync (fd) != 0)
    {
      errsv = errno;
      at = KTSTR_ATOMIC_STEP_SYNC;
    }
  /* close() can report a delayed write error (NFS, some FUSE). */
  if (close (fd) != 0 && errsv == 0)
    errsv = errno;
  if (errsv == 0 && rename (tmp, path) != 0)
    {
      errsv = errno;
      at = KTSTR_ATOMIC_STEP_RENAME;
    }
  if (errsv != 0)
    {
      unlink (tmp);
      return fail (step, at, errsv);
    }
  /* The rename is durable once the directory is; a failure here leaves
   * the new file in place, so it is not an error. */
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  return 0;
}

bool
ktstr_atomic_file_is_temp (const char *basename)
{
  if (basename[0] != '.')
    return false;
  const char *mark = strstr (basename, TEMP_MARK);
  if (mark == NULL)
    return false;
  const char *random = mark + strlen (TEMP_MARK);
  return strlen (random) == strlen (TEMP_RANDOM) && strstr (random, ".") == NULL;
}
