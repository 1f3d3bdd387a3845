/* The sched_ext watchdog override: the host shortens the kernel's
 * watchdog timeout for whatever scheduler runs, by writing the timeout
 * variable in guest memory, so a stalling scheduler is ejected in seconds
 * rather than after its own timeout (up to 30 s).
 *
 * Writing the timeout alone is not enough.  The kernel checks two things
 * against it: its watchdog work, which looks for runnable tasks older than
 * the timeout and re-arms itself every timeout/2, and every tick, which
 * fails the scheduler when that work has not run for a whole timeout
 * ("watchdog failed to check in").  The work was armed with the old, long
 * period when the scheduler was enabled, so a shorter timeout would make
 * the tick eject a healthy scheduler before the work ever runs again.  So,
 * until the kernel's work has run once under the new timeout (and so
 * re-armed at the new period), the override also keeps the work's
 * check-in time fresh, and does the work's own check from the host: once
 * a CPU's oldest runnable task has waited longer than the new timeout (in
 * two readings in a row, so one torn read cannot end a healthy scheduler),
 * it stops, and the kernel's tick ejects the scheduler
 * (SCX_EXIT_ERROR_STALL, "runnable task stall") one timeout later.
 *
 * Kernels that keep the timeout in the scheduler's own structure (7.x)
 * are not handled: the override records why and does nothing. */
#ifndef KTSTR_MONITOR_WATCHDOG_H
#define KTSTR_MONITOR_WATCHDOG_H

#include <glib.h>

#include "monitor/guest-mem.h"
#include "monitor/kernel-layout.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 requested_jiffies; /* 0: no override */
  gboolean has_read_back;
  guint64 read_back_jiffies; /* the timeout as read back after the first write */
  gboolean is_handed_over;   /* the kernel's work runs at the new period */
  gboolean is_stall_confirmed;
  gboolean has_refreshed;
  guint64 last_refresh; /* the check-in time we last wrote */
  guint stale_readings;
  guint64 stale_task, stale_since;
  gboolean was_enabled;
  char *note; /* why it could not act, or NULL */
} KtstrWatchdogOverride;

/* TIMEOUT_MS at HZ, at least one jiffy; 0 (no override) when TIMEOUT_MS
 * is 0. */
void ktstr_watchdog_override_init (KtstrWatchdogOverride *w, guint64 timeout_ms, guint hz);
void ktstr_watchdog_override_clear (KtstrWatchdogOverride *w);

/* One step, every sample: RQ holds each CPU's struct rq address;
 * IS_SCX_ENABLED whether a scheduler is enabled now. */
void ktstr_watchdog_override_step (KtstrWatchdogOverride *w, const KtstrGuestMem *mem,
                                   const KtstrKvaMap *map, const KtstrKernelLayout *layout,
                                   const guint64 *rq, guint n_cpus, gboolean is_scx_enabled);

G_END_DECLS

#endif
