/* Scheduler binaries by path or by name: see sched/sched-binary.h. */
#include "config.h"

#include "sched/sched-binary.h"

#include <string.h>

GQuark
ktstr_sched_binary_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-sched-binary-error-quark");
}

/* --kernel DIR of this run (one per process: the command line's). */
static char *cli_kernel_tree;

void
ktstr_sched_binary_set_kernel_tree (const char *tree)
{
  g_free (cli_kernel_tree);
  cli_kernel_tree = g_strdup (tree);
}

static gboolean
is_program (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR)
         && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

static void
add_dir (GPtrArray *dirs, char *dir)
{
  for (guint i = 0; i < dirs->len; i++)
    if (g_str_equal (dirs->pdata[i], dir))
      {
        g_free (dir);
        return;
      }
  g_ptr_array_add (dirs, dir);
}

/* Where schedulers are built, after PATH (see the header for why these). */
static void
add_build_locations (GPtrArray *dirs)
{
  const char *target = g_getenv ("CARGO_TARGET_DIR");
  if (target == NULL || *target == '\0')
    target = "./target";
  add_dir (dirs, g_build_filename (target, "release", NULL));
  add_dir (dirs, g_build_filename (target, "debug", NULL));

  const char *env = g_getenv ("KTSTR_KERNEL");
  const char *trees[] = {
    cli_kernel_tree,
    env != NULL && *env != '\0' && g_file_test (env, G_FILE_TEST_IS_DIR) ? env : NULL,
    "./linux",
    "../linux",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (trees); i++)
    if (trees[i] != NULL)
      add_dir (dirs, g_build_filename (trees[i], "tools", "sched_ext", "build", "bin", NULL));
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
    add_dir (dirs, g_strdup (base_dir));
  const char *path = g_getenv ("PATH");
  g_auto (GStrv) path_dirs = g_strsplit (path != NULL ? path : "", G_SEARCHPATH_SEPARATOR_S, -1);
  for (char **d = path_dirs; *d != NULL; d++)
    /* An empty PATH entry means the current directory. */
    add_dir (dirs, g_strdup (**d != '\0' ? *d : "."));
  add_build_locations (dirs);

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
               "PATH, build it in one of those folders, or give its path",
               value, looked);
  return NULL;
}
