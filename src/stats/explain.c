#include "config.h"

#include <string.h>

#include "record/sidecar.h"
#include "stats/explain.h"
#include "util/json-util.h"

/* The quark name is stringified: clang-format must not space its dashes. */
/* clang-format off */
GQuark
ktstr_stats_explain_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-stats-explain-error-quark");
}
/* clang-format on */

static void
problem_free (KtstrExplainProblem *p)
{
  g_free (p->path);
  g_free (p->error);
  g_free (p->hint);
  g_free (p);
}

static void
add_problem (GPtrArray *to, const char *path, const char *error, const char *hint)
{
  KtstrExplainProblem *p = g_new0 (KtstrExplainProblem, 1);
  p->path = g_strdup (path);
  p->error = g_strdup (error);
  p->hint = g_strdup (hint);
  g_ptr_array_add (to, p);
}

void
ktstr_explain_report_free (KtstrExplainReport *r)
{
  if (r == NULL)
    return;
  g_free (r->dir);
  g_ptr_array_unref (r->corrupt);
  g_ptr_array_unref (r->io_errors);
  g_free (r->counts);
  g_free (r);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Sidecar files of DIR, and with SUBDIRS its non-dot subdirectories, each
 * sorted by name.  NULL with ERROR when DIR cannot be listed. */
static gboolean
list_dir (const char *dir, GPtrArray *files, GPtrArray *subdirs, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return FALSE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (ktstr_sidecar_is_sidecar_name (name) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
      else if (subdirs != NULL && name[0] != '.' && g_file_test (path, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (subdirs, g_steal_pointer (&path));
    }
  return TRUE;
}

static const char *
hint_for (const GError *error)
{
  if (error->domain == JSON_PARSER_ERROR
      || g_error_matches (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_PARSE))
    return "a truncated copy or another tool's file (ktstr writes a sidecar whole, by rename); "
           "delete it, or re-run the test to write it again";
  if (g_error_matches (error, KTSTR_SIDECAR_ERROR, KTSTR_SIDECAR_ERROR_MISSING_FIELD))
    return "a required key is missing: ktstr and the Rust ktstr write every key, so another "
           "tool or an edit made this file; re-run the test to write it again";
  return "a key holds a value of the wrong type: an edited file or another schema; re-run the "
         "test to write it again";
}

static void
count_sidecar (KtstrExplainReport *r, const KtstrSidecar *sc, JsonObject *raw)
{
  for (guint f = 0; f < r->n_fields; f++)
    {
      const KtstrExplainField *field = &r->fields[f];
      KtstrExplainCount *count = &r->counts[f];
      if (!field->is_null (sc))
        {
          count->set_count++;
          continue;
        }
      guint cause = field->classify (sc, raw);
      g_assert (cause < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[cause].id != NULL);
      count->null_count++;
      count->by_cause[cause]++;
    }
}

static void
explain_file (KtstrExplainReport *r, JsonParser *parser, const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  r->walked++;
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      add_problem (r->io_errors, path, error->message, NULL);
      return;
    }
  if (!json_parser_load_from_data (parser, data, len, &error))
    {
      g_autofree char *msg = g_strdup_printf ("not JSON: %s", error->message);
      add_problem (r->corrupt, path, msg, hint_for (error));
      return;
    }
  JsonNode *root = json_parser_get_root (parser);
  g_autoptr (KtstrSidecar) sc = ktstr_sidecar_from_json (root, &error);
  if (sc == NULL)
    {
      add_problem (r->corrupt, path, error->message, hint_for (error));
      return;
    }
  r->valid++;
  count_sidecar (r, sc, json_node_get_object (root));
}

KtstrExplainReport *
ktstr_explain_run (const char *dir, GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;

  if (!list_dir (dir, files, subdirs, &local))
    {
      g_set_error (error, KTSTR_STATS_EXPLAIN_ERROR, KTSTR_STATS_EXPLAIN_ERROR_IO,
                   "cannot list the run directory: %s", local->message);
      return NULL;
    }
  g_autoptr (KtstrExplainReport) r = g_new0 (KtstrExplainReport, 1);
  r->dir = g_strdup (dir);
  r->corrupt = g_ptr_array_new_with_free_func ((GDestroyNotify)problem_free);
  r->io_errors = g_ptr_array_new_with_free_func ((GDestroyNotify)problem_free);
  r->fields = ktstr_explain_fields (&r->n_fields);
  r->counts = g_new0 (KtstrExplainCount, r->n_fields);

  /* One level of subdirectories (per-job gauntlet layouts), as the pool. */
  for (guint i = 0; i < subdirs->len; i++)
    {
      const char *sub = g_ptr_array_index (subdirs, i);
      g_clear_error (&local);
      if (!list_dir (sub, files, NULL, &local))
        add_problem (r->io_errors, sub, local->message, NULL);
    }
  if (files->len == 0)
    {
      g_set_error (error, KTSTR_STATS_EXPLAIN_ERROR, KTSTR_STATS_EXPLAIN_ERROR_NO_SIDECARS,
                   "%s holds no sidecar file (names contain '.ktstr.' and end in '.json')%s", dir,
                   r->io_errors->len > 0 ? "; some of its subdirectories could not be read" : "");
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  for (guint i = 0; i < files->len; i++)
    explain_file (r, parser, g_ptr_array_index (files, i));
  return g_steal_pointer (&r);
}

/* The field's overall class: actionable when any of its nulls is. */
static KtstrExplainClass
field_class (const KtstrExplainField *field, const KtstrExplainCount *count)
{
  for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[c].id != NULL; c++)
    if (count->by_cause[c] > 0 && field->causes[c].klass == KTSTR_EXPLAIN_ACTIONABLE)
      return KTSTR_EXPLAIN_ACTIONABLE;
  return KTSTR_EXPLAIN_EXPECTED;
}

/* The first fix of a cause that occurred, or NULL. */
static const char *
field_fix (const KtstrExplainField *field, const KtstrExplainCount *count)
{
  for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[c].id != NULL; c++)
    if (count->by_cause[c] > 0 && field->causes[c].fix != NULL)
      return field->causes[c].fix;
  return NULL;
}

static void
format_text (const KtstrExplainReport *r, const char *run, GString *out)
{
  g_string_append_printf (out, "run %s (%s)\n", run, r->dir);
  g_string_append_printf (out,
                          "walked %u sidecar file(s), parsed %u valid, %u corrupt, %u "
                          "unreadable\n",
                          r->walked, r->valid, r->corrupt->len, r->io_errors->len);
  for (guint f = 0; f < r->n_fields && r->valid > 0; f++)
    {
      const KtstrExplainField *field = &r->fields[f];
      const KtstrExplainCount *count = &r->counts[f];
      g_string_append_c (out, '\n');
      if (count->null_count == 0)
        {
          g_string_append_printf (out, "%s: set in all %u\n", field->name, r->valid);
          continue;
        }
      g_string_append_printf (out, "%s: null in %u of %u (%s)\n", field->name, count->null_count,
                              r->valid, ktstr_explain_class_name (field_class (field, count)));
      for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[c].id != NULL; c++)
        {
          const KtstrExplainCause *cause = &field->causes[c];
          if (count->by_cause[c] == 0)
            continue;
          g_string_append_printf (out, "  %u %s: %s\n", count->by_cause[c],
                                  ktstr_explain_class_name (cause->klass), cause->cause);
          if (cause->fix != NULL)
            g_string_append_printf (out, "    fix: %s\n", cause->fix);
        }
    }
  if (r->corrupt->len > 0)
    {
      g_string_append_printf (out, "\ncorrupt sidecars (%u):\n", r->corrupt->len);
      for (guint i = 0; i < r->corrupt->len; i++)
        {
          const KtstrExplainProblem *p = g_ptr_array_index (r->corrupt, i);
          g_string_append_printf (out, "  %s\n    error: %s\n    hint: %s\n", p->path, p->error,
                                  p->hint);
        }
    }
  if (r->io_errors->len > 0)
    {
      g_string_append_printf (out, "\nio errors (%u):\n", r->io_errors->len);
      for (guint i = 0; i < r->io_errors->len; i++)
        {
          const KtstrExplainProblem *p = g_ptr_array_index (r->io_errors, i);
          g_string_append_printf (out, "  %s: %s\n", p->path, p->error);
        }
    }
}

