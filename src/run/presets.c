#include "config.h"

#include "run/presets.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define P(name, n, l, c, t, mem)                                                                   \
  {                                                                                                \
    name, { n, l, c, t }, mem                                                                      \
  }

GQuark
ktstr_preset_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-preset-error-quark");
}

static const KtstrPreset presets[KTSTR_PRESETS_COUNT] = {
  P ("tiny-1llc", 1, 1, 4, 1, 2048),         P ("tiny-2llc", 1, 2, 2, 1, 2048),
  P ("odd-3llc", 1, 3, 3, 1, 2048),          P ("odd-5llc", 1, 5, 3, 1, 2048),
  P ("odd-7llc", 1, 7, 2, 1, 2048),          P ("smt-2llc", 1, 2, 2, 2, 2048),
  P ("smt-3llc", 1, 3, 2, 2, 2048),          P ("medium-4llc", 1, 4, 4, 2, 2048),
  P ("medium-8llc", 1, 8, 4, 2, 2048),       P ("large-4llc", 1, 4, 16, 2, 2048),
  P ("large-8llc", 1, 8, 8, 2, 2048),        P ("near-max-llc", 1, 15, 8, 2, 2048),
  P ("max-cpu", 1, 14, 9, 2, 4096),          P ("medium-4llc-nosmt", 1, 4, 8, 1, 2048),
  P ("medium-8llc-nosmt", 1, 8, 8, 1, 2048), P ("large-4llc-nosmt", 1, 4, 32, 1, 2048),
  P ("large-8llc-nosmt", 1, 8, 16, 1, 2048), P ("near-max-llc-nosmt", 1, 15, 16, 1, 2048),
  P ("max-cpu-nosmt", 1, 14, 18, 1, 4096),   P ("numa2-4llc", 2, 4, 4, 1, 2048),
  P ("numa2-8llc", 2, 8, 8, 2, 2048),        P ("numa2-8llc-nosmt", 2, 8, 16, 1, 2048),
  P ("numa4-8llc", 4, 8, 4, 1, 2048),        P ("numa4-12llc", 4, 12, 8, 2, 4096),
};

const KtstrPreset *
ktstr_presets (void)
{
  return presets;
}

const KtstrPreset *
ktstr_preset_lookup (const char *name)
{
  for (guint i = 0; i < KTSTR_PRESETS_COUNT; i++)
    if (g_str_equal (presets[i].name, name))
      return &presets[i];
  return NULL;
}

/* Distinct shared_cpu_list values of the last-level caches in sysfs. */
static guint
count_host_llcs (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint ncpu = g_get_num_processors ();
  for (guint cpu = 0; cpu < ncpu; cpu++)
    {
      g_autofree char *best = NULL;
      guint best_level = 0;
      for (guint idx = 0; idx < 8; idx++)
        {
          g_autofree char *base
              = g_strdup_printf ("/sys/devices/system/cpu/cpu%u/cache/index%u", cpu, idx);
          g_autofree char *lp = g_build_filename (base, "level", NULL);
          g_autofree char *sp = g_build_filename (base, "shared_cpu_list", NULL);
          g_autofree char *level = NULL, *shared = NULL;
          if (!g_file_get_contents (lp, &level, NULL, NULL))
            break;
          if (!g_file_get_contents (sp, &shared, NULL, NULL))
            continue;
          guint lv = (guint)strtoul (level, NULL, 10);
          if (lv >= best_level)
            {
              best_level = lv;
              g_free (best);
              best = g_strdup (g_strstrip (shared));
            }
        }
      if (best != NULL)
        g_hash_table_add (seen, g_steal_pointer (&best));
    }
  return g_hash_table_size (seen);
}

