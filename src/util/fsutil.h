/* Small file helpers shared by the host modules. */
#ifndef KTSTR_FSUTIL_H
#define KTSTR_FSUTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* The contents of PATH without surrounding whitespace; NULL when the file
 * cannot be read or holds only whitespace (sysfs, /proc, kernel.release). */
char *ktstr_read_trimmed (const char *path);

G_END_DECLS

#endif
