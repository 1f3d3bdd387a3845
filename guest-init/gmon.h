/* The guest-side monitor sampler: the fallback for kernels whose vmlinux
 * the host does not have (a distribution bzImage), so the host cannot read
 * the scheduler's state from guest memory.  A thread of the agent reads,
 * every interval:
 *   /sys/kernel/debug/sched/debug  per CPU .nr_running and .clock
 *                                  (CONFIG_SCHED_DEBUG and debugfs)
 *   /proc/schedstat                per CPU yld_count, sched_count,
 *                                  sched_goidle, ttwu_count, ttwu_local,
 *                                  run_delay, pcount
 *   /sys/kernel/sched_ext/state    whether a scheduler is enabled
 *   /sys/kernel/sched_ext/root/events  SCX_EV_* totals (kernels >= 6.15)
 * and sends one "mon" message (common/proto.h).  The local DSQ depth is
 * not exported by any file, so these samples go without it.  The thread
 * runs at nice 19: it costs the guest CPU time, and should take it from
 * idle time rather than from the workload it watches.
 *
 * The parsers are separate so the host's unit tests run them on text. */
#ifndef KTSTR_GUEST_GMON_H
#define KTSTR_GUEST_GMON_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/ctrl.h"

typedef struct
{
  bool has_debug; /* nr_running and clock came from sched/debug */
  uint32_t nr_running;
  uint64_t clock_ns;
  bool has_schedstat;
  uint64_t schedstat[7]; /* run_delay, pcount, yld, sched_count, goidle, ttwu, ttwu_local */
} KtstrGmonCpu;

/* Fills CPUS[0..MAX) from the text of sched/debug; returns how many CPU
 * blocks it found, -1 when the text is not sched/debug. */
int ktstr_gmon_parse_sched_debug (const char *text, KtstrGmonCpu *cpus, unsigned max);

/* Fills the schedstat counters of CPUS[0..MAX) from /proc/schedstat
 * (version 15 and later); returns how many cpuN lines it used, -1 on an
 * unknown version. */
int ktstr_gmon_parse_schedstat (const char *text, KtstrGmonCpu *cpus, unsigned max);

/* Starts the sampler thread (once): one "mon" message every INTERVAL_MS
 * for the N_CPUS possible CPUs.  SYSFS_ROOT / PROC_ROOT are "/sys" and
 * "/proc" in a VM.  The files are opened once and re-read from their start
 * (the kernel regenerates them), so a sample costs no path walks.  -1 when
 * sched/debug cannot be opened (no CONFIG_SCHED_DEBUG or debugfs). */
int ktstr_gmon_start (KtstrCtrl *ctrl, unsigned interval_ms, unsigned n_cpus,
                      const char *sysfs_root, const char *proc_root);

/* Stops it and waits for it; does nothing when it never started. */
void ktstr_gmon_stop (void);

#endif
