/* Scheduler binaries by path or by name: see sched/sched-binary.h. */
#include "config.h"

#include "sched/sched-binary.h"

#include <string.h>

GQuark
ktstr_sched_binary_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-sched-binary-error-quark");
}

static gboolean
is_program (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR)
         && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

char *
ktstr_sched_binary_resolve (const char *value, const char *base_dir, GError **error)
{
  if (strchr (value, '/') != NULL)
    {
      if (g_path_is_absolute (value) || base_dir == NULL)
        return g_strdup (value);
      return g_build_filename (base_dir, value, NULL);
    }

  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  if (base_dir != NULL)
    g_ptr_array_add (dirs, g_strdup (base_dir));
  const char *path = g_getenv ("PATH");
  g_auto (GStrv) path_dirs = g_strsplit (path != NULL ? path : "", G_SEARCHPATH_SEPARATOR_S, -1);
  for (char **d = path_dirs; *d != NULL; d++)
    /* An empty PATH entry means the current directory. */
    g_ptr_array_add (dirs, g_strdup (**d != '\0' ? *d : "."));

  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *candidate = g_build_filename (dirs->pdata[i], value, NULL);
      if (is_program (candidate))
        return g_steal_pointer (&candidate);
    }

  g_ptr_array_add (dirs, NULL);
  g_autofree char *looked = g_strjoinv (", ", (char **)dirs->pdata);
  g_set_error (error, KTSTR_SCHED_BINARY_ERROR, KTSTR_SCHED_BINARY_ERROR_NOT_FOUND,
               "scheduler binary '%s' not found, looked in %s; install it, add its folder to "
               "PATH, or give its path",
               value, *looked != '\0' ? looked : "(no folder: PATH is empty)");
  return NULL;
}
