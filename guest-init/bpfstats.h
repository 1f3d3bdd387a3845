/* Verifier statistics of the loaded scheduler: after it is ready, walk the
 * kernel's BPF programs (BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID,
 * BPF_OBJ_GET_INFO_BY_FD) and send one "verifier" message per struct_ops
 * program with its name and verified_insns (common/proto.h). */
#ifndef KTSTR_GUEST_BPFSTATS_H
#define KTSTR_GUEST_BPFSTATS_H

#include "guest-init/ctrl.h"

/* Returns how many programs were reported, -1 if the bpf syscall failed. */
int ktstr_bpfstats_report_struct_ops (KtstrCtrl *ctrl);

#endif
