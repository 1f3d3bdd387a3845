#include "config.h"

#include <stdio.h>

#include "cli/commands.h"
#include "record/hostctx.h"

int
ktstr_cmd_show_host (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- print this host's context as sidecars record it");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "ktstr show-host: %s\n",
               error ? error->message : "takes no arguments (see --help)");
      return KTSTR_EXIT_USAGE;
    }
  g_autoptr (KtstrHostContext) host = ktstr_host_context_collect ();
  g_autofree char *text = ktstr_host_context_format_human (host);
  fputs (text, stdout);
  return KTSTR_EXIT_OK;
}
