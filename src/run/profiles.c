#include "config.h"

#include "run/profiles.h"

static void
profile_free (KtstrProfile *p)
{
  if (p == NULL)
    return;
  g_free (p->name);
  g_strfreev (p->flags);
  g_strfreev (p->args);
  g_free (p);
}

char *
ktstr_profile_name (const char *const *flags)
{
  if (flags == NULL || flags[0] == NULL)
    return g_strdup ("default");
  return g_strjoinv ("+", (char **)flags);
}

static gint
flag_index (const KtstrSchedulerDef *sdef, const char *name)
{
  for (guint j = 0; j < sdef->flags->len; j++)
    if (g_str_equal (((KtstrSchedulerFlag *)sdef->flags->pdata[j])->name, name))
      return (gint)j;
  return -1;
}

/* Whether every flag in MASK has the flags it requires in MASK. */
static gboolean
mask_is_closed (const KtstrSchedulerDef *sdef, guint mask)
{
  if (sdef == NULL)
    return TRUE;
  for (guint j = 0; j < sdef->flags->len; j++)
    {
      if (!(mask & (1u << j)))
        continue;
      const KtstrSchedulerFlag *f = sdef->flags->pdata[j];
      for (char **r = f->requires; r && *r; r++)
        {
          gint k = flag_index (sdef, *r);
          if (k < 0 || !(mask & (1u << k)))
            return FALSE;
        }
    }
  return TRUE;
}

GPtrArray *
ktstr_profiles_expand (const KtstrSchedulerDef *sdef, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)profile_free);
  guint n = sdef != NULL ? sdef->flags->len : 0;
  if (n > KTSTR_PROFILES_MAX_FLAGS)
    {
      g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID,
                   "scheduler '%s' declares %u flags; a gauntlet expands at most %u (2^%u "
                   "profiles); pass --flags to run one profile",
                   sdef->name, n, KTSTR_PROFILES_MAX_FLAGS, KTSTR_PROFILES_MAX_FLAGS);
      return NULL;
    }
  for (guint mask = 0; mask < (1u << n); mask++)
    {
      if (!mask_is_closed (sdef, mask))
        continue;
      g_autoptr (GStrvBuilder) fb = g_strv_builder_new ();
      g_autoptr (GStrvBuilder) ab = g_strv_builder_new ();
      for (guint j = 0; j < n; j++)
        if (mask & (1u << j))
          {
            const KtstrSchedulerFlag *f = sdef->flags->pdata[j];
            g_strv_builder_add (fb, f->name);
            if (f->args != NULL)
              g_strv_builder_addv (ab, (const char **)f->args);
          }
      KtstrProfile *p = g_new0 (KtstrProfile, 1);
      p->flags = g_strv_builder_end (fb);
      p->args = g_strv_builder_end (ab);
      p->name = ktstr_profile_name ((const char *const *)p->flags);
      g_ptr_array_add (out, p);
    }
  return g_steal_pointer (&out);
}
