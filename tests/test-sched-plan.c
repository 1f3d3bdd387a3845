/* The scheduler under test as plan lines (sched/sched-plan.h): what the
 * runner appends to a test's plan, and what it refuses before a boot. */
#include "config.h"

#include <string.h>

#include "common/plan.h"
#include "sched/sched-plan.h"

static void
test_lines (void)
{
  g_autoptr (GError) error = NULL;
  const char *args[] = { "-s", "5000", "two words", "", NULL };
  g_autofree char *lines = ktstr_sched_plan_lines ("/ktstr/sched/scx_simple", args,
                                                   "/ktstr/lib:/ktstr/lib64", 15000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lines, ==,
                   "scheduler /ktstr/sched/scx_simple ready_ms=15000\n"
                   "scheduler_arg -s\nscheduler_arg 5000\nscheduler_arg two words\n"
                   "scheduler_arg \n"
                   "scheduler_env LD_LIBRARY_PATH=/ktstr/lib:/ktstr/lib64\n");

  /* Appended to a plan, they are the plan's scheduler. */
  g_autofree char *plan_text
      = g_strconcat ("ktstr-plan 1\ncgroup a\nwork a CpuSpin\n", lines, NULL);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  g_assert_cmpint (ktstr_plan_parse (plan_text, plan, &perr), ==, 0);
  g_assert_cmpuint (plan->scheduler.n_args, ==, 4);
  g_assert_cmpstr (ktstr_plan_sched_arg (&plan->scheduler, 2), ==, "two words");
  g_assert_cmpstr (ktstr_plan_sched_arg (&plan->scheduler, 3), ==, "");
  g_assert_cmpuint (plan->scheduler.ready_ms, ==, 15000);

  /* No arguments, no libraries, the agent's readiness bound. */
  g_autofree char *bare = ktstr_sched_plan_lines ("/s", NULL, "", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bare, ==, "scheduler /s\n");
}

static void
test_refused (void)
{
  g_autoptr (GError) error = NULL;
  const char *newline[] = { "a\nb", NULL };
  g_assert_null (ktstr_sched_plan_lines ("/s", newline, NULL, 0, &error));
  g_assert_error (error, KTSTR_SCHED_PLAN_ERROR, KTSTR_SCHED_PLAN_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "scheduler argument 'a\nb' holds a line break, which the guest plan cannot "
                   "carry");
  g_clear_error (&error);

  /* More arguments than the agent takes: refused here, not in the guest. */
  g_autoptr (GPtrArray) many = g_ptr_array_new ();
  for (int i = 0; i <= KTSTR_PLAN_SCHED_MAX_ARGS; i++)
    g_ptr_array_add (many, (gpointer) "-v");
  g_ptr_array_add (many, NULL);
  g_assert_null (ktstr_sched_plan_lines ("/s", (const char *const *)many->pdata, NULL, 0, &error));
  g_assert_error (error, KTSTR_SCHED_PLAN_ERROR, KTSTR_SCHED_PLAN_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message,
                                   "the scheduler under test cannot be passed to the guest: "
                                   "scheduler: at most 64 arguments"));
  g_clear_error (&error);

  g_assert_null (ktstr_sched_plan_lines ("relative/path", NULL, NULL, 0, &error));
  g_assert_error (error, KTSTR_SCHED_PLAN_ERROR, KTSTR_SCHED_PLAN_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched/plan-lines/lines", test_lines);
  g_test_add_func ("/sched/plan-lines/refused", test_refused);
  return g_test_run ();
}
