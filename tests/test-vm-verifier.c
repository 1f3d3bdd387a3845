/* `ktstr verifier` (src/cli/cmd-verifier.c) on the fixture sched_ext kernel:
 *
 *   - scx_simple and scx_qmap: the per-program counts it prints (--json)
 *     are those the sidecar of a `ktstr test` run with the same scheduler
 *     records as verifier_stats;
 *   - a definition with a flag that makes the fixture scheduler fail the
 *     verifier (tests/sched, --fail-verify), under --all-profiles (default
 *     and broken): the default profile's counts, the broken one's
 *     collapsed verifier log, exit status 1; with --profiles broken --raw
 *     --json the log whole in the document.
 *
 * They boot VMs: KTSTR_VM_TESTS=1 (make check-vm).  The usage errors need
 * no VM and always run. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "record/sidecar.h"
#include "tests/vm-run.h"

static const char *schedulers; /* $KTSTR_TEST_SCHEDULERS */

typedef struct
{
  int status;
  char *out;
  char *err;
} Verifier;

static void
verifier_clear (Verifier *v)
{
  g_free (v->out);
  g_free (v->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Verifier, verifier_clear)

/* Runs `ktstr verifier ARGS...` (NULL-terminated) into V. */
static void
run_verifier (Verifier *v, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *rel = g_build_filename (ktstr_vm_test_builddir (), "src", "ktstr", NULL);
  g_ptr_array_add (argv, g_canonicalize_filename (rel, NULL));
  g_ptr_array_add (argv, g_strdup ("verifier"));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &v->out, &v->err, &v->status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout:\n%s\nstderr:\n%s", v->out, v->err);
}

static int
exit_code (const Verifier *v)
{
  return WIFEXITED (v->status) ? WEXITSTATUS (v->status) : -1;
}

static char *
fixture (const char *name)
{
  char *path = g_build_filename (schedulers != NULL ? schedulers : "/nonexistent", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("fixture schedulers not found: set KTSTR_TEST_SCHEDULERS");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* The counts of --json's first load, name -> count. */
static GHashTable *
json_counts (const char *json, gboolean *loaded)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, json, -1, &error));
  g_assert_no_error (error);
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpint (json_object_get_int_member (o, "insn_limit"), ==, 1000000);
  JsonArray *loads = json_object_get_array_member (o, "loads");
  g_assert_cmpuint (json_array_get_length (loads), >=, 1);
  JsonObject *l = json_array_get_object_element (loads, 0);
  *loaded = json_object_get_boolean_member (l, "loaded");
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *progs = json_object_get_array_member (l, "programs");
  for (guint i = 0; i < json_array_get_length (progs); i++)
    {
      JsonObject *pr = json_array_get_object_element (progs, i);
      g_hash_table_insert (h, g_strdup (json_object_get_string_member (pr, "name")),
                           GSIZE_TO_POINTER (json_object_get_int_member (pr, "verified_insns")));
    }
  return h;
}

/* DATA: the fixture scheduler's file name; its struct_ops programs'
 * prefix is the ops name, the file name without "scx_". */
static void
test_matches_sidecar (gconstpointer data)
{
  const char *name = data;
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *sched = fixture (name);
  if (sched == NULL)
    return;
  const char *kernel = ktstr_vm_test_kernel ();
  g_autofree char *karg = g_strdup_printf ("--kernel=%s", kernel);
  g_autofree char *sarg = g_strdup_printf ("--scheduler=%s", sched);
  const char *args[] = { karg, sarg, "--json", NULL };
  g_auto (Verifier) v = { 0 };
  run_verifier (&v, args);
  g_assert_cmpint (exit_code (&v), ==, 0);
  gboolean loaded = FALSE;
  g_autoptr (GHashTable) counts = json_counts (v.out, &loaded);
  g_assert_true (loaded);
  g_assert_cmpuint (g_hash_table_size (counts), >, 0);

  const char *targs[] = { sarg, "steady", NULL };
  KtstrVmRun r = { 0 };
  ktstr_vm_run (&r, kernel, targs, NULL);
  g_assert_cmpint (ktstr_vm_run_exit_code (&r), ==, 0);
  g_autoptr (KtstrSidecar) sc = ktstr_vm_test_load_sidecar (r.cwd, "steady", NULL);
  g_assert_cmpuint (sc->verifier_stats->len, ==, g_hash_table_size (counts));
  g_autofree char *prefix = g_strdup_printf ("%s_", name + strlen ("scx_"));
  for (guint i = 0; i < sc->verifier_stats->len; i++)
    {
      const KtstrVerifierStat *s = sc->verifier_stats->pdata[i];
      gpointer got = NULL;
      g_assert_true (g_str_has_prefix (s->name, prefix));
      g_assert_true (g_hash_table_lookup_extended (counts, s->name, NULL, &got));
      g_assert_cmpuint (GPOINTER_TO_SIZE (got), ==, s->verified_insns);
      g_assert_cmpuint (s->verified_insns, >, 0);
    }
  ktstr_vm_run_clear (&r);

  /* The table names every program with its count and share. */
  const char *targs2[] = { karg, sarg, NULL };
  g_auto (Verifier) t = { 0 };
  run_verifier (&t, targs2);
  g_assert_cmpint (exit_code (&t), ==, 0);
  g_assert_nonnull (strstr (t.out, "VERIFIED INSNS (% OF 1000000)"));
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_autofree char *cellv = g_strdup_printf ("%zu (", GPOINTER_TO_SIZE (value));
      g_assert_nonnull (strstr (t.out, key));
      g_assert_nonnull (strstr (t.out, cellv));
    }
}

/* A definition whose "broken" flag makes the fixture scheduler fail the
 * verifier. */
