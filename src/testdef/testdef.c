#include "config.h"

#include "testdef/testdef.h"
#include "testdef/testdef-private.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/topology.h"
#include "eval/checks.h"
#include "testdef/workspec.h"
#include "util/datapath.h"
#include "util/fsutil.h"
#include "util/keyfile-load.h"
#include "util/keyfile.h"

#define DEFAULT_DURATION_MS 2000
#define DEFAULT_SETTLE_MS 500
#define DEFAULT_WORKERS 2
#define MAX_WORKERS 256
#define MAX_DURATION_MS (3600 * 1000)

static void
work_def_free (KtstrWorkDef *w)
{
  g_free (w->type);
  g_free (w->label);
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCgroupDef, cgroup_def_free)

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
  g_clear_pointer (&def->steps, g_ptr_array_unref);
  g_clear_pointer (&def->backdrop_ops, g_ptr_array_unref);
  g_clear_pointer (&def->payloads, g_ptr_array_unref);
  g_clear_pointer (&def->keyfile, g_key_file_unref);
  g_clear_pointer (&def->scheduler, ktstr_scheduler_def_free);
  g_strfreev (def->flags);
  g_strfreev (def->required_flags);
  g_strfreev (def->excluded_flags);
  g_free (def->expect_err);
  g_strfreev (def->include_files);
  g_free (def);
}

/* The one unknown-key check of every loader (util/keyfile.h); with
 * ALLOW_WORK_PARAMS, work.PARAM keys too (their names are checked when the
 * work is read). */
static gboolean
check_keys (GKeyFile *kf, const char *path, const char *group, const char *const *allowed,
            gboolean allow_work_params, GError **error)
{
  static const char *const work_prefix[] = { "work.", NULL };
  return ktstr_keyfile_check_keys (kf, path, group, allowed, allow_work_params ? work_prefix : NULL,
                                   "PARAM", KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_UNKNOWN,
                                   error);
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

/* A cgroup name: one valid_name, or several joined by '/' ("outer/inner"),
 * a cgroup nested below the ones its prefixes name. */
static gboolean
valid_cgroup_name (const char *s)
{
  if (s == NULL || strlen (s) >= 200)
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (s, "/", -1);
  for (char **c = parts; *c; c++)
    if (!valid_name (*c))
      return FALSE;
  return parts[0] != NULL;
}

/* Whether group G is [work CG/LABEL] for exactly cgroup CG: with nested
 * names the label is what follows the last '/'. */
static gboolean
is_work_group_of (const char *g, const char *cg)
{
  if (!g_str_has_prefix (g, "work ") || !g_str_has_prefix (g + 5, cg))
    return FALSE;
  const char *rest = g + 5 + strlen (cg);
  return rest[0] == '/' && strchr (rest + 1, '/') == NULL;
}

/* Reads the parameter and option keys of one work (KEY_PREFIX "work."
 * in a [cgroup] group, "" in a [work] group) into W->params as the plan's
 * key=value words.  Their values are checked with the whole plan
 * (ktstr_testdef_load_steps), whose errors name the key. */
static gboolean
load_work_words (GKeyFile *kf, const char *path, const char *group, const char *key_prefix,
                 KtstrWorkDef *w, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  g_auto (GStrv) params = ktstr_workspec_params (w->type);
  for (char **k = keys; k && *k; k++)
    {
      const char *word = *k;
      gboolean is_option
          = g_strv_contains (ktstr_workspec_options, word) && !g_str_equal (word, "workers");
      if (!is_option && *key_prefix == '\0' && !g_strv_contains ((const char *const *)params, word))
        continue; /* type, workers */
      if (!is_option && *key_prefix != '\0')
        {
          if (!g_str_has_prefix (word, key_prefix))
            continue;
          word += strlen (key_prefix);
          if (!g_strv_contains ((const char *const *)params, word))
            {
              g_autofree char *list = g_strjoinv (", ", params);
              return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_UNKNOWN, path, group, *k,
                                         "work type %s has no parameter '%s' (its parameters: %s)",
                                         w->type, word, *list ? list : "none");
            }
        }
      g_autofree char *value = g_key_file_get_string (kf, group, *k, NULL);
      g_autofree char *pair = g_strdup_printf ("%s=%s", word, value ? value : "");
      /* A plan line is words: a blank would split the value. */
      if (strpbrk (pair, " \t\n") != NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
                                   "'%s': values cannot contain spaces", pair);
      g_ptr_array_add (w->params, g_steal_pointer (&pair));
    }
  return TRUE;
}

