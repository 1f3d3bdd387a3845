/* Time budgets: `ktstr test --budget SECONDS` (or KTSTR_BUDGET_SECS) runs
 * the part of the asked-for variants that fits the budget and covers the
 * most of them.
 *
 * Each variant's cost is what it took before: the median wall_ms of the
 * earlier sidecars of the same test at the same topology with the same
 * flags (any kernel, any run directory under the runs root); without one,
 * the shard model's estimate (shard.h: a nominal boot per VM and vCPU plus
 * the declared settle and run time).  Repeated runs cost that many times.
 *
 * What a variant covers is a set of features: its test, its topology,
 * each of its active flags (or "no flags"), its kernel in a run on several
 * kernels, and the variant itself.  The selection is greedy on new
 * features per second (lazy: a variant's gain is only recomputed when it
 * comes to the top, which is exact because gains only shrink), takes a
 * variant only when it fits the budget left, and ends when nothing more
 * fits.  Maximum coverage under a budget is NP-hard; greedy by gain per
 * cost is the usual approximation, and it spends the budget on breadth
 * (every test, every topology, every flag) before depth (their
 * combinations).  Variants that boot no VM (skips) cost nothing and are
 * always kept. */
#ifndef KTSTR_RUN_BUDGET_H
#define KTSTR_RUN_BUDGET_H

#include <glib.h>

#include "run/variant.h"

G_BEGIN_DECLS

typedef struct _KtstrBudgetCosts KtstrBudgetCosts;

/* Costs measured by the sidecars under each of DIRS (NULL-terminated;
 * each is walked as ktstr_sidecar_collect_dir walks a runs root; missing
 * ones are skipped). */
KtstrBudgetCosts *ktstr_budget_costs_load (const char *const *dirs);
KtstrBudgetCosts *ktstr_budget_costs_new (void);
void ktstr_budget_costs_free (KtstrBudgetCosts *costs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrBudgetCosts, ktstr_budget_costs_free)

/* Records that TEST at TOPOLOGY with FLAGS (NULL or NULL-terminated,
 * canonical order) took WALL_MS once. */
void ktstr_budget_costs_add (KtstrBudgetCosts *costs, const char *test, const char *topology,
                             const char *const *flags, guint64 wall_ms);

/* What one run of V is expected to cost; *IS_MEASURED: from sidecars. */
guint64 ktstr_budget_variant_cost_ms (const KtstrBudgetCosts *costs, const KtstrVariant *variant,
                                      gboolean *is_measured);

typedef struct
{
  char *name; /* the variant's */
  guint64 cost_ms;
  gboolean is_measured;
  guint64 left_ms; /* the budget left when its turn came */
} KtstrBudgetDrop;

typedef struct
{
  GPtrArray *kept;    /* KtstrVariant*, copies, in list order */
  GPtrArray *dropped; /* KtstrBudgetDrop*, in the order they were dropped */
  guint64 budget_ms;
  guint64 used_ms;
  guint n_measured, n_estimated; /* of the variants that boot */
  /* Distinct tests, topologies and flags asked for, and kept. */
  guint n_tests, n_tests_kept;
  guint n_topologies, n_topologies_kept;
  guint n_flags, n_flags_kept;
} KtstrBudgetSelection;

void ktstr_budget_selection_free (KtstrBudgetSelection *selection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrBudgetSelection, ktstr_budget_selection_free)

/* The part of VARIANTS (KtstrVariant*) that fits BUDGET_MS when each runs
 * RUNS times (trials; 0 counts as 1), as above. */
KtstrBudgetSelection *ktstr_budget_select (GPtrArray *variants, guint64 budget_ms, guint runs,
                                           const KtstrBudgetCosts *costs);

/* Parses SECONDS for --budget and KTSTR_BUDGET_SECS (SOURCE names which):
 * a whole number of seconds from 1 to a year. */
gboolean ktstr_budget_parse (const char *text, const char *source, guint64 *budget_ms,
                             GError **error);

G_END_DECLS

#endif
