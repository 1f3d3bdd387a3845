/* Where a VM's vCPUs run (run/cpu-plan.h) and the reservation around it
 * (run/cpu-reserve.h), without a VM: performance mode's fit rules and
 * refusals, --cpu-cap windows, floating VMs beside pinned ones, the locks
 * each plan takes, the host description from sysfs, and what a second
 * process's reservation does to ours (skip or wait). */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backend.h"
#include "run/cpu-plan.h"
#include "run/cpu-reserve.h"
#include "run/hugepages.h"
#include "tests/lock-holder.h"
#include "util/cpulist.h"

/* "cpu:llc:node cpu:llc:node ..." */
static GArray *
host (const char *spec)
{
  GArray *h = g_array_new (FALSE, FALSE, sizeof (KtstrHostCpu));
  g_auto (GStrv) items = g_strsplit (spec, " ", -1);
  for (char **i = items; *i != NULL; i++)
    {
      KtstrHostCpu c;
      g_assert_cmpint (sscanf (*i, "%u:%u:%u", &c.cpu, &c.llc, &c.node), ==, 3);
      g_array_append_val (h, c);
    }
  return h;
}

static GArray *
uints (const char *list)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) items = g_strsplit (list, ",", -1);
  for (char **i = items; *i != NULL && **i != '\0'; i++)
    {
      guint v = (guint)g_ascii_strtoull (*i, NULL, 10);
      g_array_append_val (a, v);
    }
  return a;
}

static KtstrTopology
topo (const char *label)
{
  KtstrTopology t;
  g_assert_cmpint (ktstr_topology_parse (label, &t, NULL, 0), ==, 0);
  return t;
}

static void
assert_list (const GArray *a, const char *expected)
{
  g_autofree char *s = ktstr_cpu_plan_format (a);
  g_assert_cmpstr (s, ==, expected);
}

#define TWO_CPUS "0:0:0 1:0:0"
#define TWO_LLCS "0:0:0 1:0:0 2:0:0 3:0:0 4:4:1 5:4:1 6:4:1 7:4:1"

static void
test_perf_fits (void)
{
  g_autoptr (GArray) h = host (TWO_CPUS);
  KtstrTopology t = topo ("1n1l1c1t");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_perf (h, &t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->mode, ==, KTSTR_PLACEMENT_PERF);
  assert_list (p->vcpu_cpus, "0");
  assert_list (p->service_cpus, "1");
  assert_list (p->llcs, "0");
  assert_list (p->nodes, "0");
}

static void
test_perf_refusals (void)
{
  static const struct
  {
    const char *host, *topo, *needle;
  } cases[] = {
    /* 2 vCPUs + the service CPU on 2 host CPUs. */
    { TWO_CPUS, "1n1l2c1t",
      "a host CPU for each of the 2 vCPUs of 1n1l2c1t plus one service "
      "CPU (3); this process may use 2 host CPUs (0-1)" },
    /* Two virtual LLCs, one host LLC. */
    { "0:0:0 1:0:0 2:0:0 3:0:0", "1n2l1c1t",
      "1n2l1c1t has 2 LLCs, the host CPUs this process "
      "may use (0-3) share 1" },
    /* A virtual LLC larger than any host LLC. */
    { "0:0:0 1:0:0 2:2:0 3:2:0 4:4:0", "1n1l3c1t",
      "virtual LLC 0 needs 3 host CPUs within one host LLC of its own" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GArray) h = host (cases[i].host);
      KtstrTopology t = topo (cases[i].topo);
      g_autoptr (GError) error = NULL;
      g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_perf (h, &t, NULL, &error);
      g_assert_null (p);
      g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_NO_FIT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, error->message, cases[i].needle);
    }
}

