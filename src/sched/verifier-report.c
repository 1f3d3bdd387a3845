/* `ktstr verifier`'s output: see sched/verifier-report.h. */
#include "config.h"

#include "sched/verifier-report.h"

#include <json-glib/json-glib.h>

#include "record/sidecar.h"
#include "util/json-util.h"
#include "util/table.h"

KtstrVerifierResult *
ktstr_verifier_result_new (const char *kernel, const char *profile)
{
  KtstrVerifierResult *r = g_new0 (KtstrVerifierResult, 1);
  r->kernel = g_strdup (kernel);
  r->profile = g_strdup (profile);
  r->programs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_verifier_stat_free);
  return r;
}

void
ktstr_verifier_result_free (KtstrVerifierResult *r)
{
  if (r == NULL)
    return;
  g_free (r->kernel);
  g_free (r->profile);
  g_ptr_array_unref (r->programs);
  g_free (r->error);
  g_free (r->log);
  g_free (r);
}

double
ktstr_verifier_percent (guint32 verified_insns)
{
  return 100.0 * verified_insns / KTSTR_VERIFIER_INSN_LIMIT;
}

static const KtstrVerifierStat *
find_program (const KtstrVerifierResult *r, const char *name)
{
  for (guint i = 0; i < r->programs->len; i++)
    {
      const KtstrVerifierStat *v = r->programs->pdata[i];
      if (g_str_equal (v->name, name))
        return v;
    }
  return NULL;
}

/* Every program name of RESULTS, each once, in the order first seen. */
static GPtrArray *
program_names (GPtrArray *results)
{
  GPtrArray *names = g_ptr_array_new ();
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrVerifierResult *r = results->pdata[i];
      for (guint j = 0; j < r->programs->len; j++)
        {
          const KtstrVerifierStat *v = r->programs->pdata[j];
          if (!g_ptr_array_find_with_equal_func (names, v->name, g_str_equal, NULL))
            g_ptr_array_add (names, v->name);
        }
    }
  return names;
}

static gboolean
has_several_kernels (GPtrArray *results)
{
  for (guint i = 1; i < results->len; i++)
    if (g_strcmp0 (((KtstrVerifierResult *)results->pdata[i])->kernel,
                   ((KtstrVerifierResult *)results->pdata[0])->kernel)
        != 0)
      return TRUE;
  return FALSE;
}

static char *
result_label (const KtstrVerifierResult *r, gboolean with_kernel)
{
  return with_kernel ? g_strdup_printf ("%s/%s", r->kernel, r->profile) : g_strdup (r->profile);
}

static char *
cell (const KtstrVerifierResult *r, const char *name)
{
  if (!r->is_loaded)
    return g_strdup ("FAILED");
  const KtstrVerifierStat *v = find_program (r, name);
  if (v == NULL)
    return g_strdup ("-");
  double pct = ktstr_verifier_percent (v->verified_insns);
  return g_strdup_printf ("%u (%.2f%%)%s", v->verified_insns, pct,
                          pct >= KTSTR_VERIFIER_WARN_PERCENT ? "!" : "");
}

void
ktstr_verifier_report_text (GPtrArray *results, GString *out)
{
  gboolean with_kernel = has_several_kernels (results);
  guint n = results->len + 1;
  g_autoptr (GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree KtstrAlign *align = g_new (KtstrAlign, n);
  g_ptr_array_add (headers, g_strdup ("PROGRAM"));
  align[0] = KTSTR_ALIGN_LEFT;
  for (guint i = 0; i < results->len; i++)
    {
      /* One load: the column says what the numbers are. */
      g_autofree char *label = result_label (results->pdata[i], with_kernel);
      g_ptr_array_add (headers, results->len == 1 ? g_strdup ("VERIFIED INSNS (% OF 1000000)")
                                                  : g_steal_pointer (&label));
      align[i + 1] = KTSTR_ALIGN_RIGHT;
    }
  g_autoptr (KtstrTable) t = ktstr_table_new (n, (const char *const *)headers->pdata, align);
  g_autoptr (GPtrArray) names = program_names (results);
  for (guint p = 0; p < names->len; p++)
    {
      g_autoptr (GPtrArray) row = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (row, g_strdup (names->pdata[p]));
      for (guint i = 0; i < results->len; i++)
        g_ptr_array_add (row, cell (results->pdata[i], names->pdata[p]));
      ktstr_table_add_row (t, (const char *const *)row->pdata);
    }
  if (names->len > 0)
    ktstr_table_render (t, out, FALSE);
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrVerifierResult *r = results->pdata[i];
      if (r->is_loaded)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "profile %s on kernel %s did not load: %s\n", r->profile,
                              r->kernel, r->error ? r->error : "the scheduler never became ready");
      if (r->log != NULL && *r->log)
        {
          g_string_append (out, "verifier log:\n");
          g_string_append (out, r->log);
          if (!g_str_has_suffix (r->log, "\n"))
            g_string_append_c (out, '\n');
        }
    }
}

guint
ktstr_verifier_report_warnings (GPtrArray *results, GString *out)
{
  guint n = 0;
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrVerifierResult *r = results->pdata[i];
      for (guint j = 0; r->is_loaded && j < r->programs->len; j++)
        {
          const KtstrVerifierStat *v = r->programs->pdata[j];
          double pct = ktstr_verifier_percent (v->verified_insns);
          if (pct < KTSTR_VERIFIER_WARN_PERCENT)
            continue;
          g_string_append_printf (out,
                                  "warning: %s (profile %s, kernel %s): %u verified instructions, "
                                  "%.2f%% of the verifier's limit of %u; a little more and the "
                                  "kernel rejects it\n",
                                  v->name, r->profile, r->kernel, v->verified_insns, pct,
                                  KTSTR_VERIFIER_INSN_LIMIT);
          n++;
        }
    }
  return n;
}

char *
ktstr_verifier_report_json (GPtrArray *results)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_u64 (b, "insn_limit", KTSTR_VERIFIER_INSN_LIMIT);
  ktstr_json_member_double (b, "warn_percent", KTSTR_VERIFIER_WARN_PERCENT);
  json_builder_set_member_name (b, "loads");
  json_builder_begin_array (b);
  for (guint i = 0; i < results->len; i++)
    {
      const KtstrVerifierResult *r = results->pdata[i];
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "kernel", r->kernel);
      ktstr_json_member_string (b, "profile", r->profile);
      ktstr_json_member_bool (b, "loaded", r->is_loaded);
      json_builder_set_member_name (b, "programs");
      json_builder_begin_array (b);
      for (guint j = 0; j < r->programs->len; j++)
        {
          const KtstrVerifierStat *v = r->programs->pdata[j];
          double pct = ktstr_verifier_percent (v->verified_insns);
          json_builder_begin_object (b);
          ktstr_json_member_string (b, "name", v->name);
          ktstr_json_member_u64 (b, "verified_insns", v->verified_insns);
          ktstr_json_member_statistic (b, "percent_of_limit", pct);
          ktstr_json_member_bool (b, "near_limit", pct >= KTSTR_VERIFIER_WARN_PERCENT);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      ktstr_json_member_string (b, "error", r->error);
      ktstr_json_member_string (b, "verifier_log", r->log);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return ktstr_json_builder_finish (b);
}
