#include "config.h"

#include "sched/scheduler-def.h"

#include <string.h>

#include "common/plan.h"
#include "common/topology.h"
#include "eval/checks.h"
#include "sched/sched-binary.h"
#include "sched/sched-builtin.h"
#include "sched/kargs.h"
#include "util/keyfile-load.h"
#include "util/keyfile.h"

GQuark
ktstr_scheduler_def_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-scheduler-def-error-quark");
}

#define FLAG_PREFIX "flag "

static void
flag_free (KtstrSchedulerFlag *f)
{
  g_free (f->name);
  g_strfreev (f->args);
  g_strfreev (f->requires);
  g_free (f);
}

void
ktstr_scheduler_def_free (KtstrSchedulerDef *d)
{
  if (d == NULL)
    return;
  g_free (d->path);
  g_free (d->name);
  g_free (d->binary);
  g_clear_error (&d->binary_error);
  g_strfreev (d->args);
  g_strfreev (d->sysctls);
  g_strfreev (d->kargs);
  g_free (d->topology);
  g_free (d->config_file);
  g_free (d->config_guest);
  g_free (d->cgroup_parent);
  g_free (d->builtin_lines);
  g_strfreev (d->builtin_programs);
  g_clear_pointer (&d->flags, g_ptr_array_unref);
  g_clear_pointer (&d->keyfile, g_key_file_unref);
  g_free (d);
}