static KtstrWorkDef *
work_def_new (const char *type, const char *label)
{
  KtstrWorkDef *w = g_new0 (KtstrWorkDef, 1);
  w->type = g_strdup (type);
  w->label = g_strdup (label);
  w->params = g_ptr_array_new_with_free_func (g_free);
  return w;
}

static gboolean
check_work_type (const char *path, const char *group, const char *key, const char *type,
                 GError **error)
{
  if (ktstr_workspec_has_type (type))
    return TRUE;
  g_autofree char *list = g_strjoinv (", ", (char **)ktstr_work_types ());
  return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, key,
                             "unknown work type '%s' (expected one of: %s)", type, list);
}

static KtstrCgroupDef *
load_cgroup (GKeyFile *kf, const char *path, const char *group, gboolean has_work_groups,
             const char *child, GError **error)
{
  static const char *const allowed[] = { "work",     "workers",   "cpuset",     "policy", "nice",
                                         "affinity", "mempolicy", "mpol_flags", "step",   NULL };
  const char *name = group + strlen ("cgroup ");

  if (!valid_cgroup_name (name))
    {
      ktstr_testdef_fail (
          error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
          "cgroup name '%s' must be 1-64 letters, digits, '_' or '-', or such names "
          "joined by '/' for a nested cgroup (outer/inner)",
          name);
      return NULL;
    }
  /* cgroup v2's no-internal-process rule: a cgroup with children holds no
   * tasks of its own, so a parent gets no default work either. */
  if (child != NULL && (has_work_groups || g_key_file_has_key (kf, group, "work", NULL)))
    {
      ktstr_testdef_fail (
          error, KTSTR_TESTDEF_ERROR_INVALID, path, group, has_work_groups ? NULL : "work",
          "cgroup %s has a child cgroup ([%s]), so it cannot hold workers (cgroup v2 lets "
          "only leaves hold tasks): move its work into a child cgroup",
          name, child);
      return NULL;
    }
  if (!check_keys (kf, path, group, allowed, TRUE, error))
    return NULL;

  g_autoptr (KtstrCgroupDef) cg = g_new0 (KtstrCgroupDef, 1);
  cg->name = g_strdup (name);
  cg->works = g_ptr_array_new_with_free_func ((GDestroyNotify)work_def_free);
  cg->step = -1;
  if (g_key_file_has_key (kf, group, "step", NULL))
    {
      guint step = 0;
      g_autofree char *sg = NULL;
      if (!ktstr_testdef_get_uint (kf, path, group, "step", 0, 31, &step, error))
        return NULL;
      sg = g_strdup_printf ("step %u", step);
      if (!g_key_file_has_group (kf, sg))
        {
          ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "step",
                              "there is no [step %u] group in this file", step);
          return NULL;
        }
      cg->step = (int)step;
    }
  cg->cpuset = g_key_file_get_string (kf, group, "cpuset", NULL);
  g_autoptr (GError) local = NULL;
  if (cg->cpuset != NULL && !ktstr_workspec_check_cpuset (cg->cpuset, &local))
    {
      ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "cpuset", "%s",
                          local->message);
      return NULL;
    }

  /* With [work NAME/LABEL] groups and no work= here, the cgroup's works are
   * those groups alone; otherwise work= (default CpuSpin) is one more. */
  g_autofree char *type = g_key_file_get_string (kf, group, "work", NULL);
  if (type == NULL && has_work_groups)
    {
      static const char *const work_keys[]
          = { "workers", "policy", "nice", "affinity", "mempolicy", "mpol_flags", NULL };
      for (const char *const *k = work_keys; *k; k++)
        if (g_key_file_has_key (kf, group, *k, NULL))
          {
            ktstr_testdef_fail (
                error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
                "applies to this group's own work, but it has none (add work=TYPE, or set "
                "%s in its [work %s/LABEL] groups)",
                *k, name);
            return NULL;
          }
      return g_steal_pointer (&cg);
    }
  if (type == NULL && child != NULL)
    {
      if (!check_keys (kf, path, group, (const char *const[]){ "cpuset", "step", NULL }, FALSE,
                       error))
        return NULL;
      return g_steal_pointer (&cg);
    }
  if (type == NULL)
    type = g_strdup ("CpuSpin");
  if (!check_work_type (path, group, "work", type, error))
    return NULL;

  KtstrWorkDef *w = work_def_new (type, NULL);
  g_ptr_array_add (cg->works, w);
  if (!ktstr_testdef_get_uint (kf, path, group, "workers", 1, MAX_WORKERS, &w->workers, error)
      || !load_work_words (kf, path, group, "work.", w, error))
    return NULL;
  return g_steal_pointer (&cg);
}

