/* `ktstr-stats explain-sidecar`: the causes decided per sidecar on runs
 * the test writes, the walk's corrupt and unreadable files, and the
 * command end to end (goldens over the fixture pool, exit statuses). */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "record/sidecar.h"
#include "stats/explain.h"
#include "util/json-util.h"
#include "tests/test-stats-util.h"

typedef struct
{
  char *dir; /* a run directory */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ktstr-explain-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A passing sidecar of ktstr under TCG with every field it can fill. */
static KtstrSidecar *
make_sidecar (const char *name)
{
  KtstrSidecar *sc = ktstr_sidecar_new ();
  sc->test_name = g_strdup (name);
  sc->topology = g_strdup ("1n1l2c1t");
  sc->scheduler = g_strdup ("eevdf");
  sc->work_type = g_strdup ("CpuSpin");
  sc->project_commit = g_strdup ("abc1234");
  sc->kernel_version = g_strdup ("6.12.117");
  sc->kernel_commit = g_strdup ("def5678");
  sc->host = ktstr_host_context_new ();
  sc->has_cleanup_duration_ms = TRUE;
  sc->cleanup_duration_ms = 12;
  sc->run_source = g_strdup ("local");
  sc->accel = g_strdup ("tcg");
  sc->passed = TRUE;
  g_ptr_array_add (sc->stimulus_events, ktstr_stimulus_event_new (0, "ScenarioStart"));
  sc->timestamp = g_strdup ("2026-01-10T08:00:00Z");
  sc->run_id = g_strdup ("20260110T080000Z-0");
  return sc;
}

/* Writes SC into DIR (a subdirectory when SUB is not NULL), after
 * removing the keys in DROP and adding "source" when LEGACY_SOURCE. */
static void
write_raw (const char *dir, const char *sub, KtstrSidecar *sc, const char *const *drop,
           gboolean legacy_source)
{
  g_autoptr (JsonNode) node = ktstr_sidecar_to_json (sc);
  JsonObject *o = json_node_get_object (node);
  for (; drop != NULL && *drop != NULL; drop++)
    json_object_remove_member (o, *drop);
  if (legacy_source)
    json_object_set_string_member (o, "source", "ci");
  g_autofree char *text = ktstr_json_to_data (node, NULL);
  g_autofree char *where = sub ? g_build_filename (dir, sub, NULL) : g_strdup (dir);
  g_assert_cmpint (g_mkdir_with_parents (where, 0755), ==, 0);
  g_autofree char *name = ktstr_sidecar_filename (sc);
  g_autofree char *path = g_build_filename (where, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static const KtstrExplainCount *
count_of (const KtstrExplainReport *r, const char *field)
{
  for (guint f = 0; f < r->n_fields; f++)
    if (strcmp (r->fields[f].name, field) == 0)
      return &r->counts[f];
  g_error ("no field %s in the catalog", field);
}

/* How many nulls of FIELD had the cause ID. */
static guint
by_cause (const KtstrExplainReport *r, const char *field, const char *id)
{
  for (guint f = 0; f < r->n_fields; f++)
    {
      if (strcmp (r->fields[f].name, field) != 0)
        continue;
      for (guint c = 0; c < KTSTR_EXPLAIN_MAX_CAUSES && r->fields[f].causes[c].id; c++)
        if (strcmp (r->fields[f].causes[c].id, id) == 0)
          return r->counts[f].by_cause[c];
      g_error ("field %s has no cause %s", field, id);
    }
  g_error ("no field %s in the catalog", field);
}

static void
test_all_set (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) sc = make_sidecar ("full");
  sc->payload = g_strdup ("fio");
  sc->monitor = ktstr_monitor_summary_new ();
  sc->kvm_stats = ktstr_kvm_stats_new ();
  sc->scheduler_commit = g_strdup ("0000000");
  sc->verdict_summary = g_strdup ("not really");
  sc->trial = 1;
  write_raw (f->dir, NULL, sc, NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrExplainReport) r = ktstr_explain_run (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->walked, ==, 1);
  g_assert_cmpuint (r->valid, ==, 1);
  for (guint i = 0; i < r->n_fields; i++)
    {
      g_assert_cmpuint (r->counts[i].null_count, ==, 0);
      g_assert_cmpuint (r->counts[i].set_count, ==, 1);
    }
}

/* The accelerator decides whether missing KVM statistics are a problem. */
static void
test_kvm_stats_causes (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) tcg = make_sidecar ("tcg");
  g_autoptr (KtstrSidecar) kvm = make_sidecar ("kvm");
  g_autoptr (KtstrSidecar) none = make_sidecar ("none");
  g_autoptr (KtstrSidecar) skip = make_sidecar ("skip");
  g_autoptr (KtstrSidecar) left_out = make_sidecar ("left_out");
  g_free (kvm->accel);
  kvm->accel = g_strdup ("kvm");
  g_clear_pointer (&none->accel, g_free);
  skip->skipped = TRUE;
  const char *const drop[] = { "kvm_stats", NULL };
  write_raw (f->dir, NULL, tcg, NULL, FALSE);
  write_raw (f->dir, NULL, kvm, NULL, FALSE);
  write_raw (f->dir, NULL, none, NULL, FALSE);
  write_raw (f->dir, NULL, skip, NULL, FALSE);
  write_raw (f->dir, NULL, left_out, drop, FALSE);

  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrExplainReport) r = ktstr_explain_run (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_of (r, "kvm_stats")->null_count, ==, 5);
  g_assert_cmpuint (by_cause (r, "kvm_stats", "tcg"), ==, 1);
  g_assert_cmpuint (by_cause (r, "kvm_stats", "qemu_backend"), ==, 1);
  g_assert_cmpuint (by_cause (r, "kvm_stats", "accel_unknown"), ==, 1);
  g_assert_cmpuint (by_cause (r, "kvm_stats", "skipped"), ==, 1);
  g_assert_cmpuint (by_cause (r, "kvm_stats", "key_left_out"), ==, 1);

  /* The KVM run under QEMU is the one with a fix. */
  g_autofree char *text = ktstr_explain_format (r, "run", FALSE);
  g_assert_nonnull (strstr (text, "kvm_stats: null in 5 of 5 (actionable)\n"));
  g_assert_nonnull (strstr (text, "  1 actionable: the VM ran under KVM through QEMU, which does "
                                  "not read per-vCPU KVM statistics\n"
                                  "    fix: run with `ktstr test --backend kvm`, whose VMM reads "
                                  "them\n"));
  g_assert_nonnull (strstr (text, "  1 expected: the VM ran under TCG"));
}

