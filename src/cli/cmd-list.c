#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli/commands.h"
#include "testdef/testdef.h"

int
ktstr_cmd_list (int argc, char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[]
      = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL }, { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- list the built-in tests");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "ktstr list: %s\n",
               error ? error->message : "takes no arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }

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
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (guint i = 0; i < defs->len; i++)
        {
          KtstrTestDef *d = defs->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, d->name);
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, d->description);
          json_builder_set_member_name (b, "topology");
          json_builder_add_string_value (b, d->topology);
          json_builder_set_member_name (b, "duration_ms");
          json_builder_add_int_value (b, d->duration_ms);
          json_builder_set_member_name (b, "work_type");
          json_builder_add_string_value (b, ktstr_testdef_work_type (d));
          json_builder_set_member_name (b, "path");
          json_builder_add_string_value (b, d->path);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, root);
      g_autofree char *text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
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
