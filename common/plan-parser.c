#include "config.h"

#include "common/plan-parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
ktstr_plan_fail (KtstrPlanParser *p, const char *field, const char *fmt, ...)
{
  KtstrPlanError *err = p->err;
  if (err == NULL)
    return -1;
  err->line = p->line;
  snprintf (err->directive, sizeof err->directive, "%s", p->directive ? p->directive : "");
  snprintf (err->field, sizeof err->field, "%s", field ? field : "");
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  return -1;
}

void
ktstr_plan_parser_at (KtstrPlanParser *p, unsigned line, const char *directive)
{
  p->line = line;
  p->directive = directive;
}

static bool
is_name_char (char c, bool first)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || (!first && (c == '-' || c == '.'));
}

/* Cgroup names become directory names under KTSTR_CGROUP_ROOT and JSON
 * strings: a conservative alphabet keeps both trivially safe. */
bool
ktstr_plan_is_valid_name (const char *s)
{
  size_t n = strlen (s);
  if (n == 0 || n >= KTSTR_PLAN_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_name_char (s[i], i == 0))
      return false;
  return true;
}

/* A nested cgroup name, "outer/inner": each component 1-64 of
 * [A-Za-z0-9_-] (the .ktstr loader's alphabet), no empty component. */
bool
ktstr_plan_is_valid_cgroup_path (const char *s)
{
  size_t n = strlen (s), run = 0;
  if (n == 0 || n >= KTSTR_PLAN_CGROUP_NAME_MAX)
    return false;
  for (size_t i = 0; i <= n; i++)
    {
      if (s[i] == '/' || s[i] == '\0')
        {
          if (run == 0 || run > 64)
            return false;
          run = 0;
          continue;
        }
      if (!is_name_char (s[i], true) && s[i] != '-')
        return false;
      run++;
    }
  return true;
}

int
ktstr_plan_find_cgroup (const KtstrPlan *plan, const char *name)
{
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (strcmp (plan->cgroups[i].name, name) == 0)
      return (int)i;
  return -1;
}

const char *
ktstr_plan_first_child (const KtstrPlan *plan, unsigned cg)
{
  for (unsigned i = 0; i < plan->n_cgroups; i++)
    if (plan->cgroups[i].parent == (int)cg)
      return plan->cgroups[i].name;
  return "?";
}
