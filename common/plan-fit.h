/* Whether a parsed plan's CPU references fit a topology: the cpusets of
 * its cgroups, of its SetCpuset and SetAffinity ops, and the CPUs of its
 * works' affinity=exact:LIST.  The host asks before it boots anything, so
 * that a test naming CPU 100 at a 2-CPU topology is refused as the user's
 * error instead of failing in the guest after a whole boot; the answer is
 * the one the agent would give (common/cpu-topo.h resolves both). */
#ifndef KTSTR_COMMON_PLAN_FIT_H
#define KTSTR_COMMON_PLAN_FIT_H

#include "common/cpu-topo.h"
#include "common/plan-types.h"

/* 0 when every CPU reference of PLAN resolves on T; else -1 with ERR
 * naming the plan line, its directive and the field at fault (as a parse
 * error would, so the host can point at the test-file key). */
int ktstr_plan_check_topo (const KtstrPlan *plan, const KtstrTopo *t, KtstrPlanError *err);

#endif
