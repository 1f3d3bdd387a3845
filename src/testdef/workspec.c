#include "config.h"

#include "testdef/workspec.h"

#include "common/plan.h"

const char *const ktstr_workspec_options[]
    = { "workers", "policy", "nice", "affinity", "mempolicy", "mpol_flags", NULL };

const char *const *
ktstr_work_types (void)
{
  static const char *names[64];
  if (names[0] == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (names) - 1 && ktstr_worktype_nth (i) != NULL; i++)
      names[i] = ktstr_worktype_nth (i)->name;
  return names;
}

gboolean
ktstr_workspec_has_type (const char *type)
{
  return ktstr_worktype_find (type) != NULL;
}

char **
ktstr_workspec_params (const char *type)
{
  const KtstrWorkType *t = ktstr_worktype_find (type);
  GPtrArray *a = g_ptr_array_new ();
  for (int i = 0; t != NULL && i < KTSTR_WORK_MAX_PARAMS && t->params[i].name != NULL; i++)
    g_ptr_array_add (a, g_strdup (t->params[i].name));
  g_ptr_array_add (a, NULL);
  return (char **)g_ptr_array_free (a, FALSE);
}

GQuark
ktstr_workspec_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-workspec-error-quark");
}

gboolean
ktstr_workspec_check_cpuset (const char *spec, GError **error)
{
  KtstrCpusetSpec parsed;
  KtstrError err = { "" };
  if (ktstr_cpuset_spec_parse (spec, &parsed, &err) == 0)
    return TRUE;
  g_set_error_literal (error, KTSTR_WORKSPEC_ERROR, KTSTR_WORKSPEC_ERROR_INVALID, err.msg);
  return FALSE;
}
