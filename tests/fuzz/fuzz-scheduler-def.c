/* Fuzzes the scheduler-definition loader (ktstr-scheduler(5)) and what is
 * computed from a definition it accepts: flag profiles and the topology
 * constraints. */
#include "config.h"

#include "fuzz-util.h"
#include "sched/scheduler-def.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ktstr_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = ktstr_fuzz_write_file ("s.ini", data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  if (def == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      return 0;
    }
  for (guint i = 0; i < def->flags->len; i++)
    {
      const KtstrSchedulerFlag *f = def->flags->pdata[i];
      g_auto (GStrv) active = NULL, args = NULL;
      g_autoptr (GError) flag_error = NULL;
      ktstr_scheduler_def_select_flags (def, f->name, &active, &args, &flag_error);
    }
  g_autoptr (GError) topo_error = NULL;
  ktstr_scheduler_def_check_topology (def, "1n2l2c1t", &topo_error);
  return 0;
}
