/* The [test] keys that say how a test is run and judged rather than what
 * runs in the guest: expect_err, memory_mb, cleanup_budget_ms,
 * include_files, swappable and fresh_boot (ktstr-test(5)); and --work-type, which
 * swaps the work type of a swappable test. */
#include "config.h"

#include <string.h>

#include "common/plan.h"
#include "testdef/expect-err.h"
#include "testdef/testdef-private.h"
#include "testdef/testdef.h"
#include "testdef/workspec.h"

#define MIN_MEMORY_MB 128
#define MAX_MEMORY_MB 65536
#define MAX_CLEANUP_BUDGET_MS (3600 * 1000)

static gboolean
load_expect_err (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  g_autofree char *value = g_key_file_get_string (kf, "test", "expect_err", NULL);
  if (value == NULL)
    return TRUE;
  g_strstrip (value);
  if (!g_strv_contains (ktstr_expect_err_names (), value))
    {
      g_autofree char *list = g_strjoinv (", ", (char **)ktstr_expect_err_names ());
      return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "expect_err",
                                 "'%s' is not a failure ktstr tells apart (expected one of: %s)",
                                 value, list);
    }
  def->expect_err = g_steal_pointer (&value);
  return TRUE;
}

/* include_files: comma-separated paths, relative to the test file, of
 * regular files with distinct names (each lands at /include-files/NAME). */
static gboolean
load_include_files (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *text = g_key_file_get_string (kf, "test", "include_files", NULL);
  g_auto (GStrv) items = text ? g_strsplit (text, ",", -1) : g_new0 (char *, 1);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (char **i = items; *i; i++)
    {
      g_strstrip (*i);
      if (**i == '\0')
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test",
                                   "include_files",
                                   "an empty entry (expected comma-separated file paths, "
                                   "relative to this file)");
      g_autofree char *full
          = g_path_is_absolute (*i) ? g_strdup (*i) : g_build_filename (dir, *i, NULL);
      g_autofree char *canon = g_canonicalize_filename (full, NULL);
      if (!g_file_test (canon, G_FILE_TEST_IS_REGULAR))
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test",
                                   "include_files",
                                   "%s: no such file (paths are relative to "
                                   "this file)",
                                   canon);
      char *base = g_path_get_basename (canon);
      if (g_ptr_array_find_with_equal_func (names, base, g_str_equal, NULL))
        {
          g_autofree char *owned = base;
          return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test",
                                     "include_files",
                                     "two files are named '%s'; each lands at "
                                     "/include-files/NAME, so names must differ",
                                     owned);
        }
      g_ptr_array_add (names, base);
      g_strv_builder_add (b, canon);
    }
  def->include_files = g_strv_builder_end (b);
  return TRUE;
}

/* [test] KEY, a boolean, into *OUT when present. */
static gboolean
load_bool (GKeyFile *kf, const char *path, const char *key, gboolean *out, GError **error)
{
  if (!g_key_file_has_key (kf, "test", key, NULL))
    return TRUE;
  g_autoptr (GError) local = NULL;
  *out = g_key_file_get_boolean (kf, "test", key, &local);
  if (local != NULL)
    {
      g_autofree char *v = g_key_file_get_string (kf, "test", key, NULL);
      return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", key,
                                 "'%s' is not true or false", v ? v : "");
    }
  return TRUE;
}

gboolean
ktstr_testdef_load_run_keys (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  if (!load_expect_err (kf, path, def, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "memory_mb", MIN_MEMORY_MB, MAX_MEMORY_MB,
                                  &def->memory_mb, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "cleanup_budget_ms", 1, MAX_CLEANUP_BUDGET_MS,
                                  &def->cleanup_budget_ms, error)
      || !load_include_files (kf, path, def, error))
    return FALSE;
  return load_bool (kf, path, "swappable", &def->is_swappable, error)
         && load_bool (kf, path, "fresh_boot", &def->is_fresh_boot, error);
}

/* Whether the work word "key=value" PAIR stays when the work becomes a
 * TYPE: an option, or a parameter TYPE has too. */
static gboolean
keeps_word (const char *pair, const char *const *params)
{
  const char *eq = strchr (pair, '=');
  g_autofree char *key = eq ? g_strndup (pair, (gsize)(eq - pair)) : g_strdup (pair);
  return g_strv_contains (ktstr_workspec_options, key) || g_strv_contains (params, key);
}

gboolean
ktstr_testdef_swap_work_type (KtstrTestDef *def, const char *type, GError **error)
{
  if (!ktstr_workspec_has_type (type))
    {
      g_autofree char *list = g_strjoinv (", ", (char **)ktstr_work_types ());
      g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                   "--work-type: unknown work type '%s' (expected one of: %s)", type, list);
      return FALSE;
    }
  if (!def->is_swappable)
    {
      g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                   "--work-type: test '%s' (%s) is not swappable (its [test] has no "
                   "swappable=true)",
                   def->name, def->path);
      return FALSE;
    }
  g_auto (GStrv) params = ktstr_workspec_params (type);
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      for (guint j = 0; j < cg->works->len; j++)
        {
          KtstrWorkDef *w = cg->works->pdata[j];
          g_free (w->type);
          w->type = g_strdup (type);
          for (guint k = w->params->len; k > 0; k--)
            if (!keeps_word (w->params->pdata[k - 1], (const char *const *)params))
              g_ptr_array_remove_index (w->params, k - 1);
        }
    }
  /* The new type may not suit the test (e.g. a type that pairs its
   * workers, with an odd count): the plan grammar says so now. */
  g_autofree char *plan_text = ktstr_testdef_render (def, def->topology, 0, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  if (ktstr_plan_parse (plan_text, plan, &perr) == 0)
    return TRUE;
  g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
               "--work-type %s: test '%s' (%s) cannot run it: %s", type, def->name, def->path,
               perr.msg);
  return FALSE;
}
