#include "config.h"

#include "run/budget.h"

#include <string.h>

#include "record/sidecar.h"
#include "run/shard.h"

struct _KtstrBudgetCosts
{
  GHashTable *walls; /* "test\ntopology\nflags" -> GArray of guint64 */
};

static char *
cost_key (const char *test, const char *topology, const char *const *flags)
{
  g_autofree char *joined = flags != NULL ? g_strjoinv (",", (char **)flags) : g_strdup ("");
  return g_strdup_printf ("%s\n%s\n%s", test, topology ? topology : "", joined);
}

KtstrBudgetCosts *
ktstr_budget_costs_new (void)
{
  KtstrBudgetCosts *c = g_new0 (KtstrBudgetCosts, 1);
  c->walls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  return c;
}

void
ktstr_budget_costs_free (KtstrBudgetCosts *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->walls);
  g_free (c);
}

void
ktstr_budget_costs_add (KtstrBudgetCosts *c, const char *test, const char *topology,
                        const char *const *flags, guint64 wall_ms)
{
  g_autofree char *key = cost_key (test, topology, flags);
  GArray *walls = g_hash_table_lookup (c->walls, key);
  if (walls == NULL)
    {
      walls = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_hash_table_insert (c->walls, g_steal_pointer (&key), walls);
    }
  g_array_append_val (walls, wall_ms);
}

KtstrBudgetCosts *
ktstr_budget_costs_load (const char *const *dirs)
{
  KtstrBudgetCosts *c = ktstr_budget_costs_new ();
  for (guint d = 0; dirs != NULL && dirs[d] != NULL; d++)
    {
      g_autoptr (GPtrArray) sidecars = NULL;
      /* A missing or unreadable directory only means nothing was measured
       * there; files that do not parse are skipped the same way. */
      if (!ktstr_sidecar_collect_dir (dirs[d], &sidecars, NULL, NULL))
        continue;
      for (guint i = 0; i < sidecars->len; i++)
        {
          const KtstrSidecar *sc = sidecars->pdata[i];
          if (!sc->has_wall_ms || sc->skipped)
            continue;
          g_ptr_array_add (sc->active_flags, NULL);
          ktstr_budget_costs_add (c, sc->test_name, sc->topology,
                                  (const char *const *)sc->active_flags->pdata, sc->wall_ms);
          g_ptr_array_remove_index (sc->active_flags, sc->active_flags->len - 1);
        }
    }
  return c;
}

static int
compare_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

/* The active flags V runs with (borrowed; NULL: none). */
static const char *const *
variant_flags (const KtstrVariant *v)
{
  return v->runner != NULL ? (const char *const *)ktstr_runner_get_options (v->runner)->active_flags
                           : NULL;
}

static gboolean
boots (const KtstrVariant *v)
{
  return v->skip_reason == NULL;
}

guint64
ktstr_budget_variant_cost_ms (const KtstrBudgetCosts *c, const KtstrVariant *v,
                              gboolean *is_measured)
{
  *is_measured = FALSE;
  if (!boots (v))
    return 0;
  g_autofree char *key = cost_key (v->def->name, v->topology, variant_flags (v));
  GArray *walls = c != NULL ? g_hash_table_lookup (c->walls, key) : NULL;
  if (walls == NULL || walls->len == 0)
    return ktstr_variant_cost_ms (v);
  /* The median: one run slowed by a busy host does not set the plan. */
  g_autoptr (GArray) sorted = g_array_copy (walls);
  g_array_sort (sorted, compare_u64);
  *is_measured = TRUE;
  return MAX (g_array_index (sorted, guint64, sorted->len / 2), 1);
}

void
ktstr_budget_selection_free (KtstrBudgetSelection *s)
{
  if (s == NULL)
    return;
  g_clear_pointer (&s->kept, g_ptr_array_unref);
  g_clear_pointer (&s->dropped, g_ptr_array_unref);
  g_free (s);
}

static void
drop_free (KtstrBudgetDrop *d)
{
  g_free (d->name);
  g_free (d);
}

typedef struct
{
  guint index; /* in the list */
  guint64 cost;
  gboolean is_measured;
  char **features;
  guint gain; /* new features when last computed */
} Candidate;

/* The features V covers, each prefixed by its class. */
static char **
features_of (const KtstrVariant *v)
{
  GPtrArray *b = g_ptr_array_new ();
  g_ptr_array_add (b, g_strconcat ("test:", v->def->name, NULL));
  g_ptr_array_add (b, g_strconcat ("topology:", v->topology ? v->topology : "", NULL));
  const char *const *flags = variant_flags (v);
  if (flags == NULL || flags[0] == NULL)
    g_ptr_array_add (b, g_strdup ("flag:"));
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    g_ptr_array_add (b, g_strconcat ("flag:", flags[i], NULL));
  if (v->kernel_label != NULL)
    g_ptr_array_add (b, g_strconcat ("kernel:", v->kernel_label, NULL));
  g_ptr_array_add (b, g_strconcat ("variant:", v->name, NULL));
  g_ptr_array_add (b, NULL);
  return (char **)g_ptr_array_free (b, FALSE);
}