static void
test_perf_two_llcs (void)
{
  g_autoptr (GArray) h = host (TWO_LLCS);
  KtstrTopology t = topo ("1n2l2c1t");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_perf (h, &t, NULL, &error);
  g_assert_no_error (error);
  /* Each virtual LLC within its own host LLC; the service CPU apart. */
  assert_list (p->vcpu_cpus, "0-1,4-5");
  assert_list (p->llcs, "0,4");
  assert_list (p->nodes, "0-1");
  assert_list (p->service_cpus, "2");

  /* Beside a VM holding CPUs 0-2: only LLC 4 has room for one virtual
   * LLC, so the plan is BUSY (it fits an idle host). */
  g_autoptr (GArray) busy = uints ("0,1,2");
  g_autoptr (KtstrCpuPlan) q = ktstr_cpu_plan_perf (h, &t, busy, &error);
  g_assert_null (q);
  g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "while host CPUs 0-2 are held"));
  g_assert_nonnull (strstr (error->message, "virtual LLC 1 needs 2 host CPUs"));
  g_clear_error (&error);

  /* A one-LLC VM beside it goes to the free LLC. */
  KtstrTopology one = topo ("1n1l2c1t");
  g_autoptr (KtstrCpuPlan) r = ktstr_cpu_plan_perf (h, &one, busy, &error);
  g_assert_no_error (error);
  assert_list (r->vcpu_cpus, "4-5");
  assert_list (r->service_cpus, "3");
}

static void
test_perf_best_fit (void)
{
  /* LLC 0 holds 3 CPUs, LLC 3 one: three vCPUs take LLC 0 whole and the
   * service CPU is the lone one, rather than failing on CPU 0. */
  g_autoptr (GArray) h = host ("0:0:0 1:0:0 2:0:0 3:3:0");
  KtstrTopology t = topo ("1n1l3c1t");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_perf (h, &t, NULL, &error);
  g_assert_no_error (error);
  assert_list (p->vcpu_cpus, "0-2");
  assert_list (p->service_cpus, "3");
}

static void
test_capped (void)
{
  g_autoptr (GArray) h = host (TWO_LLCS);
  g_autoptr (GArray) busy = uints ("0,1,2");
  g_autoptr (GError) error = NULL;
  /* Two CPUs in one LLC: LLC 0 has one free, so LLC 4. */
  g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_capped (h, 4, 2, busy, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->mode, ==, KTSTR_PLACEMENT_CAPPED);
  assert_list (p->cpus, "4-5");
  assert_list (p->service_cpus, "4-5");
  assert_list (p->llcs, "4");
  /* The best fit: the fuller LLC when it has room. */
  g_autoptr (GArray) busy2 = uints ("0,1");
  g_autoptr (KtstrCpuPlan) q = ktstr_cpu_plan_capped (h, 4, 2, busy2, &error);
  g_assert_no_error (error);
  assert_list (q->cpus, "2-3");
  /* Never more than the vCPUs, nor than the host. */
  g_autoptr (KtstrCpuPlan) r = ktstr_cpu_plan_capped (h, 1, 4, NULL, &error);
  g_assert_no_error (error);
  assert_list (r->cpus, "0");
  g_autoptr (KtstrCpuPlan) s = ktstr_cpu_plan_capped (h, 16, 16, NULL, &error);
  g_assert_no_error (error);
  assert_list (s->cpus, "0-7");
  /* Across LLCs when none has room. */
  g_autoptr (KtstrCpuPlan) u = ktstr_cpu_plan_capped (h, 8, 6, NULL, &error);
  g_assert_no_error (error);
  assert_list (u->cpus, "0-5");
  /* Not enough free: BUSY. */
  g_autoptr (GArray) most = uints ("0,1,2,3,4,5,6");
  g_autoptr (KtstrCpuPlan) v = ktstr_cpu_plan_capped (h, 4, 2, most, &error);
  g_assert_null (v);
  g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "--cpu-cap 2 needs 2 free host CPUs; 1 are"));
}

static void
test_float (void)
{
  g_autoptr (GArray) h = host ("0:0:0 1:0:0 2:2:0 3:2:0");
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuPlan) p = ktstr_cpu_plan_float (h, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (p->is_all);
  assert_list (p->cpus, "0-3");
  g_autoptr (GArray) busy = uints ("2,3");
  g_autoptr (KtstrCpuPlan) q = ktstr_cpu_plan_float (h, busy, &error);
  g_assert_no_error (error);
  g_assert_false (q->is_all);
  assert_list (q->cpus, "0-1");
  assert_list (q->llcs, "0");
  g_autoptr (GArray) all = uints ("0,1,2,3");
  g_autoptr (KtstrCpuPlan) r = ktstr_cpu_plan_float (h, all, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY);
}

