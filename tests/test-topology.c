#include <glib.h>

#include "common/topology.h"

static void
test_parse_valid (void)
{
  KtstrTopology t;
  char buf[64];
  g_assert_cmpint (ktstr_topology_parse ("1n2l4c2t", &t, NULL, 0), ==, 0);
  g_assert_cmpuint (t.numa_nodes, ==, 1);
  g_assert_cmpuint (t.llcs, ==, 2);
  g_assert_cmpuint (t.cores_per_llc, ==, 4);
  g_assert_cmpuint (t.threads_per_core, ==, 2);
  g_assert_cmpuint (ktstr_topology_cpus (&t), ==, 16);
  g_assert_cmpstr (ktstr_topology_format (&t, buf, sizeof buf), ==, "1n2l4c2t");
}

static void
test_parse_invalid (void)
{
  static const char *bad[] = { "",          "1n",       "1l1n2c1t", "0n1l1c1t", "1n1l1c1",
                               "1n1l1c1tx", "2n3l1c1t", "1n1l2c9t", "n1l2c1t",  "1n1l1000c1t" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      KtstrTopology t;
      char err[256] = "";
      g_assert_cmpint (ktstr_topology_parse (bad[i], &t, err, sizeof err), ==, -1);
      g_assert_nonnull (strstr (err, "invalid topology"));
    }

  /* What is wrong is said: a zero count, a count past every limit. */
  static const struct
  {
    const char *label, *message;
  } said[] = {
    { "0n1l1c1t", "each count must be at least 1" },
    { "99999999999n1l1c1t", "a count is far too large (the limits: 16 NUMA nodes" },
    { "99999999999999999999999n1l1c1t", "a count is far too large" },
    { "1n1l1000c1t", "at most 64 cores per LLC" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (said); i++)
    {
      KtstrTopology t;
      char err[256] = "";
      g_assert_cmpint (ktstr_topology_parse (said[i].label, &t, err, sizeof err), ==, -1);
      if (strstr (err, said[i].message) == NULL)
        g_error ("'%s': '%s' does not say '%s'", said[i].label, err, said[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/topology/parse/valid", test_parse_valid);
  g_test_add_func ("/topology/parse/invalid", test_parse_invalid);
  return g_test_run ();
}
