/* Variants: the units of work of one `ktstr test` run.
 *
 * Every run, plain or gauntlet, is first expanded into a list of variants
 * (plan.h) and then run by the executor (executor.h).  A variant is one
 * test at one topology with one runner (one scheduler choice and its
 * flags); the list is ordered as it should run.  Later features are
 * transformations of the list, not new drivers: trials repeat entries
 * (ktstr_variants_repeat), a shard keeps its part of the list (shard.h),
 * several kernels concatenate one list per kernel (plan.h).
 *
 * A variant that must not run carries its skip reason.  In a plain run the
 * skip is recorded in a sidecar, like a run (the user named that test at
 * that topology); in a gauntlet a preset that does not fit is no run of the
 * test at all and is only reported. */
#ifndef KTSTR_VARIANT_H
#define KTSTR_VARIANT_H

#include <glib.h>

#include "run/presets.h"
#include "run/runner.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

typedef struct
{
  /* What the outputs call it: the test's name, or, in a gauntlet,
   * gauntlet/{test}/{preset}/{profile}; a run on several kernels adds
   * "@{kernel}", a trial "#{trial}". */
  char *name;
  const KtstrTestDef *def;   /* borrowed */
  const KtstrPreset *preset; /* gauntlet only, borrowed; NULL otherwise */
  guint profile_index;       /* gauntlet: into its flag profiles */
  char *topology;            /* the label it runs at */
  guint memory_mb;           /* 0: the runner's */
  char *skip_reason;         /* non-NULL: not run, and why */
  gboolean is_skip_recorded; /* a skip that still writes its sidecar */
  gboolean is_host_skip;     /* skipped only because this host cannot run it */
  KtstrRunner *runner;       /* borrowed from the plan; NULL only in unit tests */
  guint trial;               /* 1-based in a repeated run; 0 when not repeated */
  /* A run on several kernels: the label of this variant's kernel
   * (borrowed from the plan), which its name ends with as "@LABEL";
   * NULL when the run has one kernel. */
  const char *kernel_label;
} KtstrVariant;

KtstrVariant *ktstr_variant_new (const char *name, const KtstrTestDef *def, const char *topology);
KtstrVariant *ktstr_variant_copy (const KtstrVariant *variant);
void ktstr_variant_free (KtstrVariant *variant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVariant, ktstr_variant_free)

/* Trial TRIAL (1-based) of BASE: a copy named "{name}#{trial}". */
KtstrVariant *ktstr_variant_new_trial (const KtstrVariant *base, guint trial);

/* VARIANTS (KtstrVariant*) with each runnable entry repeated TRIALS times,
 * round by round: every variant's trial 1 in list order, then every
 * trial 2, and so on, so that a slow phase of the host spreads over all
 * tests instead of landing on one test's trials.  Every trial boots its
 * own VM: the variance between boots is part of what a trial measures.
 * Skips stay single (a verdict that needs no VM has nothing to repeat).
 * TRIALS 1 gives a plain copy whose trials are 0 (not repeated).
 * Returns a new array owning its entries. */
GPtrArray *ktstr_variants_repeat (GPtrArray *variants, guint trials);

/* How many of VARIANTS (KtstrVariant*) to boot at once by default: one per
 * host CPU, no more than there are VMs to boot, and no more than keep
 * the VMs at once within the host: their vCPUs together within the vCPU
 * budget (TCG: CAP's vcpu_budget; KVM: the host's CPUs) and their memory
 * within half the host's, each VM counted as the largest of the list.
 * DEFAULT_MEMORY_MB stands for a variant without its own memory size and
 * without a runner to say it.  Never less than 1. */
guint ktstr_variants_default_jobs (GPtrArray *variants, const KtstrHostCapacity *cap,
                                   guint default_memory_mb);

G_END_DECLS

#endif
