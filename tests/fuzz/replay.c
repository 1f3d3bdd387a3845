/* Replays a fuzz harness's seed corpus and its regression inputs in `make
 * check`, without libFuzzer: every file in tests/fuzz/corpus/NAME and
 * tests/fuzz/regress/NAME goes through the harness's
 * LLVMFuzzerTestOneInput, one GLib test case per file.  An input that
 * once crashed, tripped a sanitizer or made GLib warn stays in regress/
 * and fails this test if it ever does again.  NAME is the harness
 * (KTSTR_FUZZ_NAME, set per program in Makefile-fuzz.am). */
#include "config.h"

#include "fuzz-util.h"

static void
replay_one (gconstpointer data)
{
  const char *path = data;
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &bytes, &len, &error))
    g_error ("%s", error->message);
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const uint8_t *)bytes, len), ==, 0);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* One test per file of DIR, named after KIND ("corpus", "regress"). */
static void
add_dir (const char *dir, const char *kind)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test = g_strdup_printf ("/fuzz-replay/%s/%s/%s", KTSTR_FUZZ_NAME, kind,
                                               (const char *)names->pdata[i]);
      g_test_add_data_func_full (test, g_build_filename (dir, names->pdata[i], NULL), replay_one,
                                 g_free);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  LLVMFuzzerInitialize (&argc, &argv);
  for (const char *const *kind = (const char *const[]){ "corpus", "regress", NULL }; *kind; kind++)
    {
      g_autofree char *dir
          = g_test_build_filename (G_TEST_DIST, "fuzz", *kind, KTSTR_FUZZ_NAME, NULL);
      add_dir (dir, *kind);
    }
  return g_test_run ();
}