/* "PATH:LINE: [GROUP] KEY: message" (util/keyfile.h). */
static gboolean invalid (GError **error, const char *path, const char *group, const char *key,
                         const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static gboolean
invalid (GError **error, const char *path, const char *group, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return ktstr_keyfile_fail_literal (error, KTSTR_SCHEDULER_DEF_ERROR,
                                     KTSTR_SCHEDULER_DEF_ERROR_INVALID, path, group, key, msg);
}

/* "PATH:LINE: [scheduler] KEY" (":LINE" when it is found), the origin
 * sched/kargs.h's messages start with. */
static char *
key_origin (const char *path, const char *key)
{
  guint line = ktstr_keyfile_find_line (path, "scheduler", key);
  return line != 0 ? g_strdup_printf ("%s:%u: [scheduler] %s", path, line, key)
                   : g_strdup_printf ("%s: [scheduler] %s", path, key);
}

/* LOCAL (a sched/kargs.h error, its message naming the origin) as this
 * module's error. */
static void
invalid_kargs (GError **error, const GError *local)
{
  g_set_error_literal (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID,
                       local->message);
}

static char **
get_list (GKeyFile *kf, const char *group, const char *key)
{
  char **v = g_key_file_get_string_list (kf, group, key, NULL, NULL);
  return v ? v : g_new0 (char *, 1);
}

static gboolean
get_uint (GKeyFile *kf, const char *group, const char *key, guint *out, const char *path,
          GError **error)
{
  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;
  g_autoptr (GError) local = NULL;
  gint64 v = g_key_file_get_int64 (kf, group, key, &local);
  if (local != NULL || v < 0 || v > G_MAXINT)
    return invalid (error, path, group, key, "must be a non-negative integer");
  *out = (guint)v;
  return TRUE;
}

static const char *const scheduler_keys[]
    = { "name",        "binary",        "args",   "sysctls", "kargs",      "topology", "ready_ms",
        "config_file", "cgroup_parent", "enable", "disable", "auto_repro", NULL };
static const char *const constraint_keys[]
    = { "min_llcs",       "max_llcs",       "min_cpus",     "max_cpus",
        "min_numa_nodes", "max_numa_nodes", "requires_smt", NULL };
static const char *const flag_keys[] = { "args", "requires", NULL };

/* Until snake_case became the one key style of every file, scheduler
 * definitions spelled these keys in kebab-case; they are still read. */
static const KtstrKeyRename old_spellings[] = {
  { "scheduler", "ready-ms", "ready_ms" },
  { "constraints", "min-llcs", "min_llcs" },
  { "constraints", "max-llcs", "max_llcs" },
  { "constraints", "min-cpus", "min_cpus" },
  { "constraints", "max-cpus", "max_cpus" },
  { "constraints", "min-numa-nodes", "min_numa_nodes" },
  { "constraints", "max-numa-nodes", "max_numa_nodes" },
  { "constraints", "requires-smt", "requires_smt" },
  { NULL, NULL, NULL },
};

/* The one unknown-key check of every loader (util/keyfile.h). */
static gboolean
check_keys (GKeyFile *kf, const char *group, const char *const *allowed, const char *path,
            GError **error)
{
  return ktstr_keyfile_check_keys (kf, path, group, allowed, NULL, NULL, KTSTR_SCHEDULER_DEF_ERROR,
                                   KTSTR_SCHEDULER_DEF_ERROR_INVALID, error);
}

/* How many of ARGS hold the {config} placeholder. */
static guint
count_placeholders (char **args)
{
  guint n = 0;
  for (char **a = args; a && *a; a++)
    n += strstr (*a, KTSTR_SCHED_CONFIG_PLACEHOLDER) != NULL;
  return n;
}

/* Replaces {config} in each of ARGS by GUEST. */
static void
fill_placeholders (char **args, const char *guest)
{
  for (char **a = args; a && *a; a++)
    if (strstr (*a, KTSTR_SCHED_CONFIG_PLACEHOLDER) != NULL)
      {
        g_auto (GStrv) parts = g_strsplit (*a, KTSTR_SCHED_CONFIG_PLACEHOLDER, -1);
        g_free (*a);
        *a = g_strjoinv (guest, parts);
      }
}

/* [scheduler] config_file: a file relative to the definition, packed into
 * the guest; the arguments say where the scheduler finds it by {config}.
 * A file no argument names, or a {config} without a file, is an error:
 * either way the scheduler would not read what the definition meant. */
static gboolean
load_config_file (KtstrSchedulerDef *d, const char *path, GError **error)
{
  GKeyFile *kf = d->keyfile;
  guint uses = count_placeholders (d->args);
  for (guint i = 0; i < d->flags->len; i++)
    uses += count_placeholders (((KtstrSchedulerFlag *)d->flags->pdata[i])->args);
  g_autofree char *file = g_key_file_get_string (kf, "scheduler", "config_file", NULL);
  if (file == NULL)
    {
      if (uses > 0)
        return invalid (error, path, "scheduler", "args",
                        "%s stands for the config_file's path in the guest, but there is no "
                        "config_file= (add one, or drop %s)",
                        KTSTR_SCHED_CONFIG_PLACEHOLDER, KTSTR_SCHED_CONFIG_PLACEHOLDER);
      return TRUE;
    }
  if (*file == '\0')
    return invalid (error, path, "scheduler", "config_file",
                    "empty; give a file, relative to this definition");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *full
      = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (dir, file, NULL);
  g_autofree char *canon = g_canonicalize_filename (full, NULL);
  if (!g_file_test (canon, G_FILE_TEST_IS_REGULAR))
    return invalid (error, path, "scheduler", "config_file",
                    "%s: no such file (the path is relative to this definition)", canon);
  if (uses == 0)
    return invalid (error, path, "scheduler", "config_file",
                    "no argument passes it to the scheduler: put %s in args where its path "
                    "goes (e.g. args=--config;%s)",
                    KTSTR_SCHED_CONFIG_PLACEHOLDER, KTSTR_SCHED_CONFIG_PLACEHOLDER);
  g_autofree char *base = g_path_get_basename (canon);
  d->config_guest = g_build_filename (KTSTR_SCHED_CONFIG_DIR, base, NULL);
  d->config_file = g_steal_pointer (&canon);
  fill_placeholders (d->args, d->config_guest);
  for (guint i = 0; i < d->flags->len; i++)
    fill_placeholders (((KtstrSchedulerFlag *)d->flags->pdata[i])->args, d->config_guest);
  return TRUE;
}

KtstrSchedulerDef *
ktstr_scheduler_def_load (const char *path, GError **error)
{
  g_autoptr (KtstrSchedulerDef) d = g_new0 (KtstrSchedulerDef, 1);
  d->path = g_strdup (path);
  d->keyfile = g_key_file_new ();
  d->flags = g_ptr_array_new_with_free_func ((GDestroyNotify)flag_free);
  g_key_file_set_list_separator (d->keyfile, ';');
  /* Errors name PATH and the line (util/keyfile-load.h). */
  if (!ktstr_keyfile_load_checked (d->keyfile, path, error))
    {
      g_prefix_error (error, "scheduler definition ");
      return NULL;
    }
  GKeyFile *kf = d->keyfile;
  if (!g_key_file_has_group (kf, "scheduler"))
    return invalid (error, path, "scheduler", NULL,
                    "missing group (a scheduler definition needs [scheduler] with name= and "
                    "binary=)"),
           NULL;
  if (!ktstr_keyfile_rename_deprecated (kf, path, old_spellings, KTSTR_SCHEDULER_DEF_ERROR,
                                        KTSTR_SCHEDULER_DEF_ERROR_INVALID, error)
      || !check_keys (kf, "scheduler", scheduler_keys, path, error))
    return NULL;
  d->name = g_key_file_get_string (kf, "scheduler", "name", NULL);
  g_autofree char *binary = g_key_file_get_string (kf, "scheduler", "binary", NULL);
  if (d->name == NULL || *d->name == '\0')
    return invalid (error, path, "scheduler", "name",
                    "required (a scheduler definition needs name= and binary=)"),
           NULL;
  gboolean is_builtin = g_key_file_has_key (kf, "scheduler", "enable", NULL)
                        || g_key_file_has_key (kf, "scheduler", "disable", NULL);
  if (!is_builtin && (binary == NULL || *binary == '\0'))
    return invalid (error, path, "scheduler", "binary",
                    "required (a scheduler definition needs name= and binary=, or enable= for "
                    "a kernel-built-in scheduler)"),
           NULL;
  /* A program not found is an error only for running it (see
   * ktstr_scheduler_def_check_binary): the definition can still be read. */
  g_autofree char *dir = g_path_get_dirname (path);
  if (!is_builtin)
    d->binary = ktstr_sched_binary_resolve (binary, dir, &d->binary_error);
  d->args = get_list (kf, "scheduler", "args");
  d->kargs = get_list (kf, "scheduler", "kargs");
  /* Checked word by word as the kernel splits them (sched/kargs.h); the
   * messages name the file and line. */
  g_autofree char *kargs_origin = key_origin (path, "kargs");
  g_autoptr (GError) local = NULL;
  if (!ktstr_kargs_check ((const char *const *)d->kargs, kargs_origin, &local))
    return invalid_kargs (error, local), NULL;
  g_auto (GStrv) sysctls = get_list (kf, "scheduler", "sysctls");
  g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();
  g_autofree char *sysctls_origin = key_origin (path, "sysctls");
  for (char **s = sysctls; *s; s++)
    {
      if (!ktstr_kargs_check_sysctl (*s, sysctls_origin, &local))
        return invalid_kargs (error, local), NULL;
      g_autofree char *full
          = g_str_has_prefix (*s, "sysctl.") ? g_strdup (*s) : g_strconcat ("sysctl.", *s, NULL);
      g_strv_builder_add (sb, full);
    }
  d->sysctls = g_strv_builder_end (sb);
  d->topology = g_key_file_get_string (kf, "scheduler", "topology", NULL);
  if (d->topology != NULL)
    {
      KtstrTopology t;
      char err[256];
      if (ktstr_topology_parse (d->topology, &t, err, sizeof err) != 0)
        return invalid (error, path, "scheduler", "topology", "%s", err), NULL;
    }
  if (!get_uint (kf, "scheduler", "ready_ms", &d->ready_ms, path, error))
    return NULL;
  if (g_key_file_has_key (kf, "scheduler", "auto_repro", NULL))
    {
      g_autoptr (GError) bool_error = NULL;
      d->auto_repro = g_key_file_get_boolean (kf, "scheduler", "auto_repro", &bool_error);
      if (bool_error != NULL)
        return invalid (error, path, "scheduler", "auto_repro", "expected true or false"), NULL;
      if (d->auto_repro && g_key_file_has_key (kf, "scheduler", "enable", NULL))
        return invalid (error, path, "scheduler", "auto_repro",
                        "traces a sched_ext program's callbacks; a kernel-built-in scheduler "
                        "(enable=) has none"),
               NULL;
    }
  /* The guest's plan grammar judges it, so what loads here runs there. */
  d->cgroup_parent = g_key_file_get_string (kf, "scheduler", "cgroup_parent", NULL);
  if (d->cgroup_parent != NULL && !ktstr_plan_is_valid_cgroup_parent (d->cgroup_parent))
    return invalid (error, path, "scheduler", "cgroup_parent",
                    "'%s' is not an absolute cgroup path of names (letters, digits, '_', '-', "
                    "'.'; e.g. /ktstr.slice or /workload/tests)",
                    d->cgroup_parent),
           NULL;

  if (g_key_file_has_group (kf, "constraints"))
    {
      if (!check_keys (kf, "constraints", constraint_keys, path, error)
          || !get_uint (kf, "constraints", "min_llcs", &d->min_llcs, path, error)
          || !get_uint (kf, "constraints", "max_llcs", &d->max_llcs, path, error)
          || !get_uint (kf, "constraints", "min_cpus", &d->min_cpus, path, error)
          || !get_uint (kf, "constraints", "max_cpus", &d->max_cpus, path, error)
          || !get_uint (kf, "constraints", "min_numa_nodes", &d->min_nodes, path, error)
          || !get_uint (kf, "constraints", "max_numa_nodes", &d->max_nodes, path, error))
        return NULL;
      if (g_key_file_has_key (kf, "constraints", "requires_smt", NULL))
        {
          g_autoptr (GError) smt_error = NULL;
          d->requires_smt = g_key_file_get_boolean (kf, "constraints", "requires_smt", &smt_error);
          if (smt_error != NULL)
            return invalid (error, path, "constraints", "requires_smt", "expected true or false"),
                   NULL;
        }
    }

  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      if (g_str_equal (*g, "scheduler") || g_str_equal (*g, "constraints")
          || g_str_equal (*g, "checks"))
        continue;
      if (!g_str_has_prefix (*g, FLAG_PREFIX) || (*g)[strlen (FLAG_PREFIX)] == '\0')
        return invalid (error, path, *g, NULL,
                        "unknown group (expected [scheduler], [constraints], [flag NAME] or "
                        "[checks])"),
               NULL;
      if (!check_keys (kf, *g, flag_keys, path, error))
        return NULL;
      KtstrSchedulerFlag *f = g_new0 (KtstrSchedulerFlag, 1);
      f->name = g_strdup (*g + strlen (FLAG_PREFIX));
      f->args = get_list (kf, *g, "args");
      f->requires = get_list (kf, *g, "requires");
      g_ptr_array_add (d->flags, f);
    }
  /* Check overrides are checked here, not first when a verdict needs them. */
  KtstrChecks overrides;
  g_autoptr (GError) checks_error = NULL;
  if (!ktstr_checks_from_keyfile (kf, path, "checks", &overrides, &checks_error))
    {
      g_set_error_literal (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID,
                           checks_error->message);
      return NULL;
    }
  for (guint i = 0; i < d->flags->len; i++)
    {
      const KtstrSchedulerFlag *f = d->flags->pdata[i];
      for (char **r = f->requires; *r; r++)
        {
          gboolean found = FALSE;
          for (guint j = 0; j < d->flags->len; j++)
            found |= g_str_equal (((KtstrSchedulerFlag *)d->flags->pdata[j])->name, *r);
          if (!found)
            {
              g_autofree char *group = g_strconcat (FLAG_PREFIX, f->name, NULL);
              return invalid (error, path, group, "requires",
                              "flag '%s' is not defined (no [flag %s] group)", *r, *r),
                     NULL;
            }
        }
    }
  if (is_builtin)
    {
      const char *flag_with_args = NULL;
      for (guint i = 0; i < d->flags->len && flag_with_args == NULL; i++)
        {
          const KtstrSchedulerFlag *f = d->flags->pdata[i];
          if (f->args[0] != NULL)
            flag_with_args = f->name;
        }
      if (!ktstr_sched_builtin_load (kf, path, flag_with_args, KTSTR_SCHEDULER_DEF_ERROR,
                                     KTSTR_SCHEDULER_DEF_ERROR_INVALID, &d->builtin_lines,
                                     &d->builtin_programs, error))
        return NULL;
      return g_steal_pointer (&d);
    }
  if (!load_config_file (d, path, error))
    return NULL;
  return g_steal_pointer (&d);
}

