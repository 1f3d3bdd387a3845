#include "config.h"

#include "common/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/number.h"
#include "common/proto.h"
#include "common/topology.h"

#define fail ktstr_plan_fail

#define MAX_LINE 4096
#define MAX_WORDS 32

/* Handles "KEY N" lines: exactly one number within [min, max], once. */
static int
parse_scalar (KtstrPlanParser *p, char **w, unsigned n, unsigned *seen, uint64_t min, uint64_t max,
              uint64_t *out)
{
  uint64_t v;
  if (*seen != 0)
    return fail (p, "", "duplicate '%s' (first given on line %u)", w[0], *seen);
  if (n != 2)
    return fail (p, "", "'%s' takes exactly one number, e.g. '%s %llu'", w[0], w[0],
                 (unsigned long long)(min > 0 ? min : 1));
  if (ktstr_parse_u64 (w[1], max, &v) != 0 || v < min)
    return fail (p, "", "%s: '%s' is not a whole number from %llu to %llu", w[0], w[1],
                 (unsigned long long)min, (unsigned long long)max);
  *seen = p->line;
  *out = v;
  return 0;
}

bool
ktstr_plan_is_valid_cgroup_parent (const char *s)
{
  size_t n = strlen (s);
  if (n < 2 || n >= KTSTR_PLAN_CGROUP_NAME_MAX || s[0] != '/')
    return false;
  char part[KTSTR_PLAN_CGROUP_NAME_MAX];
  for (const char *c = s + 1;;)
    {
      const char *end = strchr (c, '/');
      size_t len = end != NULL ? (size_t)(end - c) : strlen (c);
      memcpy (part, c, len);
      part[len] = '\0';
      if (!ktstr_plan_is_valid_name (part))
        return false;
      if (end == NULL)
        return true;
      c = end + 1;
    }
}

