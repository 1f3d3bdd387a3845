#include "config.h"

#include "kernel/kernel-config.h"

#include <string.h>

/* The config file path for KERNEL, or NULL when none is known. */
static char *
find_config (const KtstrKernel *k, const char *boot_dir)
{
  if (k->tree != NULL)
    {
      g_autofree char *p = g_build_filename (k->tree, ".config", NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&p);
    }
  g_autofree char *dir = g_path_get_dirname (k->image);
  g_autofree char *beside = g_build_filename (dir, "config", NULL);
  if (g_file_test (beside, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&beside);
  if (k->version != NULL && boot_dir != NULL)
    {
      g_autofree char *name = g_strdup_printf ("config-%s", k->version);
      g_autofree char *p = g_build_filename (boot_dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&p);
    }
  return NULL;
}

/* The value of OPTION ("CONFIG_SCHED_CLASS_EXT") in the config text:
 * "y", "m", a string, or NULL when unset ("is not set" or absent). */
static char *
config_value (const char *text, const char *option)
{
  g_autofree char *prefix = g_strdup_printf ("%s=", option);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, prefix))
      return g_strchomp (g_strdup (*l + strlen (prefix)));
  return NULL;
}

gboolean
ktstr_kernel_check_sched_ext (const KtstrKernel *k, const char *boot_dir, GError **error)
{
  g_autofree char *path = find_config (k, boot_dir);
  g_autofree char *text = NULL;
  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return TRUE; /* unknown: the guest checks /sys/kernel/sched_ext */
  g_autofree char *v = config_value (text, "CONFIG_SCHED_CLASS_EXT");
  if (v != NULL && g_str_equal (v, "y"))
    return TRUE;
  g_set_error (error, KTSTR_KERNEL_ERROR, KTSTR_KERNEL_ERROR_NO_SCHED_EXT,
               "kernel %s has no sched_ext (CONFIG_SCHED_CLASS_EXT is not set in %s), so "
               "--scheduler cannot run on it; boot a sched_ext kernel (e.g. one built with "
               "'ktstr kernel build', which applies data/ktstr.kconfig)",
               k->image, path);
  return FALSE;
}
