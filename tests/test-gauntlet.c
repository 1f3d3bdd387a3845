/* Gauntlet expansion: the 24 presets, constraint and host-fit filtering,
 * flag profiles (power set honouring requires), variant names and order,
 * and the progress line. */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "run/gauntlet.h"
#include "run/presets.h"
#include "run/profiles.h"
#include "run/progress.h"
#include "run/variant.h"

static KtstrTestDef *
make_def (const char *name)
{
  /* Loaded from a file, so that the plan it renders is a whole one (the
   * presets' check resolves its cpusets); the defaults are the format's. */
  g_autofree char *dir = g_dir_make_tmp ("ktstr-gauntlet-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.ktstr", NULL);
  g_autofree char *text = g_strdup_printf ("[test]\nname=%s\n[cgroup a]\n", name);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  KtstrTestDef *d = ktstr_testdef_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_cmpuint (d->constraints.max_numa_nodes, ==, 1);
  return d;
}

static KtstrSchedulerDef *
load_sched (const char *text)
{
  g_autofree char *dir = g_dir_make_tmp ("ktstr-gauntlet-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "s.sched", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  KtstrSchedulerDef *d = ktstr_scheduler_def_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  return d;
}

static const KtstrHostCapacity big_kvm = { TRUE, 512, 64, 1 << 20, 0 };

static void
test_presets_table (void)
{
  const KtstrPreset *p = ktstr_presets ();
  guint smt = 0, total_cpus = 0;
  for (guint i = 0; i < KTSTR_PRESETS_COUNT; i++)
    {
      smt += p[i].topology.threads_per_core > 1;
      total_cpus += ktstr_topology_cpus (&p[i].topology);
    }
  g_assert_cmpuint (KTSTR_PRESETS_COUNT - smt, ==, 14); /* the aarch64 subset */
  g_assert_cmpstr (p[0].name, ==, "tiny-1llc");
  g_assert_cmpstr (p[23].name, ==, "numa4-12llc");
  const KtstrPreset *m = ktstr_preset_lookup ("max-cpu");
  g_assert_nonnull (m);
  g_assert_cmpuint (ktstr_topology_cpus (&m->topology), ==, 252);
  g_assert_cmpuint (m->memory_mb, ==, 4096);
  g_assert_cmpuint (ktstr_preset_lookup ("numa4-12llc")->memory_mb, ==, 4096);
  g_assert_cmpuint (ktstr_topology_cpus (&ktstr_preset_lookup ("numa4-12llc")->topology), ==, 192);
  g_assert_cmpuint (ktstr_preset_lookup ("odd-5llc")->memory_mb, ==, 2048);
  g_assert_cmpuint (ktstr_topology_cpus (&ktstr_preset_lookup ("near-max-llc")->topology), ==, 240);
  g_assert_null (ktstr_preset_lookup ("huge"));
  /* Sum of the CPU counts in the reference table. */
  g_assert_cmpuint (total_cpus, ==,
                    4 + 4 + 9 + 15 + 14 + 8 + 12 + 32 + 64 + 128 + 128 + 240 + 252 + 32 + 64 + 128
                        + 128 + 240 + 252 + 16 + 128 + 128 + 32 + 192);
}

static void
test_presets_parse_list (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree const KtstrPreset **l
      = ktstr_presets_parse_list ("tiny-2llc, tiny-1llc,tiny-2llc", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l[0]->name, ==, "tiny-2llc");
  g_assert_cmpstr (l[1]->name, ==, "tiny-1llc");
  g_assert_null (l[2]);
  g_assert_null (ktstr_presets_parse_list ("tiny-1llc,nope", &error));
  g_assert_error (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_UNKNOWN);
  g_assert_true (g_str_has_prefix (error->message, "no topology preset named 'nope'"));
  g_clear_error (&error);
  g_assert_null (ktstr_presets_parse_list (",", &error));
  g_assert_error (error, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_EMPTY);
}

static guint
count_fitting (const KtstrTestDef *def, const KtstrSchedulerDef *sdef, const KtstrHostCapacity *cap)
{
  guint n = 0;
  for (guint i = 0; i < KTSTR_PRESETS_COUNT; i++)
    {
      g_autoptr (GError) why = NULL;
      if (ktstr_preset_fits (&ktstr_presets ()[i], def, sdef, cap, &why))
        n++;
      else
        g_assert_error (why, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT);
    }
  return n;
}

static void
test_presets_filter_constraints (void)
{
  g_autoptr (KtstrTestDef) def = make_def ("t");
  /* Multi-NUMA is opt-in: the 5 numa presets drop by default. */
  g_assert_cmpuint (count_fitting (def, NULL, &big_kvm), ==, 19);
  def->constraints.requires_smt = TRUE;
  g_assert_cmpuint (count_fitting (def, NULL, &big_kvm), ==, 8);
  def->constraints.requires_smt = FALSE;
  def->constraints.max_cpus = 8;
  g_assert_cmpuint (count_fitting (def, NULL, &big_kvm), ==,
                    3); /* tiny-1llc, tiny-2llc, smt-2llc */
  def->constraints.min_llcs = 2;
  g_assert_cmpuint (count_fitting (def, NULL, &big_kvm), ==, 2);
  g_autoptr (GError) why = NULL;
  g_assert_false (ktstr_preset_fits (ktstr_preset_lookup ("tiny-1llc"), def, NULL, NULL, &why));
  g_assert_error (why, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT);
  g_assert_cmpstr (why->message, ==, "1n1l4c1t has 1 LLCs; test 't' needs 2 to 64");
  def->constraints = (KtstrTestConstraints){ 1, 64, 1, 512, 2, 4, FALSE };
  g_assert_cmpuint (count_fitting (def, NULL, &big_kvm), ==, 5);
}

static void
test_presets_filter_scheduler (void)
{
  g_autoptr (KtstrTestDef) def = make_def ("t");
  g_autoptr (KtstrSchedulerDef) s = load_sched ("[scheduler]\nname=s\nbinary=/bin/true\n"
                                                "[constraints]\nmax_cpus=16\n");
  g_assert_cmpuint (count_fitting (def, s, NULL), ==, 7); /* 4,4,9,15,14,8,12 */
  g_autoptr (GError) why = NULL;
  g_assert_false (ktstr_preset_fits (ktstr_preset_lookup ("medium-4llc"), def, s, NULL, &why));
  g_assert_error (why, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT);
}

static void
test_presets_filter_host (void)
{
  g_autoptr (KtstrTestDef) def = make_def ("t");
  /* KVM: vCPUs <= host CPUs, LLCs <= host LLCs. */
  KtstrHostCapacity kvm = { TRUE, 16, 2, 65536, 0 };
  g_assert_cmpuint (count_fitting (def, NULL, &kvm), ==, 3); /* tiny-1llc, tiny-2llc, smt-2llc */
  g_autoptr (GError) why = NULL;
  g_assert_false (ktstr_preset_fits (ktstr_preset_lookup ("odd-3llc"), def, NULL, &kvm, &why));
  g_assert_error (why, KTSTR_PRESET_ERROR, KTSTR_PRESET_ERROR_DOES_NOT_FIT);
  g_assert_cmpstr (why->message, ==, "3 LLCs > 2 host LLCs");
  g_clear_error (&why);
  /* TCG: total vCPUs within the budget, whatever the host's LLCs. */
  KtstrHostCapacity tcg = { FALSE, 2, 1, 24000, 8 };
  g_assert_cmpuint (count_fitting (def, NULL, &tcg), ==, 3);
  g_assert_false (ktstr_preset_fits (ktstr_preset_lookup ("odd-3llc"), def, NULL, &tcg, &why));
  g_assert_cmpstr (why->message, ==, "9 vCPUs > the TCG budget of 8 (KTSTR_VCPU_BUDGET)");
  g_clear_error (&why);
  /* Memory: at most half the host's. */
  KtstrHostCapacity small = { FALSE, 2, 1, 3000, 64 };
  g_assert_false (ktstr_preset_fits (ktstr_preset_lookup ("tiny-1llc"), def, NULL, &small, &why));
  g_assert_cmpstr (why->message, ==, "2048 MB > half the host's 3000 MB");
}

static void
test_host_capacity_budget_env (void)
{
  KtstrHostCapacity cap;
  g_setenv ("KTSTR_ACCEL", "tcg", TRUE);
  g_setenv ("KTSTR_VCPU_BUDGET", "12", TRUE);
  ktstr_host_capacity_detect (&cap, &ktstr_backend_qemu);
  g_assert_false (cap.is_kvm);
  g_assert_cmpuint (cap.vcpu_budget, ==, 12);
  g_assert_cmpuint (cap.host_cpus, ==, g_get_num_processors ());
  g_unsetenv ("KTSTR_VCPU_BUDGET");
  ktstr_host_capacity_detect (&cap, &ktstr_backend_qemu);
  g_assert_cmpuint (cap.vcpu_budget, ==, 4 * g_get_num_processors ());
  g_unsetenv ("KTSTR_ACCEL");

  /* /dev/kvm opening is not enough: with no finding for this host the
   * plan is TCG, whatever /dev/kvm says. */
  g_autofree char *cache = g_dir_make_tmp ("ktstr-cap-XXXXXX", NULL);
  g_autofree char *old_cache = g_strdup (g_getenv ("XDG_CACHE_HOME"));
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  ktstr_host_capacity_detect (&cap, &ktstr_backend_qemu);
  g_assert_false (cap.is_kvm);
  g_setenv ("KTSTR_ACCEL", "kvm", TRUE);
  ktstr_host_capacity_detect (&cap, &ktstr_backend_qemu);
  g_assert_true (cap.is_kvm);
  g_unsetenv ("KTSTR_ACCEL");
  if (old_cache != NULL)
    g_setenv ("XDG_CACHE_HOME", old_cache, TRUE);
  else
    g_unsetenv ("XDG_CACHE_HOME");
  g_rmdir (cache);
}

/* The default number of VMs at once: one per host CPU, within the vCPU
 * budget and half the host's memory, no more than the VMs to boot. */
static void
test_variants_default_jobs (void)
{
  g_autoptr (GPtrArray) vs = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  KtstrHostCapacity tcg2 = { FALSE, 2, 1, 16000, 8 };
  /* Nothing to boot still runs one at a time. */
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2, 1024), ==, 1);
  g_ptr_array_add (vs, ktstr_variant_new ("a", NULL, "1n1l2c1t"));
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2, 1024), ==, 1);
  g_ptr_array_add (vs, ktstr_variant_new ("b", NULL, "1n1l2c1t"));
  g_ptr_array_add (vs, ktstr_variant_new ("c", NULL, "1n1l2c1t"));
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2, 1024), ==, 2);
  /* A skip boots nothing and counts for nothing. */
  KtstrVariant *big = ktstr_variant_new ("d", NULL, "1n2l4c1t");
  big->skip_reason = g_strdup ("does not fit");
  g_ptr_array_add (vs, big);
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2, 1024), ==, 2);
  /* Two 8-vCPU VMs exceed a budget of 8 vCPUs. */
  g_clear_pointer (&big->skip_reason, g_free);
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2, 1024), ==, 1);
  KtstrHostCapacity tcg2_wide = { FALSE, 2, 1, 16000, 16 };
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg2_wide, 1024), ==, 2);
  /* Under KVM the host's CPUs are the budget. */
  KtstrHostCapacity kvm16 = { TRUE, 16, 2, 1 << 20, 64 };
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &kvm16, 1024), ==, 2);
  g_ptr_array_set_size (vs, 3);
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &kvm16, 1024), ==, 3);
  /* Memory: the VMs at once within half the host's. */
  KtstrHostCapacity tcg8_small = { FALSE, 8, 1, 4096, 32 };
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg8_small, 1024), ==, 2);
  ((KtstrVariant *)vs->pdata[0])->memory_mb = 2048;
  g_assert_cmpuint (ktstr_variants_default_jobs (vs, &tcg8_small, 1024), ==, 1);
}

