/* Hugepages for performance mode's guest RAM (run/hugepages.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "run/hugepages.h"

#define FREE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

GQuark
ktstr_hugepages_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-hugepages-error-quark");
}

/* A hugetlbfs line of /proc/mounts whose pages are 2 MiB (the default
 * size on x86 when no pagesize= is given). */
static gboolean
is_2m_hugetlbfs (const char *type, const char *options)
{
  if (strcmp (type, "hugetlbfs") != 0)
    return FALSE;
  const char *ps = strstr (options, "pagesize=");
  return ps == NULL || g_str_has_prefix (ps + strlen ("pagesize="), "2M")
         || g_str_has_prefix (ps + strlen ("pagesize="), "2048k");
}

char *
ktstr_hugepages_choose (const char *mounts, gint64 free_pages, guint memory_mb, guint n_nodes,
                        GError **error)
{
  n_nodes = MAX (n_nodes, 1u);
  g_autofree char *dir = NULL;
  g_auto (GStrv) lines = g_strsplit (mounts != NULL ? mounts : "", "\n", -1);
  for (char **l = lines; *l != NULL && dir == NULL; l++)
    {
      char dev[256], mnt[1024], type[64], options[512];
      if (sscanf (*l, "%255s %1023s %63s %511s", dev, mnt, type, options) == 4
          && is_2m_hugetlbfs (type, options))
        dir = g_strcompress (mnt); /* /proc/mounts escapes spaces as \040 */
    }
  guint64 need = ((guint64)memory_mb + 1) / 2;
  if (dir == NULL)
    g_set_error_literal (error, KTSTR_HUGEPAGES_ERROR, KTSTR_HUGEPAGES_ERROR_UNAVAILABLE,
                         "no hugetlbfs of 2 MiB pages is mounted (mount -t hugetlbfs none "
                         "/dev/hugepages)");
  else if (memory_mb % (2 * n_nodes) != 0)
    g_set_error (error, KTSTR_HUGEPAGES_ERROR, KTSTR_HUGEPAGES_ERROR_UNAVAILABLE,
                 "%u MiB of guest RAM over %u node%s is not a whole number of 2 MiB pages per "
                 "node (use --memory-mb with a multiple of %u)",
                 memory_mb, n_nodes, n_nodes == 1 ? "" : "s", 2 * n_nodes);
  else if (free_pages < 0)
    g_set_error_literal (error, KTSTR_HUGEPAGES_ERROR, KTSTR_HUGEPAGES_ERROR_UNAVAILABLE,
                         "the number of free 2 MiB hugepages cannot be read (" FREE_2M ")");
  else if ((guint64)free_pages < need)
    g_set_error (error, KTSTR_HUGEPAGES_ERROR, KTSTR_HUGEPAGES_ERROR_UNAVAILABLE,
                 "%" G_GUINT64_FORMAT " free 2 MiB hugepages are needed for %u MiB of guest "
                 "RAM, %" G_GINT64_FORMAT " are free (raise /proc/sys/vm/nr_hugepages)",
                 need, memory_mb, free_pages);
  else
    return g_steal_pointer (&dir);
  return NULL;
}

char *
ktstr_hugepages_find (guint memory_mb, guint n_nodes, GError **error)
{
  g_autofree char *mounts = NULL;
  g_autofree char *free_text = NULL;
  g_file_get_contents ("/proc/mounts", &mounts, NULL, NULL);
  gint64 free_pages = -1;
  if (g_file_get_contents (FREE_2M, &free_text, NULL, NULL))
    free_pages = g_ascii_strtoll (free_text, NULL, 10);
  return ktstr_hugepages_choose (mounts, free_pages, memory_mb, n_nodes, error);
}
