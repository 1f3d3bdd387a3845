/* Host context: probe, JSON (absent fields omitted), human rendering. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "record/hostctx.h"
#include "util/cpulist.h"
#include "util/fsutil.h"
#include "util/json-util.h"

GQuark
ktstr_host_context_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-host-context-error-quark");
}

static void
governor_free (KtstrCpuGovernor *g)
{
  if (g == NULL)
    return;
  g_free (g->governor);
  g_free (g);
}

KtstrHostContext *
ktstr_host_context_new (void)
{
  return g_new0 (KtstrHostContext, 1);
}

void
ktstr_host_context_free (KtstrHostContext *ctx)
{
  if (ctx == NULL)
    return;
  g_free (ctx->cpu_model);
  g_free (ctx->cpu_vendor);
  g_free (ctx->thp_enabled);
  g_free (ctx->thp_defrag);
  g_clear_pointer (&ctx->sched_tunables, g_hash_table_unref);
  g_clear_pointer (&ctx->cpufreq_governor, g_ptr_array_unref);
  g_free (ctx->kernel_name);
  g_free (ctx->kernel_release);
  g_free (ctx->arch);
  g_free (ctx->kernel_cmdline);
  g_free (ctx);
}

static GHashTable *
tunables_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
ktstr_host_context_set_governor (KtstrHostContext *ctx, guint cpu, const char *governor)
{
  g_return_if_fail (ctx != NULL && governor != NULL);
  if (ctx->cpufreq_governor == NULL)
    ctx->cpufreq_governor = g_ptr_array_new_with_free_func ((GDestroyNotify)governor_free);
  GPtrArray *arr = ctx->cpufreq_governor;
  guint i = 0;
  while (i < arr->len && ((KtstrCpuGovernor *)g_ptr_array_index (arr, i))->cpu < cpu)
    i++;
  if (i < arr->len && ((KtstrCpuGovernor *)g_ptr_array_index (arr, i))->cpu == cpu)
    {
      KtstrCpuGovernor *g = g_ptr_array_index (arr, i);
      g_free (g->governor);
      g->governor = g_strdup (governor);
      return;
    }
  KtstrCpuGovernor *g = g_new0 (KtstrCpuGovernor, 1);
  g->cpu = cpu;
  g->governor = g_strdup (governor);
  g_ptr_array_insert (arr, (gint)i, g);
}

KtstrHostContext *
ktstr_host_context_copy (const KtstrHostContext *src)
{
  if (src == NULL)
    return NULL;
  KtstrHostContext *c = g_memdup2 (src, sizeof *src);
  c->cpu_model = g_strdup (src->cpu_model);
  c->cpu_vendor = g_strdup (src->cpu_vendor);
  c->thp_enabled = g_strdup (src->thp_enabled);
  c->thp_defrag = g_strdup (src->thp_defrag);
  c->kernel_name = g_strdup (src->kernel_name);
  c->kernel_release = g_strdup (src->kernel_release);
  c->arch = g_strdup (src->arch);
  c->kernel_cmdline = g_strdup (src->kernel_cmdline);
  c->sched_tunables = NULL;
  if (src->sched_tunables != NULL)
    {
      GHashTableIter it;
      gpointer k, v;
      c->sched_tunables = tunables_new ();
      g_hash_table_iter_init (&it, src->sched_tunables);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_insert (c->sched_tunables, g_strdup (k), g_strdup (v));
    }
  c->cpufreq_governor = NULL;
  for (guint i = 0; src->cpufreq_governor != NULL && i < src->cpufreq_governor->len; i++)
    {
      KtstrCpuGovernor *g = g_ptr_array_index (src->cpufreq_governor, i);
      ktstr_host_context_set_governor (c, g->cpu, g->governor);
    }
  return c;
}

/* --- Probing --------------------------------------------------------------- */

/* How many CPUs LIST names; 0 when it is empty or not a CPU list. */
static guint64
count_cpus (const char *list)
{
  g_autoptr (GArray) cpus = ktstr_cpulist_parse (list, NULL);
  return cpus != NULL ? cpus->len : 0;
}

