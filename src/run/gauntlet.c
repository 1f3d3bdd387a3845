#include "config.h"

#include "run/gauntlet.h"

GPtrArray *
ktstr_gauntlet_expand (GPtrArray *tests, const KtstrPreset *const *presets, GPtrArray *profiles,
                       const KtstrSchedulerDef *sdef, const KtstrHostCapacity *cap, guint memory_mb)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  const KtstrPreset *all = ktstr_presets ();
  for (guint t = 0; t < tests->len; t++)
    {
      const KtstrTestDef *def = tests->pdata[t];
      for (guint i = 0; presets ? presets[i] != NULL : i < KTSTR_PRESETS_COUNT; i++)
        {
          const KtstrPreset *p = presets ? presets[i] : &all[i];
          g_autoptr (GError) unfit = NULL;
          gboolean fits = ktstr_preset_fits (p, def, sdef, cap, &unfit);
          char label[64];
          ktstr_topology_format (&p->topology, label, sizeof label);
          guint cpus = ktstr_topology_cpus (&p->topology);
          for (guint f = 0; f < profiles->len; f++)
            {
              const KtstrProfile *prof = profiles->pdata[f];
              /* As ktstr generates them: a profile lacking one of the
               * test's required_flags, or holding an excluded one, is no
               * variant of this test at all. */
              if (!ktstr_testdef_allows_flags (def, (const char *const *)prof->flags, NULL))
                continue;
              g_autofree char *name
                  = g_strdup_printf ("gauntlet/%s/%s/%s", def->name, p->name, prof->name);
              KtstrVariant *v = ktstr_variant_new (name, def, label);
              v->preset = p;
              v->profile_index = f;
              /* --memory-mb, else the preset's, raised to the test's
               * memory_mb. */
              v->memory_mb = memory_mb ? MAX (MAX (memory_mb, cpus * 64), 256u)
                                       : MAX (p->memory_mb, def->memory_mb);
              v->skip_reason = fits ? NULL : g_strdup (unfit->message);
              /* Another host of a sharded run may run it (shard.h). */
              v->is_host_skip = !fits && ktstr_preset_fits (p, def, sdef, NULL, NULL);
              g_ptr_array_add (out, v);
            }
        }
    }
  return out;
}
