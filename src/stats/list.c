#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "record/hostctx.h"
#include "record/rundir.h"
#include "record/sidecar.h"
#include "stats/list.h"
#include "util/json-util.h"
#include "util/table.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_stats_list_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-stats-list-error-quark");
}
/* clang-format on */

typedef struct
{
  char *name;
  gboolean has_mtime;
  struct timespec mtime;
  guint tests;
  char *date;
  char *arch;
} RunEntry;

static gint
compare_runs (gconstpointer pa, gconstpointer pb)
{
  const RunEntry *a = pa, *b = pb;
  if (a->has_mtime != b->has_mtime)
    return a->has_mtime ? -1 : 1;
  if (a->has_mtime)
    {
      if (a->mtime.tv_sec != b->mtime.tv_sec)
        return a->mtime.tv_sec > b->mtime.tv_sec ? -1 : 1;
      if (a->mtime.tv_nsec != b->mtime.tv_nsec)
        return a->mtime.tv_nsec > b->mtime.tv_nsec ? -1 : 1;
    }
  return strcmp (a->name, b->name);
}

static void
add_warnings (GPtrArray *warnings, GPtrArray *from)
{
  for (guint i = 0; warnings != NULL && i < from->len; i++)
    g_ptr_array_add (warnings, g_strdup (g_ptr_array_index (from, i)));
}

static void
run_entry_clear (RunEntry *e)
{
  g_free (e->date);
  g_free (e->arch);
}

