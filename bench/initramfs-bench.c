/* Initramfs figures: size of the base image and the time to build it cold
 * (empty cache) and to find it cached.  Prints figures; asserts nothing.
 * Usage: initramfs-bench AGENT [ARCHIVE_NAME=HOST_PATH…] */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "image/initramfs.h"

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s AGENT [NAME=PATH…]\n", argv[0]);
      return 2;
    }
  g_autoptr (KtstrInitramfsSpec) spec = ktstr_initramfs_spec_new (argv[1]);
  for (int i = 2; i < argc; i++)
    {
      char *eq = strchr (argv[i], '=');
      if (eq == NULL)
        {
          fprintf (stderr, "%s: expected NAME=PATH, got '%s'\n", argv[0], argv[i]);
          return 2;
        }
      *eq = '\0';
      ktstr_initramfs_spec_add (spec, argv[i], eq + 1);
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *cache = g_dir_make_tmp ("ktstr-bench-XXXXXX", &error);
  if (cache == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  KtstrInitramfsInfo cold = { 0 }, warm = { 0 };
  g_autofree char *p1 = ktstr_initramfs_get_base (spec, cache, &cold, &error);
  g_autofree char *p2 = p1 ? ktstr_initramfs_get_base (spec, cache, &warm, &error) : NULL;
  if (p2 == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("initramfs base: %.1f KiB; build cold %.1f ms; cached lookup %.1f ms (%s)\n",
          cold.size / 1024.0, cold.build_us / 1000.0, warm.build_us / 1000.0,
          warm.was_cached ? "cache hit" : "cache MISS");
  remove (p1);
  g_rmdir (cache);
  return 0;
}
