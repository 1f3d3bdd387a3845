/* The shared JSON helpers (util/json-util.h): the one printer, the builder
 * shortcuts, the typed getters' error messages and the tolerant lookups. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "util/json-util.h"

#define TEST_ERROR (g_quark_from_static_string ("test-json-util-error"))
enum
{
  TEST_MISSING = 7,
  TEST_WRONG = 8,
};

static JsonNode *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *n = json_from_string (text, &error);
  g_assert_no_error (error);
  return n;
}

static char *
print_value (double v)
{
  g_autoptr (JsonNode) n = json_node_init_double (json_node_alloc (), v);
  g_autofree char *text = ktstr_json_to_data (n, NULL);
  return g_strchomp (g_steal_pointer (&text));
}

static void
test_print_numbers (void)
{
  static const struct
  {
    double v;
    const char *text;
  } cases[] = {
    { 100.0, "100.0" },   { 0.1, "0.1" },
    { 0.25, "0.25" },     { -3.5, "-3.5" },
    { 0.0, "0.0" },       { 1e21, "1e21" },
    { 1.5e-7, "1.5e-7" }, { 1e15, "1000000000000000.0" },
    { 1e16, "1e16" },     { 12345.678, "12345.678" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = print_value (cases[i].v);
      g_assert_cmpstr (got, ==, cases[i].text);
    }
  g_autofree char *nan = print_value (NAN);
  g_assert_cmpstr (nan, ==, "null");
  g_autofree char *inf = print_value (INFINITY);
  g_assert_cmpstr (inf, ==, "null");
}

static void
test_print_layout (void)
{
  g_autoptr (JsonNode) n
      = parse ("{\"b\": [1, {\"x\": \"q\\\"\\n\\u0001\"}], \"a\": [], \"c\": {}, \"d\": null, "
               "\"e\": true}");
  gsize len = 0;
  g_autofree char *text = ktstr_json_to_data (n, &len);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"b\": [\n"
                   "    1,\n"
                   "    {\n"
                   "      \"x\": \"q\\\"\\n\\u0001\"\n"
                   "    }\n"
                   "  ],\n"
                   "  \"a\": [],\n"
                   "  \"c\": {},\n"
                   "  \"d\": null,\n"
                   "  \"e\": true\n"
                   "}\n");
  g_assert_cmpuint (len, ==, strlen (text));
  /* The same on one line (JSON Lines), numbers as above. */
  g_autofree char *line = ktstr_json_to_line (n);
  g_assert_cmpstr (line, ==,
                   "{\"b\":[1,{\"x\":\"q\\\"\\n\\u0001\"}],\"a\":[],\"c\":{},\"d\":null,"
                   "\"e\":true}");
  g_autoptr (JsonNode) x = parse ("[0.1, 100.0, -2]");
  g_autofree char *numbers = ktstr_json_to_line (x);
  g_assert_cmpstr (numbers, ==, "[0.1,100.0,-2]");
}

static void
test_build_members (void)
{
  JsonBuilder *b = json_builder_new ();
  g_autoptr (GPtrArray) strv = g_ptr_array_new ();
  g_ptr_array_add (strv, "x");
  json_builder_begin_object (b);
  ktstr_json_member_string (b, "s", "v");
  ktstr_json_member_string (b, "null_s", NULL);
  ktstr_json_member_u64 (b, "u", 7);
  ktstr_json_member_u64 (b, "big", G_MAXUINT64);
  ktstr_json_member_int (b, "i", -2);
  ktstr_json_member_double (b, "d", 2.0);
  ktstr_json_member_double (b, "nan", NAN);
  ktstr_json_member_statistic (b, "stat", 1.23456789);
  ktstr_json_member_statistic (b, "stat_inf", INFINITY);
  ktstr_json_member_bool (b, "t", TRUE);
  ktstr_json_member_node (b, "n", parse ("[1]"));
  ktstr_json_member_node (b, "no_n", NULL);
  ktstr_json_member_strv (b, "sv", strv);
  ktstr_json_member_strv (b, "no_sv", NULL);
  json_builder_end_object (b);
  g_autofree char *text = ktstr_json_builder_finish (b);
  g_assert_cmpstr (text, ==,
                   "{\n  \"s\": \"v\",\n  \"null_s\": null,\n  \"u\": 7,\n"
                   "  \"big\": 1.8446744073709552e19,\n  \"i\": -2,\n  \"d\": 2.0,\n"
                   "  \"nan\": null,\n  \"stat\": 1.23457,\n  \"stat_inf\": null,\n  \"t\": "
                   "true,\n  \"n\": [\n    1\n  ],\n"
                   "  \"no_n\": null,\n  \"sv\": [\n    \"x\"\n  ],\n  \"no_sv\": []\n}\n");
}

