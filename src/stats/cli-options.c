#include "config.h"

#include <math.h>
#include <string.h>

#include "stats/cli-options.h"

/* Option names per dimension, indexed by KtstrFilterSide. */
static const char *const option_names[KTSTR_DIM_COUNT][3] = {
  { "kernel", "a-kernel", "b-kernel" },
  { "scheduler", "a-scheduler", "b-scheduler" },
  { "topology", "a-topology", "b-topology" },
  { "work-type", "a-work-type", "b-work-type" },
  { "project-commit", "a-project-commit", "b-project-commit" },
  { "kernel-commit", "a-kernel-commit", "b-kernel-commit" },
  { "run-source", "a-run-source", "b-run-source" },
  { "flag", "a-flag", "b-flag" },
};

static const char *const option_help[KTSTR_DIM_COUNT] = {
  "kernel version (repeatable, OR; 6.12 also matches 6.12.x)",
  "scheduler name (repeatable, OR)",
  "topology label, e.g. 1n2l4c1t (repeatable, OR)",
  "work type, e.g. CpuSpin (repeatable, OR)",
  ("project commit: abc1234, abc1234-dirty, or a git revision or range such as HEAD~1 or "
   "main..HEAD (repeatable, OR)"),
  "kernel source commit, or a git revision or range of --kernel-repo (repeatable, OR)",
  "run source: local, ci or archive (repeatable, OR)",
  "active flag (repeatable, AND; comma-separated lists allowed)",
};

static const char *const option_arg[KTSTR_DIM_COUNT] = {
  "VERSION", "NAME", "LABEL", "TYPE", "COMMIT", "COMMIT", "SOURCE", "FLAG",
};

void
ktstr_stats_filter_options_init (KtstrStatsFilterOptions *fo)
{
  memset (fo, 0, sizeof *fo);
  fo->help_text = g_ptr_array_new_with_free_func (g_free);
}

void
ktstr_stats_filter_options_clear (KtstrStatsFilterOptions *fo)
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    for (guint side = 0; side < 3; side++)
      {
        g_clear_pointer (&fo->values[d][side], g_strfreev);
        g_clear_pointer (&fo->expanded[d][side], g_ptr_array_unref);
        g_clear_pointer (&fo->labels[d][side], g_ptr_array_unref);
      }
  g_clear_pointer (&fo->help_text, g_ptr_array_unref);
  g_clear_pointer (&fo->repo, g_free);
  g_clear_pointer (&fo->kernel_repo, g_free);
}

void
ktstr_stats_option_entry (GOptionEntry *entries, guint *n, const char *long_name, char short_name,
                          GOptionArg arg, gpointer data, const char *description,
                          const char *arg_description)
{
  GOptionEntry *e = &entries[(*n)++];
  memset (e, 0, sizeof *e);
  e->long_name = long_name;
  e->short_name = short_name;
  e->arg = arg;
  e->arg_data = data;
  e->description = description;
  e->arg_description = arg_description;
}

void
ktstr_stats_filter_options_add (KtstrStatsFilterOptions *fo, GOptionEntry *entries, guint *n,
                                gboolean with_sides)
{
  static const char *const who[] = { "Both sides", "Side A", "Side B" };
  guint sides = with_sides ? 3 : 1;

  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    for (guint side = 0; side < sides; side++)
      {
        char *help = with_sides ? g_strdup_printf ("%s: %s", who[side], option_help[d])
                                : g_strdup_printf ("Only rows with this %s", option_help[d]);
        g_ptr_array_add (fo->help_text, help);
        ktstr_stats_option_entry (entries, n, option_names[d][side], 0, G_OPTION_ARG_STRING_ARRAY,
                                  &fo->values[d][side], help, option_arg[d]);
      }
  ktstr_stats_option_entry (entries, n, "repo", 0, G_OPTION_ARG_FILENAME, &fo->repo,
                            "Resolve commit revisions in the git repository enclosing DIR "
                            "(default: the current directory)",
                            "DIR");
  ktstr_stats_option_entry (entries, n, "kernel-repo", 0, G_OPTION_ARG_FILENAME, &fo->kernel_repo,
                            "Resolve kernel commit revisions in the git repository enclosing DIR "
                            "(default: as --repo)",
                            "DIR");
}

