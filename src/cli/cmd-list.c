#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/commands.h"
#include "run/presets.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"
#include "testdef/workspec.h"
#include "util/json-util.h"

/* The listings the shell completion reads (data/completion/ktstr), one
 * name a line: what `ktstr test` takes, as the program knows it. */
static int
print_presets (void)
{
  const KtstrPreset *p = ktstr_presets ();
  for (guint i = 0; i < KTSTR_PRESETS_COUNT; i++)
    printf ("%s\n", p[i].name);
  return KTSTR_EXIT_OK;
}

/* What --work-type takes. */
static int
print_work_types (void)
{
  for (const char *const *t = ktstr_work_types (); *t; t++)
    printf ("%s\n", *t);
  return KTSTR_EXIT_OK;
}

static int
print_flags (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrSchedulerDef) def = ktstr_scheduler_def_load (path, &error);
  if (def == NULL)
    {
      fprintf (stderr, "ktstr list: --flags: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  for (guint i = 0; i < def->flags->len; i++)
    printf ("%s\n", ((KtstrSchedulerFlag *)def->flags->pdata[i])->name);
  return KTSTR_EXIT_OK;
}

int
ktstr_cmd_list (int argc, char **argv)
{
  gboolean as_json = FALSE, names = FALSE, presets = FALSE, work_types = FALSE;
  g_autofree char *flags_of = NULL;
  GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL },
          { "names", 0, 0, G_OPTION_ARG_NONE, &names, "Print only the tests' names, one a line",
            NULL },
          { "presets", 0, 0, G_OPTION_ARG_NONE, &presets,
            "Print the gauntlet's topology presets' names instead, one a line", NULL },
          { "work-types", 0, 0, G_OPTION_ARG_NONE, &work_types,
            "Print the work types (what --work-type takes) instead, one a line", NULL },
          { "flags", 0, 0, G_OPTION_ARG_FILENAME, &flags_of,
            "Print the flags of the scheduler definition FILE instead, one a line", "FILE" },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list the built-in tests");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "ktstr list: %s\n",
               error ? error->message : "takes no arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }
  if (as_json + names + presets + work_types + (flags_of != NULL) > 1)
    {
      fprintf (stderr,
               "ktstr list: give one of --json, --names, --presets, --work-types and --flags\n");
      return KTSTR_EXIT_USAGE;
    }
  if (presets)
    return print_presets ();
  if (work_types)
    return print_work_types ();
  if (flags_of != NULL)
    return print_flags (flags_of);

  g_autofree char *dir = ktstr_testdef_builtin_dir ();
  g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (dir, &error);
  if (defs == NULL)
    {
      fprintf (stderr, "ktstr list: cannot load the built-in tests from '%s': %s\n", dir,
               error->message);
      return KTSTR_EXIT_USAGE;
    }

  if (as_json)
    {
      JsonBuilder *b = json_builder_new ();
      json_builder_begin_array (b);
      for (guint i = 0; i < defs->len; i++)
        {
          KtstrTestDef *d = defs->pdata[i];
          json_builder_begin_object (b);
          ktstr_json_member_string (b, "name", d->name);
          ktstr_json_member_string (b, "description", d->description);
          ktstr_json_member_string (b, "topology", d->topology);
          ktstr_json_member_int (b, "duration_ms", d->duration_ms);
          ktstr_json_member_string (b, "work_type", ktstr_testdef_work_type (d));
          ktstr_json_member_string (b, "path", d->path);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      g_autofree char *text = ktstr_json_builder_finish (b);
      fputs (text, stdout);
      return KTSTR_EXIT_OK;
    }

  if (names)
    {
      for (guint i = 0; i < defs->len; i++)
        printf ("%s\n", ((KtstrTestDef *)defs->pdata[i])->name);
      return KTSTR_EXIT_OK;
    }
  for (guint i = 0; i < defs->len; i++)
    {
      KtstrTestDef *d = defs->pdata[i];
      printf ("%-20s %-10s %s\n", d->name, d->topology, d->description);
    }
  printf ("%u tests\n", defs->len);
  return KTSTR_EXIT_OK;
}
