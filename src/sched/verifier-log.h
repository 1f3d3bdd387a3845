/* The BPF verifier log of a scheduler that failed to load, made readable.
 *
 * libbpf prints the log between "-- BEGIN PROG LOAD LOG --" and
 * "-- END PROG LOAD LOG --".  A verifier that walks a loop prints the same
 * block of instructions again and again with different register states,
 * tens of thousands of lines of it; like ktstr, the report collapses each
 * run of consecutive identical blocks (compared without the "; R1=..."
 * state annotations) into one copy and a line saying how often it
 * repeated. */
#ifndef KTSTR_VERIFIER_LOG_H
#define KTSTR_VERIFIER_LOG_H

#include <glib.h>

G_BEGIN_DECLS

/* Longest block the collapse looks for, and the most lines it examines
 * (beyond that the middle of the log is dropped, with a note). */
#define KTSTR_VERIFIER_MAX_PERIOD 64
#define KTSTR_VERIFIER_MAX_LINES 20000

/* The verifier log inside LINES (a scheduler's output), or NULL when the
 * output shows no BPF load failure.  The result is already collapsed. */
char *ktstr_verifier_log_extract (GPtrArray *lines);

/* The same, collapsed only when IS_COLLAPSED; otherwise every line of
 * the log as the verifier printed it (`ktstr verifier --raw`). */
char *ktstr_verifier_log_extract_full (GPtrArray *lines, gboolean is_collapsed);

/* Collapses repeated blocks of LINES (NULL-terminated); returns the text. */
char *ktstr_verifier_log_collapse (const char *const *lines);

/* TRUE when LINES show a BPF program or struct_ops load failure. */
gboolean ktstr_verifier_log_has_load_failure (GPtrArray *lines);

G_END_DECLS

#endif