static int
parse_words (KtstrPlanParser *p, char **w, unsigned n)
{
  KtstrPlan *plan = p->plan;
  uint64_t v;

  if (strcmp (w[0], "test") == 0)
    {
      if (p->seen_test != 0)
        return fail (p, "", "duplicate 'test' (first given on line %u)", p->seen_test);
      if (n != 2 || strlen (w[1]) >= sizeof plan->test)
        return fail (p, "", "expected 'test NAME' (one word, under %zu characters)",
                     sizeof plan->test);
      snprintf (plan->test, sizeof plan->test, "%s", w[1]);
      p->seen_test = p->line;
      return 0;
    }
  if (strcmp (w[0], "topology") == 0)
    {
      KtstrTopology topo;
      char why[256];
      if (p->seen_topology != 0)
        return fail (p, "", "duplicate 'topology' (first given on line %u)", p->seen_topology);
      if (n != 2)
        return fail (p, "", "expected 'topology NnNlNcNt', e.g. 'topology 1n2l2c1t'");
      if (ktstr_topology_parse (w[1], &topo, why, sizeof why) != 0)
        return fail (p, "", "%s", why);
      ktstr_topology_format (&topo, plan->topology, sizeof plan->topology);
      p->seen_topology = p->line;
      return 0;
    }
  if (strcmp (w[0], "duration_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_duration, 1, 3600000, &plan->duration_ms);
  if (strcmp (w[0], "settle_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_settle, 0, 600000, &plan->settle_ms);
  if (strcmp (w[0], "guard_ms") == 0)
    return parse_scalar (p, w, n, &p->seen_guard, 1, 86400000, &plan->guard_ms);
  if (strcmp (w[0], "workers") == 0)
    {
      if (n == 2 && strcmp (w[1], "0") == 0 && p->seen_workers == 0)
        return fail (p, "", "workers 0: each cgroup needs at least 1 worker");
      if (parse_scalar (p, w, n, &p->seen_workers, 1, KTSTR_PLAN_MAX_WORKERS, &v) != 0)
        return -1;
      plan->workers = (unsigned)v;
      return 0;
    }
  if (strcmp (w[0], "cgroup") == 0)
    return ktstr_plan_parse_cgroup (p, w, n);
  if (strcmp (w[0], "work") == 0)
    return ktstr_plan_parse_work (p, w, n);
  if (strcmp (w[0], "step") == 0)
    return ktstr_plan_parse_step (p, w, n);
  if (strcmp (w[0], "op") == 0)
    return ktstr_plan_parse_op (p, w, n);
  if (strcmp (w[0], "payload") == 0 || strcmp (w[0], "payload_env") == 0)
    return ktstr_plan_parse_payload (p, w, n);
  if (strcmp (w[0], "scheduler") == 0)
    return ktstr_plan_parse_scheduler (p, w, n);
  if (strcmp (w[0], "scheduler_env") == 0)
    return ktstr_plan_parse_scheduler_env (p, w, n);
  if (strcmp (w[0], "scheduler_tracer") == 0)
    return ktstr_plan_parse_scheduler_tracer (p, w, n);
  if (strcmp (w[0], "builtin_write") == 0 || strcmp (w[0], "builtin_run") == 0
      || strcmp (w[0], "builtin_env") == 0)
    return ktstr_plan_parse_builtin (p, w, n);
  if (strcmp (w[0], "cgroup_parent") == 0)
    {
      if (p->seen_cgroup_parent != 0)
        return fail (p, "", "duplicate 'cgroup_parent' (first given on line %u)",
                     p->seen_cgroup_parent);
      if (n != 2 || !ktstr_plan_is_valid_cgroup_parent (w[1]))
        return fail (p, "",
                     "expected 'cgroup_parent /PATH', an absolute cgroup path of names "
                     "(letters, digits, '_', '-', '.'), e.g. 'cgroup_parent /ktstr.slice'");
      snprintf (plan->cgroup_parent, sizeof plan->cgroup_parent, "%s", w[1]);
      p->seen_cgroup_parent = p->line;
      return 0;
    }
  return fail (
      p, "",
      "unknown directive '%s' (expected test, topology, duration_ms, settle_ms, "
      "guard_ms, workers, cgroup, work, step, op, payload, payload_arg, "
      "payload_env, scheduler, scheduler_arg, scheduler_env, scheduler_tracer, builtin_write, "
      "builtin_run, builtin_env or cgroup_parent)",
      w[0]);
}

static unsigned
split_words (char *s, char **w, unsigned max)
{
  unsigned n = 0;
  while (*s != '\0')
    {
      while (*s == ' ' || *s == '\t')
        *s++ = '\0';
      if (*s == '\0')
        break;
      if (n == max)
        return max + 1;
      w[n++] = s;
      while (*s != '\0' && *s != ' ' && *s != '\t')
        s++;
    }
  return n;
}

static int
check_magic (KtstrPlanParser *p, const char *line)
{
  if (strcmp (line, KTSTR_PLAN_MAGIC) == 0)
    return 0;
  if (strncmp (line, "ktstr-plan ", 11) == 0)
    return fail (p, "", "unsupported plan version '%.20s' (this ktstr-init reads '%s')", line + 11,
                 KTSTR_PLAN_MAGIC);
  return fail (p, "", "not a ktstr plan: the first line must be '%s', got '%.60s'",
               KTSTR_PLAN_MAGIC, line);
}

/* The argument of an argument line ("payload_arg NAME ARG",
 * "scheduler_arg ARG") starting at LINE, or NULL for another line.  An
 * argument is the rest of the line as written, spaces and all, so it is
 * read before the line's trailing blanks are dropped. */
static const char *
argument_of (const char *line, const char **directive)
{
  static const char *const arg_lines[] = { "payload_arg", "scheduler_arg" };
  for (size_t i = 0; i < sizeof arg_lines / sizeof arg_lines[0]; i++)
    {
      size_t len = strlen (arg_lines[i]);
      if (strncmp (line, arg_lines[i], len) == 0 && (line[len] == ' ' || line[len] == '\0'))
        {
          *directive = arg_lines[i];
          return line[len] == ' ' ? line + len + 1 : line + len;
        }
    }
  return NULL;
}

/* Checks that need the whole plan: defaults, groups, totals, steps, guard. */
static int
finish (KtstrPlanParser *p)
{
  KtstrPlan *plan = p->plan;
  if (ktstr_plan_finish_works (p) != 0 || ktstr_plan_finish_steps (p) != 0)
    return -1;
  uint64_t run_ms = ktstr_plan_run_ms (plan);
  if (plan->guard_ms != 0 && plan->guard_ms <= plan->settle_ms + run_ms)
    {
      ktstr_plan_parser_at (p, p->seen_guard, "guard_ms");
      return fail (p, "", "guard_ms %llu leaves no time for settle_ms %llu + %s %llu",
                   (unsigned long long)plan->guard_ms, (unsigned long long)plan->settle_ms,
                   plan->n_steps ? "the steps' holds" : "duration_ms", (unsigned long long)run_ms);
    }
  return 0;
}

int
ktstr_plan_parse (const char *text, KtstrPlan *plan, KtstrPlanError *err)
{
  KtstrPlanParser p = { .plan = plan, .err = err, .directive = "", .step = KTSTR_PLAN_BACKDROP };
  memset (plan, 0, sizeof *plan);
  if (err != NULL)
    memset (err, 0, sizeof *err);
  plan->duration_ms = KTSTR_PLAN_DEFAULT_DURATION_MS;
  plan->settle_ms = KTSTR_PLAN_DEFAULT_SETTLE_MS;
  plan->workers = KTSTR_PLAN_DEFAULT_WORKERS;
  plan->scheduler.ready_ms = KTSTR_PLAN_SCHED_DEFAULT_READY_MS;
  plan->scheduler.stop_ms = KTSTR_PLAN_SCHED_DEFAULT_STOP_MS;

  const char *s = text;
  while (*s != '\0' || p.line == 0)
    {
      char line[MAX_LINE];
      const char *nl = strchr (s, '\n');
      size_t len = nl ? (size_t)(nl - s) : strlen (s);
      p.line++;
      p.directive = "";
      if (len >= sizeof line)
        return fail (&p, "", "line too long (at most %d characters)", MAX_LINE - 1);
      memcpy (line, s, len);
      line[len] = '\0';
      s = nl ? nl + 1 : s + len;
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      char *start = line + strspn (line, " \t");
      const char *arg = p.line > 1 ? argument_of (start, &p.directive) : NULL;
      if (arg != NULL)
        {
          int r = strcmp (p.directive, "payload_arg") == 0
                      ? ktstr_plan_parse_payload_arg (&p, arg)
                      : ktstr_plan_parse_scheduler_arg (&p, arg);
          if (r != 0)
            return -1;
          continue;
        }
      while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        line[--len] = '\0';

      if (p.line == 1)
        {
          if (check_magic (&p, line) != 0)
            return -1;
          continue;
        }
      if (*start == '\0' || *start == '#')
        continue;
      char *w[MAX_WORDS];
      unsigned n = split_words (start, w, MAX_WORDS);
      if (n > MAX_WORDS)
        return fail (&p, "", "too many words (at most %d)", MAX_WORDS);
      p.directive = w[0];
      if (parse_words (&p, w, n) != 0)
        return -1;
    }
  return finish (&p);
}

void
ktstr_plan_error_text (const KtstrPlanError *perr, KtstrError *err)
{
  if (perr->line > 0)
    ktstr_error_set (err, "plan line %u: %s", perr->line, perr->msg);
  else
    ktstr_error_set (err, "%s", perr->msg);
}

int
ktstr_plan_load (const char *path, KtstrPlan *plan, KtstrError *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      ktstr_error_set (err, "plan '%s' cannot be opened: %s", path, strerror (errno));
      return -1;
    }
  char *text = malloc (KTSTR_PLAN_MAX_BYTES + 1);
  if (text == NULL)
    {
      close (fd);
      ktstr_error_set (err, "plan '%s': out of memory", path);
      return -1;
    }
  size_t n = 0;
  for (;;)
    {
      ssize_t r = read (fd, text + n, KTSTR_PLAN_MAX_BYTES + 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          ktstr_error_set (err, "plan '%s' cannot be read: %s", path, strerror (errno));
          close (fd);
          free (text);
          return -1;
        }
      if (r == 0)
        break;
      n += (size_t)r;
      if (n > KTSTR_PLAN_MAX_BYTES)
        {
          ktstr_error_set (err, "plan '%s' is larger than %d bytes", path, KTSTR_PLAN_MAX_BYTES);
          close (fd);
          free (text);
          return -1;
        }
    }
  close (fd);
  text[n] = '\0';
  if (memchr (text, '\0', n) != NULL)
    {
      ktstr_error_set (err, "plan '%s' contains a NUL byte; plans are text", path);
      free (text);
      return -1;
    }
  KtstrPlanError perr;
  int r = ktstr_plan_parse (text, plan, &perr);
  if (r != 0)
    {
      ktstr_plan_error_text (&perr, err);
      ktstr_error_prefix (err, "plan '%s'", path);
    }
  free (text);
  return r;
}
