/* Where a VM's vCPUs run on the host (run/cpu-plan.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "run/cpu-plan.h"
#include "util/cpulist.h"

GQuark
ktstr_cpu_plan_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-cpu-plan-error-quark");
}

/* ---------- The host's CPUs ---------- */

/* The lowest CPU of the highest-level cache of CPU, or G_MAXUINT. */
static guint
read_llc (const char *sysfs, guint cpu)
{
  guint best_level = 0, llc = G_MAXUINT;
  for (guint index = 0; index < 16; index++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/cpu%u/cache/index%u", sysfs, cpu, index);
      g_autofree char *level_path = g_build_filename (dir, "level", NULL);
      g_autofree char *list_path = g_build_filename (dir, "shared_cpu_list", NULL);
      g_autofree char *level = NULL, *list = NULL;
      if (!g_file_get_contents (level_path, &level, NULL, NULL))
        break;
      guint l = (guint)g_ascii_strtoull (level, NULL, 10);
      if (l < best_level || !g_file_get_contents (list_path, &list, NULL, NULL))
        continue;
      g_autoptr (GArray) shared = ktstr_cpulist_parse (list, NULL);
      if (shared == NULL || shared->len == 0)
        continue;
      best_level = l;
      llc = g_array_index (shared, guint, 0);
    }
  return llc;
}

static guint
read_node (const char *sysfs, guint cpu)
{
  g_autofree char *dir = g_strdup_printf ("%s/cpu%u", sysfs, cpu);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "node") && g_ascii_isdigit (name[4]))
      return (guint)g_ascii_strtoull (name + 4, NULL, 10);
  return 0;
}

static gint
cmp_host_cpu (gconstpointer a, gconstpointer b)
{
  guint x = ((const KtstrHostCpu *)a)->cpu, y = ((const KtstrHostCpu *)b)->cpu;
  return x < y ? -1 : x > y;
}

GArray *
ktstr_host_cpus_describe (const char *sysfs_cpu_dir, const guint *cpus, guint n)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (KtstrHostCpu));
  guint no_cache_llc = G_MAXUINT;
  for (guint i = 0; i < n; i++)
    {
      KtstrHostCpu c
          = { cpus[i], read_llc (sysfs_cpu_dir, cpus[i]), read_node (sysfs_cpu_dir, cpus[i]) };
      if (c.llc == G_MAXUINT)
        {
          /* No cache information (some VMs): one LLC for all such CPUs,
           * named by the first of them. */
          if (no_cache_llc == G_MAXUINT)
            no_cache_llc = c.cpu;
          c.llc = no_cache_llc;
        }
      g_array_append_val (out, c);
    }
  g_array_sort (out, cmp_host_cpu);
  return out;
}

GArray *
ktstr_host_cpus_read (GError **error)
{
  cpu_set_t *set = NULL;
  gsize size = 0;
  /* Grow the mask until the kernel's fits (hosts with > 1024 CPUs). */
  for (guint n = 1024; n <= KTSTR_CPULIST_MAX_CPU + 1; n *= 2)
    {
      set = CPU_ALLOC (n);
      size = CPU_ALLOC_SIZE (n);
      CPU_ZERO_S (size, set);
      if (sched_getaffinity (0, size, set) == 0)
        break;
      int errsv = errno;
      CPU_FREE (set);
      set = NULL;
      if (errsv != EINVAL)
        {
          g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_HOST,
                       "cannot read the CPUs this process may use: %s", g_strerror (errsv));
          return NULL;
        }
    }
  if (set == NULL)
    {
      g_set_error_literal (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_HOST,
                           "cannot read the CPUs this process may use: mask too large");
      return NULL;
    }
  g_autoptr (GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint c = 0; c < size * 8; c++)
    if (CPU_ISSET_S (c, size, set))
      g_array_append_val (cpus, c);
  CPU_FREE (set);
  return ktstr_host_cpus_describe ("/sys/devices/system/cpu", (const guint *)cpus->data, cpus->len);
}

/* ---------- Plans ---------- */

static GArray *
uint_array (void)
{
  return g_array_new (FALSE, FALSE, sizeof (guint));
}

