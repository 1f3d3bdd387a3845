/* What the host monitor must know about one kernel build to read its
 * scheduler state out of guest memory: the addresses of a handful of
 * variables (from the vmlinux symbol table) and the offsets of the
 * fields it reads (from the vmlinux BTF), resolved once per run.
 *
 * Required (else the host monitor cannot run on this kernel): runqueues,
 * __per_cpu_offset, page_offset_base, init_top_pgt, linux_banner and
 * struct rq's cpu, nr_running and clock.  Everything else is optional and
 * marked unknown when absent: the sched_ext fields (a kernel without
 * sched_ext), the runqueue schedstats (no CONFIG_SCHEDSTATS), the
 * watchdog variables (a kernel that keeps the watchdog timeout elsewhere). */
#ifndef KTSTR_MONITOR_KERNEL_LAYOUT_H
#define KTSTR_MONITOR_KERNEL_LAYOUT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean is_known;
  guint offset;
  guint size; /* 1, 2, 4 or 8 */
} KtstrKField;

#define KTSTR_LAYOUT_BANNER_LEN 64

typedef struct
{
  char *vmlinux_path;
  guint hz; /* CONFIG_HZ from the image's embedded config, 0 when unknown */

  /* Kernel virtual addresses (runqueues: an offset into each CPU's area). */
  guint64 runqueues;
  guint64 per_cpu_offset;
  guint64 page_offset_base;
  guint64 init_top_pgt;
  gboolean has_l5_var;
  guint64 pgtable_l5_enabled;
  gboolean has_jiffies;
  guint64 jiffies;
  guint64 linux_banner;
  guint8 banner[KTSTR_LAYOUT_BANNER_LEN]; /* what the image says is there */
  gsize banner_len;

  /* sched_ext: whether it is enabled is the enable-state variable holding
   * the "enabled" enumerator. */
  gboolean has_scx_state;
  guint64 scx_enable_state;
  gint64 scx_enabled_value;
  /* The watchdog (static variables of kernels up to 6.x). */
  gboolean has_watchdog;
  guint64 scx_watchdog_timeout;   /* unsigned long, jiffies */
  guint64 scx_watchdog_timestamp; /* unsigned long, jiffies */

  /* struct rq */
  KtstrKField rq_cpu, rq_nr_running, rq_clock;
  KtstrKField rq_scx_nr_running, rq_scx_flags, rq_local_dsq_nr;
  KtstrKField rq_run_delay, rq_pcount, rq_yld_count, rq_sched_count, rq_sched_goidle, rq_ttwu_count,
      rq_ttwu_local;
  /* The sched_ext runnable list, oldest task first, and where a task
   * records when it became runnable (for the watchdog override). */
  KtstrKField rq_scx_runnable_list, task_scx_runnable_node, task_scx_runnable_at;
} KtstrKernelLayout;

void ktstr_kernel_layout_free (KtstrKernelLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrKernelLayout, ktstr_kernel_layout_free)

/* Reads VMLINUX (see vmlinux.h): fails naming what is missing. */
KtstrKernelLayout *ktstr_kernel_layout_load (const char *vmlinux, GError **error);

/* TRUE when every runqueue schedstat field is known. */
gboolean ktstr_kernel_layout_has_schedstat (const KtstrKernelLayout *layout);

G_END_DECLS

#endif
