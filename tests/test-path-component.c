/* Strings from outside that become path components
 * (util/path-component.h): what is refused and why, what escaping makes
 * of them, and the run key built from a hostile kernel version. */
#include "config.h"

#include <string.h>

#include "record/rundir.h"
#include "util/path-component.h"

static void
test_problem (void)
{
  g_assert_null (ktstr_path_component_problem ("6.12.0-rc1+", 128));
  g_assert_null (ktstr_path_component_problem ("6.12.95+deb12-amd64", 128));
  g_assert_cmpstr (ktstr_path_component_problem ("../../x", 128), ==, "it contains '/'");
  g_assert_cmpstr (ktstr_path_component_problem ("..", 128), ==, "it starts with '.'");
  g_assert_cmpstr (ktstr_path_component_problem ("", 128), ==, "it is empty");
  g_assert_cmpstr (ktstr_path_component_problem ("a\nb", 128), ==,
                   "it contains a control character");
  g_assert_cmpstr (ktstr_path_component_problem ("a\x7f", 128), ==,
                   "it contains a control character");
  g_assert_cmpstr (ktstr_path_component_problem ("\xff", 128), ==, "it is not valid UTF-8");
  g_assert_cmpstr (ktstr_path_component_problem ("abcd", 3), ==, "it is too long to name a file");
}

static void
assert_escaped (const char *in, gsize max, const char *want)
{
  g_autofree char *out = ktstr_path_component_escape (in, max);
  g_assert_cmpstr (out, ==, want);
  g_assert_null (ktstr_path_component_problem (out, max));
}

static void
test_escape (void)
{
  assert_escaped ("6.12.0", 128, "6.12.0");
  assert_escaped ("../../../../escaped", 128, "_._.._.._.._escaped");
  assert_escaped ("..", 128, "_.");
  assert_escaped ("", 128, "_");
  assert_escaped ("a\nb\tc", 128, "a_b_c");
  assert_escaped ("a\xff"
                  "b",
                  128, "a_b");
  assert_escaped ("abcdef", 4, "abcd");
  /* Cut on a character boundary: "é" is two bytes. */
  assert_escaped ("ab\xc3\xa9", 3, "ab");
}

/* The run key is one safe component whatever the version holds. */
static void
test_run_key (void)
{
  g_autofree char *key = ktstr_run_key ("../../../../escaped", "abc1234");
  g_assert_cmpstr (key, ==, "_._.._.._.._escaped-abc1234");
  g_autofree char *plain = ktstr_run_key ("6.14", "abc1234-dirty");
  g_assert_cmpstr (plain, ==, "6.14-abc1234-dirty");
  g_autofree char *unknown = ktstr_run_key (NULL, NULL);
  g_assert_cmpstr (unknown, ==, "unknown-unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/path-component/problem", test_problem);
  g_test_add_func ("/path-component/escape", test_escape);
  g_test_add_func ("/path-component/run-key", test_run_key);
  return g_test_run ();
}