/* [work CGROUP/LABEL]: one more work in CGROUP, defined after it. */
static gboolean
load_work_group (GKeyFile *kf, const char *path, const char *group, KtstrTestDef *def,
                 GError **error)
{
  const char *spec = group + strlen ("work ");
  const char *slash = strrchr (spec, '/');
  g_autofree char *cg_name = slash ? g_strndup (spec, (gsize)(slash - spec)) : g_strdup (spec);
  if (slash == NULL || !valid_name (slash + 1))
    return ktstr_testdef_fail (
        error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
        "expected [work CGROUP/LABEL], LABEL 1-64 letters, digits, '_' or '-'");
  KtstrCgroupDef *cg = NULL;
  for (guint i = 0; i < def->cgroups->len; i++)
    if (g_str_equal (((KtstrCgroupDef *)def->cgroups->pdata[i])->name, cg_name))
      cg = def->cgroups->pdata[i];
  if (cg == NULL)
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
                               "no [cgroup %s] group in this file", cg_name);
  g_autofree char *type = g_key_file_get_string (kf, group, "type", NULL);
  if (type == NULL)
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "type",
                               "required: the work type, e.g. type=PipeIo");
  if (!check_work_type (path, group, "type", type, error))
    return FALSE;
  g_auto (GStrv) params = ktstr_workspec_params (type);
  g_autoptr (GPtrArray) allowed = g_ptr_array_new ();
  g_ptr_array_add (allowed, (gpointer) "type");
  for (const char *const *o = ktstr_workspec_options; *o; o++)
    g_ptr_array_add (allowed, (gpointer)*o);
  for (char **p = params; *p; p++)
    g_ptr_array_add (allowed, *p);
  g_ptr_array_add (allowed, NULL);
  if (!check_keys (kf, path, group, (const char *const *)allowed->pdata, FALSE, error))
    return FALSE;
  KtstrWorkDef *w = work_def_new (type, slash + 1);
  g_ptr_array_add (cg->works, w);
  return ktstr_testdef_get_uint (kf, path, group, "workers", 1, MAX_WORKERS, &w->workers, error)
         && load_work_words (kf, path, group, "", w, error);
}

static gint
cmp_cgroup_depth (gconstpointer a, gconstpointer b)
{
  const KtstrCgroupDef *x = *(KtstrCgroupDef *const *)a, *y = *(KtstrCgroupDef *const *)b;
  guint dx = 0, dy = 0;
  for (const char *c = x->name; *c; c++)
    dx += *c == '/';
  for (const char *c = y->name; *c; c++)
    dy += *c == '/';
  return dx < dy ? -1 : dx > dy;
}

