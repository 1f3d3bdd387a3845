/* The dynamic half of a test file: [step N], [backdrop] and [payload NAME]
 * groups, and the checks the plan grammar the guest runs (common/plan.h)
 * makes of the plan the whole file renders to (testdef-render.c), so a
 * file the host accepts is a plan the guest runs; and, at a topology, the
 * check that its cpusets resolve there as the guest would resolve them
 * (common/plan-fit.h). */
#include "config.h"

#include <string.h>

#include "common/cpu-topo.h"
#include "common/plan-fit.h"
#include "common/plan.h"
#include "common/proto.h"
#include "common/topology.h"
#include "testdef/testdef-private.h"
#include "testdef/testdef.h"
#include "util/keyfile.h"

#define MAX_STEPS 32

static void
step_def_free (KtstrStepDef *st)
{
  g_free (st->hold);
  g_ptr_array_unref (st->ops);
  g_free (st);
}

static void
payload_check_free (KtstrPayloadCheck *c)
{
  g_free (c->metric);
  g_free (c);
}

static void
payload_def_free (KtstrPayloadDef *pl)
{
  g_free (pl->name);
  g_free (pl->binary);
  g_ptr_array_unref (pl->args);
  g_ptr_array_unref (pl->checks);
  g_free (pl);
}

/* The one unknown-key check of every loader (util/keyfile.h). */
static gboolean
check_keys (GKeyFile *kf, const char *path, const char *group, const char *const *allowed,
            const char *const *prefixes, GError **error)
{
  return ktstr_keyfile_check_keys (kf, path, group, allowed, prefixes, "METRIC",
                                   KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_UNKNOWN, error);
}

/* An ops= list: each entry one op, whitespace-trimmed, empty ones skipped. */
static gboolean
load_ops (GKeyFile *kf, const char *path, const char *group, const char *key, GPtrArray *out,
          GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_auto (GStrv) list = g_key_file_get_string_list (kf, group, key, NULL, NULL);
  for (char **o = list; o && *o; o++)
    {
      g_strstrip (*o);
      if (**o == '\0')
        continue;
      if (strchr (*o, '\n') != NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, key,
                                   "an op cannot span lines");
      g_ptr_array_add (out, g_strdup (*o));
    }
  return TRUE;
}

static gboolean
parse_double (const char *s, double *out)
{
  char *end = NULL;
  if (s == NULL || *s == '\0')
    return FALSE;
  *out = g_ascii_strtod (s, &end);
  return end != s && *end == '\0';
}

