/* Host context: JSON (omitted absent fields), format_human goldens, probe. */
#include "config.h"

#include <string.h>

#include "record/hostctx.h"
#include "record/sidecar.h"
#include "util/json-util.h"

static KtstrHostContext *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "sidecar", name, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  KtstrHostContext *ctx = ktstr_host_context_from_json (json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  return ctx;
}

static char *
read_golden (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "sidecar", name, NULL);
  char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_format_human_full (void)
{
  g_autoptr (KtstrHostContext) ctx = load_fixture ("host-full.json");
  g_autofree char *out = ktstr_host_context_format_human (ctx);
  g_autofree char *golden = read_golden ("host-full.txt");
  g_assert_cmpstr (out, ==, golden);
}

static void
test_format_human_sparse (void)
{
  g_autoptr (KtstrHostContext) ctx = load_fixture ("host-sparse.json");
  g_autofree char *out = ktstr_host_context_format_human (ctx);
  g_autofree char *golden = read_golden ("host-sparse.txt");
  g_assert_cmpstr (out, ==, golden);
}

static void
test_format_human_unknown_tunables (void)
{
  g_autoptr (KtstrHostContext) ctx = ktstr_host_context_new ();
  g_autofree char *out = ktstr_host_context_format_human (ctx);
  g_assert_nonnull (strstr (out, "\nsched_tunables: (unknown)\n"));
  g_assert_nonnull (strstr (out, "\ncpufreq_governor: (empty)\n"));
  g_assert_true (g_str_has_prefix (out, "kernel_name: (unknown)\n"));
}

static void
test_json_omits_absent (void)
{
  g_autoptr (KtstrHostContext) ctx = load_fixture ("host-sparse.json");
  g_autoptr (JsonNode) n = ktstr_host_context_to_json (ctx);
  g_autofree char *text = ktstr_json_to_data (n, NULL);
  /* Only the present fields, in struct order; no heap_state or unknown keys. */
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"hugepages_total\": 0,\n"
                   "  \"sched_tunables\": {},\n"
                   "  \"kernel_name\": \"Linux\",\n"
                   "  \"arch\": \"aarch64\"\n"
                   "}\n");
}

static void
test_json_round_trip (void)
{
  g_autoptr (KtstrHostContext) ctx = load_fixture ("host-full.json");
  g_autoptr (JsonNode) n = ktstr_host_context_to_json (ctx);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrHostContext) back = ktstr_host_context_from_json (n, &error);
  g_assert_no_error (error);
  g_autofree char *a = ktstr_host_context_format_human (ctx);
  g_autofree char *b = ktstr_host_context_format_human (back);
  g_assert_cmpstr (a, ==, b);
  /* cpufreq_governor keys come out in numeric (BTreeMap<usize>) order. */
  JsonObject *gov = json_object_get_object_member (json_node_get_object (n), "cpufreq_governor");
  GList *members = json_object_get_members (gov);
  g_assert_cmpstr (g_list_nth_data (members, 0), ==, "0");
  g_assert_cmpstr (g_list_nth_data (members, 1), ==, "1");
  g_assert_cmpstr (g_list_nth_data (members, 2), ==, "12");
  g_list_free (members);

  g_autoptr (KtstrHostContext) copy = ktstr_host_context_copy (ctx);
  g_autofree char *c = ktstr_host_context_format_human (copy);
  g_assert_cmpstr (a, ==, c);
}

static void
test_json_wrong_type (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) n = json_from_string ("{\"online_cpus\": \"eight\"}", NULL);
  g_assert_null (ktstr_host_context_from_json (n, &error));
  g_assert_error (error, KTSTR_HOST_CONTEXT_ERROR, KTSTR_HOST_CONTEXT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "online_cpus"));
}

static void
test_collect (void)
{
  g_autoptr (KtstrHostContext) a = ktstr_host_context_collect ();
  g_autoptr (KtstrHostContext) b = ktstr_host_context_collect ();
  g_assert_cmpstr (a->kernel_name, ==, "Linux");
  g_assert_nonnull (a->kernel_release);
  g_assert_nonnull (a->arch);
  g_assert_true (a->has_online_cpus);
  g_assert_cmpuint (a->online_cpus, >=, 1);
  g_assert_true (a->has_numa_nodes);
  g_assert_cmpuint (a->numa_nodes, >=, 1);
  g_assert_true (a->has_total_memory_kb);
  g_assert_nonnull (a->kernel_cmdline);
  /* Static fields are memoized: identical across calls. */
  g_assert_cmpstr (a->cpu_model, ==, b->cpu_model);
  g_assert_cmpuint (a->total_memory_kb, ==, b->total_memory_kb);
  g_assert_cmpstr (a->kernel_release, ==, b->kernel_release);
  /* The probe's output survives its own JSON round trip. */
  g_autoptr (JsonNode) n = ktstr_host_context_to_json (a);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrHostContext) back = ktstr_host_context_from_json (n, &error);
  g_assert_no_error (error);
  g_autofree char *ha = ktstr_host_context_format_human (a);
  g_autofree char *hb = ktstr_host_context_format_human (back);
  g_assert_cmpstr (ha, ==, hb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostctx/format-human/full-golden", test_format_human_full);
  g_test_add_func ("/hostctx/format-human/sparse-golden", test_format_human_sparse);
  g_test_add_func ("/hostctx/format-human/unknown-tunables", test_format_human_unknown_tunables);
  g_test_add_func ("/hostctx/json/omits-absent", test_json_omits_absent);
  g_test_add_func ("/hostctx/json/round-trip", test_json_round_trip);
  g_test_add_func ("/hostctx/json/wrong-type", test_json_wrong_type);
  g_test_add_func ("/hostctx/collect/linux", test_collect);
  return g_test_run ();
}