/* Nested cgroups: each parent a group of its own, before its children
 * (the plan creates cgroups in order and removes them in reverse, so
 * leaves go first).  A parent the file does not define gets an implicit
 * one in the backdrop: no workers, no cpuset. */
static void
nest_cgroups (KtstrTestDef *def)
{
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      const char *name = ((KtstrCgroupDef *)def->cgroups->pdata[i])->name;
      for (const char *s = strchr (name, '/'); s != NULL; s = strchr (s + 1, '/'))
        {
          g_autofree char *parent = g_strndup (name, (gsize)(s - name));
          gboolean found = FALSE;
          for (guint j = 0; j < def->cgroups->len && !found; j++)
            found = g_str_equal (((KtstrCgroupDef *)def->cgroups->pdata[j])->name, parent);
          if (found)
            continue;
          KtstrCgroupDef *pc = g_new0 (KtstrCgroupDef, 1);
          pc->name = g_steal_pointer (&parent);
          pc->works = g_ptr_array_new_with_free_func ((GDestroyNotify)work_def_free);
          pc->step = -1;
          g_ptr_array_add (def->cgroups, pc);
          name = ((KtstrCgroupDef *)def->cgroups->pdata[i])->name;
        }
    }
  /* Stable (GLib >= 2.32): file order among cgroups of one depth. */
  g_ptr_array_sort (def->cgroups, cmp_cgroup_depth);
}

/* The test's topology constraints ([test] min_llcs ... requires_smt): the
 * gauntlet and --topology skip a topology outside them (ktstr-test(5)). */
static gboolean
load_constraints (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  KtstrTestConstraints *c = &def->constraints;
  c->min_llcs = 1, c->max_llcs = 64, c->min_cpus = 1, c->max_cpus = 512;
  c->min_numa_nodes = 1, c->max_numa_nodes = 1;
  if (!ktstr_testdef_get_uint (kf, path, "test", "min_llcs", 1, 512, &c->min_llcs, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "max_llcs", 1, 512, &c->max_llcs, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "min_cpus", 1, 512, &c->min_cpus, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "max_cpus", 1, 512, &c->max_cpus, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "min_numa_nodes", 1, 64, &c->min_numa_nodes,
                                  error)
      || !ktstr_testdef_get_uint (kf, path, "test", "max_numa_nodes", 1, 64, &c->max_numa_nodes,
                                  error))
    return FALSE;
  if (g_key_file_has_key (kf, "test", "requires_smt", NULL))
    {
      g_autoptr (GError) local = NULL;
      c->requires_smt = g_key_file_get_boolean (kf, "test", "requires_smt", &local);
      if (local != NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "requires_smt",
                                   "expected true or false");
    }
  static const char *const pairs[][2] = { { "min_llcs", "max_llcs" },
                                          { "min_cpus", "max_cpus" },
                                          { "min_numa_nodes", "max_numa_nodes" } };
  const guint lo[] = { c->min_llcs, c->min_cpus, c->min_numa_nodes };
  const guint hi[] = { c->max_llcs, c->max_cpus, c->max_numa_nodes };
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    if (lo[i] > hi[i])
      return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", pairs[i][0],
                                 "%u is above %s %u", lo[i], pairs[i][1], hi[i]);
  /* The test's own topology must satisfy its own constraints. */
  g_autoptr (GError) local = NULL;
  if (!ktstr_testdef_fits (def, def->topology, &local))
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "topology", "%s",
                               local->message);
  return TRUE;
}

