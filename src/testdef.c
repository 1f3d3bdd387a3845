#include "config.h"

#include "testdef.h"

#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/topology.h"

G_DEFINE_QUARK (ktstr-testdef-error-quark, ktstr_testdef_error)

#define DEFAULT_DURATION_MS 2000
#define DEFAULT_SETTLE_MS 500
#define DEFAULT_WORKERS 2
#define MAX_WORKERS 256
#define MAX_DURATION_MS (3600 * 1000)

typedef struct
{
  const char *name;
  const char *params[4]; /* parameter names accepted as work.NAME */
} WorkTypeInfo;

/* Must match the table in guest-init: the host rejects what the guest
 * would not understand, with a message pointing into the file. */
static const WorkTypeInfo work_types[] = {
  { "CpuSpin", { NULL } },
  { "YieldHeavy", { NULL } },
  { "Mixed", { NULL } },
  { "IoSync", { NULL } },
  { "Bursty", { "burst_ms", "sleep_ms", NULL } },
};

const char *const *
ktstr_work_types (void)
{
  static const char *names[G_N_ELEMENTS (work_types) + 1];
  if (names[0] == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (work_types); i++)
      names[i] = work_types[i].name;
  return names;
}

static const WorkTypeInfo *
find_work_type (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (work_types); i++)
    if (g_str_equal (work_types[i].name, name))
      return &work_types[i];
  return NULL;
}

static void
work_def_free (KtstrWorkDef *w)
{
  g_free (w->type);
  g_ptr_array_unref (w->params);
  g_free (w);
}

static void
cgroup_def_free (KtstrCgroupDef *cg)
{
  g_free (cg->name);
  g_free (cg->cpuset);
  g_ptr_array_unref (cg->works);
  g_free (cg);
}

void
ktstr_testdef_free (KtstrTestDef *def)
{
  if (def == NULL)
    return;
  g_free (def->name);
  g_free (def->description);
  g_free (def->path);
  g_free (def->topology);
  g_ptr_array_unref (def->cgroups);
  g_clear_pointer (&def->keyfile, g_key_file_unref);
  g_free (def);
}

static gboolean
bad (GError **error, int code, const char *path, const char *group, const char *key,
     const char *fmt, ...) G_GNUC_PRINTF (6, 7);

static gboolean
bad (GError **error, int code, const char *path, const char *group, const char *key,
     const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (key != NULL)
    g_set_error (error, KTSTR_TESTDEF_ERROR, code, "%s: [%s] %s: %s", path, group, key, msg);
  else
    g_set_error (error, KTSTR_TESTDEF_ERROR, code, "%s: [%s]: %s", path, group, msg);
  return FALSE;
}

static gboolean
check_keys (GKeyFile *kf, const char *path, const char *group, const char *const *allowed,
            gboolean allow_work_params, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k && *k; k++)
    {
      if (g_strv_contains (allowed, *k))
        continue;
      if (allow_work_params && g_str_has_prefix (*k, "work."))
        continue;
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);
      return bad (error, KTSTR_TESTDEF_ERROR_UNKNOWN, path, group, *k,
                  "unknown key (valid keys: %s%s)", list,
                  allow_work_params ? ", work.PARAM" : "");
    }
  return TRUE;
}

/* Reads an optional unsigned key; *out keeps its default when absent. */
static gboolean
get_uint (GKeyFile *kf, const char *path, const char *group, const char *key, guint min,
          guint max, guint *out, GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autofree char *s = g_key_file_get_string (kf, group, key, NULL);
  char *end = NULL;
  guint64 v = g_ascii_strtoull (s ? s : "", &end, 10);
  if (s == NULL || *s == '\0' || *end != '\0' || v < min || v > max)
    return bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, key,
                "'%s' is not a whole number between %u and %u", s ? s : "", min, max);
  *out = (guint) v;
  return TRUE;
}

