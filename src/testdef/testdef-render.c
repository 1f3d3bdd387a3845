/* A test definition rendered as the line-oriented plan the guest agent
 * reads, where each plan line comes from in the file, and what the host
 * learns from that plan through the plan grammar the agent runs (run
 * time, expected workers). */
#include "config.h"

#include <stdarg.h>

#include "common/plan.h"
#include "common/proto.h"
#include "testdef/testdef-private.h"
#include "testdef/testdef.h"
#include "testdef/workspec.h"

void
ktstr_plan_origin_free (KtstrPlanOrigin *o)
{
  g_free (o->group);
  g_free (o->key);
  g_free (o);
}

static void
add_origin (GPtrArray *origins, KtstrPlanOriginKind kind, char *group, const char *key)
{
  if (origins == NULL)
    {
      g_free (group);
      return;
    }
  KtstrPlanOrigin *o = g_new0 (KtstrPlanOrigin, 1);
  o->kind = kind;
  o->group = group;
  o->key = g_strdup (key);
  g_ptr_array_add (origins, o);
}

char *
ktstr_plan_origin_key (const KtstrPlanOrigin *o, const char *field)
{
  gboolean is_whole = field == NULL || *field == '\0' || g_str_equal (field, "cgroup")
                      || g_str_equal (field, "name");
  switch (o->kind)
    {
    case KTSTR_ORIGIN_KEY:
      return g_strdup (o->key);
    case KTSTR_ORIGIN_CGROUP:
      return g_str_equal (field, "cpuset") ? g_strdup ("cpuset") : NULL;
    case KTSTR_ORIGIN_CGROUP_WORK:
      /* Options keep their names; parameters are work.PARAM here. */
      if (is_whole)
        return NULL;
      if (g_str_equal (field, "type"))
        return g_strdup ("work");
      if (g_strv_contains (ktstr_workspec_options, field))
        return g_strdup (field);
      return g_strconcat ("work.", field, NULL);
    case KTSTR_ORIGIN_WORK_GROUP:
      return is_whole ? NULL : g_strdup (field);
    }
  return NULL;
}

char *
ktstr_testdef_to_plan (const KtstrTestDef *def, const char *topology, guint guard_ms)
{
  return ktstr_testdef_render (def, topology, guard_ms, NULL);
}

/* The plan lines of the cgroups of STEP (-1: the backdrop) and their
 * works; ORIGINS as for ktstr_testdef_render. */
static void
render_cgroups (const KtstrTestDef *def, int step, GString *s, GPtrArray *origins)
{
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      if (cg->step != step)
        continue;
      g_string_append_printf (s, "cgroup %s", cg->name);
      if (cg->cpuset != NULL)
        g_string_append_printf (s, " cpuset=%s", cg->cpuset);
      g_string_append_c (s, '\n');
      add_origin (origins, KTSTR_ORIGIN_CGROUP, g_strdup_printf ("cgroup %s", cg->name), NULL);
    }
  for (guint i = 0; i < def->cgroups->len; i++)
    {
      KtstrCgroupDef *cg = def->cgroups->pdata[i];
      if (cg->step != step)
        continue;
      for (guint j = 0; j < cg->works->len; j++)
        {
          KtstrWorkDef *w = cg->works->pdata[j];
          g_string_append_printf (s, "work %s %s workers=%u", cg->name, w->type,
                                  w->workers ? w->workers : def->workers);
          for (guint k = 0; k < w->params->len; k++)
            g_string_append_printf (s, " %s", (char *)w->params->pdata[k]);
          g_string_append_c (s, '\n');
          if (w->label != NULL)
            add_origin (origins, KTSTR_ORIGIN_WORK_GROUP,
                        g_strdup_printf ("work %s/%s", cg->name, w->label), NULL);
          else
            add_origin (origins, KTSTR_ORIGIN_CGROUP_WORK, g_strdup_printf ("cgroup %s", cg->name),
                        NULL);
        }
    }
}

char *
ktstr_testdef_payload_guest_path (const char *name)
{
  return g_strdup_printf ("ktstr/payload/%s", name);
}

