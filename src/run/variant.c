#include "config.h"

#include "run/variant.h"

KtstrVariant *
ktstr_variant_new (const char *name, const KtstrTestDef *def, const char *topology)
{
  KtstrVariant *v = g_new0 (KtstrVariant, 1);
  v->name = g_strdup (name);
  v->def = def;
  v->topology = g_strdup (topology);
  return v;
}

KtstrVariant *
ktstr_variant_copy (const KtstrVariant *src)
{
  KtstrVariant *v = g_memdup2 (src, sizeof *src);
  v->name = g_strdup (src->name);
  v->topology = g_strdup (src->topology);
  v->skip_reason = g_strdup (src->skip_reason);
  return v;
}

void
ktstr_variant_free (KtstrVariant *v)
{
  if (v == NULL)
    return;
  g_free (v->name);
  g_free (v->topology);
  g_free (v->skip_reason);
  g_free (v);
}

KtstrVariant *
ktstr_variant_new_trial (const KtstrVariant *src, guint trial)
{
  KtstrVariant *v = ktstr_variant_copy (src);
  v->trial = trial;
  g_free (v->name);
  v->name = g_strdup_printf ("%s#%u", src->name, trial);
  return v;
}

GPtrArray *
ktstr_variants_repeat (GPtrArray *variants, guint trials)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  for (guint t = 1; t <= MAX (trials, 1u); t++)
    for (guint i = 0; i < variants->len; i++)
      {
        const KtstrVariant *src = variants->pdata[i];
        if (trials <= 1 || src->skip_reason != NULL)
          {
            if (t == 1)
              g_ptr_array_add (out, ktstr_variant_copy (src));
            continue;
          }
        g_ptr_array_add (out, ktstr_variant_new_trial (src, t));
      }
  return out;
}