gboolean
ktstr_scheduler_def_select_flags (const KtstrSchedulerDef *d, const char *flags, char ***active_out,
                                  char ***args_out, GError **error)
{
  g_auto (GStrv) wanted = g_strsplit (flags ? flags : "", ",", -1);
  for (char **w = wanted; *w; w++)
    {
      g_strstrip (*w);
      if (**w == '\0')
        continue;
      gboolean found = FALSE;
      for (guint j = 0; j < d->flags->len; j++)
        found |= g_str_equal (((KtstrSchedulerFlag *)d->flags->pdata[j])->name, *w);
      if (!found)
        {
          g_autoptr (GString) known = g_string_new (NULL);
          for (guint j = 0; j < d->flags->len; j++)
            g_string_append_printf (known, "%s%s", j ? ", " : "",
                                    ((KtstrSchedulerFlag *)d->flags->pdata[j])->name);
          g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_UNKNOWN_FLAG,
                       "scheduler '%s' has no flag '%s' (flags: %s)", d->name, *w,
                       known->len ? known->str : "none");
          return FALSE;
        }
    }
  g_autoptr (GStrvBuilder) active = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) args = g_strv_builder_new ();
  for (guint j = 0; j < d->flags->len; j++)
    {
      const KtstrSchedulerFlag *f = d->flags->pdata[j];
      if (!g_strv_contains ((const char *const *)wanted, f->name))
        continue;
      for (char **r = f->requires; *r; r++)
        if (!g_strv_contains ((const char *const *)wanted, *r))
          {
            g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_REQUIRES,
                         "flag '%s' of scheduler '%s' requires flag '%s'; add it to --flags",
                         f->name, d->name, *r);
            return FALSE;
          }
      g_strv_builder_add (active, f->name);
      g_strv_builder_addv (args, (const char **)f->args);
    }
  *active_out = g_strv_builder_end (active);
  *args_out = g_strv_builder_end (args);
  return TRUE;
}

