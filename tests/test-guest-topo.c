/* The guest agent's view of the topology (guest-init/topo.c) against fake
 * sysfs trees (tests/data/guest/sysfs-*), and cpuset resolution. */
#include <glib.h>

#include "common/plan.h"
#include "common/topology.h"
#include "guest-init/topo.h"

static char *
fmt (const KtstrCpuSet *s)
{
  char buf[256];
  g_assert_nonnull (ktstr_cpuset_format (s, buf, sizeof buf));
  return g_strdup (buf);
}

static void
read_tree (const char *name, KtstrTopo *t)
{
  g_autofree char *root = g_test_build_filename (G_TEST_DIST, "data", "guest", name, NULL);
  KtstrError err = { "" };
  if (ktstr_topo_read (root, t, &err) != 0)
    g_error ("%s: %s", root, err.msg);
}

static void
test_read_1n2l2c1t (void)
{
  KtstrTopo t;
  read_tree ("sysfs-1n2l2c1t", &t);
  g_assert_cmpuint (t.n_cpus, ==, 4);
  g_assert_true (t.has_cache_info);
  g_assert_cmpuint (t.n_llcs, ==, 2);
  g_autofree char *l0 = fmt (&t.llcs[0]);
  g_autofree char *l1 = fmt (&t.llcs[1]);
  g_assert_cmpstr (l0, ==, "0-1");
  g_assert_cmpstr (l1, ==, "2-3");
  g_assert_cmpuint (t.n_nodes, ==, 1);
  g_assert_cmpint (t.node_ids[0], ==, 0);
  g_assert_cmpuint (t.smt, ==, 1);
}

static void
test_read_2n2l2c2t (void)
{
  KtstrTopo t;
  read_tree ("sysfs-2n2l2c2t", &t);
  g_assert_cmpuint (t.n_cpus, ==, 8);
  g_assert_cmpuint (t.n_llcs, ==, 2);
  g_autofree char *l1 = fmt (&t.llcs[1]);
  g_assert_cmpstr (l1, ==, "4-7");
  g_assert_cmpuint (t.smt, ==, 2);
  /* Nodes in id order, the memory-only node 2 with no CPUs. */
  g_assert_cmpuint (t.n_nodes, ==, 3);
  g_assert_cmpint (t.node_ids[1], ==, 1);
  g_autofree char *n1 = fmt (&t.nodes[1]);
  g_assert_cmpstr (n1, ==, "4-7");
  g_assert_true (ktstr_cpuset_is_empty (&t.nodes[2]));

  KtstrCpuSet cpus;
  char buf[64];
  g_assert_cmpint (ktstr_cpuset_parse ("3-4", &cpus, NULL), ==, 0);
  g_assert_cmpstr (ktstr_topo_nodes_for (&t, &cpus, buf, sizeof buf), ==, "0-1");
  g_assert_cmpint (ktstr_cpuset_parse ("5", &cpus, NULL), ==, 0);
  g_assert_cmpstr (ktstr_topo_nodes_for (&t, &cpus, buf, sizeof buf), ==, "1");
}

static void
test_read_nocache (void)
{
  KtstrTopo t;
  read_tree ("sysfs-nocache", &t);
  g_assert_cmpuint (t.n_cpus, ==, 3);
  g_autofree char *online = fmt (&t.online);
  g_assert_cmpstr (online, ==, "0-1,3");
  g_assert_false (t.has_cache_info);
  g_assert_cmpuint (t.n_llcs, ==, 1);
  g_autofree char *l0 = fmt (&t.llcs[0]);
  g_assert_cmpstr (l0, ==, "0-1,3");
  g_assert_cmpuint (t.n_nodes, ==, 1);
  g_autofree char *n0 = fmt (&t.nodes[0]);
  g_assert_cmpstr (n0, ==, "0-1,3");
}

static void
test_read_missing (void)
{
  KtstrTopo t;
  KtstrError err;
  g_assert_cmpint (ktstr_topo_read ("/nonexistent-sysfs", &t, &err), ==, -1);
  g_assert_cmpstr (err.msg, ==,
                   "cannot read the online CPUs from "
                   "'/nonexistent-sysfs/devices/system/cpu/online': No such file or "
                   "directory");
}

static void
test_usable (void)
{
  KtstrTopo t;
  KtstrCpuSet u;
  read_tree ("sysfs-1n2l2c1t", &t);
  ktstr_topo_usable (&t, &u);
  g_autofree char *a = fmt (&u);
  g_assert_cmpstr (a, ==, "0-2");
  read_tree ("sysfs-nocache", &t);
  ktstr_topo_usable (&t, &u);
  g_autofree char *b = fmt (&u);
  g_assert_cmpstr (b, ==, "0-1");
  /* Two CPUs: nothing held back. */
  memset (&t, 0, sizeof t);
  ktstr_cpuset_parse ("0-1", &t.online, NULL);
  t.n_cpus = 2;
  ktstr_topo_usable (&t, &u);
  g_autofree char *c = fmt (&u);
  g_assert_cmpstr (c, ==, "0-1");
}

