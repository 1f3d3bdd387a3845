#include "config.h"

#include "image/package.h"

#include <string.h>

#include "image/elfdeps.h"

KtstrPackage *
ktstr_package_new (void)
{
  KtstrPackage *pkg = g_new0 (KtstrPackage, 1);
  pkg->archive_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  pkg->lib_dirs = g_ptr_array_new_with_free_func (g_free);
  return pkg;
}

void
ktstr_package_free (KtstrPackage *pkg)
{
  if (pkg == NULL)
    return;
  g_hash_table_unref (pkg->archive_names);
  g_ptr_array_unref (pkg->lib_dirs);
  g_free (pkg);
}

static void
add_once (KtstrPackage *pkg, KtstrInitramfsSpec *spec, const char *guest_path,
          const char *host_path)
{
  while (*guest_path == '/')
    guest_path++;
  if (g_hash_table_contains (pkg->archive_names, guest_path))
    return;
  g_hash_table_add (pkg->archive_names, g_strdup (guest_path));
  ktstr_initramfs_spec_add (spec, guest_path, host_path);
  pkg->n_files++;
}

gboolean
ktstr_package_add (KtstrPackage *pkg, KtstrInitramfsSpec *spec, const char *what,
                   const char *host_path, const char *guest_path, GError **error)
{
  if (!g_file_test (host_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s '%s' is not a readable file", what,
                   host_path);
      return FALSE;
    }
  if (ktstr_elfdeps_is_elf (host_path))
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (KtstrElfDeps) deps = ktstr_elfdeps_resolve (host_path, NULL, &local);
      if (deps == NULL)
        {
          g_set_error (error, KTSTR_ELFDEPS_ERROR, local->code,
                       "cannot package %s '%s' for the guest: %s", what, host_path, local->message);
          return FALSE;
        }
      if (deps->interp != NULL)
        {
          if (!g_file_test (deps->interp, G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY,
                           "cannot package %s '%s' for the guest: its ELF interpreter %s does "
                           "not exist on this host",
                           what, host_path, deps->interp);
              return FALSE;
            }
          add_once (pkg, spec, deps->interp, deps->interp);
        }
      for (guint i = 0; i < deps->libs->len; i++)
        {
          const KtstrElfLib *lib = deps->libs->pdata[i];
          g_autofree char *dir = g_path_get_dirname (lib->path);
          add_once (pkg, spec, lib->path, lib->path);
          if (!g_ptr_array_find_with_equal_func (pkg->lib_dirs, dir, g_str_equal, NULL))
            g_ptr_array_add (pkg->lib_dirs, g_steal_pointer (&dir));
        }
    }
  add_once (pkg, spec, guest_path, host_path);
  return TRUE;
}

char *
ktstr_package_ld_library_path (const KtstrPackage *pkg)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < pkg->lib_dirs->len; i++)
    g_string_append_printf (s, "%s%s", i ? ":" : "", (char *)pkg->lib_dirs->pdata[i]);
  return g_string_free (s, FALSE);
}
