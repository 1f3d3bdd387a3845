/* The host-memory sampler: see host-sampler.h. */
#include "config.h"

#include "monitor/host-sampler.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

/* The lowest address of the kernel half of the x86-64 address space: a
 * page_offset_base below it is not a live kernel's. */
#define KERNEL_HALF G_GUINT64_CONSTANT (0xff00000000000000)

struct _KtstrHostSampler
{
  const KtstrKernelLayout *layout;
  const KtstrGuestMem *mem;
  guint n_cpus;
  int pid;
  int *tids;
  gboolean is_attached;
  KtstrKvaMap map;
  guint64 *rq; /* per CPU */
};

KtstrHostSampler *
ktstr_host_sampler_new (const KtstrKernelLayout *layout, const KtstrGuestMem *mem, guint n_cpus,
                        int pid, const int *tids)
{
  KtstrHostSampler *s = g_new0 (KtstrHostSampler, 1);
  s->layout = layout;
  s->mem = mem;
  s->n_cpus = n_cpus;
  s->pid = pid;
  s->tids = tids != NULL ? g_memdup2 (tids, sizeof (int) * n_cpus) : NULL;
  s->rq = g_new0 (guint64, MAX (n_cpus, 1));
  return s;
}

void
ktstr_host_sampler_free (KtstrHostSampler *s)
{
  if (s == NULL)
    return;
  g_free (s->tids);
  g_free (s->rq);
  g_free (s);
}

static gboolean bad_memory (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_memory (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, KTSTR_MONITOR_ERROR, KTSTR_MONITOR_ERROR_GUEST_MEMORY, "guest memory: %s",
               msg);
  return FALSE;
}

static gboolean
read_field (const KtstrHostSampler *s, guint64 base, const KtstrKField *f, guint64 *v)
{
  *v = 0;
  if (!f->is_known)
    return TRUE;
  return ktstr_guest_mem_read_uint (s->mem, &s->map, base + f->offset, f->size, v);
}

gboolean
ktstr_host_sampler_attach (KtstrHostSampler *s, GError **error)
{
  const KtstrKernelLayout *l = s->layout;
  KtstrKvaMap *map = &s->map;
  memset (map, 0, sizeof *map);
  /* nokaslr: the kernel runs where it was linked; the banner check below
   * proves it. */
  map->phys_base = 0;
  map->top_pgt_pa = l->init_top_pgt - KTSTR_START_KERNEL_MAP;
  guint8 banner[KTSTR_LAYOUT_BANNER_LEN];
  if (!ktstr_guest_mem_read_kva (s->mem, map, l->linux_banner, banner, l->banner_len)
      || memcmp (banner, l->banner, l->banner_len) != 0)
    return bad_memory (error,
                       "linux_banner does not read back as in %s: the guest runs another build, "
                       "or was relocated (ktstr boots with nokaslr)",
                       l->vmlinux_path);
  guint64 v;
  if (l->has_l5_var && ktstr_guest_mem_read_uint (s->mem, map, l->pgtable_l5_enabled, 4, &v))
    map->is_5level = v != 0;
  if (!ktstr_guest_mem_read_uint (s->mem, map, l->page_offset_base, 8, &map->page_offset)
      || map->page_offset < KERNEL_HALF)
    return bad_memory (error,
                       "page_offset_base reads 0x%" G_GINT64_MODIFIER "x, not a kernel "
                       "direct-map address",
                       map->page_offset);
  for (guint cpu = 0; cpu < s->n_cpus; cpu++)
    {
      guint64 off, rq_cpu;
      if (!ktstr_guest_mem_read_uint (s->mem, map, l->per_cpu_offset + 8ull * cpu, 8, &off))
        return bad_memory (error, "cannot read __per_cpu_offset[%u]", cpu);
      s->rq[cpu] = l->runqueues + off;
      gboolean is_readable = read_field (s, s->rq[cpu], &l->rq_cpu, &rq_cpu);
      if (!is_readable || rq_cpu != cpu)
        return bad_memory (error,
                           "CPU %u's runqueue at 0x%" G_GINT64_MODIFIER "x %s (per-CPU areas not "
                           "set up yet, or fewer CPUs than the topology)",
                           cpu, s->rq[cpu], is_readable ? "names another CPU" : "cannot be read");
    }
  s->is_attached = TRUE;
  return TRUE;
}

