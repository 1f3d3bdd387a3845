#include "config.h"

#include <string.h>

#include "stats/hostdelta.h"

#define UNKNOWN "(unknown)"
#define ABSENT "(absent)"

static void
host_change_free (KtstrHostChange *change)
{
  if (change == NULL)
    return;
  g_free (change->field);
  g_free (change->a);
  g_free (change->b);
  g_free (change);
}

static void
add_change (GPtrArray *changes, char *field, char *a, char *b)
{
  KtstrHostChange *c = g_new0 (KtstrHostChange, 1);
  c->field = field;
  c->a = a;
  c->b = b;
  g_ptr_array_add (changes, c);
}

static void
diff_string (GPtrArray *changes, const char *field, const char *a, const char *b)
{
  if (g_strcmp0 (a, b) == 0)
    return;
  add_change (changes, g_strdup (field), g_strdup (a != NULL ? a : UNKNOWN),
              g_strdup (b != NULL ? b : UNKNOWN));
}

static char *
u64_text (gboolean has, guint64 v)
{
  return has ? g_strdup_printf ("%" G_GUINT64_FORMAT, v) : g_strdup (UNKNOWN);
}

static void
diff_u64 (GPtrArray *changes, const char *field, gboolean has_a, guint64 a, gboolean has_b,
          guint64 b)
{
  if (has_a == has_b && (!has_a || a == b))
    return;
  add_change (changes, g_strdup (field), u64_text (has_a, a), u64_text (has_b, b));
}

static const char *
governor_of (const GPtrArray *govs, guint cpu)
{
  for (guint i = 0; govs != NULL && i < govs->len; i++)
    {
      const KtstrCpuGovernor *g = g_ptr_array_index ((GPtrArray *)govs, i);
      if (g->cpu == cpu)
        return g->governor;
    }
  return NULL;
}

static gint
compare_uints (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return x < y ? -1 : x > y;
}