static guint
gain_of (const Candidate *c, GHashTable *covered)
{
  guint n = 0;
  for (guint i = 0; c->features[i] != NULL; i++)
    n += !g_hash_table_contains (covered, c->features[i]);
  return n;
}

/* Better first: more new features per millisecond, then more features,
 * then earlier in the list. */
static gint
compare_candidates (gconstpointer pa, gconstpointer pb, gpointer data)
{
  (void)data;
  const Candidate *a = pa, *b = pb;
  /* gain_a / cost_a > gain_b / cost_b, without division. */
  guint64 x = (guint64)a->gain * b->cost, y = (guint64)b->gain * a->cost;
  if (x != y)
    return x > y ? -1 : 1;
  if (a->gain != b->gain)
    return a->gain > b->gain ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* Counts the distinct features of class PREFIX in ALL and in KEPT. */
static void
count_class (GHashTable *all, GHashTable *kept, const char *prefix, guint *n_all, guint *n_kept)
{
  GHashTableIter it;
  gpointer key;
  *n_all = *n_kept = 0;
  g_hash_table_iter_init (&it, all);
  while (g_hash_table_iter_next (&it, &key, NULL))
    /* "flag:" alone is a variant without flags: covered, but no flag. */
    if (g_str_has_prefix (key, prefix) && ((const char *)key)[strlen (prefix)] != '\0')
      {
        (*n_all)++;
        *n_kept += g_hash_table_contains (kept, key);
      }
}

KtstrBudgetSelection *
ktstr_budget_select (GPtrArray *variants, guint64 budget_ms, guint runs,
                     const KtstrBudgetCosts *costs)
{
  runs = MAX (runs, 1u);
  KtstrBudgetSelection *s = g_new0 (KtstrBudgetSelection, 1);
  s->budget_ms = budget_ms;
  s->kept = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  s->dropped = g_ptr_array_new_with_free_func ((GDestroyNotify)drop_free);
  g_autoptr (GHashTable) all = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) covered = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree Candidate *cands = g_new0 (Candidate, variants->len);
  g_autofree gboolean *is_kept = g_new0 (gboolean, variants->len);
  g_autoptr (GSequence) queue = g_sequence_new (NULL);
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      Candidate *c = &cands[i];
      c->index = i;
      c->features = features_of (v);
      for (guint f = 0; c->features[f] != NULL; f++)
        g_hash_table_add (all, c->features[f]);
      if (!boots (v))
        {
          /* No VM: free, and what it records (a skip) is part of the run. */
          is_kept[i] = TRUE;
          continue;
        }
      c->cost = ktstr_budget_variant_cost_ms (costs, v, &c->is_measured) * runs;
      c->gain = (guint)g_strv_length (c->features);
      g_sequence_insert_sorted (queue, c, compare_candidates, NULL);
    }

  guint64 left = budget_ms;
  while (g_sequence_get_length (queue) > 0)
    {
      GSequenceIter *top = g_sequence_get_begin_iter (queue);
      Candidate *c = g_sequence_get (top);
      g_sequence_remove (top);
      guint gain = gain_of (c, covered);
      if (gain != c->gain)
        {
          /* Stale: back in at its current place. */
          c->gain = gain;
          g_sequence_insert_sorted (queue, c, compare_candidates, NULL);
          continue;
        }
      if (c->cost > left)
        {
          KtstrBudgetDrop *d = g_new0 (KtstrBudgetDrop, 1);
          d->name = g_strdup (((KtstrVariant *)variants->pdata[c->index])->name);
          d->cost_ms = c->cost;
          d->is_measured = c->is_measured;
          d->left_ms = left;
          g_ptr_array_add (s->dropped, d);
          continue;
        }
      left -= c->cost;
      s->used_ms += c->cost;
      is_kept[c->index] = TRUE;
      for (guint f = 0; c->features[f] != NULL; f++)
        g_hash_table_add (covered, c->features[f]);
    }

  for (guint i = 0; i < variants->len; i++)
    {
      if (!is_kept[i])
        continue;
      const KtstrVariant *v = variants->pdata[i];
      g_ptr_array_add (s->kept, ktstr_variant_copy (v));
      if (boots (v))
        {
          s->n_measured += cands[i].is_measured;
          s->n_estimated += !cands[i].is_measured;
        }
      for (guint f = 0; cands[i].features[f] != NULL; f++)
        g_hash_table_add (covered, cands[i].features[f]);
    }
  count_class (all, covered, "test:", &s->n_tests, &s->n_tests_kept);
  count_class (all, covered, "topology:", &s->n_topologies, &s->n_topologies_kept);
  count_class (all, covered, "flag:", &s->n_flags, &s->n_flags_kept);
  for (guint i = 0; i < variants->len; i++)
    g_strfreev (cands[i].features);
  return s;
}

gboolean
ktstr_budget_parse (const char *text, const char *source, guint64 *budget_ms, GError **error)
{
  guint64 secs = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 1, 366 * 24 * 3600, &secs, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s takes a whole number of seconds from 1 to %u, got '%s'", source,
                   366 * 24 * 3600, text);
      return FALSE;
    }
  *budget_ms = secs * 1000;
  return TRUE;
}
