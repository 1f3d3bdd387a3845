/* Helpers of the libFuzzer harnesses: see fuzz-util.h. */
#include "config.h"

#include "fuzz-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *fuzz_dir;

static void
remove_fuzz_dir (void)
{
  if (fuzz_dir == NULL)
    return;
  g_autoptr (GDir) d = g_dir_open (fuzz_dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fuzz_dir, name, NULL);
      unlink (path);
    }
  rmdir (fuzz_dir);
  g_clear_pointer (&fuzz_dir, g_free);
}

/* A warning or critical is a finding: print it and abort (libFuzzer
 * catches SIGABRT and keeps the input; GLib's own fatal path would raise
 * SIGTRAP, which it does not).  Debug and info output is dropped. */
static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      fprintf (stderr, "%s: %s\n", domain != NULL ? domain : "GLib", message);
      abort ();
    }
  if (level & G_LOG_LEVEL_MESSAGE)
    fprintf (stderr, "%s: %s\n", domain != NULL ? domain : "GLib", message);
}

void
ktstr_fuzz_init (void)
{
  g_log_set_default_handler (log_handler, NULL);
}

const char *
ktstr_fuzz_dir (void)
{
  if (fuzz_dir == NULL)
    {
      g_autoptr (GError) error = NULL;
      fuzz_dir = g_dir_make_tmp ("ktstr-fuzz-XXXXXX", &error);
      if (fuzz_dir == NULL)
        g_error ("cannot make the fuzzer's temporary directory: %s", error->message);
      atexit (remove_fuzz_dir);
    }
  return fuzz_dir;
}

const char *
ktstr_fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  static GHashTable *paths;
  if (paths == NULL)
    paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char *path = g_hash_table_lookup (paths, name);
  if (path == NULL)
    {
      path = g_build_filename (ktstr_fuzz_dir (), name, NULL);
      g_hash_table_insert (paths, g_strdup (name), path);
    }
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    g_error ("cannot write %s: %s", path, g_strerror (errno));
  for (size_t off = 0; off < size;)
    {
      ssize_t n = write (fd, data + off, size - off);
      if (n <= 0)
        g_error ("cannot write %s: %s", path, g_strerror (errno));
      off += (size_t)n;
    }
  close (fd);
  return path;
}

char *
ktstr_fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = g_malloc (size + 1);
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}