gboolean
ktstr_testdef_fits (const KtstrTestDef *def, const char *topology, GError **error)
{
  KtstrTopology t;
  char err[256];
  if (ktstr_topology_parse (topology, &t, err, sizeof err) != 0)
    {
      g_set_error_literal (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT, err);
      return FALSE;
    }
  const KtstrTestConstraints *c = &def->constraints;
  guint llcs = t.llcs, cpus = t.llcs * t.cores_per_llc * t.threads_per_core, nodes = t.numa_nodes;
  if (llcs < c->min_llcs || llcs > c->max_llcs)
    g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT,
                 "%s has %u LLCs; test '%s' needs %u to %u", topology, llcs, def->name, c->min_llcs,
                 c->max_llcs);
  else if (cpus < c->min_cpus || cpus > c->max_cpus)
    g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT,
                 "%s has %u CPUs; test '%s' needs %u to %u", topology, cpus, def->name, c->min_cpus,
                 c->max_cpus);
  else if (nodes < c->min_numa_nodes || nodes > c->max_numa_nodes)
    g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT,
                 "%s has %u NUMA nodes; test '%s' needs %u to %u", topology, nodes, def->name,
                 c->min_numa_nodes, c->max_numa_nodes);
  else if (c->requires_smt && t.threads_per_core < 2)
    g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT,
                 "%s has no SMT; test '%s' requires SMT", topology, def->name);
  else
    return TRUE;
  return FALSE;
}

gboolean
ktstr_testdef_allows_flags (const KtstrTestDef *def, const char *const *active, GError **error)
{
  static const char *const none[] = { NULL };
  if (active == NULL)
    active = none;
  for (char **f = def->required_flags; f && *f; f++)
    if (!g_strv_contains (active, *f))
      {
        g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_FLAGS,
                     "test '%s' requires flag '%s' (required_flags)", def->name, *f);
        return FALSE;
      }
  for (char **f = def->excluded_flags; f && *f; f++)
    if (g_strv_contains (active, *f))
      {
        g_set_error (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_FLAGS,
                     "test '%s' excludes flag '%s' (excluded_flags)", def->name, *f);
        return FALSE;
      }
  return TRUE;
}

/* Reads the optional comma-separated list KEY of [test] (NULL when absent):
 * names of flags, each 1-64 letters, digits, '_' or '-', no repeats. */
static gboolean
get_flag_list (GKeyFile *kf, const char *path, const char *key, char ***out, GError **error)
{
  *out = NULL;
  g_autofree char *text = g_key_file_get_string (kf, "test", key, NULL);
  if (text == NULL)
    return TRUE;
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  for (char **i = items; *i; i++)
    {
      g_strstrip (*i);
      if (!valid_name (*i))
        return ktstr_testdef_fail (
            error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", key,
            "'%s' is not a flag name (expected a comma-separated list such as "
            "llc,steal)",
            *i);
      if (g_ptr_array_find_with_equal_func (seen, *i, g_str_equal, NULL))
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", key,
                                   "flag '%s' is listed twice", *i);
      g_ptr_array_add (seen, *i);
      g_strv_builder_add (b, *i);
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

static gboolean
sched_has_flag (const KtstrSchedulerDef *sdef, const char *name)
{
  for (guint j = 0; j < sdef->flags->len; j++)
    if (g_str_equal (((KtstrSchedulerFlag *)sdef->flags->pdata[j])->name, name))
      return TRUE;
  return FALSE;
}

/* [test] scheduler=, flags=, required_flags=, excluded_flags=: every flag
 * named must exist in the scheduler (when the file names one), flags=
 * needs scheduler= and must itself satisfy required/excluded, and no
 * flag is both required and excluded. */
static gboolean
load_scheduler (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  g_autofree char *sched = g_key_file_get_string (kf, "test", "scheduler", NULL);
  if (sched != NULL)
    {
      if (*sched == '\0')
        return ktstr_testdef_fail (
            error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "scheduler",
            "empty; give a scheduler definition file (ktstr-scheduler(5)), relative "
            "to this file");
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *full
          = g_path_is_absolute (sched) ? g_strdup (sched) : g_build_filename (dir, sched, NULL);
      g_autoptr (GError) local = NULL;
      def->scheduler = ktstr_scheduler_def_load (full, &local);
      if (def->scheduler == NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "scheduler",
                                   "%s", local->message);
    }
  if (!get_flag_list (kf, path, "flags", &def->flags, error)
      || !get_flag_list (kf, path, "required_flags", &def->required_flags, error)
      || !get_flag_list (kf, path, "excluded_flags", &def->excluded_flags, error))
    return FALSE;
  if (def->required_flags == NULL)
    def->required_flags = g_new0 (char *, 1);
  if (def->excluded_flags == NULL)
    def->excluded_flags = g_new0 (char *, 1);
  if (def->flags != NULL && def->scheduler == NULL)
    return ktstr_testdef_fail (
        error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "flags",
        "selects flags of a scheduler definition, but the file names none (add "
        "scheduler=FILE, or pass --scheduler-file and --flags)");
  for (char **f = def->required_flags; *f; f++)
    if (g_strv_contains ((const char *const *)def->excluded_flags, *f))
      return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "excluded_flags",
                                 "flag '%s' is also in required_flags", *f);
  if (def->scheduler == NULL)
    return TRUE;
  static const char *const keys[] = { "flags", "required_flags", "excluded_flags" };
  char **lists[] = { def->flags, def->required_flags, def->excluded_flags };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    for (char **f = lists[k]; f && *f; f++)
      if (!sched_has_flag (def->scheduler, *f))
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", keys[k],
                                   "scheduler '%s' (%s) has no flag '%s'", def->scheduler->name,
                                   def->scheduler->path, *f);
  if (def->flags != NULL)
    {
      g_autofree char *joined = g_strjoinv (",", def->flags);
      g_auto (GStrv) active = NULL, args = NULL;
      g_autoptr (GError) local = NULL;
      if (!ktstr_scheduler_def_select_flags (def->scheduler, joined, &active, &args, &local)
          || !ktstr_testdef_allows_flags (def, (const char *const *)active, &local))
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "flags", "%s",
                                   local->message);
    }
  /* The test's own topology must suit its scheduler too. */
  g_autoptr (GError) topo_error = NULL;
  if (!ktstr_scheduler_def_check_topology (def->scheduler, def->topology, &topo_error))
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "topology", "%s",
                               topo_error->message);
  return TRUE;
}

