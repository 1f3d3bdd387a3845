#include "config.h"

#include "sched/sched-plan.h"

#include <string.h>

#include "common/plan.h"
#include "common/proto.h"

GQuark
ktstr_sched_plan_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-sched-plan-error-quark");
}

char *
ktstr_sched_plan_lines (const char *guest_binary, const char *const *args,
                        const char *ld_library_path, guint ready_ms, GError **error)
{
  g_autoptr (GString) lines = g_string_new (NULL);
  g_string_append_printf (lines, "scheduler %s", guest_binary);
  if (ready_ms > 0)
    g_string_append_printf (lines, " ready_ms=%u", ready_ms);
  g_string_append_c (lines, '\n');
  for (const char *const *a = args; a != NULL && *a != NULL; a++)
    {
      /* Each argument is the rest of one plan line. */
      if (strpbrk (*a, "\r\n") != NULL)
        {
          g_set_error (error, KTSTR_SCHED_PLAN_ERROR, KTSTR_SCHED_PLAN_ERROR_INVALID,
                       "scheduler argument '%s' holds a line break, which the guest plan cannot "
                       "carry",
                       *a);
          return NULL;
        }
      g_string_append_printf (lines, "scheduler_arg %s\n", *a);
    }
  if (ld_library_path != NULL && *ld_library_path != '\0')
    g_string_append_printf (lines, "scheduler_env LD_LIBRARY_PATH=%s\n", ld_library_path);

  g_autofree char *plan_text = g_strconcat (KTSTR_PLAN_MAGIC "\n", lines->str, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  if (ktstr_plan_parse (plan_text, plan, &perr) != 0)
    {
      g_set_error (error, KTSTR_SCHED_PLAN_ERROR, KTSTR_SCHED_PLAN_ERROR_INVALID,
                   "the scheduler under test cannot be passed to the guest: %s", perr.msg);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&lines), FALSE);
}
