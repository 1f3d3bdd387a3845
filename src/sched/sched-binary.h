/* Finding the program a scheduler runs.  `--scheduler` and a definition's
 * binary= hold either a path (it has a '/') or the name of a program,
 * which is looked up, so that neither the command line nor a definition
 * need know where the scheduler was installed or built: the shipped
 * definitions say `binary=scx_simple`.  One function, so that every place
 * that turns a name into a scheduler binary searches the same folders in
 * the same order:
 *
 *   1. the definition's own folder (definitions only);
 *   2. each folder of $PATH, in order (installed schedulers);
 *   3. the build locations of the usual scheduler sources, relative to
 *      the current directory: ${CARGO_TARGET_DIR:-./target}/release and
 *      /debug (the Rust schedulers of the scx repository, built with
 *      cargo), then tools/sched_ext/build/bin of a kernel tree (the C
 *      examples a kernel ships, built with `make -C tools/sched_ext`):
 *      the tree given with --kernel, $KTSTR_KERNEL when it is a
 *      directory, ./linux and ../linux (the trees kernel discovery looks
 *      at).
 *
 * The first regular, executable file of that name wins.  A name found
 * nowhere is an error that lists every folder searched. */
#ifndef KTSTR_SCHED_BINARY_H
#define KTSTR_SCHED_BINARY_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_SCHED_BINARY_ERROR (ktstr_sched_binary_error_quark ())
GQuark ktstr_sched_binary_error_quark (void);

typedef enum
{
  KTSTR_SCHED_BINARY_ERROR_NOT_FOUND, /* a bare name in none of the folders searched */
} KtstrSchedBinaryError;

/* The kernel tree named on the command line (--kernel DIR), whose
 * tools/sched_ext/build/bin is searched first among the kernel trees;
 * NULL: none.  Set before anything is resolved (test files name their
 * scheduler definitions, and those are read as the tests are). */
void ktstr_sched_binary_set_kernel_tree (const char *tree);

/* VALUE as a path to the scheduler binary.  A VALUE with a '/' is a path,
 * relative to BASE_DIR unless absolute, returned whether or not it exists
 * (packing the scheduler reports a missing file).  A bare name is looked
 * up as described above, BASE_DIR (NULL: skipped) being the definition's
 * folder.  NULL and KTSTR_SCHED_BINARY_ERROR_NOT_FOUND, naming every
 * folder searched, when none holds it. */
char *ktstr_sched_binary_resolve (const char *value, const char *base_dir, GError **error);

G_END_DECLS

#endif