gboolean
ktstr_scheduler_def_check_topology (const KtstrSchedulerDef *d, const char *topology,
                                    GError **error)
{
  KtstrTopology t;
  char err[256];
  if (ktstr_topology_parse (topology, &t, err, sizeof err) != 0)
    {
      g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_TOPOLOGY, "%s", err);
      return FALSE;
    }
  guint cpus = ktstr_topology_cpus (&t), llcs = t.llcs, nodes = t.numa_nodes;
  const char *what = NULL;
  guint have = 0, lo = 0, hi = 0;
  if ((d->min_llcs && llcs < d->min_llcs) || (d->max_llcs && llcs > d->max_llcs))
    what = "LLCs", have = llcs, lo = d->min_llcs, hi = d->max_llcs;
  else if ((d->min_cpus && cpus < d->min_cpus) || (d->max_cpus && cpus > d->max_cpus))
    what = "CPUs", have = cpus, lo = d->min_cpus, hi = d->max_cpus;
  else if ((d->min_nodes && nodes < d->min_nodes) || (d->max_nodes && nodes > d->max_nodes))
    what = "NUMA nodes", have = nodes, lo = d->min_nodes, hi = d->max_nodes;
  if (what != NULL)
    {
      char hi_text[16] = "any";
      if (hi)
        g_snprintf (hi_text, sizeof hi_text, "%u", hi);
      g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_TOPOLOGY,
                   "topology %s has %u %s; scheduler '%s' needs %u to %s", topology, have, what,
                   d->name, lo, hi_text);
      return FALSE;
    }
  if (d->requires_smt && t.threads_per_core < 2)
    {
      g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_TOPOLOGY,
                   "topology %s has no SMT; scheduler '%s' requires it", topology, d->name);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_scheduler_def_check_binary (const KtstrSchedulerDef *def, GError **error)
{
  if (def->binary != NULL || def->builtin_lines != NULL)
    return TRUE;
  g_set_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_BINARY,
               "scheduler definition '%s': %s", def->path, def->binary_error->message);
  return FALSE;
}