static gboolean
contains (const GArray *a, guint v)
{
  for (guint i = 0; a != NULL && i < a->len; i++)
    if (g_array_index (a, guint, i) == v)
      return TRUE;
  return FALSE;
}

static void
add_unique (GArray *a, guint v)
{
  if (!contains (a, v))
    g_array_append_val (a, v);
}

static void
sort_uints (GArray *a)
{
  ktstr_cpulist_sort_unique (a);
}

void
ktstr_cpu_plan_free (KtstrCpuPlan *plan)
{
  if (plan == NULL)
    return;
  g_array_unref (plan->vcpu_cpus);
  g_array_unref (plan->cpus);
  g_array_unref (plan->service_cpus);
  g_array_unref (plan->llcs);
  g_array_unref (plan->nodes);
  g_free (plan);
}

static KtstrCpuPlan *
plan_new (KtstrPlacementMode mode)
{
  KtstrCpuPlan *p = g_new0 (KtstrCpuPlan, 1);
  p->mode = mode;
  p->vcpu_cpus = uint_array ();
  p->cpus = uint_array ();
  p->service_cpus = uint_array ();
  p->llcs = uint_array ();
  p->nodes = uint_array ();
  return p;
}

static const KtstrHostCpu *
host_cpu (const GArray *host, guint cpu)
{
  for (guint i = 0; i < host->len; i++)
    if (g_array_index (host, KtstrHostCpu, i).cpu == cpu)
      return &g_array_index (host, KtstrHostCpu, i);
  return NULL;
}

/* The LLCs and nodes of the plan's CPUs (perf: of its vCPU CPUs). */
static void
plan_finish (KtstrCpuPlan *p, const GArray *host)
{
  const GArray *from = p->mode == KTSTR_PLACEMENT_PERF ? p->vcpu_cpus : p->cpus;
  for (guint i = 0; i < from->len; i++)
    {
      const KtstrHostCpu *c = host_cpu (host, g_array_index (from, guint, i));
      if (c == NULL)
        continue; /* never: plans only take CPUs of HOST */
      add_unique (p->llcs, c->llc);
      add_unique (p->nodes, c->node);
    }
  sort_uints (p->cpus);
  sort_uints (p->service_cpus);
  sort_uints (p->llcs);
  sort_uints (p->nodes);
}

char *
ktstr_cpu_plan_format (const GArray *cpus)
{
  return ktstr_cpulist_format ((const guint *)cpus->data, cpus->len);
}

static char *
host_list (const GArray *host)
{
  g_autoptr (GArray) all = uint_array ();
  for (guint i = 0; i < host->len; i++)
    g_array_append_val (all, g_array_index (host, KtstrHostCpu, i).cpu);
  return ktstr_cpu_plan_format (all);
}

/* The host's LLCs (lowest CPU) in ascending order. */
static GArray *
host_llcs (const GArray *host)
{
  GArray *llcs = uint_array ();
  for (guint i = 0; i < host->len; i++)
    add_unique (llcs, g_array_index (host, KtstrHostCpu, i).llc);
  sort_uints (llcs);
  return llcs;
}

/* The CPUs of LLC not in BUSY nor in TAKEN, ascending. */
static GArray *
free_in_llc (const GArray *host, guint llc, const GArray *busy, const GArray *taken)
{
  GArray *out = uint_array ();
  for (guint i = 0; i < host->len; i++)
    {
      const KtstrHostCpu *c = &g_array_index (host, KtstrHostCpu, i);
      if (c->llc == llc && !contains (busy, c->cpu) && !contains (taken, c->cpu))
        g_array_append_val (out, c->cpu);
    }
  return out;
}

KtstrCpuPlan *
ktstr_cpu_plan_float (const GArray *host, const GArray *busy, GError **error)
{
  g_autoptr (KtstrCpuPlan) p = plan_new (KTSTR_PLACEMENT_FLOAT);
  for (guint i = 0; i < host->len; i++)
    {
      guint cpu = g_array_index (host, KtstrHostCpu, i).cpu;
      if (!contains (busy, cpu))
        g_array_append_val (p->cpus, cpu);
    }
  if (p->cpus->len == 0)
    {
      g_autofree char *all = host_list (host);
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY,
                   "every host CPU this process may use (%s) is pinned to another VM", all);
      return NULL;
    }
  p->is_all = p->cpus->len == host->len;
  g_array_append_vals (p->service_cpus, p->cpus->data, p->cpus->len);
  plan_finish (p, host);
  return g_steal_pointer (&p);
}