static void
test_fail_verify_profile (void)
{
  if (!ktstr_vm_test_need_vm ())
    return;
  g_autofree char *sched
      = g_build_filename (ktstr_vm_test_builddir (), "tests", "sched", "scx_ktstr", NULL);
  if (!g_file_test (sched, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("tests/sched/scx_ktstr not built (configure --with-sched-vmlinux-h)");
      return;
    }
  g_autofree char *dir = g_dir_make_tmp ("ktstr-vm-verifier-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *abs = g_canonicalize_filename (sched, NULL);
  g_autofree char *def = g_build_filename (dir, "fixture.ktstr-sched", NULL);
  g_autofree char *text = g_strdup_printf ("[scheduler]\nname = ktstr\nbinary = %s\n\n"
                                           "[flag broken]\nargs = --fail-verify\n",
                                           abs);
  g_assert_true (g_file_set_contents (def, text, -1, NULL));
  g_autofree char *karg = g_strdup_printf ("--kernel=%s", ktstr_vm_test_kernel ());
  g_autofree char *farg = g_strdup_printf ("--scheduler-file=%s", def);
  const char *args[] = { karg, farg, "--all-profiles", NULL };
  g_auto (Verifier) v = { 0 };
  run_verifier (&v, args);
  g_assert_cmpint (exit_code (&v), ==, 1);
  /* The table: a column per profile, the broken one FAILED. */
  g_assert_nonnull (strstr (v.out, "PROGRAM"));
  g_assert_nonnull (strstr (v.out, "default"));
  g_assert_nonnull (strstr (v.out, "FAILED"));
  g_assert_nonnull (strstr (v.out, "ktstr_enqueue"));
  g_assert_nonnull (strstr (v.out, "profile broken on kernel"));
  g_assert_nonnull (strstr (v.out, "scheduler failed to load"));
  g_assert_nonnull (strstr (v.out, "verifier log:\n"));
  g_assert_nonnull (strstr (v.out, "R1 invalid mem access 'scalar'"));

  /* --raw --json, the broken profile alone: the log whole, in the
   * document. */
  const char *raw_args[] = { karg, farg, "--profiles", "broken", "--raw", "--json", NULL };
  g_auto (Verifier) raw = { 0 };
  run_verifier (&raw, raw_args);
  g_assert_cmpint (exit_code (&raw), ==, 1);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, raw.out, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  JsonObject *l = json_array_get_object_element (json_object_get_array_member (o, "loads"), 0);
  g_assert_cmpstr (json_object_get_string_member (l, "profile"), ==, "broken");
  g_assert_false (json_object_get_boolean_member (l, "loaded"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (l, "programs")), ==, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (l, "error"), "failed to load"));
  const char *log = json_object_get_string_member (l, "verifier_log");
  g_assert_nonnull (strstr (log, "R1 invalid mem access 'scalar'"));
  g_assert_null (strstr (log, "more time"));
  g_unlink (def);
  g_rmdir (dir);
}

/* Usage errors: no VM, exit 2, a message naming the input. */
static void
test_usage_errors (void)
{
  static const char *const cases[][5] = {
    { "no scheduler", NULL },
    { "both", "--scheduler=/bin/true", "--scheduler-file=/nonexistent", NULL },
    { "profiles without definition", "--scheduler=/bin/true", "--profiles=default", NULL },
    { "all and list", "--scheduler-file=/nonexistent", "--all-profiles", "--profiles=default",
      NULL },
    { "stray argument", "--scheduler=/bin/true", "extra", NULL },
    { "bad topology", "--scheduler=/bin/true", "--topology=zz", NULL },
  };
  static const char *const want[] = {
    "give the scheduler to load",    "give the scheduler to load",
    "give it with --scheduler-file", "--all-profiles",
    "unexpected argument 'extra'",   "--topology",
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Verifier) v = { 0 };
      run_verifier (&v, &cases[i][1]);
      g_assert_cmpint (exit_code (&v), ==, 2);
      g_assert_true (g_str_has_prefix (v.err, "ktstr verifier: "));
      g_assert_nonnull (strstr (v.err, want[i]));
      g_assert_cmpstr (v.out, ==, "");
    }

  /* A definition's unknown flag, a kernel that is not there. */
  g_autofree char *def
      = g_test_build_filename (G_TEST_DIST, "data", "cli", "sched-checks.ini", NULL);
  g_autofree char *farg = g_strdup_printf ("--scheduler-file=%s", def);
  const char *flag_args[] = { farg, "--profiles=default,fast+nope", NULL };
  g_auto (Verifier) flag = { 0 };
  run_verifier (&flag, flag_args);
  g_assert_cmpint (exit_code (&flag), ==, 2);
  g_assert_nonnull (strstr (flag.err, "--profiles 'fast+nope': "));
  g_assert_nonnull (strstr (flag.err, "no flag 'nope' (flags: fast, slow)"));
  const char *kernel_args[] = { farg, "--kernel=/nonexistent/bzImage", NULL };
  g_auto (Verifier) kern = { 0 };
  run_verifier (&kern, kernel_args);
  g_assert_cmpint (exit_code (&kern), ==, 2);
  g_assert_nonnull (strstr (kern.err, "/nonexistent/bzImage"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  schedulers = g_getenv ("KTSTR_TEST_SCHEDULERS");
  g_test_add_func ("/vm/verifier/usage-errors", test_usage_errors);
  g_test_add_data_func ("/vm/verifier/simple/matches-sidecar", "scx_simple", test_matches_sidecar);
  g_test_add_data_func ("/vm/verifier/qmap/matches-sidecar", "scx_qmap", test_matches_sidecar);
  g_test_add_func ("/vm/verifier/fixture/fail-verify", test_fail_verify_profile);
  return g_test_run ();
}
