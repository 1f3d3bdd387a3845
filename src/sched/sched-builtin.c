/* Kernel-built-in schedulers: see sched-builtin.h. */
#include "config.h"

#include "sched/sched-builtin.h"

#include <string.h>

#include "common/plan.h"
#include "common/proto.h"
#include "util/keyfile.h"

/* The definition loader's error domain and code, for this load (set by
 * ktstr_sched_builtin_load before anything can fail). */
typedef struct
{
  GQuark domain;
  int code;
  const char *path;
} Origin;

static gboolean invalid (GError **error, const Origin *o, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError **error, const Origin *o, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return ktstr_keyfile_fail_literal (error, o->domain, o->code, o->path, "scheduler", key, msg);
}

/* One action of KEY ("enable" or "disable") as a plan line, its program
 * (for a run) added to PROGRAMS.  The plan grammar the guest runs judges
 * the line, so that what loads here runs there. */
static gboolean
add_action (const Origin *o, const char *key, const char *action, GString *lines,
            GPtrArray *programs, GError **error)
{
  g_auto (GStrv) words = g_strsplit_set (action, " \t", -1);
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
  for (char **w = words; *w; w++)
    if (**w != '\0')
      g_strv_builder_add (kept, *w);
  g_auto (GStrv) w = g_strv_builder_end (kept);
  guint n = g_strv_length (w);
  gboolean is_run = n > 0 && g_str_equal (w[0], "run");
  if (n == 0 || (!is_run && !g_str_equal (w[0], "write")) || (is_run && n < 2)
      || (!is_run && n != 3))
    return invalid (error, o, key,
                    "'%s': expected 'write PATH VALUE' or 'run PROGRAM [ARG...]' (actions are "
                    "separated by ';')",
                    action);
  if (!g_path_is_absolute (w[1]))
    return invalid (error, o, key, "'%s': %s is not an absolute path", action, w[1]);
  if (is_run && !g_file_test (w[1], G_FILE_TEST_IS_EXECUTABLE))
    return invalid (error, o, key,
                    "'%s': %s is not an executable program on this host (it is packed into the "
                    "guest at the same path)",
                    action, w[1]);
  g_autofree char *rest = g_strjoinv (" ", w + 1);
  g_autofree char *line
      = g_strdup_printf ("builtin_%s %s %s\n", is_run ? "run" : "write", key, rest);
  g_autofree char *plan_text = g_strconcat (KTSTR_PLAN_MAGIC "\n", line, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  if (ktstr_plan_parse (plan_text, plan, &perr) != 0)
    return invalid (error, o, key, "'%s': %s", action, perr.msg);
  g_string_append (lines, line);
  if (is_run && !g_ptr_array_find_with_equal_func (programs, w[1], g_str_equal, NULL))
    g_ptr_array_add (programs, g_strdup (w[1]));
  return TRUE;
}

gboolean
ktstr_sched_builtin_load (GKeyFile *kf, const char *path, const char *flag_with_args, GQuark domain,
                          int code, char **lines_out, char ***programs_out, GError **error)
{
  const Origin origin = { domain, code, path };
  const Origin *o = &origin;
  static const char *const not_builtin[] = { "binary", "args", "ready_ms", "config_file", NULL };
  if (!g_key_file_has_key (kf, "scheduler", "enable", NULL))
    return invalid (error, o, "disable",
                    "a built-in scheduler needs enable= too (what switches it on)");
  for (const char *const *k = not_builtin; *k; k++)
    if (g_key_file_has_key (kf, "scheduler", *k, NULL))
      return invalid (error, o, *k,
                      "not for a built-in scheduler (enable=): it has no program of its own; "
                      "drop %s, or enable=",
                      *k);
  if (flag_with_args != NULL)
    {
      g_autofree char *group = g_strconcat ("flag ", flag_with_args, NULL);
      return ktstr_keyfile_fail_literal (error, domain, code, path, group, "args",
                                         "a built-in scheduler (enable=) takes no arguments");
    }
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GPtrArray) programs = g_ptr_array_new_with_free_func (g_free);
  static const char *const keys[] = { "enable", "disable" };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_auto (GStrv) actions = g_key_file_get_string_list (kf, "scheduler", keys[k], NULL, NULL);
      if (k == 0 && (actions == NULL || actions[0] == NULL))
        return invalid (error, o, "enable", "empty: give at least one action");
      for (char **a = actions; a && *a; a++)
        if (!add_action (o, keys[k], *a, lines, programs, error))
          return FALSE;
    }
  /* The whole set must fit the guest's limits too. */
  g_autofree char *plan_text = g_strconcat (KTSTR_PLAN_MAGIC "\n", lines->str, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  if (ktstr_plan_parse (plan_text, plan, &perr) != 0)
    return invalid (error, o, "enable", "%s", perr.msg);
  *lines_out = g_string_free (g_steal_pointer (&lines), FALSE);
  g_ptr_array_add (programs, NULL);
  *programs_out = (char **)g_ptr_array_free (g_steal_pointer (&programs), FALSE);
  return TRUE;
}
