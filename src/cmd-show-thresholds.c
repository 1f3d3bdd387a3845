/* ktstr show-thresholds TEST: the check thresholds a test runs with, layer
 * by layer (ktstr-features §5.7): ktstr's defaults, then the scheduler
 * definition's (no scheduler definitions carry checks yet, so that layer
 * is empty), then the test file's [checks] group.  The last layer that
 * sets a value wins; each line names it. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include "checks.h"
#include "commands.h"
#include "testdef.h"

typedef enum
{
  KIND_BOOL,
  KIND_U64,
  KIND_DOUBLE
} Kind;

#define FIELD(name, kind) { #name, offsetof (KtstrChecks, name), kind }
static const struct
{
  const char *name;
  size_t offset;
  Kind kind;
} fields[] = {
  FIELD (not_starved, KIND_BOOL),
  FIELD (max_spread_pct, KIND_DOUBLE),
  FIELD (max_gap_ms, KIND_U64),
  FIELD (isolation, KIND_BOOL),
  FIELD (max_throughput_cv, KIND_DOUBLE),
  FIELD (min_work_rate, KIND_DOUBLE),
  FIELD (max_p99_wake_latency_ns, KIND_U64),
  FIELD (max_wake_latency_cv, KIND_DOUBLE),
  FIELD (min_iteration_rate, KIND_DOUBLE),
  FIELD (max_migration_ratio, KIND_DOUBLE),
  FIELD (max_imbalance_ratio, KIND_DOUBLE),
  FIELD (max_local_dsq_depth, KIND_U64),
  FIELD (fail_on_stall, KIND_BOOL),
  FIELD (sustained_samples, KIND_U64),
  FIELD (max_fallback_rate, KIND_DOUBLE),
  FIELD (max_keep_last_rate, KIND_DOUBLE),
  FIELD (min_page_locality, KIND_DOUBLE),
  FIELD (max_cross_node_migration_ratio, KIND_DOUBLE),
  FIELD (max_slow_tier_ratio, KIND_DOUBLE),
};

/* The value of field I in C as text, or NULL when unset. */
static char *
field_text (const KtstrChecks *c, gsize i)
{
  const char *p = (const char *)c + fields[i].offset;
  switch (fields[i].kind)
    {
    case KIND_BOOL:
      {
        const KtstrCheckBool *b = (const KtstrCheckBool *)p;
        return b->is_set ? g_strdup (b->value ? "true" : "false") : NULL;
      }
    case KIND_U64:
      {
        const KtstrCheckU64 *u = (const KtstrCheckU64 *)p;
        return u->is_set ? g_strdup_printf ("%" G_GUINT64_FORMAT, u->value) : NULL;
      }
    case KIND_DOUBLE:
      {
        const KtstrCheckDouble *d = (const KtstrCheckDouble *)p;
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return d->is_set ? g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", d->value)) : NULL;
      }
    }
  return NULL;
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
  g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_NOT_FOUND,
               "no built-in test '%s' (see 'ktstr list') and no such file", arg);
  return NULL;
}

int
ktstr_cmd_show_thresholds (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("TEST|FILE.ktstr");
  g_option_context_set_summary (ctx,
                                "Prints the check thresholds TEST runs with and the layer each "
                                "comes from:\ndefault, scheduler or test ([checks] in its file).");
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
  KtstrChecks layers[3];
  layers[0] = ktstr_checks_default ();
  layers[1] = (KtstrChecks){ 0 }; /* scheduler definitions carry no checks yet */
  if (!ktstr_checks_from_keyfile (def->keyfile, "checks", &layers[2], &error))
    {
      g_printerr ("ktstr show-thresholds: %s: %s\n", def->path, error->message);
      return KTSTR_EXIT_USAGE;
    }
  static const char *const layer_names[] = { "default", "scheduler", "test" };
  g_print ("test %s (%s)\n", def->name, def->path);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = NULL;
      const char *from = NULL;
      for (int l = 0; l < 3; l++)
        {
          char *v = field_text (&layers[l], i);
          if (v != NULL)
            {
              g_free (value);
              value = v;
              from = layer_names[l];
            }
        }
      g_print ("  %-32s %-12s %s\n", fields[i].name, value ? value : "off", from ? from : "-");
    }
  return KTSTR_EXIT_OK;
}