static gboolean
has_want (const GArray *w, KtstrCpuLockKind kind, guint index, gboolean is_exclusive)
{
  for (guint i = 0; i < w->len; i++)
    {
      const KtstrCpuLockWant *x = &g_array_index (w, KtstrCpuLockWant, i);
      if (x->kind == kind && x->index == index && x->is_exclusive == is_exclusive)
        return TRUE;
    }
  return FALSE;
}

static void
test_wants (void)
{
  g_autoptr (GArray) h = host (TWO_LLCS);
  KtstrTopology t = topo ("1n1l2c1t");
  g_autoptr (KtstrCpuPlan) perf = ktstr_cpu_plan_perf (h, &t, NULL, NULL);
  g_autoptr (GArray) w = ktstr_cpu_plan_wants (perf);
  /* vCPUs 0-1 and their LLC exclusively; the service CPU shared. */
  g_assert_cmpuint (w->len, ==, 4);
  g_assert_true (has_want (w, KTSTR_CPULOCK_CPU, 0, TRUE));
  g_assert_true (has_want (w, KTSTR_CPULOCK_CPU, 1, TRUE));
  g_assert_true (has_want (w, KTSTR_CPULOCK_CPU, 2, FALSE));
  g_assert_true (has_want (w, KTSTR_CPULOCK_LLC, 0, TRUE));

  g_autoptr (KtstrCpuPlan) cap = ktstr_cpu_plan_capped (h, 2, 1, NULL, NULL);
  g_autoptr (GArray) wc = ktstr_cpu_plan_wants (cap);
  g_assert_cmpuint (wc->len, ==, 2);
  g_assert_true (has_want (wc, KTSTR_CPULOCK_CPU, 0, TRUE));
  g_assert_true (has_want (wc, KTSTR_CPULOCK_LLC, 0, FALSE));

  g_autoptr (KtstrCpuPlan) fl = ktstr_cpu_plan_float (h, NULL, NULL);
  g_autoptr (GArray) wf = ktstr_cpu_plan_wants (fl);
  g_assert_cmpuint (wf->len, ==, 10);
  for (guint i = 0; i < wf->len; i++)
    g_assert_false (g_array_index (wf, KtstrCpuLockWant, i).is_exclusive);
}

static void
write_file (const char *dir, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_describe_sysfs (void)
{
  g_autofree char *root = g_dir_make_tmp ("ktstr-sysfs-XXXXXX", NULL);
  for (guint cpu = 0; cpu < 4; cpu++)
    {
      g_autofree char *l1 = g_strdup_printf ("cpu%u/cache/index0/level", cpu);
      g_autofree char *l1s = g_strdup_printf ("cpu%u/cache/index0/shared_cpu_list", cpu);
      g_autofree char *l3 = g_strdup_printf ("cpu%u/cache/index1/level", cpu);
      g_autofree char *l3s = g_strdup_printf ("cpu%u/cache/index1/shared_cpu_list", cpu);
      g_autofree char *mine = g_strdup_printf ("%u\n", cpu);
      g_autofree char *node = g_strdup_printf ("%s/cpu%u/node%u", root, cpu, cpu / 2);
      write_file (root, l1, "1\n");
      write_file (root, l1s, mine);
      write_file (root, l3, "3\n");
      write_file (root, l3s, cpu < 2 ? "0-1\n" : "2-3\n");
      g_assert_cmpint (g_mkdir_with_parents (node, 0755), ==, 0);
    }
  /* CPUs 5 and 6 have no cache information: one LLC between them. */
  g_autofree char *c5 = g_build_filename (root, "cpu5", NULL);
  g_assert_cmpint (g_mkdir_with_parents (c5, 0755), ==, 0);
  const guint cpus[] = { 3, 0, 1, 2, 5, 6 };
  g_autoptr (GArray) h = ktstr_host_cpus_describe (root, cpus, G_N_ELEMENTS (cpus));
  g_assert_cmpuint (h->len, ==, 6);
  const guint want[][3]
      = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 2, 1 }, { 3, 2, 1 }, { 5, 5, 0 }, { 6, 5, 0 } };
  for (guint i = 0; i < h->len; i++)
    {
      const KtstrHostCpu *c = &g_array_index (h, KtstrHostCpu, i);
      g_assert_cmpuint (c->cpu, ==, want[i][0]);
      g_assert_cmpuint (c->llc, ==, want[i][1]);
      g_assert_cmpuint (c->node, ==, want[i][2]);
    }
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", root);
  g_assert_cmpint (system (cmd), ==, 0);

  /* This host's own. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) self = ktstr_host_cpus_read (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (self->len, >=, 1);
}

/* Hugepages for performance mode: a 2 MiB hugetlbfs with enough free
 * pages, else why not. */