static void
json_problems (JsonBuilder *w, const char *name, GPtrArray *problems, gboolean with_hint)
{
  json_builder_set_member_name (w, name);
  json_builder_begin_array (w);
  for (guint i = 0; i < problems->len; i++)
    {
      const KtstrExplainProblem *p = g_ptr_array_index (problems, i);
      json_builder_begin_object (w);
      ktstr_json_member_string (w, "path", p->path);
      ktstr_json_member_string (w, "error", p->error);
      if (with_hint)
        {
          g_autofree char *enriched = g_strdup_printf ("%s; %s", p->error, p->hint);
          ktstr_json_member_string (w, "enriched_message", enriched);
        }
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
}

static void
json_field (JsonBuilder *w, const KtstrExplainField *field, const KtstrExplainCount *count)
{
  json_builder_set_member_name (w, field->name);
  json_builder_begin_object (w);
  ktstr_json_member_int (w, "none_count", count->null_count);
  ktstr_json_member_int (w, "some_count", count->set_count);
  ktstr_json_member_string (
      w, "classification",
      count->null_count > 0 ? ktstr_explain_class_name (field_class (field, count)) : NULL);
  json_builder_set_member_name (w, "causes");
  json_builder_begin_array (w);
  for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[c].id != NULL; c++)
    if (count->by_cause[c] > 0)
      json_builder_add_string_value (w, field->causes[c].cause);
  json_builder_end_array (w);
  ktstr_json_member_string (w, "fix", field_fix (field, count));
  json_builder_set_member_name (w, "by_cause");
  json_builder_begin_array (w);
  for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && field->causes[c].id != NULL; c++)
    {
      const KtstrExplainCause *cause = &field->causes[c];
      if (count->by_cause[c] == 0)
        continue;
      json_builder_begin_object (w);
      ktstr_json_member_string (w, "id", cause->id);
      ktstr_json_member_int (w, "count", count->by_cause[c]);
      ktstr_json_member_string (w, "classification", ktstr_explain_class_name (cause->klass));
      ktstr_json_member_string (w, "cause", cause->cause);
      ktstr_json_member_string (w, "fix", cause->fix);
      json_builder_end_object (w);
    }
  json_builder_end_array (w);
  json_builder_end_object (w);
}

