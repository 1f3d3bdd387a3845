#include "config.h"

#include "cli/list-variants.h"

#include <json-glib/json-glib.h>

#include "util/json-util.h"
#include "util/table.h"

static void
print_json (FILE *out, const KtstrRunPlan *plan, GPtrArray *variants, GArray *shard_of,
            const KtstrShard *shard, GHashTable *only)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  ktstr_json_member_u64 (b, "shards", shard->count);
  json_builder_set_member_name (b, "variants");
  json_builder_begin_array (b);
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      guint s = g_array_index (shard_of, guint, i);
      if (s != shard->index || (only != NULL && !g_hash_table_contains (only, v->name)))
        continue;
      json_builder_begin_object (b);
      ktstr_json_member_string (b, "name", v->name);
      ktstr_json_member_string (b, "test", v->def->name);
      ktstr_json_member_string (b, "kernel", v->kernel_label);
      ktstr_json_member_string (b, "topology", v->topology);
      ktstr_json_member_string (b, "preset", v->preset ? v->preset->name : NULL);
      ktstr_json_member_string (b, "profile", ktstr_run_plan_get_profile_name (plan, v));
      ktstr_json_member_u64 (b, "shard", s);
      ktstr_json_member_double (b, "cost_s", ktstr_variant_cost_ms (v) / 1000.0);
      ktstr_json_member_string (b, "skip_reason", v->skip_reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autofree char *text = ktstr_json_builder_finish (b);
  fputs (text, out);
}

static void
print_table (FILE *out, const KtstrRunPlan *plan, GPtrArray *variants, GArray *shard_of,
             const KtstrShard *shard, GHashTable *only)
{
  static const char *const headers[]
      = { "SHARD", "COST", "NAME", "TEST", "TOPOLOGY", "PRESET", "PROFILE", "SKIP" };
  static const KtstrAlign align[]
      = { KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_RIGHT, KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT,
          KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_LEFT,  KTSTR_ALIGN_LEFT, KTSTR_ALIGN_LEFT };
  g_autoptr (KtstrTable) table = ktstr_table_new (G_N_ELEMENTS (headers), headers, align);
  guint64 shard_ms = 0, all_ms = 0;
  guint n = 0;
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      guint s = g_array_index (shard_of, guint, i);
      guint64 cost = ktstr_variant_cost_ms (v);
      all_ms += cost;
      if (s != shard->index || (only != NULL && !g_hash_table_contains (only, v->name)))
        continue;
      shard_ms += cost;
      n++;
      g_autofree char *shard_text = g_strdup_printf ("%u/%u", s, shard->count);
      g_autofree char *cost_text = g_strdup_printf ("%.1fs", cost / 1000.0);
      const char *cells[]
          = { shard_text,
              cost_text,
              v->name,
              v->def->name,
              v->topology,
              v->preset ? v->preset->name : "-",
              ktstr_run_plan_get_profile_name (plan, v) ? ktstr_run_plan_get_profile_name (plan, v)
                                                        : "-",
              v->skip_reason ? v->skip_reason : "-" };
      ktstr_table_add_row (table, cells);
    }
  g_autoptr (GString) text = g_string_new (NULL);
  ktstr_table_render (table, text, FALSE);
  fputs (text->str, out);
  fprintf (out, "%u variant%s in shard %u/%u, expected cost %.1fs of %.1fs in all shards\n", n,
           n == 1 ? "" : "s", shard->index, shard->count, shard_ms / 1000.0, all_ms / 1000.0);
}

void
ktstr_list_variants_print (FILE *out, const KtstrRunPlan *plan, const KtstrShard *shard,
                           GHashTable *only, gboolean as_json)
{
  KtstrShard whole = { .index = 1, .count = 1 };
  if (shard == NULL)
    shard = &whole;
  GPtrArray *variants = ktstr_run_plan_get_variants (plan);
  g_autoptr (GArray) shard_of = ktstr_shards_assign (variants, shard->count);
  if (as_json)
    print_json (out, plan, variants, shard_of, shard, only);
  else
    print_table (out, plan, variants, shard_of, shard, only);
}