static void
diff_governors (GPtrArray *changes, const GPtrArray *a, const GPtrArray *b)
{
  g_autoptr (GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  const GPtrArray *sides[] = { a, b };

  for (guint s = 0; s < 2; s++)
    for (guint i = 0; sides[s] != NULL && i < sides[s]->len; i++)
      {
        const KtstrCpuGovernor *g = g_ptr_array_index ((GPtrArray *)sides[s], i);
        gboolean seen = FALSE;
        for (guint j = 0; j < cpus->len && !seen; j++)
          seen = g_array_index (cpus, guint, j) == g->cpu;
        if (!seen)
          g_array_append_val (cpus, g->cpu);
      }
  g_array_sort (cpus, compare_uints);
  for (guint i = 0; i < cpus->len; i++)
    {
      guint cpu = g_array_index (cpus, guint, i);
      const char *ga = governor_of (a, cpu), *gb = governor_of (b, cpu);
      if (g_strcmp0 (ga, gb) != 0)
        add_change (changes, g_strdup_printf ("cpufreq_governor.cpu%u", cpu),
                    g_strdup (ga != NULL ? ga : ABSENT), g_strdup (gb != NULL ? gb : ABSENT));
    }
}

static char *
summarize_tunables (GHashTable *map)
{
  if (map == NULL)
    return g_strdup (UNKNOWN);
  guint n = g_hash_table_size (map);
  if (n == 0)
    return g_strdup ("(empty)");
  return n == 1 ? g_strdup ("(1 entry)") : g_strdup_printf ("(%u entries)", n);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
diff_tunables (GPtrArray *changes, GHashTable *a, GHashTable *b)
{
  if (a == NULL || b == NULL)
    {
      if (a != b)
        add_change (changes, g_strdup ("sched_tunables"), summarize_tunables (a),
                    summarize_tunables (b));
      return;
    }
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTable *sides[] = { a, b };
  for (guint s = 0; s < 2; s++)
    {
      GHashTableIter iter;
      gpointer key;
      g_hash_table_iter_init (&iter, sides[s]);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (s == 0 || !g_hash_table_contains (a, key))
          g_ptr_array_add (keys, key);
    }
  g_ptr_array_sort (keys, compare_strings);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const char *va = g_hash_table_lookup (a, key), *vb = g_hash_table_lookup (b, key);
      if (g_strcmp0 (va, vb) != 0)
        add_change (changes, g_strdup_printf ("sched_tunables.%s", key),
                    g_strdup (va != NULL ? va : ABSENT), g_strdup (vb != NULL ? vb : ABSENT));
    }
}

GPtrArray *
ktstr_stats_host_diff (const KtstrHostContext *a, const KtstrHostContext *b)
{
  GPtrArray *c = g_ptr_array_new_with_free_func ((GDestroyNotify)host_change_free);

  diff_string (c, "kernel_name", a->kernel_name, b->kernel_name);
  diff_string (c, "kernel_release", a->kernel_release, b->kernel_release);
  diff_string (c, "arch", a->arch, b->arch);
  diff_string (c, "cpu_model", a->cpu_model, b->cpu_model);
  diff_string (c, "cpu_vendor", a->cpu_vendor, b->cpu_vendor);
  diff_u64 (c, "total_memory_kb", a->has_total_memory_kb, a->total_memory_kb,
            b->has_total_memory_kb, b->total_memory_kb);
  diff_u64 (c, "hugepages_total", a->has_hugepages_total, a->hugepages_total,
            b->has_hugepages_total, b->hugepages_total);
  diff_u64 (c, "hugepages_free", a->has_hugepages_free, a->hugepages_free, b->has_hugepages_free,
            b->hugepages_free);
  diff_u64 (c, "hugepages_size_kb", a->has_hugepages_size_kb, a->hugepages_size_kb,
            b->has_hugepages_size_kb, b->hugepages_size_kb);
  diff_u64 (c, "online_cpus", a->has_online_cpus, a->online_cpus, b->has_online_cpus,
            b->online_cpus);
  diff_u64 (c, "numa_nodes", a->has_numa_nodes, a->numa_nodes, b->has_numa_nodes, b->numa_nodes);
  diff_string (c, "thp_enabled", a->thp_enabled, b->thp_enabled);
  diff_string (c, "thp_defrag", a->thp_defrag, b->thp_defrag);
  diff_string (c, "kernel_cmdline", a->kernel_cmdline, b->kernel_cmdline);
  diff_governors (c, a->cpufreq_governor, b->cpufreq_governor);
  diff_tunables (c, a->sched_tunables, b->sched_tunables);
  return c;
}

char *
ktstr_stats_format_host_delta (const KtstrHostContext *a, const KtstrHostContext *b,
                               const char *label_a, const char *label_b)
{
  if (a == NULL && b == NULL)
    return g_strdup ("");
  if (b == NULL)
    return g_strdup_printf ("\nhost: captured in '%s' only, delta unavailable\n", label_a);
  if (a == NULL)
    return g_strdup_printf ("\nhost: captured in '%s' only, delta unavailable\n", label_b);

  g_autoptr (GPtrArray) changes = ktstr_stats_host_diff (a, b);
  if (changes->len == 0)
    {
      if (a->arch != NULL && g_strcmp0 (a->arch, b->arch) == 0)
        return g_strdup_printf ("\nhost: identical between '%s' and '%s' (arch: %s)\n", label_a,
                                label_b, a->arch);
      return g_strdup_printf ("\nhost: identical between '%s' and '%s'\n", label_a, label_b);
    }
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "\nhost delta ('%s' \342\206\222 '%s'):\n", label_a, label_b);
  for (guint i = 0; i < changes->len; i++)
    {
      const KtstrHostChange *ch = g_ptr_array_index (changes, i);
      g_string_append_printf (out, "  %s: %s \342\206\222 %s\n", ch->field, ch->a, ch->b);
    }
  return g_string_free (out, FALSE);
}
