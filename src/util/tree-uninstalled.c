/* The build tree, for the programs that run uninstalled (src/ktstr, the
 * tests, the benchmarks).  Only this file is compiled with the tree's
 * absolute paths, and no installed program links it. */
#include "config.h"

#include "util/datapath.h"

gboolean
ktstr_build_tree (const char **srcdir, const char **builddir)
{
  if (srcdir != NULL)
    *srcdir = KTSTR_ABS_SRCDIR;
  if (builddir != NULL)
    *builddir = KTSTR_ABS_BUILDDIR;
  return TRUE;
}
