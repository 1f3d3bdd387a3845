#include "config.h"

#include <stdio.h>

#include "cli/commands.h"
#include "record/hostctx.h"
#include "util/json-util.h"

int
ktstr_cmd_show_host (int argc, char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
                               "Print the host context as a sidecar's \"host\" object", NULL },
                             { NULL } };
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- print this host's context as sidecars record it");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "ktstr show-host: %s\n",
               error ? error->message : "takes no arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }
  g_autoptr (KtstrHostContext) host = ktstr_host_context_collect ();
  g_autofree char *text = NULL;
  if (as_json)
    {
      g_autoptr (JsonNode) node = ktstr_host_context_to_json (host);
      text = ktstr_json_to_data (node, NULL);
    }
  else
    text = ktstr_host_context_format_human (host);
  fputs (text, stdout);
  return KTSTR_EXIT_OK;
}