static char *
format_json (const KtstrExplainReport *r, const char *run)
{
  JsonBuilder *w = json_builder_new ();
  json_builder_begin_object (w);
  ktstr_json_member_string (w, "_schema_version", "1");
  ktstr_json_member_string (w, "run", run);
  ktstr_json_member_string (w, "dir", r->dir);
  json_builder_set_member_name (w, "_walk");
  json_builder_begin_object (w);
  ktstr_json_member_int (w, "walked", r->walked);
  ktstr_json_member_int (w, "valid", r->valid);
  json_problems (w, "errors", r->corrupt, TRUE);
  json_problems (w, "io_errors", r->io_errors, FALSE);
  json_builder_end_object (w);
  json_builder_set_member_name (w, "fields");
  json_builder_begin_object (w);
  for (guint f = 0; f < r->n_fields; f++)
    json_field (w, &r->fields[f], &r->counts[f]);
  json_builder_end_object (w);
  json_builder_end_object (w);
  return ktstr_json_builder_finish (w);
}

char *
ktstr_explain_format (const KtstrExplainReport *r, const char *run, gboolean as_json)
{
  if (as_json)
    return format_json (r, run);
  GString *out = g_string_new (NULL);
  format_text (r, run, out);
  return g_string_free (out, FALSE);
}
