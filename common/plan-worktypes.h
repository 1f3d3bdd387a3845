/* The work types a plan's `work` line can name, as the plan grammar knows
 * them: each one's name, its parameters (default and bounds, in the order
 * its implementation reads them) and how many workers form one group.
 *
 * Host and guest share this table, so a test file the host accepts names
 * only work the agent runs and the two cannot drift.  What each type does
 * is the agent's (guest-init/worktypes.c), indexed by KtstrWorkKind. */
#ifndef KTSTR_COMMON_PLAN_WORKTYPES_H
#define KTSTR_COMMON_PLAN_WORKTYPES_H

#include <stddef.h>
#include <stdint.h>

#define KTSTR_WORK_MAX_PARAMS 4

/* One entry per work type, in the order of the table (and of listings). */
typedef enum
{
  KTSTR_WORK_CPU_SPIN,
  KTSTR_WORK_YIELD_HEAVY,
  KTSTR_WORK_MIXED,
  KTSTR_WORK_IO_SYNC,
  KTSTR_WORK_BURSTY,
  KTSTR_WORK_PIPE_IO,
  KTSTR_WORK_FUTEX_PING_PONG,
  KTSTR_WORK_CACHE_PRESSURE,
  KTSTR_WORK_CACHE_YIELD,
  KTSTR_WORK_CACHE_PIPE,
  KTSTR_WORK_FUTEX_FAN_OUT,
  KTSTR_WORK_FAN_OUT_COMPUTE,
  KTSTR_WORK_SEQUENCE,
  KTSTR_WORK_FORK_EXIT,
  KTSTR_WORK_NICE_SWEEP,
  KTSTR_WORK_AFFINITY_CHURN,
  KTSTR_WORK_POLICY_CHURN,
  KTSTR_WORK_PAGE_FAULT_CHURN,
  KTSTR_WORK_MUTEX_CONTENTION,
  KTSTR_WORK_N_KINDS,
} KtstrWorkKind;

/* Where each type's parameters sit in KtstrPlanWork.params (and in
 * KtstrWorker.params): the table and the implementations both use these. */
enum
{
  KTSTR_PARAM_BURSTY_BURST_MS = 0,
  KTSTR_PARAM_BURSTY_SLEEP_MS = 1,
};
enum
{
  KTSTR_PARAM_PIPE_IO_BURST_ITERS = 0,
};
enum
{
  KTSTR_PARAM_FUTEX_PP_SPIN_ITERS = 0,
};
enum
{
  KTSTR_PARAM_CACHE_SIZE_KB = 0,
  KTSTR_PARAM_CACHE_STRIDE = 1, /* CachePipe: burst_iters */
};
enum
{
  KTSTR_PARAM_FAN_OUT_N = 0,
  KTSTR_PARAM_FAN_OUT_SPIN_ITERS = 1,
};
enum
{
  KTSTR_PARAM_FOC_FAN_OUT = 0,
  KTSTR_PARAM_FOC_FOOTPRINT_KB = 1,
  KTSTR_PARAM_FOC_OPERATIONS = 2,
  KTSTR_PARAM_FOC_SLEEP_USEC = 3,
};
enum
{
  KTSTR_PARAM_SEQ_SPIN_MS = 0,
  KTSTR_PARAM_SEQ_SLEEP_MS = 1,
  KTSTR_PARAM_SEQ_YIELD_MS = 2,
  KTSTR_PARAM_SEQ_IO_MS = 3,
};
enum
{
  KTSTR_PARAM_CHURN_SPIN_ITERS = 0,
};
enum
{
  KTSTR_PARAM_PFC_REGION_KB = 0,
  KTSTR_PARAM_PFC_TOUCHES = 1,
  KTSTR_PARAM_PFC_SPIN_ITERS = 2,
};
enum
{
  KTSTR_PARAM_MUTEX_CONTENDERS = 0,
  KTSTR_PARAM_MUTEX_HOLD_ITERS = 1,
  KTSTR_PARAM_MUTEX_WORK_ITERS = 2,
};

typedef struct
{
  const char *name; /* NULL ends the list */
  uint64_t def;
  uint64_t min;
  uint64_t max;
} KtstrWorkParam;

/* How many workers of a work line form one group, which a line's worker
 * count must be a multiple of. */
typedef enum
{
  KTSTR_WORK_GROUP_ONE,        /* independent workers */
  KTSTR_WORK_GROUP_PAIR,       /* two partners (pipes, futex ping-pong) */
  KTSTR_WORK_GROUP_FAN_OUT,    /* one waker and params[0] (fan_out) wakees */
  KTSTR_WORK_GROUP_CONTENDERS, /* params[0] (contenders) workers on one lock */
} KtstrWorkGrouping;

typedef struct
{
  KtstrWorkKind kind;
  const char *name; /* PascalCase, as in ktstr */
  KtstrWorkParam params[KTSTR_WORK_MAX_PARAMS];
  KtstrWorkGrouping grouping;
} KtstrWorkType;

const KtstrWorkType *ktstr_worktype_find (const char *name);
/* The i-th known type, or NULL past the end (for listings and messages). */
const KtstrWorkType *ktstr_worktype_nth (size_t i);
/* Index of KEY in t->params, or -1. */
int ktstr_worktype_param_index (const KtstrWorkType *t, const char *key);
/* Workers per group with PARAMS (every parameter, defaults filled in). */
unsigned ktstr_worktype_group_size (const KtstrWorkType *t, const uint64_t *params);

#endif
