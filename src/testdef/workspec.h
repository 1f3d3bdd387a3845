/* The host's view of what the guest agent can run: work types, their
 * parameters, group sizes and per-work options, and cpuset specs.
 *
 * The answers come from the guest agent's own table and parser
 * (guest-init/worktypes.c, guest-init/plan.c, linked in), so a test file
 * the host accepts is a plan the guest runs, and the two cannot drift.
 * Messages say what is expected; callers prefix the file, group and key. */
#ifndef KTSTR_WORKSPEC_H
#define KTSTR_WORKSPEC_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_WORKSPEC_ERROR (ktstr_workspec_error_quark ())
GQuark ktstr_workspec_error_quark (void);

typedef enum
{
  KTSTR_WORKSPEC_ERROR_INVALID, /* the guest would refuse the work line or cpuset */
} KtstrWorkspecError;

/* Work types the guest agent implements, NULL-terminated. */
const char *const *ktstr_work_types (void);

/* The words every work takes besides its type's parameters. */
extern const char *const ktstr_workspec_options[];

gboolean ktstr_workspec_has_type (const char *type);

/* The type's parameter names, NULL-terminated (free with g_strfreev). */
char **ktstr_workspec_params (const char *type);

/* Checks the work line "TYPE workers=WORKERS WORDS..." (WORDS are
 * "key=value" strings) as the guest would.  WORKERS 0 checks the words
 * alone, not the group size, which needs the final worker count.  The
 * error says what is wrong, without the plan line prefix. */
gboolean ktstr_workspec_check (const char *type, guint workers, const char *const *words,
                               GError **error);

/* Checks a cpuset spec (all, exact:, llc:, numa:, range:, disjoint:, overlap:). */
gboolean ktstr_workspec_check_cpuset (const char *spec, GError **error);

G_END_DECLS

#endif