#define SIX_FLAGS                                                                                  \
  "[scheduler]\nname=s\nbinary=/bin/true\n"                                                        \
  "[flag llc]\nargs=--llc\n[flag borrow]\nargs=--borrow\n[flag steal]\nargs=--steal\n"             \
  "requires=llc\n[flag rebal]\n[flag reject-pin]\n[flag no-ctrl]\nargs=--no-ctrl;-x\n"

static void
test_profiles_power_set (void)
{
  g_autoptr (KtstrSchedulerDef) s = load_sched (SIX_FLAGS);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) p = ktstr_profiles_expand (s, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p->len, ==, 48); /* 64 sets minus the 16 with steal but no llc */
  KtstrProfile *first = p->pdata[0];
  g_assert_cmpstr (first->name, ==, "default");
  g_assert_cmpuint (g_strv_length (first->flags), ==, 0);
  g_assert_cmpstr (((KtstrProfile *)p->pdata[1])->name, ==, "llc");
  g_assert_cmpstr (((KtstrProfile *)p->pdata[2])->name, ==, "borrow");
  g_assert_cmpstr (((KtstrProfile *)p->pdata[3])->name, ==, "llc+borrow");
  /* mask 4 (steal alone) is dropped; mask 5 is llc+steal. */
  g_assert_cmpstr (((KtstrProfile *)p->pdata[4])->name, ==, "llc+steal");
  KtstrProfile *last = p->pdata[47];
  g_assert_cmpstr (last->name, ==, "llc+borrow+steal+rebal+reject-pin+no-ctrl");
  const char *const want_args[] = { "--llc", "--borrow", "--steal", "--no-ctrl", "-x", NULL };
  g_assert_cmpstrv (last->args, want_args);
  for (guint i = 0; i < p->len; i++)
    {
      KtstrProfile *pr = p->pdata[i];
      gboolean has_steal = g_strv_contains ((const char *const *)pr->flags, "steal");
      gboolean has_llc = g_strv_contains ((const char *const *)pr->flags, "llc");
      g_assert_true (!has_steal || has_llc);
    }
}

