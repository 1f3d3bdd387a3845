/* Searching a guest's console log for the line that says how the guest
 * died: the kernel's panic line, an oops, the TCG code-patching race.
 * The runner (is this boot worth a retry?) and the verdict (what does
 * the failure say?) look for the same lines the same way.  Callers read
 * the log; these functions only search its text. */
#ifndef KTSTR_RUN_CONSOLE_SCAN_H
#define KTSTR_RUN_CONSOLE_SCAN_H

#include <glib.h>

G_BEGIN_DECLS

/* What the kernel prints when it panics. */
#define KTSTR_CONSOLE_PANIC_MARK "Kernel panic - not syncing"

/* From the first MARK in TEXT to the end of its line, trailing whitespace
 * dropped; NULL when TEXT (NULL: no log) does not contain MARK. */
char *ktstr_console_line_with (const char *text, const char *mark);

/* The last N lines of TEXT (NULL: none), each indented by two spaces and
 * ended by a newline, trailing empty lines dropped: the console's tail in
 * a failure report.  "" when there is nothing. */
char *ktstr_console_tail (const char *text, guint n);

G_END_DECLS

#endif