static void
test_hugepages (void)
{
  const char *mounts = "proc /proc proc rw 0 0\n"
                       "none /dev/huge\\040pages hugetlbfs rw,relatime,pagesize=2M 0 0\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = ktstr_hugepages_choose (mounts, 512, 1024, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, "/dev/huge pages");
  static const struct
  {
    const char *mounts;
    gint64 free_pages;
    guint mb;
    const char *needle;
  } bad[] = {
    { "proc /proc proc rw 0 0\n", 512, 1024, "no hugetlbfs of 2 MiB pages is mounted" },
    { "none /h hugetlbfs rw,pagesize=1024M 0 0\n", 512, 1024, "no hugetlbfs" },
    { "none /h hugetlbfs rw 0 0\n", 100, 1024,
      "512 free 2 MiB hugepages are needed for 1024 MiB of guest RAM, 100 are free" },
    { "none /h hugetlbfs rw 0 0\n", -1, 1024, "cannot be read" },
    { "none /h hugetlbfs rw 0 0\n", 512, 1023, "not a whole number of 2 MiB pages" },
    { "none /h hugetlbfs rw 0 0\n", 512, 1026, "1026 MiB of guest RAM over 2 nodes" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) reason = NULL;
      g_autofree char *d
          = ktstr_hugepages_choose (bad[i].mounts, bad[i].free_pages, bad[i].mb, 2, &reason);
      g_assert_null (d);
      g_assert_error (reason, KTSTR_HUGEPAGES_ERROR, KTSTR_HUGEPAGES_ERROR_UNAVAILABLE);
      if (strstr (reason->message, bad[i].needle) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, reason->message, bad[i].needle);
    }
}

/* ---------- Placement (backends/backend.h) ---------- */

static char *
allowed_list (int pid, int tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/status", pid, tid);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  const char *at = strstr (text, "Cpus_allowed_list:");
  g_assert_nonnull (at);
  at += strlen ("Cpus_allowed_list:");
  while (*at == ' ' || *at == '\t')
    at++;
  return g_strndup (at, strcspn (at, "\n"));
}

typedef struct
{
  gint tid;
  gint stop;
} Worker;

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  g_atomic_int_set (&w->tid, (gint)gettid ());
  while (!g_atomic_int_get (&w->stop))
    g_usleep (1000);
  return NULL;
}

/* A vCPU thread on its own CPU, the other threads of a process on the
 * service CPUs, and a CPU that does not exist refused with the thread. */