typedef struct
{
  const char *tree;
  const char *spec;
  const char *cpus; /* NULL: an error starting with error */
  const char *error;
} Resolve;

static const Resolve resolves[] = {
  { "sysfs-1n2l2c1t", "all", "", NULL },
  { "sysfs-1n2l2c1t", "disjoint:0/2", "0", NULL },
  { "sysfs-1n2l2c1t", "disjoint:1/2", "1-2", NULL },
  { "sysfs-1n2l2c1t", "disjoint:0/3", "0", NULL },
  { "sysfs-1n2l2c1t", "disjoint:2/3", "2", NULL },
  { "sysfs-1n2l2c1t", "disjoint:0/1", "0-2", NULL },
  { "sysfs-1n2l2c1t", "disjoint:0/4", NULL,
    "cpuset 'disjoint:0/4': 3 usable CPUs cannot make 4 non-empty slices" },
  { "sysfs-2n2l2c2t", "disjoint:0/2", "0-2", NULL },
  { "sysfs-2n2l2c2t", "disjoint:1/2", "3-6", NULL },
  { "sysfs-nocache", "disjoint:1/2", "1", NULL },
  { "sysfs-1n2l2c1t", "exact:0,3", "0,3", NULL },
  { "sysfs-1n2l2c1t", "exact:2-5", NULL,
    "cpuset 'exact:2-5': CPU 4-5 not online in the guest (online: 0-3)" },
  { "sysfs-nocache", "exact:2", NULL, "cpuset 'exact:2': CPU 2 not online" },
  { "sysfs-1n2l2c1t", "llc:0", "0-1", NULL },
  { "sysfs-1n2l2c1t", "llc:1", "2-3", NULL },
  { "sysfs-2n2l2c2t", "llc:1", "4-7", NULL },
  { "sysfs-1n2l2c1t", "llc:2", NULL, "cpuset 'llc:2': the guest has 2 LLCs (llc:0 to llc:1)" },
  { "sysfs-nocache", "llc:1", NULL, "cpuset 'llc:1': the guest has 1 LLC (llc:0 to llc:0)" },
  { "sysfs-2n2l2c2t", "numa:0", "0-3", NULL },
  { "sysfs-2n2l2c2t", "numa:1", "4-6", NULL },
  { "sysfs-2n2l2c2t", "numa:2", NULL,
    "cpuset 'numa:2': NUMA node 2 has no CPUs (a memory-only node)" },
  { "sysfs-2n2l2c2t", "numa:3", NULL,
    "cpuset 'numa:3': the guest has no NUMA node 3 (it has 3 nodes)" },
  { "sysfs-1n2l2c1t", "range:0-0.5", "0", NULL },
  { "sysfs-1n2l2c1t", "range:0.5-1", "1-2", NULL },
  { "sysfs-2n2l2c2t", "range:0.25-.75", "1-4", NULL },
  { "sysfs-1n2l2c1t", "range:0-0.1", NULL, "cpuset 'range:0-0.1': selects no CPU of the 3 usable" },
  { "sysfs-2n2l2c2t", "overlap:0/2/0.5", "0-4", NULL },
  { "sysfs-2n2l2c2t", "overlap:1/2/0.5", "1-6", NULL },
  { "sysfs-1n2l2c1t", "overlap:1/2/1", "0-2", NULL },
  { "sysfs-1n2l2c1t", "overlap:0/3/0", "0", NULL },
};

static void
test_spec_errors (void)
{
  static const char *const bad[][2] = {
    { "numa:x", "invalid cpuset 'numa:x': expected numa:N, e.g. numa:0" },
    { "range:0.5-0.5", "invalid cpuset 'range:0.5-0.5': expected range:A-B with fractions" },
    { "range:0-1.5", "invalid cpuset 'range:0-1.5': expected range:A-B" },
    { "range:0.5", "invalid cpuset 'range:0.5': expected range:A-B" },
    { "overlap:2/2/0.5", "invalid cpuset 'overlap:2/2/0.5': expected overlap:I/N/F" },
    { "overlap:0/2", "invalid cpuset 'overlap:0/2': expected overlap:I/N/F" },
    { "overlap:0/2/2", "invalid cpuset 'overlap:0/2/2': expected overlap:I/N/F" },
    { "half", "invalid cpuset 'half' (expected all, exact:LIST, llc:I, numa:N, range:A-B, "
              "disjoint:I/N or overlap:I/N/F)" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      KtstrCpusetSpec spec;
      KtstrError err = { "" };
      g_assert_cmpint (ktstr_cpuset_spec_parse (bad[i][0], &spec, &err), ==, -1);
      if (!g_str_has_prefix (err.msg, bad[i][1]))
        g_error ("%s: got '%s', expected '%s'", bad[i][0], err.msg, bad[i][1]);
    }
}

static void
test_resolve (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (resolves); i++)
    {
      const Resolve *r = &resolves[i];
      KtstrTopo t;
      KtstrCpusetSpec spec;
      KtstrCpuSet out;
      KtstrError err = { "" };
      g_test_message ("%s on %s", r->spec, r->tree);
      read_tree (r->tree, &t);
      g_assert_cmpint (ktstr_cpuset_spec_parse (r->spec, &spec, &err), ==, 0);
      int rc = ktstr_topo_resolve (&t, &spec, &out, &err);
      if (r->cpus != NULL)
        {
          g_assert_cmpint (rc, ==, 0);
          g_autofree char *got = fmt (&out);
          g_assert_cmpstr (got, ==, r->cpus);
        }
      else
        {
          g_assert_cmpint (rc, ==, -1);
          if (!g_str_has_prefix (err.msg, r->error))
            g_error ("%s on %s: got '%s', expected '%s'", r->spec, r->tree, err.msg, r->error);
        }
    }
}