static void
test_other_causes (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) legacy = make_sidecar ("legacy");
  g_autoptr (KtstrSidecar) old = make_sidecar ("old");
  g_autoptr (KtstrSidecar) failed = make_sidecar ("failed");
  g_autoptr (KtstrSidecar) early = make_sidecar ("early");
  g_clear_pointer (&legacy->run_source, g_free);
  g_clear_pointer (&old->run_source, g_free);
  g_clear_pointer (&old->project_commit, g_free);
  /* A failure without the verdict member: an older ktstr. */
  failed->passed = FALSE;
  failed->has_cleanup_duration_ms = FALSE;
  /* A failure before the scenario, whose reason was kept. */
  early->passed = FALSE;
  g_ptr_array_set_size (early->stimulus_events, 0);
  early->verdict_summary = g_strdup ("boot failure: the guest agent never said hello");
  const char *const no_verdict[] = { "verdict", "accel", NULL };
  /* A trial of a repeated run; the others were not repeated. */
  legacy->trial = 2;
  write_raw (f->dir, NULL, legacy, NULL, TRUE);
  write_raw (f->dir, NULL, old, NULL, FALSE);
  write_raw (f->dir, NULL, failed, no_verdict, FALSE);
  write_raw (f->dir, "job-1", early, NULL, FALSE); /* one level down counts */

  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrExplainReport) r = ktstr_explain_run (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->valid, ==, 4);
  g_assert_cmpuint (by_cause (r, "run_source", "legacy_key"), ==, 1);
  g_assert_cmpuint (by_cause (r, "run_source", "not_recorded"), ==, 1);
  g_assert_cmpuint (by_cause (r, "project_commit", "not_in_git"), ==, 1);
  g_assert_cmpuint (by_cause (r, "verdict", "passed"), ==, 2);
  g_assert_cmpuint (by_cause (r, "verdict", "not_written"), ==, 1);
  g_assert_cmpuint (count_of (r, "verdict")->set_count, ==, 1);
  g_assert_cmpuint (by_cause (r, "accel", "not_written"), ==, 1);
  g_assert_cmpuint (by_cause (r, "cleanup_duration_ms", "no_clean_end"), ==, 1);
  g_assert_cmpuint (by_cause (r, "monitor", "failed_early"), ==, 1);
  g_assert_cmpuint (by_cause (r, "monitor", "not_recorded"), ==, 3);
  g_assert_cmpuint (by_cause (r, "trial", "not_repeated"), ==, 3);
  g_assert_cmpuint (count_of (r, "trial")->set_count, ==, 1);

  g_autofree char *json = ktstr_explain_format (r, "run", TRUE);
  g_autoptr (JsonNode) node = json_from_string (json, &error);
  g_assert_no_error (error);
  JsonObject *fields = json_object_get_object_member (json_node_get_object (node), "fields");
  JsonObject *rs = json_object_get_object_member (fields, "run_source");
  g_assert_cmpint (json_object_get_int_member (rs, "none_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (rs, "some_count"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (rs, "classification"), ==, "actionable");
  g_assert_cmpstr (json_object_get_string_member (rs, "fix"), ==,
                   "rename the key 'source' to 'run_source' in the file, or re-run `ktstr test`");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rs, "causes")), ==, 2);
  JsonObject *payload = json_object_get_object_member (fields, "payload");
  g_assert_cmpstr (json_object_get_string_member (payload, "classification"), ==, "expected");
  g_assert_true (json_object_get_null_member (payload, "fix"));
}

