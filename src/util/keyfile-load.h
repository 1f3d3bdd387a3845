/* Loading a user-facing key file (a .ktstr test, a scheduler definition)
 * with errors that point at the line.
 *
 * GKeyFile's own loader says "Invalid group name: " with nothing after
 * it for "[]", gives no line number for a syntax error, echoes the
 * offending line (the first line of /etc/passwd when a test names it as
 * its scheduler), merges a group or key given twice without a word, cuts
 * a value at a NUL byte, and opening a FIFO blocks for ever.  Here the
 * file is read as a regular file of bounded size, checked line by line
 * first, and only then handed to GKeyFile; every error reads
 * "PATH:LINE: what is wrong" (or "PATH: byte N: ..." for a NUL) and
 * quotes no more of the file than a group or key name. */
#ifndef KTSTR_UTIL_KEYFILE_LOAD_H
#define KTSTR_UTIL_KEYFILE_LOAD_H

#include <glib.h>

G_BEGIN_DECLS

/* The largest key file read: test and scheduler definitions are a few
 * kilobytes. */
#define KTSTR_KEYFILE_MAX_BYTES (1024 * 1024)

/* Reads PATH (a regular file of at most KTSTR_KEYFILE_MAX_BYTES:
 * util/fsutil.h), checks it line by line and loads it into KF.  The check:
 * no NUL byte, valid UTF-8, each line blank, a '#' comment, a "[GROUP]"
 * header with a name, or "KEY=VALUE" under a group; no group and no key
 * of a group given twice; no value ending in a lone backslash
 * (G_KEY_FILE_ERROR_PARSE, "PATH:LINE: ...").  File errors are
 * G_FILE_ERROR (G_FILE_ERROR_NOENT for a missing file) or
 * KTSTR_FILE_ERROR, each naming PATH. */
gboolean ktstr_keyfile_load_checked (GKeyFile *kf, const char *path, GError **error);

G_END_DECLS

#endif
