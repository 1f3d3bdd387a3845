#include "config.h"

#include "util/datapath.h"

char *
ktstr_data_path (const char *name)
{
  const char *env = g_getenv ("KTSTR_DATADIR");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, name, NULL);
  /* Uninstalled, the source tree's data is used so that edits to data/
   * take effect without 'make install'. */
  const char *srcdir = NULL;
  if (ktstr_build_tree (&srcdir, NULL))
    return g_build_filename (srcdir, "data", name, NULL);
  return g_build_filename (KTSTR_PKGDATADIR, name, NULL);
}

char *
ktstr_libexec_path (const char *tree_path)
{
  const char *builddir = NULL;
  if (ktstr_build_tree (NULL, &builddir))
    return g_build_filename (builddir, tree_path, NULL);
  g_autofree char *base = g_path_get_basename (tree_path);
  return g_build_filename (KTSTR_PKGLIBEXECDIR, base, NULL);
}
