/* The host's view of what the guest agent can run: work types, their
 * parameters and per-work options, and cpuset specs, for the test-file
 * loader's own checks and messages.
 *
 * The answers come from the plan grammar both sides link (common/plan.h
 * and its work-type table), so a test file the host accepts is a plan the
 * guest runs, and the two cannot drift. */
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

/* Checks a cpuset spec (all, exact:, llc:, numa:, range:, disjoint:, overlap:). */
gboolean ktstr_workspec_check_cpuset (const char *spec, GError **error);

G_END_DECLS

#endif
