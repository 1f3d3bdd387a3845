/* Statistics of the loaded scheduler's BPF programs: after it is ready,
 * walk the kernel's BPF programs (BPF_PROG_GET_NEXT_ID,
 * BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD) and send one "verifier"
 * message per struct_ops program with its name and verified_insns, and
 * "progstat" messages with its run count and time for the monitor's
 * per-program deltas (common/proto.h). */
#ifndef KTSTR_GUEST_BPFSTATS_H
#define KTSTR_GUEST_BPFSTATS_H

#include "guest-init/ctrl.h"

/* Returns how many programs were reported, -1 if the bpf syscall failed. */
int ktstr_bpfstats_report_struct_ops (KtstrCtrl *ctrl);

/* One "progstat" message per struct_ops program: its run_cnt and
 * run_time_ns, WHEN being "ready" (the scheduler just became ready) or
 * "stop" (before ktstr stops it); the host monitor takes the difference. */
int ktstr_bpfstats_report_run_stats (KtstrCtrl *ctrl, const char *when);

/* Turns on the kernel's BPF run-time statistics (bpf_stats_enabled),
 * which run_cnt and run_time_ns need. */
void ktstr_bpfstats_enable (const char *proc_root);

#endif
