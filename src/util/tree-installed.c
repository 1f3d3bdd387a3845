/* No build tree: the programs 'make install' copies look only where they
 * were installed (datapath.h). */
#include "config.h"

#include "util/datapath.h"

gboolean
ktstr_build_tree (const char **srcdir, const char **builddir)
{
  if (srcdir != NULL)
    *srcdir = NULL;
  if (builddir != NULL)
    *builddir = NULL;
  return FALSE;
}
