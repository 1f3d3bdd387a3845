/* What the loaders of user-facing key files share: test definitions
 * (.ktstr), scheduler definitions and the [checks] group of both.
 *
 *  - Errors point into the file: "PATH:LINE: [GROUP] KEY: MESSAGE".
 *    GKeyFile does not tell on which line a key is, so the line is found
 *    when an error is made, by scanning the file's text for the group and
 *    key (ktstr_keyfile_find_line): errors are rare and the files small,
 *    so a scan then costs less than a line table kept for every load.
 *  - One check for unknown keys, with one message listing the valid ones.
 *  - One key style, snake_case, in every file.  Spellings a format used to
 *    accept (the kebab-case keys of scheduler definitions) are still read:
 *    on load they are renamed to the new spelling, with a warning once per
 *    file and key (ktstr_keyfile_rename_deprecated). */
#ifndef KTSTR_KEYFILE_H
#define KTSTR_KEYFILE_H

#include <glib.h>

G_BEGIN_DECLS

/* The 1-based line of KEY in [GROUP] of the key file at PATH, or of the
 * [GROUP] header when KEY is NULL; 0 when PATH is NULL or unreadable or
 * holds no such line.  A key given twice is found where GKeyFile takes
 * its value from: the last time. */
guint ktstr_keyfile_find_line (const char *path, const char *group, const char *key);

/* Sets ERROR (DOMAIN, CODE) to "PATH:LINE: [GROUP] KEY: MESSAGE", or
 * "PATH:LINE: [GROUP]: MESSAGE" when KEY is NULL.  ":LINE" is left out
 * when the line is not found, and "PATH:LINE: " when PATH is NULL.
 * Always returns FALSE, for `return ktstr_keyfile_fail (...)`. */
gboolean ktstr_keyfile_fail (GError **error, GQuark domain, int code, const char *path,
                             const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF (7, 8);

/* As ktstr_keyfile_fail with MESSAGE already formatted. */
gboolean ktstr_keyfile_fail_literal (GError **error, GQuark domain, int code, const char *path,
                                     const char *group, const char *key, const char *message);

/* The unknown-key check: TRUE when every key of GROUP is in ALLOWED or is
 * one of PREFIXES (NULL: none) followed by more text; else FALSE with
 * ERROR (DOMAIN, CODE) on the first other key, "unknown key (valid keys:
 * ...)", each prefix listed followed by PLACEHOLDER ("work.PARAM").  A
 * missing group has no unknown keys. */
gboolean ktstr_keyfile_check_keys (GKeyFile *kf, const char *path, const char *group,
                                   const char *const *allowed, const char *const *prefixes,
                                   const char *placeholder, GQuark domain, int code,
                                   GError **error);

/* A key spelling a format used to accept, and the one that replaced it. */
typedef struct
{
  const char *group; /* the group it is in */
  const char *old_key;
  const char *new_key;
} KtstrKeyRename;

/* For each entry of RENAMES (ended by one with group NULL) whose OLD_KEY
 * is in KF: moves its value to NEW_KEY and warns, the first time for PATH
 * and that key in this process, that OLD_KEY is deprecated.  FALSE with
 * ERROR (DOMAIN, CODE) when a group has both spellings. */
gboolean ktstr_keyfile_rename_deprecated (GKeyFile *kf, const char *path,
                                          const KtstrKeyRename *renames, GQuark domain, int code,
                                          GError **error);

/* Where deprecation warnings go: by default one line on stderr,
 * "PROGRAM: warning: MESSAGE".  FUNC NULL restores the default. */
typedef void (*KtstrKeyfileWarnFunc) (const char *message, gpointer user_data);
void ktstr_keyfile_set_warn_func (KtstrKeyfileWarnFunc func, gpointer user_data);

G_END_DECLS

#endif