/* The host's model of a topology label (common/cpu-topo.h) is what the
 * guest reads from sysfs at that topology: same CPUs, LLC groups, nodes
 * with CPUs and SMT width, so the host refuses exactly what the agent
 * would.  (The 2-node tree adds a memory-only node 2, which no label
 * makes.) */
static void
test_from_label (void)
{
  static const char *const labels[] = { "1n2l2c1t", "2n2l2c2t" };
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      KtstrTopo sys, model;
      KtstrTopology label;
      g_autofree char *tree = g_strconcat ("sysfs-", labels[i], NULL);
      read_tree (tree, &sys);
      g_assert_cmpint (ktstr_topology_parse (labels[i], &label, NULL, 0), ==, 0);
      ktstr_topo_from_label (&label, &model);
      g_assert_true (ktstr_cpuset_equal (&model.online, &sys.online));
      g_assert_cmpuint (model.n_cpus, ==, sys.n_cpus);
      g_assert_cmpuint (model.n_llcs, ==, sys.n_llcs);
      for (unsigned l = 0; l < model.n_llcs; l++)
        g_assert_true (ktstr_cpuset_equal (&model.llcs[l], &sys.llcs[l]));
      g_assert_cmpuint (model.n_nodes, ==, label.numa_nodes);
      for (unsigned n = 0; n < model.n_nodes; n++)
        {
          g_assert_cmpint (model.node_ids[n], ==, sys.node_ids[n]);
          g_assert_true (ktstr_cpuset_equal (&model.nodes[n], &sys.nodes[n]));
        }
      g_assert_cmpuint (model.smt, ==, sys.smt);
    }
}

static void
test_cpulist (void)
{
  static const char *const round_trip[][2] = {
    { "", "" },       { "0", "0" },        { "0-3", "0-3" },   { "0,1,2,5", "0-2,5" },
    { "3,1", "1,3" }, { " 0-1\n", "0-1" }, { "1023", "1023" }, { "0-2,2-4", "0-4" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (round_trip); i++)
    {
      KtstrCpuSet s;
      KtstrError err;
      g_assert_cmpint (ktstr_cpuset_parse (round_trip[i][0], &s, &err), ==, 0);
      g_autofree char *got = fmt (&s);
      g_assert_cmpstr (got, ==, round_trip[i][1]);
    }
  static const char *const bad[] = { "a", "1-", "-1", "3-1", "1,", ",1", "1024", "0 1", "1..2" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      KtstrCpuSet s;
      KtstrError err;
      g_assert_cmpint (ktstr_cpuset_parse (bad[i], &s, &err), ==, -1);
      g_assert_true (g_str_has_prefix (err.msg, "invalid CPU list"));
    }
  KtstrCpuSet s;
  char tiny[4];
  ktstr_cpuset_parse ("0-3,7", &s, NULL);
  g_assert_null (ktstr_cpuset_format (&s, tiny, sizeof tiny));
  g_assert_cmpint (ktstr_cpuset_last (&s), ==, 7);
  g_assert_cmpuint (ktstr_cpuset_count (&s), ==, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest/topo/read/1n2l2c1t", test_read_1n2l2c1t);
  g_test_add_func ("/guest/topo/read/2n2l2c2t", test_read_2n2l2c2t);
  g_test_add_func ("/guest/topo/read/nocache", test_read_nocache);
  g_test_add_func ("/guest/topo/from-label", test_from_label);
  g_test_add_func ("/guest/topo/read/missing", test_read_missing);
  g_test_add_func ("/guest/topo/usable", test_usable);
  g_test_add_func ("/guest/topo/resolve", test_resolve);
  g_test_add_func ("/guest/topo/spec-errors", test_spec_errors);
  g_test_add_func ("/guest/topo/cpulist", test_cpulist);
  return g_test_run ();
}
