/* Finding the program a scheduler definition runs.  binary= holds either
 * a path (it has a '/') or the name of a program, which is looked up, so
 * that a definition need not know where its scheduler is installed: the
 * shipped examples say `binary=scx_simple`.  One function, so that every
 * place that turns a name into a scheduler binary searches the same
 * folders in the same order. */
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

/* VALUE as a path to the scheduler binary.  A VALUE with a '/' is a path,
 * relative to BASE_DIR unless absolute, returned whether or not it exists
 * (packing the scheduler reports a missing file).  A bare name is looked
 * up in BASE_DIR (NULL: skipped), then in each folder of $PATH in order;
 * the first regular, executable file of that name wins.  NULL and
 * KTSTR_SCHED_BINARY_ERROR_NOT_FOUND, naming every folder searched, when
 * none holds it. */
char *ktstr_sched_binary_resolve (const char *value, const char *base_dir, GError **error);

G_END_DECLS

#endif
