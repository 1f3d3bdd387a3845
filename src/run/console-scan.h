/* Searching a guest's console log for the line that says how the guest
 * died: the kernel's panic line, an oops, the TCG code-patching race.
 * The runner (is this boot worth a retry?) and the verdict (what does
 * the failure say?) look for the same lines the same way; a shared boot's
 * console is cut into each test's part at the agent's marker lines.  Callers read
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

/* Where the part of a shared VM's console log TEXT (LEN bytes) that
 * belongs to the test with plan index INDEX ends: just after the line the
 * agent wrote at its end (KTSTR_SESSION_KMSG_END and INDEX,
 * common/proto.h), searched from FROM; LEN when that line is not there
 * (yet: the VM ended during the test).  The test's part is TEXT[FROM,
 * end); the first test of a boot starts at 0 and so holds the boot. */
gsize ktstr_console_slice_end (const char *text, gsize len, gsize from, guint index);

G_END_DECLS

#endif
