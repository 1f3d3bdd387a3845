/* Seeds of the plan harness: prints the plan the host renders for each
 * test file given (ktstr_testdef_to_plan), files separated by a line
 * holding only "%%".  Run by make-seeds.py. */
#include "config.h"

#include <stdio.h>

#include "testdef/testdef.h"

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrTestDef) def = ktstr_testdef_load (argv[i], &error);
      if (def == NULL)
        {
          fprintf (stderr, "render-plans: %s\n", error->message);
          return 1;
        }
      g_autofree char *plan = ktstr_testdef_to_plan (def, def->topology, 60000);
      printf ("%s%%%%\n", plan);
    }
  return 0;
}
