/* Flag profiles (ktstr(1), GAUNTLET): the sets of a scheduler
 * definition's flags a gauntlet runs under.
 *
 * The profiles are the power set of the definition's flags, minus the sets
 * in which a flag lacks a flag it requires, each in the definition's
 * canonical (file) order.  A profile's name is its flags joined with '+',
 * or "default" for the empty set.  They are listed by bitmask over the
 * canonical order, so "default" comes first. */
#ifndef KTSTR_PROFILES_H
#define KTSTR_PROFILES_H

#include <glib.h>

#include "sched/scheduler-def.h"

G_BEGIN_DECLS

/* More flags than this make a power set nobody can run. */
#define KTSTR_PROFILES_MAX_FLAGS 12

typedef struct
{
  char *name;   /* "default" or "a+b" */
  char **flags; /* canonical order, NULL-terminated, owned */
  char **args;  /* the arguments the flags add, owned */
} KtstrProfile;

/* The profiles of SDEF (NULL: only "default").  Array of KtstrProfile*,
 * owned; NULL and *error when the definition has too many flags. */
GPtrArray *ktstr_profiles_expand (const KtstrSchedulerDef *sdef, GError **error);

/* The name of FLAGS (NULL-terminated, canonical order). */
char *ktstr_profile_name (const char *const *flags);

G_END_DECLS

#endif