static gboolean
valid_name (const char *s)
{
  if (s == NULL || *s == '\0' || strlen (s) > 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* Checks the cpuset spec grammar the guest resolves (common/proto.h). */
static gboolean
valid_cpuset (const char *spec)
{
  if (g_str_equal (spec, "all"))
    return TRUE;
  if (g_str_has_prefix (spec, "exact:"))
    {
      const char *p = spec + 6;
      if (*p == '\0')
        return FALSE;
      for (; *p; p++)
        if (!g_ascii_isdigit (*p) && *p != ',' && *p != '-')
          return FALSE;
      return TRUE;
    }
  if (g_str_has_prefix (spec, "llc:"))
    {
      char *end;
      const char *p = spec + 4;
      g_ascii_strtoull (p, &end, 10);
      return end != p && *end == '\0';
    }
  if (g_str_has_prefix (spec, "disjoint:"))
    {
      char *end;
      const char *p = spec + 9;
      guint64 i = g_ascii_strtoull (p, &end, 10);
      if (end == p || *end != '/')
        return FALSE;
      p = end + 1;
      guint64 n = g_ascii_strtoull (p, &end, 10);
      return end != p && *end == '\0' && n > 0 && i < n;
    }
  return FALSE;
}

static KtstrCgroupDef *
load_cgroup (GKeyFile *kf, const char *path, const char *group, GError **error)
{
  static const char *const allowed[] = { "work", "workers", "cpuset", NULL };
  const char *name = group + strlen ("cgroup ");

  if (!valid_name (name))
    {
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
           "cgroup name '%s' must be 1-64 letters, digits, '_' or '-'", name);
      return NULL;
    }
  if (!check_keys (kf, path, group, allowed, TRUE, error))
    return NULL;

  KtstrCgroupDef *cg = g_new0 (KtstrCgroupDef, 1);
  cg->name = g_strdup (name);
  cg->works = g_ptr_array_new_with_free_func ((GDestroyNotify) work_def_free);
  cg->cpuset = g_key_file_get_string (kf, group, "cpuset", NULL);
  if (cg->cpuset != NULL && !valid_cpuset (cg->cpuset))
    {
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "cpuset",
           "'%s' is not a cpuset spec (expected all, exact:LIST, llc:I or disjoint:I/N)",
           cg->cpuset);
      cgroup_def_free (cg);
      return NULL;
    }

  g_autofree char *type = g_key_file_get_string (kf, group, "work", NULL);
  if (type == NULL)
    type = g_strdup ("CpuSpin");
  const WorkTypeInfo *info = find_work_type (type);
  if (info == NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) ktstr_work_types ());
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "work",
           "unknown work type '%s' (expected one of: %s)", type, list);
      cgroup_def_free (cg);
      return NULL;
    }

  KtstrWorkDef *w = g_new0 (KtstrWorkDef, 1);
  w->type = g_strdup (info->name);
  w->params = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (cg->works, w);
  if (!get_uint (kf, path, group, "workers", 1, MAX_WORKERS, &w->workers, error))
    {
      cgroup_def_free (cg);
      return NULL;
    }

  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k && *k; k++)
    {
      if (!g_str_has_prefix (*k, "work."))
        continue;
      const char *param = *k + 5;
      if (!g_strv_contains (info->params, param))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) info->params);
          bad (error, KTSTR_TESTDEF_ERROR_UNKNOWN, path, group, *k,
               "work type %s has no parameter '%s' (its parameters: %s)", info->name, param,
               *list ? list : "none");
          cgroup_def_free (cg);
          return NULL;
        }
      guint v = 0;
      if (!get_uint (kf, path, group, *k, 0, 3600 * 1000, &v, error))
        {
          cgroup_def_free (cg);
          return NULL;
        }
      g_ptr_array_add (w->params, g_strdup_printf ("%s=%u", param, v));
    }
  return cg;
}

KtstrTestDef *
ktstr_testdef_load (const char *path, GError **error)
{
  static const char *const test_keys[]
      = { "name", "description", "topology", "duration_ms", "settle_ms", "workers", NULL };
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      int code = g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? KTSTR_TESTDEF_ERROR_NOT_FOUND
                     : KTSTR_TESTDEF_ERROR_PARSE;
      g_set_error (error, KTSTR_TESTDEF_ERROR, code, "%s: %s", path, local->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, "test"))
    {
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", NULL,
           "missing group (every test file starts with [test] and name=...)");
      return NULL;
    }
  if (!check_keys (kf, path, "test", test_keys, FALSE, error))
    return NULL;

  g_autoptr (KtstrTestDef) def = g_new0 (KtstrTestDef, 1);
  def->path = g_strdup (path);
  def->cgroups = g_ptr_array_new_with_free_func ((GDestroyNotify) cgroup_def_free);
  def->duration_ms = DEFAULT_DURATION_MS;
  def->settle_ms = DEFAULT_SETTLE_MS;
  def->workers = DEFAULT_WORKERS;

  def->name = g_key_file_get_string (kf, "test", "name", NULL);
  if (!valid_name (def->name))
    {
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "name",
           "required; 1-64 letters, digits, '_' or '-'");
      return NULL;
    }
  def->description = g_key_file_get_string (kf, "test", "description", NULL);
  if (def->description == NULL)
    def->description = g_strdup ("");
  def->topology = g_key_file_get_string (kf, "test", "topology", NULL);
  if (def->topology == NULL)
    def->topology = g_strdup (KTSTR_TOPOLOGY_DEFAULT_LABEL);
  else
    {
      KtstrTopology t;
      char err[256];
      if (ktstr_topology_parse (def->topology, &t, err, sizeof err) != 0)
        {
          bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "topology", "%s", err);
          return NULL;
        }
    }
  if (!get_uint (kf, path, "test", "duration_ms", 100, MAX_DURATION_MS, &def->duration_ms, error)
      || !get_uint (kf, path, "test", "settle_ms", 0, 60000, &def->settle_ms, error)
      || !get_uint (kf, path, "test", "workers", 1, MAX_WORKERS, &def->workers, error))
    return NULL;

  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      if (g_str_equal (*g, "test") || g_str_equal (*g, "checks"))
        continue;
      if (!g_str_has_prefix (*g, "cgroup "))
        {
          bad (error, KTSTR_TESTDEF_ERROR_UNKNOWN, path, *g, NULL,
               "unknown group (expected [test], [cgroup NAME] or [checks])");
          return NULL;
        }
      KtstrCgroupDef *cg = load_cgroup (kf, path, *g, error);
      if (cg == NULL)
        return NULL;
      g_ptr_array_add (def->cgroups, cg);
    }
  if (def->cgroups->len == 0)
    {
      bad (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", NULL,
           "a test needs at least one [cgroup NAME] group");
      return NULL;
    }
  def->keyfile = g_steal_pointer (&kf);
  return g_steal_pointer (&def);
}