static void
test_profiles_none (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) p = ktstr_profiles_expand (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p->len, ==, 1);
  g_assert_cmpstr (((KtstrProfile *)p->pdata[0])->name, ==, "default");
  g_autoptr (KtstrSchedulerDef) s = load_sched ("[scheduler]\nname=s\nbinary=/bin/true\n");
  g_autoptr (GPtrArray) q = ktstr_profiles_expand (s, &error);
  g_assert_cmpuint (q->len, ==, 1);
  const char *const two[] = { "a", "b", NULL };
  g_autofree char *name = ktstr_profile_name (two);
  g_assert_cmpstr (name, ==, "a+b");
}

static void
test_profiles_too_many (void)
{
  g_autoptr (GString) text = g_string_new ("[scheduler]\nname=big\nbinary=/bin/true\n");
  for (guint i = 0; i <= KTSTR_PROFILES_MAX_FLAGS; i++)
    g_string_append_printf (text, "[flag f%u]\n", i);
  g_autoptr (KtstrSchedulerDef) s = load_sched (text->str);
  g_autoptr (GError) error = NULL;
  g_assert_null (ktstr_profiles_expand (s, &error));
  g_assert_error (error, KTSTR_SCHEDULER_DEF_ERROR, KTSTR_SCHEDULER_DEF_ERROR_INVALID);
}