static void
test_corrupt_and_unreadable (Fixture *f, gconstpointer data)
{
  g_autoptr (KtstrSidecar) ok = make_sidecar ("ok");
  g_autoptr (KtstrSidecar) incomplete = make_sidecar ("incomplete");
  const char *const drop[] = { "work_type", NULL };
  write_raw (f->dir, NULL, ok, NULL, FALSE);
  write_raw (f->dir, NULL, incomplete, drop, FALSE);
  g_autofree char *truncated = g_build_filename (f->dir, "cut-0000000000000001.ktstr.json", NULL);
  g_assert_true (g_file_set_contents (truncated, "{\"test_name\": \"cut\", \"top", -1, NULL));
  /* A file whose read fails even for root: /proc/self/mem is a regular
   * file that gives EIO at offset 0. */
  g_autofree char *eio = g_build_filename (f->dir, "eio-0000000000000002.ktstr.json", NULL);
  g_assert_cmpint (symlink ("/proc/self/mem", eio), ==, 0);
  /* Not sidecars: never walked. */
  g_autofree char *other = g_build_filename (f->dir, "notes.json", NULL);
  g_assert_true (g_file_set_contents (other, "{", -1, NULL));
  g_autofree char *dot = g_build_filename (f->dir, ".locks", NULL);
  g_assert_cmpint (g_mkdir (dot, 0755), ==, 0);

  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrExplainReport) r = ktstr_explain_run (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->walked, ==, 4);
  g_assert_cmpuint (r->valid, ==, 1);
  g_assert_cmpuint (r->corrupt->len, ==, 2);
  g_assert_cmpuint (r->io_errors->len, ==, 1);
  const KtstrExplainProblem *cut = g_ptr_array_index (r->corrupt, 0);
  g_assert_cmpstr (cut->path, ==, truncated);
  g_assert_true (g_str_has_prefix (cut->error, "not JSON: "));
  g_assert_nonnull (strstr (cut->hint, "truncated copy"));
  const KtstrExplainProblem *missing = g_ptr_array_index (r->corrupt, 1);
  g_assert_nonnull (strstr (missing->error, "key 'work_type' is missing"));
  g_assert_nonnull (strstr (missing->hint, "a required key is missing"));
  const KtstrExplainProblem *io = g_ptr_array_index (r->io_errors, 0);
  g_assert_cmpstr (io->path, ==, eio);

  g_autofree char *text = ktstr_explain_format (r, "run", FALSE);
  g_assert_nonnull (strstr (text, "walked 4 sidecar file(s), parsed 1 valid, 2 corrupt, 1 "
                                  "unreadable\n"));
  g_assert_nonnull (strstr (text, "\ncorrupt sidecars (2):\n"));
  g_assert_nonnull (strstr (text, "\nio errors (1):\n"));
}

static void
test_no_sidecars (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) missing = NULL;
  g_assert_null (ktstr_explain_run (f->dir, &error));
  g_assert_error (error, KTSTR_STATS_EXPLAIN_ERROR, KTSTR_STATS_EXPLAIN_ERROR_NO_SIDECARS);
  g_assert_nonnull (strstr (error->message, "holds no sidecar file"));
  g_autofree char *gone = g_build_filename (f->dir, "gone", NULL);
  g_assert_null (ktstr_explain_run (gone, &missing));
  g_assert_error (missing, KTSTR_STATS_EXPLAIN_ERROR, KTSTR_STATS_EXPLAIN_ERROR_IO);
}

