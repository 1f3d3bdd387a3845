/* Grouping tests into shared boots: see shared-group.h. */
#include "config.h"

#include "run/shared-group.h"

#include "run/runner.h"

static gboolean
may_share (const KtstrVariant *v)
{
  return v->skip_reason == NULL && v->trial == 0 && v->runner != NULL
         && ktstr_runner_can_share (v->runner, v->def, NULL);
}

/* Variants that would boot the same VM. */
static gboolean
same_vm (const KtstrVariant *a, const KtstrVariant *b)
{
  return a->runner == b->runner && g_strcmp0 (a->topology, b->topology) == 0
         && a->memory_mb == b->memory_mb;
}

static GPtrArray *
unit_new (void)
{
  return g_ptr_array_new ();
}

GPtrArray *
ktstr_shared_group (GPtrArray *variants, guint jobs, gboolean is_shared)
{
  jobs = MAX (jobs, 1u);
  GPtrArray *units = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  /* Each variant's group (GPtrArray*), or NULL when it boots alone, and
   * the groups in order of their first variant. */
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  g_autofree GPtrArray **group_of = g_new0 (GPtrArray *, MAX (variants->len, 1u));
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      if (!is_shared || !may_share (v))
        continue;
      GPtrArray *g = NULL;
      for (guint k = 0; g == NULL && k < groups->len; k++)
        if (same_vm (((GPtrArray *)groups->pdata[k])->pdata[0], v))
          g = groups->pdata[k];
      if (g == NULL)
        {
          g = unit_new ();
          g_ptr_array_add (groups, g);
        }
      g_ptr_array_add (g, (gpointer)v);
      group_of[i] = g;
    }
  /* Emit in list order: a lone variant where it stands, a group's parts
   * where its first variant stands. */
  for (guint i = 0; i < variants->len; i++)
    {
      KtstrVariant *v = variants->pdata[i];
      GPtrArray *g = group_of[i];
      if (g == NULL || g->len < 2)
        {
          GPtrArray *u = unit_new ();
          g_ptr_array_add (u, v);
          g_ptr_array_add (units, u);
          continue;
        }
      if (g->pdata[0] != v)
        continue;
      guint parts = MIN (jobs, g->len);
      for (guint p = 0, from = 0; p < parts; p++)
        {
          /* Lengths differ by at most one, the longer parts first. */
          guint len = g->len / parts + (p < g->len % parts);
          GPtrArray *u = unit_new ();
          for (guint k = from; k < from + len; k++)
            g_ptr_array_add (u, g->pdata[k]);
          from += len;
          g_ptr_array_add (units, u);
        }
    }
  return units;
}
