/* ktstr show-thresholds [--scheduler-file F] TEST: the check thresholds a
 * test runs with, layer by layer (doc/checks.md): ktstr's defaults,
 * then the scheduler definition's [checks] (--scheduler-file, else the
 * test's own scheduler=), then the test file's [checks].  The merge is
 * ktstr_checks_resolve, the one the verdict uses; each line names the
 * last layer that set the value and what applies the check (the workers'
 * checks, the monitor, or nothing yet).  --json prints the same as a
 * document for scripts: {test, test_path, scheduler, scheduler_path,
 * checks: [{name, value, layer, applied_by}]}, a value of its type
 * (boolean, integer, measurement) and null when the check is off, as is
 * the layer of a check no layer set. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "eval/checks.h"
#include "cli/commands.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"
#include "util/json-util.h"

/* Edit distance of A and B (Levenshtein), for suggestions. */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint)j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0];
      row[0] = (guint)i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + cost);
          diag = up;
        }
    }
  return row[lb];
}

/* The built-in test name closest to NAME, if it is close enough (at most
 * a third of NAME's letters differ), else NULL. */
static const char *
closest_name (GPtrArray *defs, const char *name)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (guint i = 0; i < defs->len; i++)
    {
      const char *n = ((KtstrTestDef *)defs->pdata[i])->name;
      guint d = edit_distance (name, n);
      if (d < best_d)
        best = n, best_d = d;
    }
  return best_d <= MAX (1u, (guint)strlen (name) / 3) ? best : NULL;
}

static KtstrTestDef *
find_test (const char *arg, GError **error)
{
  if (g_str_has_suffix (arg, ".ktstr") || g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    return ktstr_testdef_load (arg, error);
  g_autofree char *dir = ktstr_testdef_builtin_dir ();
  g_autoptr (GPtrArray) defs = ktstr_testdef_load_dir (dir, error);
  if (defs == NULL)
    return NULL;
  for (guint i = 0; i < defs->len; i++)
    if (g_str_equal (((KtstrTestDef *)defs->pdata[i])->name, arg))
      return g_ptr_array_steal_index (defs, i);
  const char *near = closest_name (defs, arg);
  g_autofree char *hint = near ? g_strdup_printf ("; did you mean '%s'?", near) : g_strdup ("");
  g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
               "no built-in test '%s' (see 'ktstr list') and no such file%s", arg, hint);
  return NULL;
}

/* The last layer of LAYERS that sets NAME, or NULL. */
static const char *
layer_of (const KtstrChecks *layers, const char *name)
{
  const char *from = NULL;
  for (int l = 0; l < KTSTR_CHECKS_N_LAYERS; l++)
    {
      g_autofree char *v = ktstr_checks_get_text (&layers[l], name);
      if (v != NULL)
        from = ktstr_checks_layer_to_string (l);
    }
  return from;
}

static void
print_json (const KtstrTestDef *def, const KtstrSchedulerDef *sdef, const KtstrChecks *checks,
            const KtstrChecks *layers)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "test", def->name);
  ktstr_json_member_string (b, "test_path", def->path);
  ktstr_json_member_string (b, "scheduler", sdef ? sdef->name : NULL);
  ktstr_json_member_string (b, "scheduler_path", sdef ? sdef->path : NULL);
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (const char *const *name = ktstr_checks_names (); *name; name++)
    {
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "name", *name);
      ktstr_json_member_node (b, "value", ktstr_checks_get_json (checks, *name));
      ktstr_json_member_string (b, "layer", layer_of (layers, *name));
      ktstr_json_member_string (b, "applied_by", ktstr_checks_applied_by (*name));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autofree char *text = ktstr_json_builder_finish (b);
  fputs (text, stdout);
}

int
ktstr_cmd_show_thresholds (int argc, char **argv)
{
  g_autofree char *scheduler_file = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[]
      = { { "scheduler-file", 0, 0, G_OPTION_ARG_FILENAME, &scheduler_file,
            "Scheduler definition whose [checks] form the middle layer (default: the test's "
            "scheduler=, if any)",
            "FILE" },
          { "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
            "Print a JSON document: {test, test_path, scheduler, scheduler_path, checks: "
            "[{name, value, layer, applied_by}]}",
            NULL },
          { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("TEST|FILE.ktstr");
  g_option_context_set_summary (ctx, "Prints the check thresholds TEST runs with, the layer each "
                                     "comes from\n(default, scheduler: [checks] of the scheduler "
                                     "definition, or test: [checks] in its file)\nand what applies "
                                     "it (workers: the workers' reports per cgroup; monitor: the\n"
                                     "monitor's samples while a sched_ext scheduler runs; nothing: "
                                     "carried, not applied yet).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("ktstr show-thresholds: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  if (argc != 2)
    {
      g_printerr ("ktstr show-thresholds: expected one TEST or FILE.ktstr (see --help)\n");
      return KTSTR_EXIT_USAGE;
    }
  g_autoptr (KtstrTestDef) def = find_test (argv[1], &error);
  if (def == NULL)
    {
      g_printerr ("ktstr show-thresholds: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  g_autoptr (KtstrSchedulerDef) cli_sdef = NULL;
  if (scheduler_file != NULL
      && (cli_sdef = ktstr_scheduler_def_load (scheduler_file, &error)) == NULL)
    {
      g_printerr ("ktstr show-thresholds: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  /* As `ktstr test`: the command line's definition wins over the test's. */
  const KtstrSchedulerDef *sdef = cli_sdef ? cli_sdef : def->scheduler;
  KtstrChecks checks, layers[KTSTR_CHECKS_N_LAYERS];
  if (!ktstr_checks_resolve (sdef ? sdef->keyfile : NULL, def->path, def->keyfile, &checks, layers,
                             &error))
    {
      g_printerr ("ktstr show-thresholds: %s\n", error->message);
      return KTSTR_EXIT_USAGE;
    }
  if (as_json)
    {
      print_json (def, sdef, &checks, layers);
      return KTSTR_EXIT_OK;
    }
  g_print ("test %s (%s)\n", def->name, def->path);
  if (sdef != NULL)
    g_print ("scheduler %s (%s)\n", sdef->name, sdef->path);
  else
    g_print ("scheduler none (EEVDF; no scheduler layer)\n");
  for (const char *const *name = ktstr_checks_names (); *name; name++)
    {
      g_autofree char *value = ktstr_checks_get_text (&checks, *name);
      const char *from = layer_of (layers, *name);
      g_print ("  %-32s %-12s %-9s  %s\n", *name, value ? value : "off", from ? from : "-",
               ktstr_checks_applied_by (*name));
    }
  return KTSTR_EXIT_OK;
}