/* [test] performance_mode = true | false | realtime. */
static gboolean
load_perf_mode (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  g_autofree char *value = g_key_file_get_string (kf, "test", "performance_mode", NULL);
  if (value == NULL || g_str_equal (value, "false"))
    def->performance_mode = KTSTR_PERF_MODE_OFF;
  else if (g_str_equal (value, "true"))
    def->performance_mode = KTSTR_PERF_MODE_ON;
  else if (g_str_equal (value, "realtime"))
    def->performance_mode = KTSTR_PERF_MODE_REALTIME;
  else
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "performance_mode",
                               "'%s' is not true, false or realtime", value);
  return TRUE;
}

KtstrTestDef *
ktstr_testdef_load (const char *path, GError **error)
{
  static const char *const test_keys[] = { "name",
                                           "description",
                                           "topology",
                                           "duration_ms",
                                           "settle_ms",
                                           "workers",
                                           "min_llcs",
                                           "max_llcs",
                                           "min_cpus",
                                           "max_cpus",
                                           "min_numa_nodes",
                                           "max_numa_nodes",
                                           "requires_smt",
                                           "scheduler",
                                           "flags",
                                           "required_flags",
                                           "excluded_flags",
                                           "performance_mode",
                                           "expect_err",
                                           "memory_mb",
                                           "cleanup_budget_ms",
                                           "include_files",
                                           "swappable",
                                           "fresh_boot",
                                           NULL };
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;

  /* Errors name PATH and the line (util/keyfile-load.h). */
  if (!ktstr_keyfile_load_checked (kf, path, &local))
    {
      int code = g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? KTSTR_TESTDEF_ERROR_NOT_FOUND
                     : KTSTR_TESTDEF_ERROR_PARSE;
      g_set_error_literal (error, KTSTR_TESTDEF_ERROR, code, local->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, "test"))
    {
      ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", NULL,
                          "missing group (every test file starts with [test] and name=...)");
      return NULL;
    }
  if (!check_keys (kf, path, "test", test_keys, FALSE, error))
    return NULL;

  g_autoptr (KtstrTestDef) def = g_new0 (KtstrTestDef, 1);
  def->path = g_strdup (path);
  def->cgroups = g_ptr_array_new_with_free_func ((GDestroyNotify)cgroup_def_free);
  def->duration_ms = DEFAULT_DURATION_MS;
  def->settle_ms = DEFAULT_SETTLE_MS;
  def->workers = DEFAULT_WORKERS;

  def->name = g_key_file_get_string (kf, "test", "name", NULL);
  if (!valid_name (def->name))
    {
      ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "name",
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
          ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", "topology", "%s",
                              err);
          return NULL;
        }
    }
  if (!ktstr_testdef_get_uint (kf, path, "test", "duration_ms", 100, MAX_DURATION_MS,
                               &def->duration_ms, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "settle_ms", 0, 60000, &def->settle_ms, error)
      || !ktstr_testdef_get_uint (kf, path, "test", "workers", 1, MAX_WORKERS, &def->workers,
                                  error))
    return NULL;
  if (!load_constraints (kf, path, def, error) || !load_scheduler (kf, path, def, error)
      || !load_perf_mode (kf, path, def, error)
      || !ktstr_testdef_load_run_keys (kf, path, def, error))
    return NULL;

  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      if (g_str_equal (*g, "test") || g_str_equal (*g, "checks") || g_str_has_prefix (*g, "work ")
          || g_str_has_prefix (*g, "step ") || g_str_equal (*g, "backdrop")
          || g_str_has_prefix (*g, "payload "))
        continue;
      if (!g_str_has_prefix (*g, "cgroup "))
        {
          ktstr_testdef_fail (
              error, KTSTR_TESTDEF_ERROR_UNKNOWN, path, *g, NULL,
              "unknown group (expected [test], [cgroup NAME], [work CGROUP/LABEL], [step N], "
              "[backdrop], [payload NAME] or [checks])");
          return NULL;
        }
      g_autofree char *child_prefix = g_strdup_printf ("%s/", *g);
      gboolean has_work_groups = FALSE;
      const char *child = NULL;
      for (char **h = groups; *h; h++)
        {
          has_work_groups |= is_work_group_of (*h, *g + strlen ("cgroup "));
          if (child == NULL && g_str_has_prefix (*h, child_prefix))
            child = *h;
        }
      KtstrCgroupDef *cg = load_cgroup (kf, path, *g, has_work_groups, child, error);
      if (cg == NULL)
        return NULL;
      g_ptr_array_add (def->cgroups, cg);
    }
  nest_cgroups (def);
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix (*g, "work ") && !load_work_group (kf, path, *g, def, error))
      return NULL;
  if (g_key_file_has_group (kf, "checks"))
    {
      KtstrChecks overrides;
      g_autoptr (GError) local_checks = NULL;
      if (!ktstr_checks_from_keyfile (kf, path, "checks", &overrides, &local_checks))
        {
          g_set_error_literal (error, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_INVALID,
                               local_checks->message);
          return NULL;
        }
    }
  if (!ktstr_testdef_load_steps (kf, path, def, error))
    return NULL;
  if (def->cgroups->len == 0 && def->steps->len == 0)
    {
      ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "test", NULL,
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

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  const KtstrTestDef *x = *(KtstrTestDef *const *)a;
  const KtstrTestDef *y = *(KtstrTestDef *const *)b;
  return strcmp (x->name, y->name);
}

GPtrArray *
ktstr_testdef_load_dir (const char *dir, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  g_autoptr (GPtrArray) defs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".ktstr"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      /* Only files are tests: a directory named x.ktstr is passed by, and
       * a FIFO or device (which would block or never end) is named and
       * passed by, so neither stops the other tests from loading. */
      GStatBuf st;
      if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
        {
          if (!S_ISDIR (st.st_mode))
            g_printerr ("ktstr: warning: skipping %s: it is %s, not a test file\n", path,
                        ktstr_file_type_name (st.st_mode));
          continue;
        }
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
  return ktstr_data_path ("tests");
}