gboolean
ktstr_host_thread_cpu_ns (const char *proc_root, int pid, int tid, guint64 *ns)
{
  char path[256];
  char buf[128];
  snprintf (path, sizeof path, "%s/%d/task/%d/schedstat", proc_root, pid, tid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return FALSE;
  gboolean ok = fgets (buf, sizeof buf, f) != NULL;
  fclose (f);
  if (!ok)
    return FALSE;
  char *end = NULL;
  guint64 v = g_ascii_strtoull (buf, &end, 10);
  if (end == buf)
    return FALSE;
  *ns = v;
  return TRUE;
}

gboolean
ktstr_host_sampler_sample (KtstrHostSampler *s, KtstrMonitorSample *out)
{
  const KtstrKernelLayout *l = s->layout;
  ktstr_monitor_sample_init (out, s->n_cpus);
  if (!s->is_attached)
    {
      ktstr_monitor_sample_clear (out);
      return FALSE;
    }
  out->fields = KTSTR_MONITOR_HAS_NR_RUNNING | KTSTR_MONITOR_HAS_RQ_CLOCK;
  if (l->rq_scx_nr_running.is_known)
    out->fields |= KTSTR_MONITOR_HAS_SCX_NR_RUNNING;
  if (l->rq_local_dsq_nr.is_known)
    out->fields |= KTSTR_MONITOR_HAS_LOCAL_DSQ;
  if (l->rq_scx_flags.is_known)
    out->fields |= KTSTR_MONITOR_HAS_SCX_FLAGS;
  guint64 state;
  out->is_scx_enabled
      = l->has_scx_state
        && ktstr_guest_mem_read_uint (s->mem, &s->map, l->scx_enable_state, 4, &state)
        && (gint64)(gint32)state == l->scx_enabled_value;
  gboolean has_schedstat = ktstr_kernel_layout_has_schedstat (l);
  for (guint cpu = 0; cpu < s->n_cpus; cpu++)
    {
      KtstrMonitorCpu *c = &out->cpus[cpu];
      guint64 rq = s->rq[cpu], nr, scx_nr, dsq, clock, flags;
      if (!read_field (s, rq, &l->rq_nr_running, &nr) || !read_field (s, rq, &l->rq_clock, &clock)
          || !read_field (s, rq, &l->rq_scx_nr_running, &scx_nr)
          || !read_field (s, rq, &l->rq_local_dsq_nr, &dsq)
          || !read_field (s, rq, &l->rq_scx_flags, &flags))
        {
          ktstr_monitor_sample_clear (out);
          return FALSE;
        }
      c->nr_running = (guint32)nr;
      c->scx_nr_running = (guint32)scx_nr;
      c->local_dsq_depth = (guint32)dsq;
      c->rq_clock = clock;
      c->scx_flags = (guint32)flags;
      if (has_schedstat)
        {
          guint64 f[5];
          c->has_schedstat = read_field (s, rq, &l->rq_run_delay, &c->schedstat.run_delay)
                             && read_field (s, rq, &l->rq_pcount, &c->schedstat.pcount)
                             && read_field (s, rq, &l->rq_yld_count, &f[0])
                             && read_field (s, rq, &l->rq_sched_count, &f[1])
                             && read_field (s, rq, &l->rq_sched_goidle, &f[2])
                             && read_field (s, rq, &l->rq_ttwu_count, &f[3])
                             && read_field (s, rq, &l->rq_ttwu_local, &f[4]);
          if (c->has_schedstat)
            {
              c->schedstat.yld_count = (guint32)f[0];
              c->schedstat.sched_count = (guint32)f[1];
              c->schedstat.sched_goidle = (guint32)f[2];
              c->schedstat.ttwu_count = (guint32)f[3];
              c->schedstat.ttwu_local = (guint32)f[4];
            }
        }
      if (s->tids != NULL && s->tids[cpu] > 0)
        c->has_vcpu_time
            = ktstr_host_thread_cpu_ns ("/proc", s->pid, s->tids[cpu], &c->vcpu_time_ns);
    }
  return TRUE;
}

const KtstrKvaMap *
ktstr_host_sampler_get_map (const KtstrHostSampler *s)
{
  return &s->map;
}

guint64
ktstr_host_sampler_rq (const KtstrHostSampler *s, guint cpu)
{
  g_return_val_if_fail (cpu < s->n_cpus, 0);
  return s->rq[cpu];
}
