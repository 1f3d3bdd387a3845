/* Variant lists and their transformations: trials repeat the runnable
 * entries round by round, number them and name them; skips stay single. */
#include "config.h"

#include "run/variant.h"

static GPtrArray *
make_list (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)ktstr_variant_free);
  g_ptr_array_add (list, ktstr_variant_new ("a", NULL, "1n1l2c1t"));
  KtstrVariant *skip = ktstr_variant_new ("s", NULL, "1n1l1c1t");
  skip->skip_reason = g_strdup ("too small");
  skip->is_skip_recorded = TRUE;
  g_ptr_array_add (list, skip);
  KtstrVariant *b = ktstr_variant_new ("gauntlet/b/tiny-1llc/default", NULL, "1n1l4c1t");
  b->memory_mb = 2048;
  b->profile_index = 1;
  g_ptr_array_add (list, b);
  return list;
}

static void
test_repeat_round_robin (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (GPtrArray) out = ktstr_variants_repeat (list, 3);
  const struct
  {
    const char *name;
    guint trial;
  } want[] = {
    { "a#1", 1 },
    { "s", 0 },
    { "gauntlet/b/tiny-1llc/default#1", 1 },
    { "a#2", 2 },
    { "gauntlet/b/tiny-1llc/default#2", 2 },
    { "a#3", 3 },
    { "gauntlet/b/tiny-1llc/default#3", 3 },
  };
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < out->len; i++)
    {
      const KtstrVariant *v = out->pdata[i];
      g_assert_cmpstr (v->name, ==, want[i].name);
      g_assert_cmpuint (v->trial, ==, want[i].trial);
    }
  /* Everything else is the original's, copied. */
  const KtstrVariant *b3 = out->pdata[6];
  g_assert_cmpstr (b3->topology, ==, "1n1l4c1t");
  g_assert_cmpuint (b3->memory_mb, ==, 2048);
  g_assert_cmpuint (b3->profile_index, ==, 1);
  g_assert_true (b3->topology != ((KtstrVariant *)list->pdata[2])->topology);
  const KtstrVariant *s = out->pdata[1];
  g_assert_cmpstr (s->skip_reason, ==, "too small");
  g_assert_true (s->is_skip_recorded);
}

/* One trial is no repetition: the same list, trial 0 (no trial field, the
 * usual file name). */
static void
test_repeat_once (void)
{
  g_autoptr (GPtrArray) list = make_list ();
  g_autoptr (GPtrArray) out = ktstr_variants_repeat (list, 1);
  g_assert_cmpuint (out->len, ==, list->len);
  for (guint i = 0; i < out->len; i++)
    {
      const KtstrVariant *v = out->pdata[i], *o = list->pdata[i];
      g_assert_cmpstr (v->name, ==, o->name);
      g_assert_cmpuint (v->trial, ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/variant/repeat/round-robin", test_repeat_round_robin);
  g_test_add_func ("/variant/repeat/once", test_repeat_once);
  return g_test_run ();
}