/* required_flags / excluded_flags: a profile that lacks a required flag
 * or holds an excluded one is no variant of the test at all. */
static void
test_expand_required_excluded (void)
{
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  KtstrTestDef *d = make_def ("steady");
  g_strfreev (d->required_flags);
  g_strfreev (d->excluded_flags);
  d->required_flags = g_strsplit ("llc", ",", -1);
  d->excluded_flags = g_strsplit ("steal", ",", -1);
  g_ptr_array_add (tests, d);
  KtstrTestDef *free_def = make_def ("free");
  g_ptr_array_add (tests, free_def);
  g_autoptr (KtstrSchedulerDef) s = load_sched ("[scheduler]\nname=s\nbinary=/bin/true\n[flag "
                                                "llc]\n[flag steal]\nrequires=llc\n[flag rebal]\n");
  g_autoptr (GPtrArray) profiles = ktstr_profiles_expand (s, NULL);
  /* default, llc, llc+steal, rebal, llc+rebal, llc+steal+rebal */
  g_assert_cmpuint (profiles->len, ==, 6);
  g_autofree const KtstrPreset **presets = ktstr_presets_parse_list ("tiny-1llc", NULL);
  g_autoptr (GPtrArray) v
      = ktstr_gauntlet_expand (tests, (const KtstrPreset *const *)presets, profiles, s, NULL, 0);
  g_assert_cmpuint (v->len, ==, 2 + 6);
  g_assert_cmpstr (((KtstrVariant *)v->pdata[0])->name, ==, "gauntlet/steady/tiny-1llc/llc");
  g_assert_cmpstr (((KtstrVariant *)v->pdata[1])->name, ==, "gauntlet/steady/tiny-1llc/llc+rebal");
  g_assert_cmpstr (((KtstrVariant *)v->pdata[2])->name, ==, "gauntlet/free/tiny-1llc/default");

  g_autoptr (GError) why = NULL;
  const char *const none[] = { NULL };
  const char *const both[] = { "llc", "steal", NULL };
  g_assert_false (ktstr_testdef_allows_flags (d, none, &why));
  g_assert_error (why, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_FLAGS);
  g_assert_cmpstr (why->message, ==, "test 'steady' requires flag 'llc' (required_flags)");
  g_clear_error (&why);
  g_assert_false (ktstr_testdef_allows_flags (d, both, &why));
  g_assert_error (why, KTSTR_TESTDEF_ERROR, KTSTR_TESTDEF_ERROR_FLAGS);
  g_assert_cmpstr (why->message, ==, "test 'steady' excludes flag 'steal' (excluded_flags)");
  g_assert_true (ktstr_testdef_allows_flags (free_def, NULL, NULL));
}