/* --- The command --------------------------------------------------------- */

typedef struct
{
  char *target;
} CliFixture;

static void
cli_setup (CliFixture *f, gconstpointer data)
{
  f->target = stats_test_make_target ();
}

static void
cli_teardown (CliFixture *f, gconstpointer data)
{
  stats_test_rm_rf (f->target);
  g_free (f->target);
}

/* The runs root in the output varies per test run: replace it. */
static char *
without_root (const char *text, const char *target)
{
  g_autofree char *root = stats_test_runs_root (target);
  g_auto (GStrv) parts = g_strsplit (text, root, -1);
  return g_strjoinv ("RUNS_ROOT", parts);
}

static void
test_cli_golden (CliFixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) text;
  g_auto (StatsTestRun) json;
  g_auto (StatsTestRun) gauntlet;
  stats_test_run (&text, f->target, NULL, "explain-sidecar", "--run", "6.14-unknown", NULL);
  stats_test_run (&json, f->target, NULL, "explain-sidecar", "--run", "6.14-unknown", "--json",
                  NULL);
  stats_test_run (&gauntlet, f->target, NULL, "explain-sidecar", "--run", "ci-gauntlet", NULL);
  /* A corrupt sidecar is a finding, not a failure. */
  g_assert_cmpint (text.status, ==, 0);
  g_assert_cmpint (json.status, ==, 0);
  g_assert_cmpint (gauntlet.status, ==, 0);
  g_autofree char *t = without_root (text.out, f->target);
  g_autofree char *j = without_root (json.out, f->target);
  g_autofree char *g = without_root (gauntlet.out, f->target);
  stats_test_assert_golden (t, "explain-6.14-unknown.txt");
  stats_test_assert_golden (j, "explain-6.14-unknown.json");
  stats_test_assert_golden (g, "explain-ci-gauntlet.txt");
}

static void
test_cli_errors (CliFixture *f, gconstpointer data)
{
  g_auto (StatsTestRun) needs_run;
  g_auto (StatsTestRun) unknown;
  g_auto (StatsTestRun) empty;
  g_auto (StatsTestRun) dir;

  stats_test_run (&needs_run, f->target, NULL, "explain-sidecar", NULL);
  g_assert_cmpint (needs_run.status, ==, 2);
  g_assert_nonnull (strstr (needs_run.err, "--run RUN is required"));

  stats_test_run (&unknown, f->target, NULL, "explain-sidecar", "--run", "6.14-unknwn", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_cmpstr (unknown.out, ==, "");
  g_assert_nonnull (strstr (unknown.err, "Did you mean '6.14-unknown'?"));

  g_autofree char *root = stats_test_runs_root (f->target);
  g_autofree char *bare = g_build_filename (root, "empty-run", NULL);
  g_assert_cmpint (g_mkdir (bare, 0755), ==, 0);
  stats_test_run (&empty, f->target, NULL, "explain-sidecar", "--run", "empty-run", NULL);
  g_assert_cmpint (empty.status, ==, 2);
  g_assert_nonnull (strstr (empty.err, "holds no sidecar file"));

  /* --dir: another root; run_source is read as stored, not as archive. */
  stats_test_run (&dir, "/nonexistent-target", NULL, "explain-sidecar", "--run", "ci-gauntlet",
                  "--dir", root, "--json", NULL);
  g_assert_cmpint (dir.status, ==, 0);
  g_assert_nonnull (strstr (dir.out, "\"run_source\": {\n      \"none_count\": 0,"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/stats/explain/all-set", test_all_set);
  ADD ("/stats/explain/kvm-stats-causes", test_kvm_stats_causes);
  ADD ("/stats/explain/other-causes", test_other_causes);
  ADD ("/stats/explain/corrupt-and-unreadable", test_corrupt_and_unreadable);
  ADD ("/stats/explain/no-sidecars", test_no_sidecars);
#define ADD_CLI(path, fn) g_test_add (path, CliFixture, NULL, cli_setup, fn, cli_teardown)
  ADD_CLI ("/stats/explain/cli/golden", test_cli_golden);
  ADD_CLI ("/stats/explain/cli/errors", test_cli_errors);
  return g_test_run ();
}