KtstrCpuPlan *
ktstr_cpu_plan_capped (const GArray *host, guint n_vcpus, guint cap, const GArray *busy,
                       GError **error)
{
  guint want = MIN (MIN (MAX (cap, 1u), MAX (n_vcpus, 1u)), host->len);
  g_autoptr (KtstrCpuPlan) p = plan_new (KTSTR_PLACEMENT_CAPPED);
  g_autoptr (GArray) llcs = host_llcs (host);
  /* Within one LLC where one has room: the one with the fewest free CPUs
   * that still holds the window, so larger ones stay whole for others. */
  guint best = G_MAXUINT, best_free = G_MAXUINT;
  for (guint i = 0; i < llcs->len; i++)
    {
      g_autoptr (GArray) f = free_in_llc (host, g_array_index (llcs, guint, i), busy, NULL);
      if (f->len >= want && f->len < best_free)
        best = i, best_free = f->len;
    }
  if (best != G_MAXUINT)
    {
      g_autoptr (GArray) f = free_in_llc (host, g_array_index (llcs, guint, best), busy, NULL);
      g_array_append_vals (p->cpus, f->data, want);
    }
  else
    /* Across LLCs, in order. */
    for (guint i = 0; i < llcs->len && p->cpus->len < want; i++)
      {
        g_autoptr (GArray) f = free_in_llc (host, g_array_index (llcs, guint, i), busy, NULL);
        g_array_append_vals (p->cpus, f->data, MIN (f->len, want - p->cpus->len));
      }
  if (p->cpus->len < want)
    {
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY,
                   "--cpu-cap %u needs %u free host CPU%s; %u are not pinned to other VMs", cap,
                   want, want == 1 ? "" : "s", p->cpus->len);
      return NULL;
    }
  g_array_append_vals (p->service_cpus, p->cpus->data, p->cpus->len);
  plan_finish (p, host);
  return g_steal_pointer (&p);
}

/* Performance mode over HOST less BUSY; FALSE with the reason in *WHY. */
static KtstrCpuPlan *
perf_assign (const GArray *host, const KtstrTopology *topo, const GArray *busy, char **why)
{
  guint per_llc = topo->cores_per_llc * topo->threads_per_core;
  g_autoptr (KtstrCpuPlan) p = plan_new (KTSTR_PLACEMENT_PERF);
  g_autoptr (GArray) llcs = host_llcs (host);
  g_autoptr (GArray) used = uint_array ();
  for (guint v = 0; v < topo->llcs; v++)
    {
      /* Best fit: the host LLC with the fewest free CPUs that holds the
       * virtual LLC, so a larger one stays whole for the next. */
      guint best = G_MAXUINT, best_free = G_MAXUINT;
      for (guint i = 0; i < llcs->len; i++)
        {
          guint llc = g_array_index (llcs, guint, i);
          if (contains (used, llc))
            continue;
          g_autoptr (GArray) f = free_in_llc (host, llc, busy, NULL);
          if (f->len >= per_llc && f->len < best_free)
            best = llc, best_free = f->len;
        }
      if (best == G_MAXUINT)
        {
          GString *free_desc = g_string_new (NULL);
          for (guint i = 0; i < llcs->len; i++)
            {
              guint llc = g_array_index (llcs, guint, i);
              g_autoptr (GArray) f = free_in_llc (host, llc, busy, NULL);
              g_autofree char *list = ktstr_cpu_plan_format (f);
              g_string_append_printf (free_desc, "%sLLC of CPU %u: %s%s", i ? "; " : "", llc,
                                      contains (used, llc) ? "taken by an earlier virtual LLC"
                                      : f->len == 0        ? "none"
                                                           : list,
                                      contains (used, llc) || f->len == 0 ? "" : " free");
            }
          *why = g_strdup_printf ("virtual LLC %u needs %u host CPU%s within one host LLC of its "
                                  "own (%s)",
                                  v, per_llc, per_llc == 1 ? "" : "s", free_desc->str);
          g_string_free (free_desc, TRUE);
          return NULL;
        }
      add_unique (used, best);
      g_autoptr (GArray) f = free_in_llc (host, best, busy, NULL);
      g_array_append_vals (p->vcpu_cpus, f->data, per_llc);
    }
  g_array_append_vals (p->cpus, p->vcpu_cpus->data, p->vcpu_cpus->len);
  /* The service CPU: the lowest free CPU no vCPU has. */
  for (guint i = 0; i < host->len; i++)
    {
      guint cpu = g_array_index (host, KtstrHostCpu, i).cpu;
      if (!contains (busy, cpu) && !contains (p->vcpu_cpus, cpu))
        {
          g_array_append_val (p->service_cpus, cpu);
          break;
        }
    }
  if (p->service_cpus->len == 0)
    {
      *why = g_strdup ("no host CPU is left for QEMU's own threads and ktstr (the service CPU)");
      return NULL;
    }
  plan_finish (p, host);
  return g_steal_pointer (&p);
}

