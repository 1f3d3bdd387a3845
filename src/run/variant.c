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
