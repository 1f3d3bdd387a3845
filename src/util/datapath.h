/* Where ktstr finds the files it installs: the data directory (built-in
 * tests, the kconfig fragment, example schedulers) and the programs under
 * pkglibexecdir (the guest agent).
 *
 * Every lookup goes through here so that there is one order: an
 * environment override, then the build tree, then the installation.  The
 * build tree is known only to the programs linked for running uninstalled
 * (src/ktstr, the tests, the benchmarks: they link tree-uninstalled.c);
 * the programs 'make install' copies link tree-installed.c instead, so
 * they embed no path of the source or build directory and look only where
 * they were installed. */
#ifndef KTSTR_DATAPATH_H
#define KTSTR_DATAPATH_H

#include <glib.h>

G_BEGIN_DECLS

/* NAME ("tests", "ktstr.kconfig") in the data directory: under
 * $KTSTR_DATADIR when set, else under the source tree's data/ for a
 * program running uninstalled, else under $(pkgdatadir).  The path is
 * returned whether or not it exists: the caller reports what is missing. */
char *ktstr_data_path (const char *name);

/* The program built at TREE_PATH in the build tree ("guest-init/ktstr-init")
 * for a program running uninstalled, else its basename under
 * $(pkglibexecdir).  Returned whether or not it exists. */
char *ktstr_libexec_path (const char *tree_path);

/* The absolute source and build directories of the tree this program was
 * built in, or FALSE for an installed program.  Defined twice, once in
 * tree-uninstalled.c and once in tree-installed.c; each program links one. */
gboolean ktstr_build_tree (const char **srcdir, const char **builddir);

G_END_DECLS

#endif