static void
test_expand_names_and_skips (void)
{
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_testdef_free);
  g_ptr_array_add (tests, make_def ("steady"));
  KtstrTestDef *llc = make_def ("steady_llc");
  llc->constraints.min_llcs = 2;
  g_ptr_array_add (tests, llc);
  g_autoptr (KtstrSchedulerDef) s = load_sched (
      "[scheduler]\nname=s\nbinary=/bin/true\n[flag llc]\n[flag steal]\nrequires=llc\n");
  g_autoptr (GPtrArray) profiles = ktstr_profiles_expand (s, NULL);
  g_assert_cmpuint (profiles->len, ==, 3);
  g_autofree const KtstrPreset **presets
      = ktstr_presets_parse_list ("tiny-1llc,tiny-2llc,odd-3llc", NULL);
  KtstrHostCapacity tcg = { FALSE, 2, 1, 24000, 8 };
  g_autoptr (GPtrArray) v
      = ktstr_gauntlet_expand (tests, (const KtstrPreset *const *)presets, profiles, s, &tcg, 0);
  g_assert_cmpuint (v->len, ==, 2 * 3 * 3);
  const char *const want[] = {
    "gauntlet/steady/tiny-1llc/default",
    "gauntlet/steady/tiny-1llc/llc",
    "gauntlet/steady/tiny-1llc/llc+steal",
    "gauntlet/steady/tiny-2llc/default",
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (((KtstrVariant *)v->pdata[i])->name, ==, want[i]);
  guint skipped = 0;
  for (guint i = 0; i < v->len; i++)
    skipped += ((KtstrVariant *)v->pdata[i])->skip_reason != NULL;
  /* odd-3llc (9 vCPUs) for both tests, tiny-1llc for steady_llc: 3 presets × 3 profiles. */
  g_assert_cmpuint (skipped, ==, 9);
  KtstrVariant *a = v->pdata[3];
  g_assert_cmpstr (a->topology, ==, "1n2l2c1t");
  g_assert_cmpuint (a->memory_mb, ==, 2048);
  g_assert_cmpuint (a->profile_index, ==, 0);
  g_assert_null (a->skip_reason);
  KtstrVariant *b = v->pdata[9];
  g_assert_cmpstr (b->name, ==, "gauntlet/steady_llc/tiny-1llc/default");
  g_assert_cmpstr (b->skip_reason, ==, "1n1l4c1t has 1 LLCs; test 'steady_llc' needs 2 to 64");

  /* --memory-mb: at least 64 MB per vCPU and 256 MB. */
  g_autoptr (GPtrArray) w
      = ktstr_gauntlet_expand (tests, (const KtstrPreset *const *)presets, profiles, s, NULL, 128);
  g_assert_cmpuint (((KtstrVariant *)w->pdata[0])->memory_mb, ==, 256);
  g_autoptr (GPtrArray) all = ktstr_gauntlet_expand (tests, NULL, profiles, NULL, NULL, 0);
  g_assert_cmpuint (all->len, ==, 2 * 24 * 3);
}