static void
test_placement_apply (void)
{
  g_autoptr (GArray) host = ktstr_host_cpus_read (NULL);
  guint last = g_array_index (host, KtstrHostCpu, host->len - 1).cpu;
  guint first = g_array_index (host, KtstrHostCpu, 0).cpu;
  Worker w = { 0, 0 };
  GThread *t = g_thread_new ("vcpu", worker_main, &w);
  while (g_atomic_int_get (&w.tid) == 0)
    g_usleep (1000);
  g_autoptr (GArray) tids = g_array_new (FALSE, TRUE, sizeof (int));
  int tid = g_atomic_int_get (&w.tid);
  g_array_append_val (tids, tid);
  g_autoptr (GArray) one = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (one, last);
  KtstrVmPlacement pl = { .vcpu_cpus = one };
  g_autoptr (GError) error = NULL;
  g_assert_true (ktstr_vm_placement_apply (&pl, getpid (), tids, FALSE, &error));
  g_assert_no_error (error);
  g_autofree char *got = allowed_list (getpid (), tid);
  g_autofree char *want = g_strdup_printf ("%u", last);
  g_assert_cmpstr (got, ==, want);

  g_autoptr (GArray) nowhere = g_array_new (FALSE, FALSE, sizeof (guint));
  guint absent = KTSTR_CPULIST_MAX_CPU;
  g_array_append_val (nowhere, absent);
  KtstrVmPlacement bad = { .vcpu_cpus = nowhere };
  g_assert_false (ktstr_vm_placement_apply (&bad, getpid (), tids, FALSE, &error));
  g_assert_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH);
  g_assert_nonnull (strstr (error->message, "cannot pin vCPU 0"));
  g_clear_error (&error);
  g_atomic_int_set (&w.stop, 1);
  g_thread_join (t);

  /* Another process's threads: all on the service CPUs. */
  const char *argv[] = { "sleep", "30", NULL };
  GPid child;
  g_assert_true (g_spawn_async (NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &child,
                                &error));
  g_autoptr (GArray) service = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (service, first);
  KtstrVmPlacement others = { .cpus = one, .service_cpus = service };
  g_autoptr (GArray) none = g_array_new (FALSE, TRUE, sizeof (int));
  g_assert_true (ktstr_vm_placement_apply (&others, child, none, TRUE, &error));
  g_assert_no_error (error);
  g_autofree char *svc = allowed_list (child, child);
  g_autofree char *want_svc = g_strdup_printf ("%u", first);
  g_assert_cmpstr (svc, ==, want_svc);
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  g_spawn_close_pid (child);

  /* No placement: nothing to do. */
  KtstrVmPlacement empty = { 0 };
  g_assert_true (ktstr_vm_placement_apply (&empty, getpid (), tids, TRUE, &error));
}

/* ---------- Reservations ---------- */

typedef struct
{
  char *dir;
  GArray *host;
} Env;

static void
env_setup (Env *e, gconstpointer data)
{
  (void)data;
  e->dir = g_dir_make_tmp ("ktstr-reserve-XXXXXX", NULL);
  g_setenv ("KTSTR_LOCK_DIR", e->dir, TRUE);
  e->host = host (TWO_CPUS);
}

static void
env_teardown (Env *e, gconstpointer data)
{
  (void)data;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", e->dir);
  g_assert_cmpint (system (cmd), ==, 0);
  g_unsetenv ("KTSTR_LOCK_DIR");
  g_free (e->dir);
  g_array_unref (e->host);
}

static void
test_reserve_perf_skip (Env *e, gconstpointer data)
{
  (void)data;
  pid_t child = ktstr_test_lock_holder_spawn (e->dir, 1);
  KtstrCpuReserveRequest req
      = { .mode = KTSTR_PLACEMENT_PERF, .topology = topo ("1n1l1c1t"), .host = e->host };
  g_autoptr (GError) error = NULL;
  /* CPU 1 held: the vCPU goes to CPU 0, but then no service CPU is left
   * (the stranger's CPU is no one's to share): refused with the holder. */
  g_autoptr (KtstrCpuReservation) r = ktstr_cpu_reserve (&req, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY);
  g_autofree char *pid = g_strdup_printf ("pid=%d ", (int)child);
  g_assert_nonnull (strstr (error->message, pid));
  g_clear_error (&error);
  ktstr_test_lock_holder_kill (child);
  r = ktstr_cpu_reserve (&req, &error);
  g_assert_no_error (error);
  assert_list (r->plan->vcpu_cpus, "0");
  g_assert_false (r->has_waited);
}