typedef struct
{
  char *cpu_model;
  char *cpu_vendor;
  gboolean has_total_memory_kb;
  guint64 total_memory_kb;
  gboolean has_hugepages_size_kb;
  guint64 hugepages_size_kb;
  gboolean has_online_cpus;
  guint64 online_cpus;
  gboolean has_numa_nodes;
  guint64 numa_nodes;
  char *kernel_name;
  char *kernel_release;
  char *arch;
} StaticInfo;

/* Reads "Key:   123 kB" from /proc/meminfo. */
static gboolean
meminfo_value (const char *meminfo, const char *key, guint64 *out)
{
  if (meminfo == NULL)
    return FALSE;
  gsize klen = strlen (key);
  for (const char *line = meminfo; line != NULL && *line != '\0';)
    {
      if (strncmp (line, key, klen) == 0 && line[klen] == ':')
        {
          const char *p = line + klen + 1;
          char *end;
          while (*p == ' ' || *p == '\t')
            p++;
          guint64 v = g_ascii_strtoull (p, &end, 10);
          if (end == p)
            return FALSE;
          *out = v;
          return TRUE;
        }
      line = strchr (line, '\n');
      if (line != NULL)
        line++;
    }
  return FALSE;
}

static void
read_cpuinfo_identity (StaticInfo *si)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  /* First CPU block only: it ends at the first blank line. */
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      char *key = g_strstrip (lines[i]);
      char *value = g_strstrip (colon + 1);
      if (*value == '\0')
        continue;
      if (si->cpu_model == NULL && strcmp (key, "model name") == 0)
        si->cpu_model = g_strdup (value);
      else if (si->cpu_vendor == NULL && strcmp (key, "vendor_id") == 0)
        si->cpu_vendor = g_strdup (value);
    }
}

/* Distinct NUMA nodes that own at least one CPU (memory-only nodes, such as
 * CXL expanders, are not counted); at least 1. */
static guint64
count_cpu_numa_nodes (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/devices/system/node", 0, NULL);
  guint64 nodes = 0;
  const char *name;
  if (dir == NULL)
    return 1;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_prefix (name, "node") || !g_ascii_isdigit (name[4]))
        continue;
      g_autofree char *path = g_strdup_printf ("/sys/devices/system/node/%s/cpulist", name);
      g_autofree char *list = ktstr_read_trimmed (path);
      if (list != NULL && count_cpus (list) > 0)
        nodes++;
    }
  return MAX (nodes, 1);
}

static gpointer
compute_static_info (gpointer unused)
{
  StaticInfo *si = g_new0 (StaticInfo, 1);
  g_autofree char *meminfo = NULL;
  struct utsname u;

  read_cpuinfo_identity (si);
  if (g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    {
      si->has_total_memory_kb = meminfo_value (meminfo, "MemTotal", &si->total_memory_kb);
      si->has_hugepages_size_kb = meminfo_value (meminfo, "Hugepagesize", &si->hugepages_size_kb);
    }
  g_autofree char *online = ktstr_read_trimmed ("/sys/devices/system/cpu/online");
  guint64 n = online != NULL ? count_cpus (online) : 0;
  if (n > 0)
    si->online_cpus = n;
  else
    si->online_cpus = (guint64)MAX (sysconf (_SC_NPROCESSORS_ONLN), 1);
  si->has_online_cpus = TRUE;
  si->numa_nodes = count_cpu_numa_nodes ();
  si->has_numa_nodes = TRUE;
  if (uname (&u) == 0)
    {
      /* nodename is deliberately dropped: it identifies the machine, not
       * its configuration, and would make archived sidecars leak it. */
      si->kernel_name = g_strdup (u.sysname);
      si->kernel_release = g_strdup (u.release);
      si->arch = g_strdup (u.machine);
    }
  return si;
}

static GHashTable *
read_sched_tunables (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/sys/kernel", 0, NULL);
  const char *name;
  if (dir == NULL)
    return NULL;
  GHashTable *out = tunables_new ();
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_prefix (name, "sched_"))
        continue;
      g_autofree char *path = g_build_filename ("/proc/sys/kernel", name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      char *value = ktstr_read_trimmed (path);
      if (value != NULL)
        g_hash_table_insert (out, g_strdup (name), value);
    }
  return out;
}

