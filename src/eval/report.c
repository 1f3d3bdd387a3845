#include "config.h"

#include "eval/report.h"

#include <stdlib.h>
#include <string.h>

#include "util/cpulist.h"
#include "util/json-util.h"

GQuark
ktstr_report_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-report-error-quark");
}

/* ---- typed member access: util/json-util.h, in this module's domain ---- */

static KtstrJsonReader
reader (const char *ctx)
{
  return (KtstrJsonReader){ KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_MISSING_KEY,
                            KTSTR_REPORT_ERROR_WRONG_TYPE, ctx, NULL };
}

static JsonNode *
member (JsonObject *obj, const char *ctx, const char *key, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  JsonNode *node;
  return ktstr_json_get_member (&r, obj, key, &node, error) ? node : NULL;
}

static gboolean
wrong_type (const char *ctx, const char *key, const char *want, JsonNode *node, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  return ktstr_json_wrong_type (&r, key, want, node, error);
}

static gboolean
is_u64 (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
         && json_node_get_int (node) >= 0;
}

static gboolean
get_u64 (JsonObject *obj, const char *ctx, const char *key, guint64 *out, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  return ktstr_json_get_u64 (&r, obj, key, out, error);
}

static gboolean
get_uint (JsonObject *obj, const char *ctx, const char *key, guint *out, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  return ktstr_json_get_uint (&r, obj, key, out, error);
}

static gboolean
get_bool (JsonObject *obj, const char *ctx, const char *key, gboolean *out, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  return ktstr_json_get_bool (&r, obj, key, out, error);
}

static gboolean
get_string (JsonObject *obj, const char *ctx, const char *key, char **out, GError **error)
{
  KtstrJsonReader r = reader (ctx);
  return ktstr_json_get_string (&r, obj, key, out, error);
}

/* An array of non-negative integers; each element is stored as guint64 or
 * guint (elt_size 8 or 4).  Returns NULL on error. */
static GArray *
array_of_uints (JsonNode *node, const char *ctx, const char *key, guint elt_size, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      wrong_type (ctx, key, "an array of non-negative integers", node, error);
      return NULL;
    }
  JsonArray *arr = json_node_get_array (node);
  guint n = json_array_get_length (arr);
  g_autoptr (GArray) out = g_array_sized_new (FALSE, FALSE, elt_size, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      gboolean ok = is_u64 (e) && (elt_size == 8 || json_node_get_int (e) <= G_MAXUINT);
      if (!ok)
        {
          g_set_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_WRONG_TYPE,
                       "%s: key '%s' element %u must be a non-negative integer, got %s", ctx, key,
                       i, ktstr_json_type_name (e));
          return NULL;
        }
      if (elt_size == 8)
        {
          guint64 v = (guint64)json_node_get_int (e);
          g_array_append_val (out, v);
        }
      else
        {
          guint v = (guint)json_node_get_int (e);
          g_array_append_val (out, v);
        }
    }
  return g_steal_pointer (&out);
}

static gboolean
check_type_tag (JsonObject *obj, const char *ctx, const char *want, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "t");
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (ctx, "t", "a string", node, error);
  if (g_strcmp0 (json_node_get_string (node), want) != 0)
    {
      g_set_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_INVALID_VALUE,
                   "%s: message type is '%s', expected '%s'", ctx, json_node_get_string (node),
                   want);
      return FALSE;
    }
  return TRUE;
}

/* ---- worker ---- */

/* Node ids above this are refused: the array is indexed by node id. */
#define MAX_NUMA_NODE 4095