const char *
ktstr_testdef_work_type (const KtstrTestDef *def)
{
  const char *first = NULL;
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      for (guint j = 0; j < cg->works->len; j++)
        {
          KtstrWorkDef *w = cg->works->pdata[j];
          if (first == NULL)
            first = w->type;
          else if (!g_str_equal (first, w->type))
            return "Mixed";
        }
    }
  return first ? first : "CpuSpin";
}

char *
ktstr_testdef_to_plan (const KtstrTestDef *def, const char *topology, guint guard_ms)
{
  GString *s = g_string_new (KTSTR_PLAN_MAGIC "\n");
  g_string_append_printf (s, "test %s\n", def->name);
  g_string_append_printf (s, "topology %s\n", topology);
  g_string_append_printf (s, "duration_ms %u\n", def->duration_ms);
  g_string_append_printf (s, "settle_ms %u\n", def->settle_ms);
  g_string_append_printf (s, "guard_ms %u\n", guard_ms);
  g_string_append_printf (s, "workers %u\n", def->workers);
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      g_string_append_printf (s, "cgroup %s", cg->name);
      if (cg->cpuset != NULL)
        g_string_append_printf (s, " cpuset=%s", cg->cpuset);
      g_string_append_c (s, '\n');
    }
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      for (guint j = 0; j < cg->works->len; j++)
        {
          KtstrWorkDef *w = cg->works->pdata[j];
          g_string_append_printf (s, "work %s %s workers=%u", cg->name, w->type,
                                  w->workers ? w->workers : def->workers);
          for (guint k = 0; k < w->params->len; k++)
            g_string_append_printf (s, " %s", (char *) w->params->pdata[k]);
          g_string_append_c (s, '\n');
        }
    }
  return g_string_free (s, FALSE);
}

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  const KtstrTestDef *x = *(KtstrTestDef *const *) a;
  const KtstrTestDef *y = *(KtstrTestDef *const *) b;
  return strcmp (x->name, y->name);
}

GPtrArray *
ktstr_testdef_load_dir (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  g_autoptr (GPtrArray) defs = g_ptr_array_new_with_free_func ((GDestroyNotify) ktstr_testdef_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".ktstr"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      KtstrTestDef *def = ktstr_testdef_load (path, error);
      if (def == NULL)
        return NULL;
      g_ptr_array_add (defs, def);
    }
  g_ptr_array_sort (defs, compare_by_name);
  for (guint i = 1; i < defs->len; i++)
    {
      KtstrTestDef *a = defs->pdata[i - 1], *b = defs->pdata[i];
      if (g_str_equal (a->name, b->name))
        {
          g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                       "test name '%s' is defined twice: %s and %s", a->name, a->path, b->path);
          return NULL;
        }
    }
  return g_steal_pointer (&defs);
}

char *
ktstr_testdef_builtin_dir (void)
{
  const char *env = g_getenv ("KTSTR_DATADIR");
  if (env != NULL && *env != '\0')
    return g_build_filename (env, "tests", NULL);

  /* A binary inside the build tree uses the source tree's data, so edits
   * to data/tests take effect without 'make install'. */
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, KTSTR_ABS_BUILDDIR "/"))
    return g_build_filename (KTSTR_ABS_SRCDIR, "data", "tests", NULL);
  return g_build_filename (KTSTR_PKGDATADIR, "tests", NULL);
}