static void
test_reserve_never_fits (Env *e, gconstpointer data)
{
  (void)data;
  KtstrCpuReserveRequest req
      = { .mode = KTSTR_PLACEMENT_PERF, .topology = topo ("1n1l2c1t"), .host = e->host };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuReservation) r = ktstr_cpu_reserve (&req, &error);
  g_assert_null (r);
  g_assert_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_NO_FIT);
}

static void
test_reserve_float_beside (Env *e, gconstpointer data)
{
  (void)data;
  pid_t child = ktstr_test_lock_holder_spawn (e->dir, 0);
  KtstrCpuReserveRequest req
      = { .mode = KTSTR_PLACEMENT_FLOAT, .topology = topo ("1n1l2c1t"), .host = e->host };
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuReservation) r = ktstr_cpu_reserve (&req, &error);
  g_assert_no_error (error);
  /* It floats over the CPU no one pinned. */
  assert_list (r->plan->cpus, "1");
  g_assert_false (r->plan->is_all);
  ktstr_test_lock_holder_kill (child);
}

static void
note_wait (const char *why, gpointer user_data)
{
  GPtrArray *seen = user_data;
  g_ptr_array_add (seen, g_strdup (why));
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (3 * KTSTR_CPU_RESERVE_POLL_MS * G_TIME_SPAN_MILLISECOND);
  cancel_later (data);
  return NULL;
}

static void
test_reserve_capped_waits (Env *e, gconstpointer data)
{
  (void)data;
  pid_t a = ktstr_test_lock_holder_spawn (e->dir, 0);
  pid_t b = ktstr_test_lock_holder_spawn (e->dir, 1);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  KtstrCpuReserveRequest req = { .mode = KTSTR_PLACEMENT_CAPPED,
                                 .topology = topo ("1n1l2c1t"),
                                 .cap = 1,
                                 .host = e->host,
                                 .on_wait = note_wait,
                                 .user_data = seen,
                                 .cancellable = cancel };
  GThread *t = g_thread_new ("cancel", cancel_thread, cancel);
  g_autoptr (GError) error = NULL;
  g_autoptr (KtstrCpuReservation) r = ktstr_cpu_reserve (&req, &error);
  g_thread_join (t);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* It waited, and said so once. */
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_nonnull (strstr (seen->pdata[0], "--cpu-cap 1"));
  g_clear_error (&error);
  /* One CPU comes free: the wait ends with it. */
  ktstr_test_lock_holder_kill (b);
  g_autoptr (GCancellable) fresh = g_cancellable_new ();
  req.cancellable = fresh;
  r = ktstr_cpu_reserve (&req, &error);
  g_assert_no_error (error);
  assert_list (r->plan->cpus, "1");
  ktstr_test_lock_holder_kill (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cpu-plan/perf/fits", test_perf_fits);
  g_test_add_func ("/cpu-plan/perf/refusals", test_perf_refusals);
  g_test_add_func ("/cpu-plan/perf/two-llcs", test_perf_two_llcs);
  g_test_add_func ("/cpu-plan/perf/best-fit", test_perf_best_fit);
  g_test_add_func ("/cpu-plan/capped", test_capped);
  g_test_add_func ("/cpu-plan/float", test_float);
  g_test_add_func ("/cpu-plan/wants", test_wants);
  g_test_add_func ("/cpu-plan/describe-sysfs", test_describe_sysfs);
  g_test_add_func ("/cpu-plan/hugepages", test_hugepages);
  g_test_add_func ("/placement/apply", test_placement_apply);
  g_test_add ("/cpu-reserve/perf-skip", Env, NULL, env_setup, test_reserve_perf_skip, env_teardown);
  g_test_add ("/cpu-reserve/never-fits", Env, NULL, env_setup, test_reserve_never_fits,
              env_teardown);
  g_test_add ("/cpu-reserve/float-beside", Env, NULL, env_setup, test_reserve_float_beside,
              env_teardown);
  g_test_add ("/cpu-reserve/capped-waits", Env, NULL, env_setup, test_reserve_capped_waits,
              env_teardown);
  return g_test_run ();
}