/* "numa_pages": {"0":123,"1":4}.  Keys are decimal node ids. */
static gboolean
get_numa_pages (JsonNode *node, const char *ctx, GArray *out, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (ctx, "numa_pages", "an object of node id to page count", node, error);
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) keys = json_object_get_members (obj);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      guint64 id;
      if (!g_ascii_string_to_unsigned (key, 10, 0, MAX_NUMA_NODE, &id, NULL))
        {
          g_set_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_INVALID_VALUE,
                       "%s: key 'numa_pages': '%s' is not a NUMA node id (0 to %d)", ctx, key,
                       MAX_NUMA_NODE);
          return FALSE;
        }
      JsonNode *v = json_object_get_member (obj, key);
      if (!is_u64 (v))
        {
          g_set_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_WRONG_TYPE,
                       "%s: key 'numa_pages' node %s must be a non-negative integer, got %s", ctx,
                       key, ktstr_json_type_name (v));
          return FALSE;
        }
      if (id >= out->len)
        g_array_set_size (out, (guint)id + 1);
      g_array_index (out, guint64, id) = (guint64)json_node_get_int (v);
    }
  return TRUE;
}

KtstrWorkerReport *
ktstr_worker_report_new (void)
{
  KtstrWorkerReport *r = g_new0 (KtstrWorkerReport, 1);
  r->cpus_used = g_array_new (FALSE, FALSE, sizeof (guint));
  r->lat_ns = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->numa_pages = g_array_new (FALSE, TRUE, sizeof (guint64));
  return r;
}

guint64
ktstr_worker_report_total_pages (const KtstrWorkerReport *report)
{
  guint64 total = 0;
  for (guint i = 0; i < report->numa_pages->len; i++)
    total += g_array_index (report->numa_pages, guint64, i);
  return total;
}

void
ktstr_worker_report_free (KtstrWorkerReport *report)
{
  if (report == NULL)
    return;
  g_free (report->cgroup);
  g_free (report->work_type);
  g_free (report->exit_info);
  g_array_unref (report->cpus_used);
  g_array_unref (report->lat_ns);
  g_array_unref (report->numa_pages);
  g_free (report);
}

KtstrWorkerReport *
ktstr_worker_report_from_json (JsonObject *obj, GError **error)
{
  g_autoptr (KtstrWorkerReport) r = ktstr_worker_report_new ();

  if (!check_type_tag (obj, "worker report", "worker", error)
      || !get_string (obj, "worker report", "cgroup", &r->cgroup, error))
    return NULL;
  g_autofree char *ctx0 = g_strdup_printf ("worker report (cgroup '%s')", r->cgroup);
  if (!get_uint (obj, ctx0, "index", &r->index, error))
    return NULL;

  /* From here on every message says which worker it is about. */
  g_autofree char *ctx
      = g_strdup_printf ("worker report (cgroup '%s' worker %u)", r->cgroup, r->index);
  const struct
  {
    const char *key;
    guint64 *dest;
  } u64s[] = {
    { "work_units", &r->work_units },
    { "iterations", &r->iterations },
    { "cpu_time_ns", &r->cpu_time_ns },
    { "wall_time_ns", &r->wall_time_ns },
    { "off_cpu_ns", &r->off_cpu_ns },
    { "migration_count", &r->migration_count },
    { "max_gap_ms", &r->max_gap_ms },
    { "max_gap_at_ms", &r->max_gap_at_ms },
    { "run_delay_ns", &r->run_delay_ns },
    { "run_count", &r->run_count },
    { "schedstat_cpu_ns", &r->schedstat_cpu_ns },
    { "wake_sample_total", &r->wake_sample_total },
  };

  if (!get_string (obj, ctx, "work_type", &r->work_type, error)
      || !get_uint (obj, ctx, "pid", &r->pid, error))
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (u64s); i++)
    if (!get_u64 (obj, ctx, u64s[i].key, u64s[i].dest, error))
      return NULL;
  if (!get_uint (obj, ctx, "max_gap_cpu", &r->max_gap_cpu, error)
      || !get_bool (obj, ctx, "completed", &r->completed, error)
      || !get_string (obj, ctx, "exit", &r->exit_info, error))
    return NULL;

  JsonNode *node = member (obj, ctx, "cpus_used", error);
  if (node == NULL)
    return NULL;
  GArray *cpus = array_of_uints (node, ctx, "cpus_used", sizeof (guint), error);
  if (cpus == NULL)
    return NULL;
  g_array_unref (r->cpus_used);
  r->cpus_used = cpus;
  ktstr_cpulist_sort_unique (r->cpus_used);

  node = member (obj, ctx, "lat_ns", error);
  if (node == NULL)
    return NULL;
  GArray *lat = array_of_uints (node, ctx, "lat_ns", sizeof (guint64), error);
  if (lat == NULL)
    return NULL;
  g_array_unref (r->lat_ns);
  r->lat_ns = lat;

  /* Optional: agents before NUMA measurement do not send these. */
  node = json_object_get_member (obj, "numa_pages");
  if (node != NULL)
    {
      if (!get_numa_pages (node, ctx, r->numa_pages, error))
        return NULL;
      r->has_numa_pages = TRUE;
    }
  if (json_object_has_member (obj, "vmstat_numa_pages_migrated"))
    {
      if (!get_u64 (obj, ctx, "vmstat_numa_pages_migrated", &r->numa_migrated, error))
        return NULL;
      r->has_numa_migrated = TRUE;
    }

  return g_steal_pointer (&r);
}

