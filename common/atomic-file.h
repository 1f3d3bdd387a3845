/* Replacing a file so that a crash at any moment leaves either the old
 * contents or the new, never a torn file: the data goes to a temporary
 * file in the same directory (".NAME.tmp-XXXXXX"), is fsync'd, renamed
 * over NAME, and the directory is fsync'd so the rename itself survives a
 * power loss.  Every file ktstr writes for later (sidecars, console logs,
 * JUnit reports, caches) is written this way.
 *
 * A failure at any step removes the temporary file and leaves NAME as it
 * was; the caller learns errno and the step, so its message can say what
 * happened to which file ("No space left on device while writing ...").
 * A process killed in the middle leaves at most the hidden temporary
 * file, which ktstr_atomic_file_is_temp() recognises for sweeping.
 *
 * Plain C (no GLib): the backends and the host both use it. */
#ifndef KTSTR_COMMON_ATOMIC_FILE_H
#define KTSTR_COMMON_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum
{
  KTSTR_ATOMIC_STEP_CREATE, /* creating the temporary file in the directory */
  KTSTR_ATOMIC_STEP_WRITE,  /* writing the data */
  KTSTR_ATOMIC_STEP_SYNC,   /* fsync of the data */
  KTSTR_ATOMIC_STEP_RENAME, /* renaming it over the destination */
} KtstrAtomicStep;

/* What STEP was doing, for "while ..." in messages: "writing it". */
const char *ktstr_atomic_step_name (KtstrAtomicStep step);

/* Replaces PATH with the LEN bytes at DATA, created with MODE (the umask
 * applies).  Returns 0, or -errno with *STEP (may be NULL) set. */
int ktstr_atomic_file_write (const char *path, const void *data, size_t len, mode_t mode,
                             KtstrAtomicStep *step);

/* True for a temporary file name ktstr_atomic_file_write makes (its base
 * name, not a path), left behind only by a writer that was killed. */
bool ktstr_atomic_file_is_temp (const char *basename);

#endif
