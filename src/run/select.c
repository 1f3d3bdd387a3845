#include "config.h"

#include "run/select.h"

#include <string.h>

#include "testdef/testdef.h"

static KtstrTestDef *
find_builtin (GPtrArray *builtins, const char *name)
{
  for (guint i = 0; i < builtins->len; i++)
    {
      KtstrTestDef *d = builtins->pdata[i];
      if (g_str_equal (d->name, name))
        return d;
    }
  return NULL;
}

/* The tests ARG names, appended to OUT. */
static gboolean
select_one (const char *arg, GPtrArray *builtins, GPtrArray *out, GError **error)
{
  if (g_file_test (arg, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (arg, error);
      if (defs == NULL)
        return FALSE;
      if (defs->len == 0)
        {
          g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
                       "directory '%s' holds no *.ktstr test files", arg);
          return FALSE;
        }
      g_ptr_array_extend_and_steal (out, g_steal_pointer (&defs));
      return TRUE;
    }
  const char *path = arg;
  if (!g_str_has_suffix (arg, ".ktstr") && strchr (arg, '/') == NULL)
    {
      const KtstrTestDef *d = builtins ? find_builtin (builtins, arg) : NULL;
      if (d == NULL)
        {
          g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
                       "no built-in test named '%s' (run 'ktstr list'), and no such file", arg);
          return FALSE;
        }
      /* A fresh copy: the same built-in may be named twice. */
      path = d->path;
    }
  KtstrTestDef *def = ktstr_testdef_load (path, error);
  if (def == NULL)
    return FALSE;
  g_ptr_array_add (out, def);
  return TRUE;
}

GPtrArray *
ktstr_tests_select (char **args, int n, GError **error)
{
  g_autofree char *dir = ktstr_testdef_builtin_dir ();
  g_autoptr (GError) builtin_error = NULL;
  g_autoptr (GPtrArray) builtins = ktstr_testdef_load_dir (dir, &builtin_error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);

  if (n == 0)
    {
      if (builtins == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&builtin_error),
                                      "cannot load the built-in tests from '%s': ", dir);
          return NULL;
        }
      return g_steal_pointer (&builtins);
    }
  for (int i = 0; i < n; i++)
    if (!select_one (args[i], builtins, out, error))
      return NULL;
  return g_steal_pointer (&out);
}

guint
ktstr_tests_swap_work_type (GPtrArray *tests, const char *type, GError **error)
{
  guint swapped = 0;
  for (guint i = 0; i < tests->len; i++)
    {
      KtstrTestDef *def = tests->pdata[i];
      if (!def->is_swappable)
        continue;
      if (!ktstr_testdef_swap_work_type (def, type, error))
        return 0;
      swapped++;
    }
  if (swapped == 0 && error != NULL && *error == NULL)
    g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                 "--work-type %s: none of the selected tests is swappable (a test opts in "
                 "with swappable=true in its [test] group)",
                 type);
  return swapped;
}