static void
test_read_required (void)
{
  g_autoptr (JsonNode) n = parse ("{\"s\": \"v\", \"u\": 5, \"neg\": -1, \"big\": 4294967296, "
                                  "\"f\": 1.5, \"b\": false, \"nul\": null, \"a\": [\"x\", 2]}");
  JsonObject *o = json_node_get_object (n);
  KtstrJsonReader r = { TEST_ERROR, TEST_MISSING, TEST_WRONG, "thing 'x'", "p." };
  g_autoptr (GError) error = NULL;

  g_autofree char *s = g_strdup ("old");
  g_assert_true (ktstr_json_get_string (&r, o, "s", &s, &error));
  g_assert_cmpstr (s, ==, "v");
  guint64 u = 0;
  g_assert_true (ktstr_json_get_u64 (&r, o, "u", &u, &error));
  g_assert_cmpuint (u, ==, 5);
  guint ui = 0;
  g_assert_true (ktstr_json_get_uint (&r, o, "u", &ui, &error));
  g_assert_cmpuint (ui, ==, 5);
  double d = 0;
  g_assert_true (ktstr_json_get_double (&r, o, "u", &d, &error));
  g_assert_cmpfloat (d, ==, 5.0);
  g_assert_true (ktstr_json_get_double (&r, o, "f", &d, &error));
  g_assert_cmpfloat (d, ==, 1.5);
  g_assert_true (ktstr_json_get_double (&r, o, "nul", &d, &error));
  g_assert_true (isnan (d));
  gboolean bv = TRUE;
  g_assert_true (ktstr_json_get_bool (&r, o, "b", &bv, &error));
  g_assert_false (bv);
  g_assert_no_error (error);

  static const struct
  {
    const char *key;
    int kind; /* 0 string, 1 u64, 2 uint, 3 bool, 4 double, 5 array, 6 strv */
    int code;
    const char *message;
  } bad[] = {
    { "gone", 0, TEST_MISSING, "thing 'x': key 'p.gone' is missing" },
    { "u", 0, TEST_WRONG, "thing 'x': key 'p.u' must be a string, got an integer" },
    { "nul", 0, TEST_WRONG, "thing 'x': key 'p.nul' must be a string, got null" },
    { "neg", 1, TEST_WRONG,
      "thing 'x': key 'p.neg' must be a non-negative integer, got a negative integer" },
    { "f", 1, TEST_WRONG,
      "thing 'x': key 'p.f' must be a non-negative integer, got a fractional number" },
    { "big", 2, TEST_WRONG,
      "thing 'x': key 'p.big' must be a non-negative 32-bit integer, got an integer" },
    { "s", 3, TEST_WRONG, "thing 'x': key 'p.s' must be a boolean, got a string" },
    { "b", 4, TEST_WRONG, "thing 'x': key 'p.b' must be a number, got a boolean" },
    { "s", 5, TEST_WRONG, "thing 'x': key 'p.s' must be an array, got a string" },
    { "a", 6, TEST_WRONG, "thing 'x': key 'p.a[1]' must be a string, got an integer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *str = NULL;
      g_autoptr (GPtrArray) strv = g_ptr_array_new_with_free_func (g_free);
      JsonArray *arr;
      gboolean ok = TRUE;
      switch (bad[i].kind)
        {
        case 0:
          ok = ktstr_json_get_string (&r, o, bad[i].key, &str, &e);
          break;
        case 1:
          ok = ktstr_json_get_u64 (&r, o, bad[i].key, &u, &e);
          break;
        case 2:
          ok = ktstr_json_get_uint (&r, o, bad[i].key, &ui, &e);
          break;
        case 3:
          ok = ktstr_json_get_bool (&r, o, bad[i].key, &bv, &e);
          break;
        case 4:
          ok = ktstr_json_get_double (&r, o, bad[i].key, &d, &e);
          break;
        case 5:
          ok = ktstr_json_get_array (&r, o, bad[i].key, &arr, &e);
          break;
        case 6:
          ok = ktstr_json_get_strv (&r, o, bad[i].key, strv, &e);
          break;
        }
      g_assert_false (ok);
      g_assert_error (e, TEST_ERROR, bad[i].code);
      g_assert_cmpstr (e->message, ==, bad[i].message);
    }

  /* No context, no path: the message is the key alone. */
  KtstrJsonReader bare = { TEST_ERROR, TEST_MISSING, TEST_WRONG, NULL, NULL };
  g_autofree char *none = NULL;
  g_assert_false (ktstr_json_get_string (&bare, o, "gone", &none, &error));
  g_assert_cmpstr (error->message, ==, "key 'gone' is missing");
}

static void
test_read_optional (void)
{
  g_autoptr (JsonNode) n = parse ("{\"s\": \"v\", \"nul\": null, \"u\": 3, \"bad\": \"x\"}");
  JsonObject *o = json_node_get_object (n);
  KtstrJsonReader r = { TEST_ERROR, TEST_MISSING, TEST_WRONG, "opt", NULL };
  g_autoptr (GError) error = NULL;

  g_autofree char *s = NULL;
  g_assert_true (ktstr_json_get_optional_string (&r, o, "gone", &s, &error));
  g_assert_true (ktstr_json_get_optional_string (&r, o, "nul", &s, &error));
  g_assert_null (s);
  g_assert_true (ktstr_json_get_optional_string (&r, o, "s", &s, &error));
  g_assert_cmpstr (s, ==, "v");

  gboolean has = FALSE;
  guint64 u = 99;
  g_assert_true (ktstr_json_get_optional_u64 (&r, o, "nul", &has, &u, &error));
  g_assert_false (has);
  g_assert_cmpuint (u, ==, 99);
  g_assert_true (ktstr_json_get_optional_u64 (&r, o, "u", &has, &u, &error));
  g_assert_true (has);
  g_assert_cmpuint (u, ==, 3);
  g_assert_no_error (error);

  has = FALSE;
  g_assert_false (ktstr_json_get_optional_u64 (&r, o, "bad", &has, &u, &error));
  g_assert_false (has);
  g_assert_error (error, TEST_ERROR, TEST_WRONG);
  g_assert_cmpstr (error->message, ==,
                   "opt: key 'bad' must be a non-negative integer, got a string");
}

static void
test_lookup_tolerant (void)
{
  g_autoptr (JsonNode) n
      = parse ("{\"d\": 2.5, \"i\": 4, \"neg\": -3.0, \"s\": \"x\", \"nul\": null, \"o\": {}}");
  JsonObject *o = json_node_get_object (n);
  g_assert_cmpfloat (ktstr_json_lookup_double (o, "d"), ==, 2.5);
  g_assert_cmpfloat (ktstr_json_lookup_double (o, "i"), ==, 4.0);
  g_assert_cmpfloat (ktstr_json_lookup_double (o, "s"), ==, 0.0);
  g_assert_cmpfloat (ktstr_json_lookup_double (o, "gone"), ==, 0.0);
  g_assert_cmpfloat (ktstr_json_lookup_double (o, "o"), ==, 0.0);
  g_assert_cmpuint (ktstr_json_lookup_u64 (o, "d"), ==, 2);
  g_assert_cmpuint (ktstr_json_lookup_u64 (o, "i"), ==, 4);
  g_assert_cmpuint (ktstr_json_lookup_u64 (o, "neg"), ==, 0);
  g_assert_cmpuint (ktstr_json_lookup_u64 (o, "nul"), ==, 0);
  g_assert_cmpstr (ktstr_json_lookup_string (o, "s"), ==, "x");
  g_assert_null (ktstr_json_lookup_string (o, "i"));
  g_assert_null (ktstr_json_lookup_string (o, "gone"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-util/print/numbers", test_print_numbers);
  g_test_add_func ("/json-util/print/layout", test_print_layout);
  g_test_add_func ("/json-util/build/members", test_build_members);
  g_test_add_func ("/json-util/read/required", test_read_required);
  g_test_add_func ("/json-util/read/optional", test_read_optional);
  g_test_add_func ("/json-util/lookup/tolerant", test_lookup_tolerant);
  return g_test_run ();
}