static gboolean
load_payload (GKeyFile *kf, const char *path, const char *group, KtstrTestDef *def, GError **error)
{
  static const char *const allowed[] = { "binary", "args", "output", "exit_code", "exists", NULL };
  static const char *const prefixes[] = { "min.", "max.", "range.", NULL };
  const char *name = group + strlen ("payload ");
  if (*name == '\0' || strlen (name) > 63
      || strspn (name, "abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
             != strlen (name))
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
                               "payload name '%s' must be 1-63 letters, digits, '_' or '-'", name);
  if (!check_keys (kf, path, group, allowed, prefixes, error))
    return FALSE;
  KtstrPayloadDef *pl = g_new0 (KtstrPayloadDef, 1);
  g_ptr_array_add (def->payloads, pl);
  pl->name = g_strdup (name);
  pl->args = g_ptr_array_new_with_free_func (g_free);
  pl->checks = g_ptr_array_new_with_free_func ((GDestroyNotify)payload_check_free);

  g_autofree char *binary = g_key_file_get_string (kf, group, "binary", NULL);
  if (binary == NULL || *binary == '\0')
    return ktstr_testdef_fail (
        error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "binary",
        "required: the program to run, a host path (relative to the test file)");
  if (g_path_is_absolute (binary))
    pl->binary = g_steal_pointer (&binary);
  else
    {
      g_autofree char *dir = g_path_get_dirname (path);
      pl->binary = g_build_filename (dir, binary, NULL);
    }
  if (!g_file_test (pl->binary, G_FILE_TEST_IS_REGULAR | G_FILE_TEST_IS_EXECUTABLE)
      || !g_file_test (pl->binary, G_FILE_TEST_IS_EXECUTABLE))
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "binary",
                               "'%s' is not an executable file", pl->binary);
  if (g_key_file_has_key (kf, group, "args", NULL))
    {
      g_auto (GStrv) args = g_key_file_get_string_list (kf, group, "args", NULL, NULL);
      for (char **a = args; a && *a; a++)
        {
          if (strchr (*a, '\n') != NULL)
            return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "args",
                                       "an argument cannot hold a newline");
          g_ptr_array_add (pl->args, g_strdup (*a));
        }
    }
  g_autofree char *output = g_key_file_get_string (kf, group, "output", NULL);
  if (output != NULL && !g_str_equal (output, "json") && !g_str_equal (output, "exitcode"))
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "output",
                               "'%s' (expected json or exitcode)", output);
  pl->is_json = output != NULL && g_str_equal (output, "json");

  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (char **k = keys; k && *k; k++)
    {
      g_autofree char *v = g_key_file_get_string (kf, group, *k, NULL);
      KtstrPayloadCheck c = { 0 };
      const char *metric = NULL;
      if (g_str_equal (*k, "exit_code"))
        {
          char *end = NULL;
          c.kind = KTSTR_PAYLOAD_CHECK_EXIT_CODE;
          c.lo = (double)g_ascii_strtoll (v ? v : "", &end, 10);
          if (v == NULL || *v == '\0' || *end != '\0' || c.lo < 0 || c.lo > 255)
            return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
                                       "'%s' is not an exit code from 0 to 255", v ? v : "");
        }
      else if (g_str_has_prefix (*k, "min.") || g_str_has_prefix (*k, "max."))
        {
          c.kind = (*k)[1] == 'i' ? KTSTR_PAYLOAD_CHECK_MIN : KTSTR_PAYLOAD_CHECK_MAX;
          metric = *k + 4;
          if (!parse_double (v, c.kind == KTSTR_PAYLOAD_CHECK_MIN ? &c.lo : &c.hi))
            return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
                                       "'%s' is not a number", v ? v : "");
        }
      else if (g_str_has_prefix (*k, "range."))
        {
          c.kind = KTSTR_PAYLOAD_CHECK_RANGE;
          metric = *k + 6;
          g_auto (GStrv) lohi = g_strsplit (v ? v : "", ",", -1);
          if (g_strv_length (lohi) != 2 || !parse_double (g_strstrip (lohi[0]), &c.lo)
              || !parse_double (g_strstrip (lohi[1]), &c.hi) || c.lo > c.hi)
            return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
                                       "'%s' (expected LO,HI with LO <= HI, e.g. 10,20)",
                                       v ? v : "");
        }
      else if (g_str_equal (*k, "exists"))
        {
          g_auto (GStrv) list = g_key_file_get_string_list (kf, group, *k, NULL, NULL);
          for (char **m = list; m && *m; m++)
            if (*g_strstrip (*m) != '\0')
              {
                KtstrPayloadCheck *e = g_new0 (KtstrPayloadCheck, 1);
                e->kind = KTSTR_PAYLOAD_CHECK_EXISTS;
                e->metric = g_strdup (*m);
                g_ptr_array_add (pl->checks, e);
              }
          continue;
        }
      else
        continue;
      if (metric != NULL && !pl->is_json)
        return ktstr_testdef_fail (
            error, KTSTR_TESTDEF_ERROR_INVALID, path, group, *k,
            "metric checks need output=json (an exitcode payload has no metrics)");
      KtstrPayloadCheck *nc = g_memdup2 (&c, sizeof c);
      nc->metric = g_strdup (metric);
      g_ptr_array_add (pl->checks, nc);
    }
  return TRUE;
}

static gboolean
load_step (GKeyFile *kf, const char *path, const char *group, KtstrTestDef *def, GError **error)
{
  static const char *const allowed[] = { "hold", "ops", NULL };
  const char *num = group + strlen ("step ");
  char *end = NULL;
  guint64 n = g_ascii_strtoull (num, &end, 10);
  if (*num == '\0' || *end != '\0' || n >= MAX_STEPS)
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
                               "expected [step N] with N from 0 to %d", MAX_STEPS - 1);
  if (!check_keys (kf, path, group, allowed, NULL, error))
    return FALSE;
  KtstrStepDef *st = g_new0 (KtstrStepDef, 1);
  st->index = (guint)n;
  st->ops = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (def->steps, st);
  st->hold = g_key_file_get_string (kf, group, "hold", NULL);
  if (st->hold == NULL)
    return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, "hold",
                               "required: frac:F (a fraction of duration_ms), fixed:MS or loop:MS");
  g_strstrip (st->hold);
  return load_ops (kf, path, group, "ops", st->ops, error);
}

static int
compare_steps (gconstpointer a, gconstpointer b)
{
  const KtstrStepDef *x = *(KtstrStepDef *const *)a, *y = *(KtstrStepDef *const *)b;
  return (int)x->index - (int)y->index;
}