KtstrCpuPlan *
ktstr_cpu_plan_perf (const GArray *host, const KtstrTopology *topo, const GArray *busy,
                     GError **error)
{
  char label[64];
  ktstr_topology_format (topo, label, sizeof label);
  guint n_vcpus = ktstr_topology_cpus (topo);
  g_autofree char *all = host_list (host);
  g_autoptr (GArray) llcs = host_llcs (host);
  if (n_vcpus + 1 > host->len)
    {
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_NO_FIT,
                   "performance mode needs a host CPU for each of the %u vCPUs of %s plus one "
                   "service CPU (%u); this process may use %u host CPU%s (%s)",
                   n_vcpus, label, n_vcpus + 1, host->len, host->len == 1 ? "" : "s", all);
      return NULL;
    }
  if (topo->llcs > llcs->len)
    {
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_NO_FIT,
                   "performance mode maps each virtual LLC to a host LLC of its own: %s has %u "
                   "LLCs, the host CPUs this process may use (%s) share %u",
                   label, topo->llcs, all, llcs->len);
      return NULL;
    }
  g_autofree char *why = NULL;
  g_autoptr (KtstrCpuPlan) idle = perf_assign (host, topo, NULL, &why);
  if (idle == NULL)
    {
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_NO_FIT,
                   "performance mode cannot place %s on this host: %s", label, why);
      return NULL;
    }
  if (busy == NULL || busy->len == 0)
    return g_steal_pointer (&idle);
  KtstrCpuPlan *p = perf_assign (host, topo, busy, &why);
  if (p == NULL)
    {
      g_autofree char *held = ktstr_cpu_plan_format (busy);
      g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY,
                   "performance mode cannot place %s while host CPUs %s are held: %s", label, held,
                   why);
    }
  return p;
}

GArray *
ktstr_cpu_plan_wants (const KtstrCpuPlan *plan)
{
  GArray *w = g_array_new (FALSE, FALSE, sizeof (KtstrCpuLockWant));
  gboolean pins = plan->mode != KTSTR_PLACEMENT_FLOAT;
  const GArray *pinned = plan->mode == KTSTR_PLACEMENT_PERF ? plan->vcpu_cpus : plan->cpus;
  for (guint i = 0; i < pinned->len; i++)
    {
      KtstrCpuLockWant x = { KTSTR_CPULOCK_CPU, g_array_index (pinned, guint, i), pins };
      g_array_append_val (w, x);
    }
  if (plan->mode == KTSTR_PLACEMENT_PERF)
    for (guint i = 0; i < plan->service_cpus->len; i++)
      {
        KtstrCpuLockWant x
            = { KTSTR_CPULOCK_CPU, g_array_index (plan->service_cpus, guint, i), FALSE };
        g_array_append_val (w, x);
      }
  for (guint i = 0; i < plan->llcs->len; i++)
    {
      KtstrCpuLockWant x = { KTSTR_CPULOCK_LLC, g_array_index (plan->llcs, guint, i),
                             plan->mode == KTSTR_PLACEMENT_PERF };
      g_array_append_val (w, x);
    }
  return w;
}
