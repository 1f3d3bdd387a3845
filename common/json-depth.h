/* A guard in front of every JSON parser ktstr runs on outside input.
 *
 * json-glib parses recursively with no limit, so a document of a hundred
 * thousand '[' (a few hundred kilobytes) overflows the stack of whoever
 * reads it: ktstr-stats listing a directory of sidecars, a --policy
 * file, a kernel tree's metadata.json, a line from the guest.  Before a
 * document reaches the parser it is scanned once, linearly and without
 * recursion, for how deep its arrays and objects nest; a document nested
 * deeper than the caller allows is refused with the byte offset where it
 * went too deep.  ktstr's own documents nest fewer than ten levels.
 *
 * Plain C on a buffer (no GLib), so the QEMU backend and the host share
 * it. */
#ifndef KTSTR_COMMON_JSON_DEPTH_H
#define KTSTR_COMMON_JSON_DEPTH_H

#include <stdbool.h>
#include <stddef.h>

/* The nesting every ktstr reader allows: far above any document ktstr
 * writes or reads, far below what exhausts a thread's stack. */
#define KTSTR_JSON_MAX_DEPTH 64

/* True when the LEN bytes at DATA nest arrays and objects deeper than
 * MAX_DEPTH (brackets inside strings do not count); *OFFSET then gets the
 * offset of the bracket that went one level too deep.  Says nothing else
 * about whether DATA is valid JSON: that is the parser's job. */
bool ktstr_json_too_deep (const char *data, size_t len, unsigned max_depth, size_t *offset);

#endif
