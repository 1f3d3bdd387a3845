/* Fuzzes the test-file loader: a .ktstr keyfile as a user writes it,
 * checked with the plan grammar host and guest share (common/plan.h) and
 * rendered to the plan the agent reads.  A file the loader accepts must
 * render to a plan the grammar accepts too. */
#include "config.h"

#include "fuzz-util.h"
#include "common/plan.h"
#include "testdef/testdef.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = ktstr_fuzz_write_file ("t.ktstr", data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrTestDef) def = ktstr_testdef_load (path, &error);
  if (def == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  g_autofree char *plan_text = ktstr_testdef_to_plan (def, def->topology, 60000);
  static KtstrPlan plan;
  KtstrPlanError perr;
  if (ktstr_plan_parse (plan_text, &plan, &perr) != 0)
    {
      KtstrError err;
      ktstr_plan_error_text (&perr, &err);
      g_error ("an accepted test file renders a plan the agent refuses: %s\n%s", err.msg,
               plan_text);
    }
  (void)ktstr_testdef_run_ms (def);
  return 0;
}