static char *
render_runs_json (GArray *runs)
{
  JsonBuilder *w = json_builder_new ();
  json_builder_begin_array (w);
  for (guint i = 0; i < runs->len; i++)
    {
      const RunEntry *e = &g_array_index (runs, RunEntry, i);
      json_builder_begin_object (w);
      ktstr_json_member_string (w, "run", e->name);
      ktstr_json_member_int (w, "tests", e->tests);
      ktstr_json_member_string (w, "date", e->date);
      ktstr_json_member_string (w, "arch", e->arch);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  return ktstr_json_builder_finish (w);
}

static char *
render_runs_text (GArray *runs)
{
  static const char *const headers[] = { "RUN", "TESTS", "DATE", "ARCH" };
  static const KtstrAlign align[]
      = { KTSTR_ALIGN_LEFT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT };
  g_autoptr (KtstrTable) table = ktstr_table_new (4, headers, align);
  for (guint i = 0; i < runs->len; i++)
    {
      const RunEntry *e = &g_array_index (runs, RunEntry, i);
      g_autofree char *tests = g_strdup_printf ("%u", e->tests);
      const char *cells[] = { e->name, tests, e->date ? e->date : "-", e->arch ? e->arch : "-" };
      ktstr_table_add_row (table, cells);
    }
  GString *out = g_string_new (NULL);
  ktstr_table_render (table, out, FALSE);
  return g_string_free (out, FALSE);
}

char *
ktstr_stats_format_runs (const char *root, gboolean as_json, GPtrArray *warnings)
{
  g_autoptr (GPtrArray) names = ktstr_stats_list_run_dirs (root);
  g_autoptr (GArray) runs = g_array_new (FALSE, TRUE, sizeof (RunEntry));
  g_array_set_clear_func (runs, (GDestroyNotify)run_entry_clear);

  if (names->len == 0)
    return as_json ? g_strdup ("[]\n") : NULL;
  for (guint i = 0; i < names->len; i++)
    {
      RunEntry e = { g_ptr_array_index (names, i), 0 };
      g_autofree char *path = g_build_filename (root, e.name, NULL);
      GStatBuf st;
      if (g_stat (path, &st) == 0)
        {
          e.has_mtime = TRUE;
          e.mtime = st.st_mtim;
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_run (path, &error);
      if (pool == NULL)
        {
          if (warnings != NULL)
            g_ptr_array_add (warnings, g_strdup (error->message));
          g_array_append_val (runs, e);
          continue;
        }
      add_warnings (warnings, pool->warnings);
      e.tests = pool->sidecars->len;
      for (guint j = 0; j < pool->sidecars->len; j++)
        {
          const KtstrSidecar *sc = g_ptr_array_index (pool->sidecars, j);
          /* ISO-8601 UTC stamps of one format sort as strings. */
          if (sc->timestamp != NULL && sc->timestamp[0] != '\0'
              && (e.date == NULL || strcmp (sc->timestamp, e.date) < 0))
            {
              g_free (e.date);
              e.date = g_strdup (sc->timestamp);
            }
          if (e.arch == NULL && sc->host != NULL && sc->host->arch != NULL)
            e.arch = g_strdup (sc->host->arch);
        }
      g_array_append_val (runs, e);
    }
  g_array_sort (runs, compare_runs);
  return as_json ? render_runs_json (runs) : render_runs_text (runs);
}

/* A sorted set of strings with an optional null member. */
typedef struct
{
  const char *key; /* JSON key and text label */
  gboolean has_null;
  GHashTable *set; /* borrowed strings */
} ValueSet;

static void
value_set_add (ValueSet *vs, const char *value)
{
  if (value == NULL)
    vs->has_null = TRUE;
  else
    g_hash_table_add (vs->set, (gpointer)value);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static GPtrArray *
value_set_sorted (const ValueSet *vs)
{
  GPtrArray *sorted = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, vs->set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (sorted, key);
  g_ptr_array_sort (sorted, compare_strings);
  return sorted;
}

enum
{
  VS_KERNEL,
  VS_COMMIT,
  VS_KERNEL_COMMIT,
  VS_SOURCE,
  VS_SCHEDULER,
  VS_TOPOLOGY,
  VS_WORK_TYPE,
  VS_FLAGS,
  VS_COUNT
};

char *
ktstr_stats_format_values (const KtstrStatsPool *pool, gboolean as_json)
{
  static const char *const keys[VS_COUNT] = { "kernel",    "commit",   "kernel_commit", "source",
                                              "scheduler", "topology", "work_type",     "flags" };
  ValueSet sets[VS_COUNT];

  for (guint k = 0; k < VS_COUNT; k++)
    sets[k] = (ValueSet){ keys[k], FALSE, g_hash_table_new (g_str_hash, g_str_equal) };
  for (guint i = 0; i < pool->rows->len; i++)
    {
      const KtstrStatsRow *row = g_ptr_array_index (pool->rows, i);
      value_set_add (&sets[VS_KERNEL], row->kernel_version);
      value_set_add (&sets[VS_COMMIT], row->project_commit);
      value_set_add (&sets[VS_KERNEL_COMMIT], row->kernel_commit);
      value_set_add (&sets[VS_SOURCE], row->run_source);
      value_set_add (&sets[VS_SCHEDULER], row->scheduler);
      value_set_add (&sets[VS_TOPOLOGY], row->topology);
      value_set_add (&sets[VS_WORK_TYPE], row->work_type);
      for (char **f = row->flags; *f != NULL; f++)
        value_set_add (&sets[VS_FLAGS], *f);
    }

  JsonBuilder *w = as_json ? json_builder_new () : NULL;
  GString *text = g_string_new (NULL);
  if (w != NULL)
    json_builder_begin_object (w);
  for (guint k = 0; k < VS_COUNT; k++)
    {
      g_autoptr (GPtrArray) sorted = value_set_sorted (&sets[k]);
      if (w != NULL)
        {
          json_builder_set_member_name (w, keys[k]);
          json_builder_begin_array (w);
          if (sets[k].has_null)
            json_builder_add_null_value (w);
          for (guint i = 0; i < sorted->len; i++)
            ktstr_json_add_string (w, g_ptr_array_index (sorted, i));
          json_builder_end_array (w);
        }
      else
        {
          g_string_append_printf (text, "%s:\n", keys[k]);
          if (!sets[k].has_null && sorted->len == 0)
            g_string_append (text, "  (no sidecars in pool)\n");
          if (sets[k].has_null)
            g_string_append (text, "  unknown\n");
          for (guint i = 0; i < sorted->len; i++)
            g_string_append_printf (text, "  %s\n", (const char *)g_ptr_array_index (sorted, i));
          g_string_append_c (text, '\n');
        }
      g_hash_table_unref (sets[k].set);
    }
  if (w == NULL)
    return g_string_free (text, FALSE);
  g_string_free (text, TRUE);
  json_builder_end_object (w);
  return ktstr_json_builder_finish (w);
}

static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0];
      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint best = MIN (row[j] + 1, row[j - 1] + 1);
          row[j] = MIN (best, diag + (a[i - 1] == b[j - 1] ? 0 : 1));
          diag = up;
        }
    }
  return row[lb];
}