void
ktstr_host_capacity_detect (KtstrHostCapacity *cap, const KtstrBackend *backend)
{
  const char *budget = g_getenv ("KTSTR_VCPU_BUDGET");
  *cap = (KtstrHostCapacity){ 0 };
  cap->host_cpus = g_get_num_processors ();
  cap->host_llcs = count_host_llcs ();
  long pages = sysconf (_SC_PHYS_PAGES), page_size = sysconf (_SC_PAGESIZE);
  if (pages > 0 && page_size > 0)
    cap->host_memory_mb = (guint64)pages * (guint64)page_size / (1024 * 1024);
  /* Not "/dev/kvm opens": on emulated hosts it opens and still runs guests
   * at a crawl.  The backend knows what it will really use. */
  if (backend->expected_accel != NULL)
    cap->is_kvm = g_str_equal (backend->expected_accel (), "kvm");
  else
    cap->is_kvm = g_str_equal (backend->name, "kvm");
  cap->vcpu_budget = 4 * cap->host_cpus;
  if (budget != NULL && *budget != '\0')
    {
      guint64 v = g_ascii_strtoull (budget, NULL, 10);
      if (v > 0 && v < 100000)
        cap->vcpu_budget = (guint)v;
    }
}

static gboolean
fits_host (const KtstrPreset *p, const KtstrHostCapacity *cap, GError **error)
{
  guint cpus = ktstr_topology_cpus (&p->topology);
  g_autofree char *why = NULL;
  if (cap->is_kvm && cpus > cap->host_cpus)
    why = g_strdup_printf ("%u vCPUs > %u host CPUs", cpus, cap->host_cpus);
  else if (cap->is_kvm && cap->host_llcs > 0 && p->topology.llcs > cap->host_llcs)
    why = g_strdup_printf ("%u LLCs > %u host LLCs", p->topology.llcs, cap->host_llcs);
  else if (!cap->is_kvm && cpus > cap->vcpu_budget)
    why = g_strdup_printf ("%u vCPUs > the TCG budget of %u (KTSTR_VCPU_BUDGET)", cpus,
                           cap->vcpu_budget);
  else if (cap->host_memory_mb > 0 && p->memory_mb > cap->host_memory_mb / 2)
    why = g_strdup_printf ("%u MB > half the host's %" G_GUINT64_FORMAT " MB", p->memory_mb,
                           cap->host_memory_mb);
  else
    return TRUE;
  g_set_error_literal (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT, why);
  return FALSE;
}

gboolean
ktstr_preset_fits (const KtstrPreset *p, const KtstrTestDef *def, const KtstrSchedulerDef *sdef,
                   const KtstrHostCapacity *cap, GError **error)
{
  char label[64];
  ktstr_topology_format (&p->topology, label, sizeof label);
  g_autoptr (GError) local = NULL;
  /* A preset whose CPUs cannot hold the test's cpusets is one the test
   * cannot run at, as much as one outside its constraints: a skip. */
  if ((def != NULL
       && (!ktstr_testdef_fits (def, label, &local)
           || !ktstr_testdef_check_topology (def, label, &local)))
      || (sdef != NULL && !ktstr_scheduler_def_check_topology (sdef, label, &local)))
    {
      /* The test's or the scheduler's reason, said as a preset's. */
      g_set_error_literal (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT,
                           local->message);
      return FALSE;
    }
  return cap == NULL || fits_host (p, cap, error);
}

const KtstrPreset **
ktstr_presets_parse_list (const char *list, GError **error)
{
  g_auto (GStrv) names = g_strsplit (list, ",", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  for (char **n = names; *n; n++)
    {
      g_strstrip (*n);
      if (**n == '\0')
        continue;
      const KtstrPreset *p = ktstr_preset_lookup (*n);
      if (p == NULL)
        {
          g_autoptr (GString) known = g_string_new (NULL);
          for (guint i = 0; i < KTSTR_PRESETS_COUNT; i++)
            g_string_append_printf (known, "%s%s", i ? ", " : "", presets[i].name);
          g_set_error (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_UNKNOWN,
                       "no topology preset named '%s' (presets: %s)", *n, known->str);
          return NULL;
        }
      if (!g_ptr_array_find (out, p, NULL))
        g_ptr_array_add (out, (gpointer)p);
    }
  if (out->len == 0)
    {
      g_set_error_literal (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_EMPTY,
                           "the preset list is empty");
      return NULL;
    }
  g_ptr_array_add (out, NULL);
  return (const KtstrPreset **)g_ptr_array_free (g_steal_pointer (&out), FALSE);
}
