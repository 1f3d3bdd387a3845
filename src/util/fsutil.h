/* Small file helpers shared by the host modules: reading small files, and
 * reading files others give us without being stalled or swamped by them.
 *
 * A path from the command line or from a directory listing may name a
 * FIFO (open() blocks until a writer comes, forever), a device, a
 * directory or a sparse file of gigabytes.  Files ktstr reads as
 * documents are opened with O_NONBLOCK, checked with fstat to be regular
 * files and capped in size before anything is read, so each of those is
 * one clear error naming the path instead of a hang or an exhausted
 * host. */
#ifndef KTSTR_FSUTIL_H
#define KTSTR_FSUTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* What a file that could be opened and read is wrong about; opening and
 * reading errors themselves are G_FILE_ERROR (from errno). */
#define KTSTR_FILE_ERROR (ktstr_file_error_quark ())
GQuark ktstr_file_error_quark (void);

typedef enum
{
  KTSTR_FILE_ERROR_NOT_REGULAR, /* a FIFO, a directory, a device, a socket */
  KTSTR_FILE_ERROR_TOO_LARGE,   /* over the caller's cap */
} KtstrFileError;

/* The contents of PATH without surrounding whitespace; NULL when the file
 * cannot be read, is not a regular file, or holds only whitespace (sysfs,
 * /proc, kernel.release). */
char *ktstr_read_trimmed (const char *path);

/* "a FIFO", "a directory", "a socket", ... for MODE (st_mode). */
const char *ktstr_file_type_name (unsigned int mode);

/* Reads all of the regular file PATH (NUL-terminated in *DATA, length in
 * *LEN): opened read-only without blocking on a FIFO and checked to be a
 * regular file first (KTSTR_FILE_ERROR_NOT_REGULAR says what it is
 * instead), refusing with KTSTR_FILE_ERROR_TOO_LARGE a file larger than
 * MAX_BYTES, with its size and the cap in the message. */
gboolean ktstr_read_regular_file (const char *path, gsize max_bytes, char **data, gsize *len,
                                  GError **error);

/* Replaces PATH with the LEN bytes at DATA atomically and durably (a
 * temporary file, fsync, rename, fsync of the directory:
 * common/atomic-file.h), created with MODE.  On failure PATH keeps its old
 * contents (or stays absent) and the G_FILE_ERROR (from errno) names PATH
 * and what failed: "cannot write PATH: No space left on device (while
 * writing it; PATH was not changed)". */
gboolean ktstr_file_replace (const char *path, const void *data, gsize len, int mode,
                             GError **error);

/* TRUE for the name of a temporary file ktstr_file_replace makes (a
 * base name, not a path), left behind only by a writer that was killed. */
gboolean ktstr_file_is_replace_temp (const char *basename);

G_END_DECLS

#endif
