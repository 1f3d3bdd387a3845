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

guint
ktstr_variants_default_jobs (GPtrArray *variants, const KtstrHostCapacity *cap,
                             guint default_memory_mb)
{
  guint n_boot = 0, max_cpus = 1, max_memory_mb = 0;
  for (guint i = 0; i < variants->len; i++)
    {
      const KtstrVariant *v = variants->pdata[i];
      if (v->skip_reason != NULL)
        continue;
      n_boot++;
      KtstrTopology t;
      char err[128];
      if (v->topology != NULL && ktstr_topology_parse (v->topology, &t, err, sizeof err) == 0)
        max_cpus = MAX (max_cpus, ktstr_topology_cpus (&t));
      guint memory_mb = v->memory_mb;
      if (memory_mb == 0 && v->runner != NULL)
        memory_mb = ktstr_runner_get_options (v->runner)->memory_mb;
      max_memory_mb = MAX (max_memory_mb, memory_mb ? memory_mb : default_memory_mb);
    }
  guint jobs = MAX (cap->host_cpus, 1u);
  guint vcpus = cap->is_kvm ? cap->host_cpus : cap->vcpu_budget;
  jobs = MIN (jobs, MAX (vcpus / max_cpus, 1u));
  if (cap->host_memory_mb > 0 && max_memory_mb > 0)
    jobs = (guint)MIN ((guint64)jobs, MAX (cap->host_memory_mb / 2 / max_memory_mb, 1u));
  jobs = MIN (jobs, MAX (n_boot, 1u));
  return MAX (jobs, 1u);
}