static void
read_governors (KtstrHostContext *ctx)
{
  g_autofree char *online = ktstr_read_trimmed ("/sys/devices/system/cpu/online");
  g_autoptr (GArray) cpus = online != NULL ? ktstr_cpulist_parse (online, NULL) : NULL;
  if (cpus == NULL)
    return;
  for (guint i = 0; i < cpus->len; i++)
    {
      guint cpu = g_array_index (cpus, guint, i);
      g_autofree char *path
          = g_strdup_printf ("/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu);
      g_autofree char *gov = ktstr_read_trimmed (path);
      if (gov != NULL)
        ktstr_host_context_set_governor (ctx, cpu, gov);
    }
}

KtstrHostContext *
ktstr_host_context_collect (void)
{
  static GOnce once = G_ONCE_INIT;
  const StaticInfo *si = g_once (&once, compute_static_info, NULL);
  KtstrHostContext *ctx = ktstr_host_context_new ();
  g_autofree char *meminfo = NULL;

  ctx->cpu_model = g_strdup (si->cpu_model);
  ctx->cpu_vendor = g_strdup (si->cpu_vendor);
  ctx->has_total_memory_kb = si->has_total_memory_kb;
  ctx->total_memory_kb = si->total_memory_kb;
  ctx->has_hugepages_size_kb = si->has_hugepages_size_kb;
  ctx->hugepages_size_kb = si->hugepages_size_kb;
  ctx->has_online_cpus = si->has_online_cpus;
  ctx->online_cpus = si->online_cpus;
  ctx->has_numa_nodes = si->has_numa_nodes;
  ctx->numa_nodes = si->numa_nodes;
  ctx->kernel_name = g_strdup (si->kernel_name);
  ctx->kernel_release = g_strdup (si->kernel_release);
  ctx->arch = g_strdup (si->arch);

  /* Dynamic: these change between runs on the same boot. */
  if (g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    {
      ctx->has_hugepages_total = meminfo_value (meminfo, "HugePages_Total", &ctx->hugepages_total);
      ctx->has_hugepages_free = meminfo_value (meminfo, "HugePages_Free", &ctx->hugepages_free);
    }
  ctx->thp_enabled = ktstr_read_trimmed ("/sys/kernel/mm/transparent_hugepage/enabled");
  ctx->thp_defrag = ktstr_read_trimmed ("/sys/kernel/mm/transparent_hugepage/defrag");
  ctx->sched_tunables = read_sched_tunables ();
  read_governors (ctx);
  ctx->kernel_cmdline = ktstr_read_trimmed ("/proc/cmdline");
  return ctx;
}

/* --- JSON -------------------------------------------------------------------- */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Keys of a string table in BTreeMap order. */
static gpointer *
sorted_keys (GHashTable *table, guint *n)
{
  gpointer *keys = g_hash_table_get_keys_as_array (table, n);
  qsort (keys, *n, sizeof *keys, compare_strings);
  return keys;
}

/* Absent fields are left out, not written as null: the host context is
 * optional field by field. */
static void
add_str (JsonBuilder *b, const char *key, const char *v)
{
  if (v != NULL)
    ktstr_json_member_string (b, key, v);
}

static void
add_u64 (JsonBuilder *b, const char *key, gboolean has, guint64 v)
{
  if (has)
    ktstr_json_member_u64 (b, key, v);
}

JsonNode *
ktstr_host_context_to_json (const KtstrHostContext *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_str (b, "cpu_model", c->cpu_model);
  add_str (b, "cpu_vendor", c->cpu_vendor);
  add_u64 (b, "total_memory_kb", c->has_total_memory_kb, c->total_memory_kb);
  add_u64 (b, "hugepages_total", c->has_hugepages_total, c->hugepages_total);
  add_u64 (b, "hugepages_free", c->has_hugepages_free, c->hugepages_free);
  add_u64 (b, "hugepages_size_kb", c->has_hugepages_size_kb, c->hugepages_size_kb);
  add_str (b, "thp_enabled", c->thp_enabled);
  add_str (b, "thp_defrag", c->thp_defrag);
  if (c->sched_tunables != NULL)
    {
      guint n;
      g_autofree gpointer *keys = sorted_keys (c->sched_tunables, &n);
      json_builder_set_member_name (b, "sched_tunables");
      json_builder_begin_object (b);
      for (guint i = 0; i < n; i++)
        add_str (b, keys[i], g_hash_table_lookup (c->sched_tunables, keys[i]));
      json_builder_end_object (b);
    }
  add_u64 (b, "online_cpus", c->has_online_cpus, c->online_cpus);
  add_u64 (b, "numa_nodes", c->has_numa_nodes, c->numa_nodes);
  if (c->cpufreq_governor != NULL && c->cpufreq_governor->len > 0)
    {
      json_builder_set_member_name (b, "cpufreq_governor");
      json_builder_begin_object (b);
      for (guint i = 0; i < c->cpufreq_governor->len; i++)
        {
          KtstrCpuGovernor *g = g_ptr_array_index (c->cpufreq_governor, i);
          char key[16];
          g_snprintf (key, sizeof key, "%u", g->cpu);
          add_str (b, key, g->governor);
        }
      json_builder_end_object (b);
    }
  add_str (b, "kernel_name", c->kernel_name);
  add_str (b, "kernel_release", c->kernel_release);
  add_str (b, "arch", c->arch);
  add_str (b, "kernel_cmdline", c->kernel_cmdline);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static KtstrJsonReader
host_reader (void)
{
  return (KtstrJsonReader){ KTSTR_HOST_CONTEXT_ERROR, KTSTR_HOST_CONTEXT_ERROR_INVALID,
                            KTSTR_HOST_CONTEXT_ERROR_INVALID, "host", NULL };
}

static gboolean
invalid (GError **error, const char *key, const char *expected, JsonNode *got)
{
  KtstrJsonReader r = host_reader ();
  return ktstr_json_wrong_type (&r, key, expected, got, error);
}

static gboolean
read_str (JsonObject *o, const char *key, char **out, GError **error)
{
  KtstrJsonReader r = host_reader ();
  return ktstr_json_get_optional_string (&r, o, key, out, error);
}

static gboolean
read_u64 (JsonObject *o, const char *key, gboolean *has, guint64 *out, GError **error)
{
  KtstrJsonReader r = host_reader ();
  return ktstr_json_get_optional_u64 (&r, o, key, has, out, error);
}

KtstrHostContext *
ktstr_host_context_from_json (JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KTSTR_HOST_CONTEXT_ERROR, KTSTR_HOST_CONTEXT_ERROR_INVALID,
                   "host: expected a JSON object");
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  g_autoptr (KtstrHostContext) c = ktstr_host_context_new ();
  JsonNode *n;

  if (!read_str (o, "cpu_model", &c->cpu_model, error)
      || !read_str (o, "cpu_vendor", &c->cpu_vendor, error)
      || !read_u64 (o, "total_memory_kb", &c->has_total_memory_kb, &c->total_memory_kb, error)
      || !read_u64 (o, "hugepages_total", &c->has_hugepages_total, &c->hugepages_total, error)
      || !read_u64 (o, "hugepages_free", &c->has_hugepages_free, &c->hugepages_free, error)
      || !read_u64 (o, "hugepages_size_kb", &c->has_hugepages_size_kb, &c->hugepages_size_kb, error)
      || !read_str (o, "thp_enabled", &c->thp_enabled, error)
      || !read_str (o, "thp_defrag", &c->thp_defrag, error)
      || !read_u64 (o, "online_cpus", &c->has_online_cpus, &c->online_cpus, error)
      || !read_u64 (o, "numa_nodes", &c->has_numa_nodes, &c->numa_nodes, error)
      || !read_str (o, "kernel_name", &c->kernel_name, error)
      || !read_str (o, "kernel_release", &c->kernel_release, error)
      || !read_str (o, "arch", &c->arch, error)
      || !read_str (o, "kernel_cmdline", &c->kernel_cmdline, error))
    return NULL;

  if ((n = ktstr_json_optional_member (o, "sched_tunables")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return invalid (error, "sched_tunables", "an object", n), NULL;
      JsonObjectIter it;
      const char *k;
      JsonNode *v;
      c->sched_tunables = tunables_new ();
      json_object_iter_init (&it, json_node_get_object (n));
      while (json_object_iter_next (&it, &k, &v))
        {
          if (json_node_get_value_type (v) != G_TYPE_STRING)
            return invalid (error, "sched_tunables", "an object of strings", v), NULL;
          g_hash_table_insert (c->sched_tunables, g_strdup (k),
                               g_strdup (json_node_get_string (v)));
        }
    }
  if ((n = ktstr_json_optional_member (o, "cpufreq_governor")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        return invalid (error, "cpufreq_governor", "an object", n), NULL;
      JsonObjectIter it;
      const char *k;
      JsonNode *v;
      json_object_iter_init (&it, json_node_get_object (n));
      while (json_object_iter_next (&it, &k, &v))
        {
          guint64 cpu;
          if (!g_ascii_string_to_unsigned (k, 10, 0, G_MAXUINT, &cpu, NULL))
            {
              g_set_error (error, KTSTR_HOST_CONTEXT_ERROR, KTSTR_HOST_CONTEXT_ERROR_INVALID,
                           "host: key 'cpufreq_governor': '%s' is not a CPU number", k);
              return NULL;
            }
          if (json_node_get_value_type (v) != G_TYPE_STRING)
            return invalid (error, "cpufreq_governor", "an object of strings", v), NULL;
          ktstr_host_context_set_governor (c, (guint)cpu, json_node_get_string (v));
        }
    }
  /* heap_state (allocator statistics of the Rust ktstr's process) has no
   * meaning here: accepted and dropped (doc/compatibility.md). */
  return g_steal_pointer (&c);
}

/* --- Human rendering --------------------------------------------------------- */

static void
row_str (GString *out, const char *key, const char *v)
{
  g_string_append_printf (out, "%s: %s\n", key, v != NULL ? v : "(unknown)");
}

static void
row_u64 (GString *out, const char *key, gboolean has, guint64 v)
{
  if (has)
    g_string_append_printf (out, "%s: %" G_GUINT64_FORMAT "\n", key, v);
  else
    g_string_append_printf (out, "%s: (unknown)\n", key);
}

char *
ktstr_host_context_format_human (const KtstrHostContext *c)
{
  GString *out = g_string_new (NULL);

  row_str (out, "kernel_name", c->kernel_name);
  row_str (out, "kernel_release", c->kernel_release);
  row_str (out, "arch", c->arch);
  row_str (out, "cpu_model", c->cpu_model);
  row_str (out, "cpu_vendor", c->cpu_vendor);
  row_u64 (out, "total_memory_kb", c->has_total_memory_kb, c->total_memory_kb);
  row_u64 (out, "hugepages_total", c->has_hugepages_total, c->hugepages_total);
  row_u64 (out, "hugepages_free", c->has_hugepages_free, c->hugepages_free);
  row_u64 (out, "hugepages_size_kb", c->has_hugepages_size_kb, c->hugepages_size_kb);
  row_u64 (out, "online_cpus", c->has_online_cpus, c->online_cpus);
  row_u64 (out, "numa_nodes", c->has_numa_nodes, c->numa_nodes);
  row_str (out, "thp_enabled", c->thp_enabled);
  row_str (out, "thp_defrag", c->thp_defrag);
  row_str (out, "kernel_cmdline", c->kernel_cmdline);

  if (c->cpufreq_governor == NULL || c->cpufreq_governor->len == 0)
    g_string_append (out, "cpufreq_governor: (empty)\n");
  else
    {
      g_string_append (out, "cpufreq_governor:\n");
      for (guint i = 0; i < c->cpufreq_governor->len; i++)
        {
          KtstrCpuGovernor *g = g_ptr_array_index (c->cpufreq_governor, i);
          g_string_append_printf (out, "  cpu%u = %s\n", g->cpu, g->governor);
        }
    }

  if (c->sched_tunables == NULL)
    g_string_append (out, "sched_tunables: (unknown)\n");
  else if (g_hash_table_size (c->sched_tunables) == 0)
    g_string_append (out, "sched_tunables: (empty)\n");
  else
    {
      guint n;
      g_autofree gpointer *keys = sorted_keys (c->sched_tunables, &n);
      g_string_append (out, "sched_tunables:\n");
      for (guint i = 0; i < n; i++)
        g_string_append_printf (out, "  %s = %s\n", (const char *)keys[i],
                                (const char *)g_hash_table_lookup (c->sched_tunables, keys[i]));
    }

  /* The Rust ktstr ends with its allocator's heap_state; this one never has
   * it, but keeps the line so both render the same set of keys. */
  g_string_append (out, "heap_state: (unknown)\n");
  return g_string_free (out, FALSE);
}