static void
test_progress_format (void)
{
  KtstrProgress p = { .total = 8, .done = 0, .jobs = 2, .running = 8, .elapsed_us = 5000000 };
  g_autofree char *a = ktstr_progress_format (&p);
  g_assert_cmpstr (a, ==, "[0/8] 0 failed, 2 running, 0:05 elapsed, ETA --:--");
  p.done = 4, p.failed = 1, p.skipped = 1, p.running = 4, p.n_run = 3, p.sum_run_s = 60;
  p.elapsed_us = 42000000;
  /* 4 left, 2 of them in flight at about half: (2·20 + 2·10) / 2 = 30 s. */
  g_assert_cmpfloat_with_epsilon (ktstr_progress_eta_s (&p), 30.0, 1e-9);
  g_autofree char *b = ktstr_progress_format (&p);
  g_assert_cmpstr (b, ==, "[4/8] 1 failed, 1 skipped, 2 running, 0:42 elapsed, ETA 0:30");
  p.done = 8, p.running = 0, p.elapsed_us = 3725000000;
  g_autofree char *c = ktstr_progress_format (&p);
  g_assert_cmpstr (c, ==, "[8/8] 1 failed, 1 skipped, 0 running, 1:02:05 elapsed, ETA 0:00");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gauntlet/presets/table", test_presets_table);
  g_test_add_func ("/gauntlet/presets/parse-list", test_presets_parse_list);
  g_test_add_func ("/gauntlet/presets/filter/constraints", test_presets_filter_constraints);
  g_test_add_func ("/gauntlet/presets/filter/scheduler", test_presets_filter_scheduler);
  g_test_add_func ("/gauntlet/presets/filter/host", test_presets_filter_host);
  g_test_add_func ("/gauntlet/presets/host-capacity/budget-env", test_host_capacity_budget_env);
  g_test_add_func ("/gauntlet/variants/default-jobs", test_variants_default_jobs);
  g_test_add_func ("/gauntlet/profiles/power-set", test_profiles_power_set);
  g_test_add_func ("/gauntlet/profiles/none", test_profiles_none);
  g_test_add_func ("/gauntlet/profiles/too-many", test_profiles_too_many);
  g_test_add_func ("/gauntlet/expand/names-and-skips", test_expand_names_and_skips);
  g_test_add_func ("/gauntlet/expand/required-excluded", test_expand_required_excluded);
  g_test_add_func ("/gauntlet/progress/format", test_progress_format);
  return g_test_run ();
}