static gboolean
expand_dim (KtstrStatsFilterOptions *fo, KtstrStatsDim dim, KtstrRevisionResolver *resolver,
            char **message)
{
  for (guint side = 0; side < 3; side++)
    {
      char **values = fo->values[dim][side];
      if (values == NULL)
        continue;
      g_autoptr (GPtrArray) expanded = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
      for (; *values != NULL; values++)
        {
          g_autoptr (GError) error = NULL;
          char *label = ktstr_revision_resolve (resolver, *values, expanded, &error);
          if (label == NULL)
            {
              *message = g_strdup_printf ("--%s: %s", option_names[dim][side], error->message);
              return FALSE;
            }
          g_ptr_array_add (labels, label);
        }
      fo->expanded[dim][side] = g_steal_pointer (&expanded);
      fo->labels[dim][side] = g_steal_pointer (&labels);
    }
  return TRUE;
}

gboolean
ktstr_stats_filter_options_expand_revisions (KtstrStatsFilterOptions *fo, char **message)
{
  g_autoptr (KtstrRevisionResolver) project = ktstr_revision_resolver_new (fo->repo);
  g_autoptr (KtstrRevisionResolver) kernel
      = ktstr_revision_resolver_new (fo->kernel_repo ? fo->kernel_repo : fo->repo);
  return expand_dim (fo, KTSTR_DIM_PROJECT_COMMIT, project, message)
         && expand_dim (fo, KTSTR_DIM_KERNEL_COMMIT, kernel, message);
}

void
ktstr_stats_filter_options_resolve (const KtstrStatsFilterOptions *fo, KtstrFilterSide side,
                                    KtstrStatsFilter *out)
{
  for (guint d = 0; d < KTSTR_DIM_COUNT; d++)
    {
      KtstrFilterSide from = fo->values[d][side] != NULL ? side : KTSTR_FILTER_SHARED;
      char **values = fo->values[d][from];
      ktstr_stats_filter_set (out, d, NULL);
      ktstr_stats_filter_set_labels (out, d, NULL);
      if (fo->expanded[d][from] != NULL)
        {
          GPtrArray *expanded = fo->expanded[d][from];
          GPtrArray *labels = fo->labels[d][from];
          for (guint i = 0; i < expanded->len; i++)
            ktstr_stats_filter_add (out, d, g_ptr_array_index (expanded, i));
          out->labels[d] = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < labels->len; i++)
            g_ptr_array_add (out->labels[d], g_strdup (g_ptr_array_index (labels, i)));
          continue;
        }
      for (; values != NULL && *values != NULL; values++)
        {
          if (d != KTSTR_DIM_FLAGS)
            {
              ktstr_stats_filter_add (out, d, *values);
              continue;
            }
          g_auto (GStrv) parts = g_strsplit (*values, ",", -1);
          for (char **p = parts; *p != NULL; p++)
            if (**p != '\0')
              ktstr_stats_filter_add (out, d, *p);
        }
    }
}

static gboolean
parse_double (const char *text, double *out)
{
  char *end = NULL;
  if (text == NULL || *text == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0' && !isnan (*out);
}

gboolean
ktstr_stats_parse_percent (const char *option, const char *text, double *out, char **message)
{
  if (!parse_double (text, out))
    {
      *message = g_strdup_printf ("%s '%s' is not a number; give a percentage such as 10 or 2.5",
                                  option, text);
      return FALSE;
    }
  if (!(*out >= 0.0) || isinf (*out))
    {
      *message = g_strdup_printf ("%s must be a non-negative percentage; got %s", option, text);
      return FALSE;
    }
  return TRUE;
}

/* A probability strictly between 0 and 1. */
static gboolean
parse_probability (const char *option, const char *text, const char *example, double *out,
                   char **message)
{
  if (!parse_double (text, out))
    {
      *message = g_strdup_printf ("%s '%s' is not a number; give %s", option, text, example);
      return FALSE;
    }
  if (!(*out > 0.0 && *out < 1.0))
    {
      *message = g_strdup_printf ("%s %s is out of range: it is a probability between 0 and 1 "
                                  "(both excluded); give %s",
                                  option, text, example);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_stats_parse_significance (const char *alpha, const char *fdr, KtstrStatsSignificance *out,
                                char **message)
{
  out->alpha = KTSTR_DEFAULT_ALPHA;
  out->fdr = KTSTR_DEFAULT_FDR;
  if (alpha != NULL
      && !parse_probability ("--alpha", alpha, "a significance level such as 0.05 or 0.01",
                             &out->alpha, message))
    return FALSE;
  if (fdr != NULL && strcmp (fdr, "off") == 0)
    out->fdr = 0.0;
  else if (fdr != NULL
           && !parse_probability ("--fdr", fdr,
                                  "a false discovery rate such as 0.05 or 0.1, or 'off' to test "
                                  "each metric at --alpha alone",
                                  &out->fdr, message))
    return FALSE;
  return TRUE;
}
