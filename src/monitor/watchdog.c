/* The sched_ext watchdog override: see watchdog.h. */
#include "config.h"

#include "monitor/watchdog.h"

#include <string.h>

void
ktstr_watchdog_override_init (KtstrWatchdogOverride *w, guint64 timeout_ms, guint hz)
{
  memset (w, 0, sizeof *w);
  if (timeout_ms == 0)
    return;
  if (hz == 0)
    {
      w->note = g_strdup ("the kernel's HZ is unknown (no CONFIG_IKCONFIG in the vmlinux), so "
                          "the timeout cannot be given in jiffies");
      return;
    }
  w->requested_jiffies = MAX (timeout_ms * hz / 1000, 1u);
}

void
ktstr_watchdog_override_clear (KtstrWatchdogOverride *w)
{
  g_clear_pointer (&w->note, g_free);
}

/* A CPU whose oldest runnable task has waited longer than the timeout at
 * jiffy NOW: *TASK and *SINCE say which and since when. */
static gboolean
find_stale (const KtstrWatchdogOverride *w, const KtstrGuestMem *mem, const KtstrKvaMap *map,
            const KtstrKernelLayout *l, const guint64 *rq, guint n_cpus, guint64 now, guint64 *task,
            guint64 *since)
{
  if (!l->rq_scx_runnable_list.is_known || !l->task_scx_runnable_node.is_known
      || !l->task_scx_runnable_at.is_known)
    return FALSE;
  for (guint cpu = 0; cpu < n_cpus; cpu++)
    {
      guint64 head = rq[cpu] + l->rq_scx_runnable_list.offset, first, at;
      /* The list is kept in the order tasks became runnable: the first
       * one has waited longest.  An empty list points at itself. */
      if (!ktstr_guest_mem_read_uint (mem, map, head, 8, &first) || first == head || first == 0)
        continue;
      guint64 t = first - l->task_scx_runnable_node.offset;
      if (!ktstr_guest_mem_read_uint (mem, map, t + l->task_scx_runnable_at.offset, 8, &at))
        continue;
      /* time_after(now, at + timeout), wrap-safe as the kernel's. */
      if ((gint64)(at + w->requested_jiffies - now) < 0)
        {
          *task = t;
          *since = at;
          return TRUE;
        }
    }
  return FALSE;
}

void
ktstr_watchdog_override_step (KtstrWatchdogOverride *w, const KtstrGuestMem *mem,
                              const KtstrKvaMap *map, const KtstrKernelLayout *l, const guint64 *rq,
                              guint n_cpus, gboolean is_scx_enabled)
{
  if (w->requested_jiffies == 0)
    return;
  if (!is_scx_enabled)
    {
      /* The next scheduler arms a watchdog of its own: start over. */
      if (w->was_enabled)
        {
          w->is_handed_over = w->is_stall_confirmed = w->has_refreshed = FALSE;
          w->stale_readings = 0;
        }
      w->was_enabled = FALSE;
      return;
    }
  w->was_enabled = TRUE;
  if (!l->has_watchdog)
    {
      if (w->note == NULL)
        w->note = g_strdup ("this kernel keeps the sched_ext watchdog timeout where ktstr cannot "
                            "set it (no scx_watchdog_timeout/scx_watchdog_timestamp)");
      return;
    }
  guint64 current;
  if (!ktstr_guest_mem_read_uint (mem, map, l->scx_watchdog_timeout, 8, &current))
    return;
  if (current != w->requested_jiffies)
    {
      ktstr_guest_mem_write_kva (mem, map, l->scx_watchdog_timeout, &w->requested_jiffies, 8);
      if (!w->has_read_back
          && ktstr_guest_mem_read_uint (mem, map, l->scx_watchdog_timeout, 8,
                                        &w->read_back_jiffies))
        w->has_read_back = TRUE;
    }
  if (w->is_handed_over || w->is_stall_confirmed)
    return;
  guint64 stamp, now;
  if (!ktstr_guest_mem_read_uint (mem, map, l->scx_watchdog_timestamp, 8, &stamp)
      || !ktstr_guest_mem_read_uint (mem, map, l->jiffies, 8, &now))
    return;
  if (w->has_refreshed && stamp != w->last_refresh)
    {
      /* The kernel's work ran and re-armed itself under our timeout. */
      w->is_handed_over = TRUE;
      return;
    }
  guint64 task = 0, since = 0;
  if (find_stale (w, mem, map, l, rq, n_cpus, now, &task, &since))
    {
      gboolean is_same = w->stale_readings > 0 && task == w->stale_task && since == w->stale_since;
      w->stale_readings = is_same ? w->stale_readings + 1 : 1;
      w->stale_task = task;
      w->stale_since = since;
      if (w->stale_readings >= 2)
        {
          w->is_stall_confirmed = TRUE;
          return; /* let the kernel's tick see the missed check-in */
        }
    }
  else
    w->stale_readings = 0;
  ktstr_guest_mem_write_kva (mem, map, l->scx_watchdog_timestamp, &now, 8);
  w->last_refresh = now;
  w->has_refreshed = TRUE;
}
