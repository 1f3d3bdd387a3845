/* Strings from outside that become part of a path.
 *
 * A kernel's version (from its kernel.release, metadata.json or bzImage
 * header), a git ref, a name read from a sidecar: each may end up as a
 * directory or file name, and "../../../escaped" there wrote a sidecar to
 * /tmp and a lock file at the root of the filesystem.  Where the string
 * comes from the user's input, ktstr refuses it with the reason
 * (ktstr_path_component_problem); where a name is derived from it anyway,
 * it goes through ktstr_path_component_escape, which cannot produce a
 * separator, a dot-dot, a hidden name or a control character. */
#ifndef KTSTR_UTIL_PATH_COMPONENT_H
#define KTSTR_UTIL_PATH_COMPONENT_H

#include <glib.h>

G_BEGIN_DECLS

/* The longest component ktstr derives from such a string (well under
 * NAME_MAX, leaving room for suffixes such as "-{commit}.lock"). */
#define KTSTR_PATH_COMPONENT_MAX 128

/* NULL when S can be one path component as it is: 1 to MAX bytes, not
 * starting with '.', no '/', no control characters (below 0x20, 0x7f) and
 * valid UTF-8; otherwise what is wrong with it, for a message. */
const char *ktstr_path_component_problem (const char *s, gsize max);

/* S made into a safe component: '/', control characters and invalid UTF-8
 * become '_', as does a leading '.'; "" becomes "_"; longer than MAX bytes
 * is cut (on a character boundary). */
char *ktstr_path_component_escape (const char *s, gsize max);

G_END_DECLS

#endif
