/* The guest->host messages of common/proto.h, one function per message
 * type.  Each builds one JSON line and writes it to the control channel. */
#ifndef KTSTR_GUEST_REPORT_H
#define KTSTR_GUEST_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/ctrl.h"
#include "guest-init/topo.h"
#include "guest-init/workers.h"

int ktstr_report_hello (KtstrCtrl *c, uint64_t uptime_ms, const char *kernel);
int ktstr_report_topo (KtstrCtrl *c, const KtstrTopo *t);
int ktstr_report_log (KtstrCtrl *c, const char *src, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int ktstr_report_cgroup (KtstrCtrl *c, const char *name, const char *cpuset);
int ktstr_report_stim (KtstrCtrl *c, uint64_t elapsed_ms, const char *label,
                       uint64_t total_iterations);
/* A stim with its op kind and detail (NULL: null). */
int ktstr_report_stim_op (KtstrCtrl *c, uint64_t elapsed_ms, const char *label, const char *op_kind,
                          const char *detail, uint64_t total_iterations);
/* A payload ended (WaitPayload, KillPayload, or its step's end). */
int ktstr_report_payload (KtstrCtrl *c, const char *name, uint64_t elapsed_ms, int exit_code,
                          bool is_killed, const char *out, const char *err);
int ktstr_report_worker (KtstrCtrl *c, const char *cgroup, const char *work_type,
                         const KtstrWorkerProc *p);
int ktstr_report_error (KtstrCtrl *c, const char *msg);
/* AGENT_CPU_NS: the agent's own CPU time (PID 1, all its threads, no
 * children) over the AGENT_SPAN_MS from ScenarioStart to ScenarioEnd. */
/* A shared boot's test boundaries (common/proto.h, SHARED BOOTS). */
int ktstr_report_test_begin (KtstrCtrl *c, unsigned index);
int ktstr_report_test_end (KtstrCtrl *c, unsigned index, int rc, const char *reset);
int ktstr_report_done (KtstrCtrl *c, uint64_t elapsed_ms, uint64_t agent_cpu_ns,
                       uint64_t agent_span_ms);

#endif