static void add_line (GString *s, GPtrArray *origins, const char *group, const char *key,
                      const char *fmt, ...) G_GNUC_PRINTF (5, 6);

/* One plan line, from KEY of GROUP (NULL: the group as a whole). */
static void
add_line (GString *s, GPtrArray *origins, const char *group, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_string_append_vprintf (s, fmt, ap);
  va_end (ap);
  g_string_append_c (s, '\n');
  add_origin (origins, KTSTR_ORIGIN_KEY, g_strdup (group), key);
}

char *
ktstr_testdef_render (const KtstrTestDef *def, const char *topology, guint guard_ms,
                      GPtrArray *origins)
{
  GString *s = g_string_new (NULL);
  add_line (s, origins, "test", NULL, KTSTR_PLAN_MAGIC);
  add_line (s, origins, "test", "name", "test %s", def->name);
  add_line (s, origins, "test", "topology", "topology %s", topology);
  add_line (s, origins, "test", "duration_ms", "duration_ms %u", def->duration_ms);
  add_line (s, origins, "test", "settle_ms", "settle_ms %u", def->settle_ms);
  if (guard_ms > 0)
    add_line (s, origins, "test", NULL, "guard_ms %u", guard_ms);
  add_line (s, origins, "test", "workers", "workers %u", def->workers);
  render_cgroups (def, -1, s, origins);
  for (guint i = 0; def->payloads && i < def->payloads->len; i++)
    {
      const KtstrPayloadDef *pl = def->payloads->pdata[i];
      g_autofree char *group = g_strdup_printf ("payload %s", pl->name);
      g_autofree char *guest = ktstr_testdef_payload_guest_path (pl->name);
      add_line (s, origins, group, NULL, "payload %s /%s output=%s", pl->name, guest,
                pl->is_json ? "json" : "exitcode");
      for (guint a = 0; a < pl->args->len; a++)
        add_line (s, origins, group, "args", "payload_arg %s %s", pl->name,
                  (char *)pl->args->pdata[a]);
    }
  for (guint i = 0; def->backdrop_ops && i < def->backdrop_ops->len; i++)
    add_line (s, origins, "backdrop", "ops", "op %s", (char *)def->backdrop_ops->pdata[i]);
  for (guint i = 0; def->steps && i < def->steps->len; i++)
    {
      const KtstrStepDef *st = def->steps->pdata[i];
      g_autofree char *group = g_strdup_printf ("step %u", st->index);
      add_line (s, origins, group, "hold", "step %s", st->hold);
      for (guint j = 0; j < st->ops->len; j++)
        add_line (s, origins, group, "ops", "op %s", (char *)st->ops->pdata[j]);
      render_cgroups (def, (int)st->index, s, origins);
    }
  return g_string_free (s, FALSE);
}

static KtstrPlan *
parse_plan (const KtstrTestDef *def)
{
  g_autofree char *text = ktstr_testdef_render (def, def->topology, 0, NULL);
  KtstrPlan *plan = g_new0 (KtstrPlan, 1);
  if (ktstr_plan_parse (text, plan, NULL) != 0)
    {
      g_free (plan);
      return NULL;
    }
  return plan;
}

guint
ktstr_testdef_run_ms (const KtstrTestDef *def)
{
  if (def->steps == NULL || def->steps->len == 0)
    return def->duration_ms;
  g_autofree KtstrPlan *plan = parse_plan (def);
  return plan ? (guint)ktstr_plan_run_ms (plan) : def->duration_ms;
}

void
ktstr_testdef_expected_workers (const KtstrTestDef *def, GPtrArray *names, GArray *counts)
{
  g_autofree KtstrPlan *plan = parse_plan (def);
  for (unsigned i = 0; plan != NULL && i < plan->n_cgroups; i++)
    {
      guint n = 0;
      for (unsigned k = 0; k < plan->n_works; k++)
        if (plan->works[k].cgroup == i)
          n += plan->works[k].workers;
      if (n == 0)
        continue;
      g_ptr_array_add (names, g_strdup (plan->cgroups[i].name));
      g_array_append_val (counts, n);
    }
}
