/* Putting a VM's threads where its placement says (backends/backend.h):
 * CPU affinity per thread and, on request, SCHED_FIFO for the vCPUs.  Both
 * backends use it: QEMU's threads are another process's, found through
 * /proc/PID/task; the kvm backend's vCPU threads are ours. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"

static cpu_set_t *
to_set (const GArray *cpus, gsize *size)
{
  guint max = 0;
  for (guint i = 0; i < cpus->len; i++)
    max = MAX (max, g_array_index (cpus, guint, i));
  cpu_set_t *set = CPU_ALLOC (max + 1);
  *size = CPU_ALLOC_SIZE (max + 1);
  CPU_ZERO_S (*size, set);
  for (guint i = 0; i < cpus->len; i++)
    CPU_SET_S (g_array_index (cpus, guint, i), *size, set);
  return set;
}

static gboolean
pin (int tid, const GArray *cpus, const char *what, GError **error)
{
  gsize size;
  cpu_set_t *set = to_set (cpus, &size);
  int rc = sched_setaffinity (tid, size, set);
  int errsv = errno;
  CPU_FREE (set);
  if (rc == 0)
    return TRUE;
  GString *list = g_string_new (NULL);
  for (guint i = 0; i < cpus->len; i++)
    g_string_append_printf (list, "%s%u", i ? "," : "", g_array_index (cpus, guint, i));
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
               "cannot pin %s (thread %d) to host CPU(s) %s: %s (is a CPU offline or outside "
               "this process's cpuset?)",
               what, tid, list->str, g_strerror (errsv));
  g_string_free (list, TRUE);
  return FALSE;
}

static gboolean
make_realtime (int tid, guint index, GError **error)
{
  struct sched_param sp = { .sched_priority = 1 };
  if (sched_setscheduler (tid, SCHED_FIFO, &sp) == 0)
    return TRUE;
  int errsv = errno;
  g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_LAUNCH,
               "cannot run vCPU %u (thread %d) at SCHED_FIFO: %s (realtime performance mode "
               "needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least 1)",
               index, tid, g_strerror (errsv));
  return FALSE;
}

static gboolean
is_vcpu_tid (const GArray *tids, int tid)
{
  for (guint i = 0; tids != NULL && i < tids->len; i++)
    if (g_array_index (tids, int, i) == tid)
      return TRUE;
  return FALSE;
}

gboolean
ktstr_vm_placement_apply (const KtstrVmPlacement *p, int pid, const GArray *vcpu_tids,
                          gboolean pin_others, GError **error)
{
  if (p->vcpu_cpus == NULL && p->cpus == NULL)
    return TRUE;
  for (guint i = 0; vcpu_tids != NULL && i < vcpu_tids->len; i++)
    {
      int tid = g_array_index (vcpu_tids, int, i);
      if (tid <= 0)
        continue;
      g_autofree char *what = g_strdup_printf ("vCPU %u", i);
      g_autoptr (GArray) one = NULL;
      const GArray *cpus = p->cpus;
      if (p->vcpu_cpus != NULL && i < p->vcpu_cpus->len)
        {
          one = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_val (one, g_array_index (p->vcpu_cpus, guint, i));
          cpus = one;
        }
      if (cpus != NULL && !pin (tid, cpus, what, error))
        return FALSE;
      if (p->is_realtime && !make_realtime (tid, i, error))
        return FALSE;
    }
  const GArray *service = p->service_cpus != NULL ? p->service_cpus : p->cpus;
  if (!pin_others || service == NULL)
    return TRUE;
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) d = g_dir_open (task_dir, 0, error);
  if (d == NULL)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      int tid = atoi (name);
      if (tid <= 0 || is_vcpu_tid (vcpu_tids, tid))
        continue;
      /* A thread that ended meanwhile is no failure. */
      g_autoptr (GError) local = NULL;
      if (!pin (tid, service, "a VMM thread", &local))
        {
          g_autofree char *still = g_strdup_printf ("/proc/%d/task/%d", pid, tid);
          if (g_file_test (still, G_FILE_TEST_EXISTS))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
        }
    }
  return TRUE;
}

static GArray *
copy_array (const GArray *a)
{
  return a != NULL ? g_array_copy ((GArray *)a) : NULL;
}

KtstrVmPlacement *
ktstr_vm_placement_copy (const KtstrVmPlacement *p)
{
  KtstrVmPlacement *c = g_new0 (KtstrVmPlacement, 1);
  c->vcpu_cpus = copy_array (p->vcpu_cpus);
  c->cpus = copy_array (p->cpus);
  c->service_cpus = copy_array (p->service_cpus);
  c->mem_nodes = copy_array (p->mem_nodes);
  c->hugepage_dir = g_strdup (p->hugepage_dir);
  c->is_realtime = p->is_realtime;
  return c;
}

void
ktstr_vm_placement_free_copy (KtstrVmPlacement *p)
{
  if (p == NULL)
    return;
  if (p->vcpu_cpus != NULL)
    g_array_unref ((GArray *)p->vcpu_cpus);
  if (p->cpus != NULL)
    g_array_unref ((GArray *)p->cpus);
  if (p->service_cpus != NULL)
    g_array_unref ((GArray *)p->service_cpus);
  if (p->mem_nodes != NULL)
    g_array_unref ((GArray *)p->mem_nodes);
  g_free ((char *)p->hugepage_dir);
  g_free (p);
}
