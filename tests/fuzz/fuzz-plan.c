/* Fuzzes the plan grammar (common/plan.h, the format in common/proto.h):
 * the parser the guest agent runs and the host uses to check test files. */
#include "config.h"

#include "fuzz-util.h"
#include "common/plan.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static KtstrPlan plan;
  KtstrPlanError err;
  if (size > KTSTR_PLAN_MAX_BYTES)
    return 0;
  g_autofree char *text = ktstr_fuzz_strndup (data, size);
  if (ktstr_plan_parse (text, &plan, &err) == 0)
    (void)ktstr_plan_run_ms (&plan);
  return 0;
}
