#include "config.h"

#include "run/shard.h"

#include <string.h>

#include "common/topology.h"

GQuark
ktstr_shard_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-shard-error-quark");
}

gboolean
ktstr_shard_parse (const char *text, KtstrShard *shard, GError **error)
{
  const char *slash = strchr (text, '/');
  guint64 index = 0, count = 0;
  g_autofree char *head = slash ? g_strndup (text, slash - text) : NULL;
  if (slash == NULL || !g_ascii_string_to_unsigned (slash + 1, 10, 1, KTSTR_SHARD_MAX, &count, NULL)
      || !g_ascii_string_to_unsigned (head, 10, 1, count, &index, NULL))
    {
      g_set_error (error, KTSTR_SHARD_ERROR, KTSTR_SHARD_ERROR_INVALID,
                   "--shard '%s': give I/N, shard I of N, with 1 <= I <= N <= %u (e.g. 2/4)", text,
                   KTSTR_SHARD_MAX);
      return FALSE;
    }
  shard->index = (guint)index;
  shard->count = (guint)count;
  return TRUE;
}

guint64
ktstr_variant_cost_ms (const KtstrVariant *v)
{
  /* Ruled out by the test or the scheduler on every host: no VM. */
  if (v->skip_reason != NULL && !v->is_host_skip)
    return KTSTR_SHARD_SKIP_MS;
  KtstrTopology topo;
  char err[128];
  guint64 cpus
      = v->topology != NULL && ktstr_topology_parse (v->topology, &topo, err, sizeof err) == 0
            ? ktstr_topology_cpus (&topo)
            : 1;
  guint64 scenario
      = v->def != NULL ? (guint64)v->def->settle_ms + ktstr_testdef_run_ms (v->def) : 0;
  return KTSTR_SHARD_BOOT_MS + cpus * KTSTR_SHARD_VCPU_BOOT_MS + scenario;
}

typedef struct
{
  guint index; /* in the list */
  guint64 cost;
  const char *name;
} Item;

/* Largest cost first, then by name; equal names (a test given twice) by
 * list position, which only orders identical entries. */
static gint
compare_items (gconstpointer pa, gconstpointer pb)
{
  const Item *a = pa, *b = pb;
  if (a->cost != b->cost)
    return a->cost > b->cost ? -1 : 1;
  int c = strcmp (a->name, b->name);
  if (c != 0)
    return c;
  return a->index < b->index ? -1 : a->index > b->index;
}

GArray *
ktstr_shards_assign (GPtrArray *variants, guint n_shards)
{
  g_return_val_if_fail (n_shards >= 1, NULL);
  g_autofree Item *items = g_new0 (Item, MAX (variants->len, 1u));
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      items[i] = (Item){ .index = i, .cost = ktstr_variant_cost_ms (v), .name = v->name };
    }
  qsort (items, variants->len, sizeof *items, (int (*) (const void *, const void *))compare_items);
  g_autofree guint64 *load = g_new0 (guint64, n_shards);
  g_autofree guint *count = g_new0 (guint, n_shards);
  GArray *shard_of = g_array_sized_new (FALSE, TRUE, sizeof (guint), variants->len);
  g_array_set_size (shard_of, variants->len);
  for (guint i = 0; i < variants->len; i++)
    {
      guint best = 0;
      for (guint s = 1; s < n_shards; s++)
        if (load[s] < load[best] || (load[s] == load[best] && count[s] < count[best]))
          best = s;
      load[best] += items[i].cost;
      count[best]++;
      g_array_index (shard_of, guint, items[i].index) = best + 1;
    }
  return shard_of;
}

GPtrArray *
ktstr_shard_select (GPtrArray *variants, const KtstrShard *shard)
{
  g_autoptr (GArray) shard_of = ktstr_shards_assign (variants, shard->count);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  for (guint i = 0; i < variants->len; i++)
    if (g_array_index (shard_of, guint, i) == shard->index)
      g_ptr_array_add (out, ktstr_variant_copy (variants->pdata[i]));
  return out;
}