static gboolean
load_backdrop (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  static const char *const allowed[] = { "cgroups", "payloads", "ops", NULL };
  if (!g_key_file_has_group (kf, "backdrop"))
    return TRUE;
  if (!check_keys (kf, path, "backdrop", allowed, NULL, error))
    return FALSE;
  g_auto (GStrv) cgroups = g_key_file_get_string_list (kf, "backdrop", "cgroups", NULL, NULL);
  for (char **c = cgroups; c && *c; c++)
    {
      g_strstrip (*c);
      KtstrCgroupDef *found = NULL;
      for (guint i = 0; i < def->cgroups->len; i++)
        if (g_str_equal (((KtstrCgroupDef *)def->cgroups->pdata[i])->name, *c))
          found = def->cgroups->pdata[i];
      if (found == NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "backdrop", "cgroups",
                                   "no [cgroup %s] group in this file", *c);
      if (found->step >= 0)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "backdrop", "cgroups",
                                   "cgroup %s has step=%d; a backdrop cgroup belongs to no step",
                                   *c, found->step);
    }
  g_auto (GStrv) payloads = g_key_file_get_string_list (kf, "backdrop", "payloads", NULL, NULL);
  for (char **p = payloads; p && *p; p++)
    {
      g_strstrip (*p);
      if (ktstr_testdef_find_payload (def, *p) == NULL)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, "backdrop", "payloads",
                                   "no [payload %s] group in this file", *p);
      g_ptr_array_add (def->backdrop_ops, g_strdup_printf ("RunPayload %s", *p));
    }
  return load_ops (kf, path, "backdrop", "ops", def->backdrop_ops, error);
}

const KtstrPayloadDef *
ktstr_testdef_find_payload (const KtstrTestDef *def, const char *name)
{
  for (guint i = 0; def->payloads && i < def->payloads->len; i++)
    if (g_str_equal (((KtstrPayloadDef *)def->payloads->pdata[i])->name, name))
      return def->payloads->pdata[i];
  return NULL;
}

gboolean
ktstr_testdef_load_steps (GKeyFile *kf, const char *path, KtstrTestDef *def, GError **error)
{
  def->steps = g_ptr_array_new_with_free_func ((GDestroyNotify)step_def_free);
  def->backdrop_ops = g_ptr_array_new_with_free_func (g_free);
  def->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify)payload_def_free);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix (*g, "payload ") && !load_payload (kf, path, *g, def, error))
      return FALSE;
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix (*g, "step ") && !load_step (kf, path, *g, def, error))
      return FALSE;
  g_ptr_array_sort (def->steps, compare_steps);
  for (guint i = 0; i < def->steps->len; i++)
    if (((KtstrStepDef *)def->steps->pdata[i])->index != i)
      {
        g_autofree char *group = g_strdup_printf ("step %u", i);
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_INVALID, path, group, NULL,
                                   "missing: steps are numbered from 0 without gaps");
      }
  if (!load_backdrop (kf, path, def, error))
    return FALSE;

  /* The plan grammar judges the whole plan, and the test's own topology
   * must hold its cpusets. */
  return ktstr_testdef_check_topology (def, def->topology, error);
}

gboolean
ktstr_testdef_check_topology (const KtstrTestDef *def, const char *topology, GError **error)
{
  /* The line and field of a plan error become the group and key that line
   * came from. */
  g_autoptr (GPtrArray) origins
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_plan_origin_free);
  g_autofree char *plan_text = ktstr_testdef_render (def, topology, 0, origins);
  g_autofree KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  KtstrPlanError perr;
  int code = KTSTR_TESTDEF_ERROR_INVALID;
  if (ktstr_plan_parse (plan_text, plan, &perr) == 0)
    {
      KtstrTopology label;
      if (ktstr_topology_parse (topology, &label, perr.msg, sizeof perr.msg) != 0)
        return ktstr_testdef_fail (error, KTSTR_TESTDEF_ERROR_DOES_NOT_FIT, def->path, "test",
                                   "topology", "%s", perr.msg);
      g_autofree KtstrTopo *topo = g_new0 (KtstrTopo, 1);
      ktstr_topo_from_label (&label, topo);
      if (ktstr_plan_check_topo (plan, topo, &perr) == 0)
        return TRUE;
      code = KTSTR_TESTDEF_ERROR_CPUS;
      g_autofree char *msg = g_strdup_printf ("at topology %s: %s", topology, perr.msg);
      g_strlcpy (perr.msg, msg, sizeof perr.msg);
    }
  const KtstrPlanOrigin *origin
      = perr.line >= 1 && perr.line <= origins->len ? origins->pdata[perr.line - 1] : NULL;
  g_autofree char *key = origin != NULL ? ktstr_plan_origin_key (origin, perr.field) : NULL;
  return ktstr_testdef_fail (error, code, def->path, origin != NULL ? origin->group : "test", key,
                             "%s", perr.msg);
}