/* ---- cgroup ---- */

void
ktstr_cgroup_info_free (KtstrCgroupInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->cpuset);
  g_free (info);
}

KtstrCgroupInfo *
ktstr_cgroup_info_from_json (JsonObject *obj, GError **error)
{
  g_autoptr (KtstrCgroupInfo) info = g_new0 (KtstrCgroupInfo, 1);
  if (!check_type_tag (obj, "cgroup message", "cgroup", error)
      || !get_string (obj, "cgroup message", "name", &info->name, error))
    return NULL;
  g_autofree char *ctx = g_strdup_printf ("cgroup message '%s'", info->name);
  if (!get_string (obj, ctx, "cpuset", &info->cpuset, error))
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GArray) cpus = ktstr_cpulist_parse (info->cpuset, &local);
  if (cpus == NULL)
    {
      g_set_error (error, KTSTR_REPORT_ERROR, KTSTR_REPORT_ERROR_INVALID_VALUE,
                   "%s: key 'cpuset': %s", ctx, local->message);
      return NULL;
    }
  return g_steal_pointer (&info);
}

/* ---- topo ---- */

KtstrGuestTopo *
ktstr_guest_topo_new (void)
{
  KtstrGuestTopo *t = g_new0 (KtstrGuestTopo, 1);
  t->llcs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
  t->numa = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
  return t;
}

void
ktstr_guest_topo_free (KtstrGuestTopo *topo)
{
  if (topo == NULL)
    return;
  g_ptr_array_unref (topo->llcs);
  g_ptr_array_unref (topo->numa);
  g_free (topo);
}

/* "llcs"/"numa": an array of CPU groups, each an array of CPU numbers. */
static gboolean
get_groups (JsonObject *obj, const char *ctx, const char *key, GPtrArray *out, GError **error)
{
  JsonNode *node = member (obj, ctx, key, error);
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (ctx, key, "an array of CPU arrays", node, error);
  JsonArray *arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      g_autofree char *elt_key = g_strdup_printf ("%s[%u]", key, i);
      GArray *group
          = array_of_uints (json_array_get_element (arr, i), ctx, elt_key, sizeof (guint), error);
      if (group == NULL)
        return FALSE;
      ktstr_cpulist_sort_unique (group);
      g_ptr_array_add (out, group);
    }
  return TRUE;
}

KtstrGuestTopo *
ktstr_guest_topo_from_json (JsonObject *obj, GError **error)
{
  const char *ctx = "topo message";
  g_autoptr (KtstrGuestTopo) t = ktstr_guest_topo_new ();
  if (!check_type_tag (obj, ctx, "topo", error) || !get_uint (obj, ctx, "cpus", &t->cpus, error)
      || !get_groups (obj, ctx, "llcs", t->llcs, error)
      || !get_groups (obj, ctx, "numa", t->numa, error)
      || !get_uint (obj, ctx, "smt", &t->smt, error))
    return NULL;
  return g_steal_pointer (&t);
}