/* The closest run name within a few edits, for a "did you mean" hint. */
static char *
closest_run (const char *root, const char *run)
{
  g_autoptr (GPtrArray) names = ktstr_stats_list_run_dirs (root);
  const char *best = NULL;
  guint best_d = 4;
  for (guint i = 0; i < names->len; i++)
    {
      guint d = edit_distance (run, g_ptr_array_index (names, i));
      if (d < best_d)
        {
          best_d = d;
          best = g_ptr_array_index (names, i);
        }
    }
  return g_strdup (best);
}

/* The host context as JSON, with the run and the sidecar it was read
 * from, so a script can tell which file to look at. */
static char *
host_json (const char *run, const KtstrSidecar *sc)
{
  JsonBuilder *w = json_builder_new ();
  json_builder_begin_object (w);
  ktstr_json_member_string (w, "run", run);
  g_autofree char *base = sc->path ? g_path_get_basename (sc->path) : NULL;
  ktstr_json_member_string (w, "sidecar", base);
  json_builder_set_member_name (w, "host");
  json_builder_add_value (w, ktstr_host_context_to_json (sc->host));
  json_builder_end_object (w);
  return ktstr_json_builder_finish (w);
}

char *
ktstr_stats_find_run (const char *root, const char *run, GError **error)
{
  g_autofree char *dir = g_build_filename (root, run, NULL);

  if (!ktstr_is_run_dir_name (run) || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *close = closest_run (root, run);
      g_autofree char *hint = close ? g_strdup_printf (" Did you mean '%s'?", close) : NULL;
      g_set_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_UNKNOWN_RUN,
                   "run '%s' not found under %s.%s Run `ktstr-stats list` to see the available "
                   "runs, or pass --dir to look elsewhere.",
                   run, root, hint ? hint : "");
      return NULL;
    }
  return g_steal_pointer (&dir);
}

char *
ktstr_stats_show_host (const char *root, const char *run, gboolean as_json, GPtrArray *warnings,
                       GError **error)
{
  g_autofree char *dir = ktstr_stats_find_run (root, run, error);
  if (dir == NULL)
    return NULL;
  g_autoptr (KtstrStatsPool) pool = ktstr_stats_pool_load_run (dir, error);
  if (pool == NULL)
    return NULL;
  add_warnings (warnings, pool->warnings);
  if (pool->sidecars->len == 0)
    {
      g_set_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_NO_SIDECARS,
                   "run '%s' (%s) has no sidecar data; files must be named *.ktstr.*.json", run,
                   dir);
      return NULL;
    }
  for (guint i = 0; i < pool->sidecars->len; i++)
    {
      const KtstrSidecar *sc = g_ptr_array_index (pool->sidecars, i);
      if (sc->host != NULL)
        return as_json ? host_json (run, sc) : ktstr_host_context_format_human (sc->host);
    }
  g_set_error (error, KTSTR_STATS_LIST_ERROR, KTSTR_STATS_LIST_ERROR_NO_HOST,
               "run '%s' has %u sidecar(s) but none carries a populated host context (they "
               "predate host capture); re-run `ktstr test` to record one",
               run, pool->sidecars->len);
  return NULL;
}
