#include "config.h"

#include "common/plan-worktypes.h"

#include <string.h>

/* Each entry sits at its kind, so that a type's kind is its index. */
static const KtstrWorkType work_types[KTSTR_WORK_N_KINDS] = {
  [KTSTR_WORK_CPU_SPIN] = { .kind = KTSTR_WORK_CPU_SPIN, .name = "CpuSpin" },
  [KTSTR_WORK_YIELD_HEAVY] = { .kind = KTSTR_WORK_YIELD_HEAVY, .name = "YieldHeavy" },
  [KTSTR_WORK_MIXED] = { .kind = KTSTR_WORK_MIXED, .name = "Mixed" },
  [KTSTR_WORK_IO_SYNC] = { .kind = KTSTR_WORK_IO_SYNC, .name = "IoSync" },
  [KTSTR_WORK_BURSTY]
  = { .kind = KTSTR_WORK_BURSTY,
      .name = "Bursty",
      .params = { [KTSTR_PARAM_BURSTY_BURST_MS] = { "burst_ms", 50, 1, 60000 },
                  [KTSTR_PARAM_BURSTY_SLEEP_MS] = { "sleep_ms", 100, 0, 60000 } } },
  [KTSTR_WORK_PIPE_IO]
  = { .kind = KTSTR_WORK_PIPE_IO,
      .name = "PipeIo",
      .params = { [KTSTR_PARAM_PIPE_IO_BURST_ITERS] = { "burst_iters", 1024, 0, 1u << 30 } },
      .grouping = KTSTR_WORK_GROUP_PAIR },
  [KTSTR_WORK_FUTEX_PING_PONG]
  = { .kind = KTSTR_WORK_FUTEX_PING_PONG,
      .name = "FutexPingPong",
      .params = { [KTSTR_PARAM_FUTEX_PP_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
      .grouping = KTSTR_WORK_GROUP_PAIR },
  [KTSTR_WORK_CACHE_PRESSURE]
  = { .kind = KTSTR_WORK_CACHE_PRESSURE,
      .name = "CachePressure",
      .params = { [KTSTR_PARAM_CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                  [KTSTR_PARAM_CACHE_STRIDE] = { "stride", 64, 1, 1u << 20 } } },
  [KTSTR_WORK_CACHE_YIELD]
  = { .kind = KTSTR_WORK_CACHE_YIELD,
      .name = "CacheYield",
      .params = { [KTSTR_PARAM_CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                  [KTSTR_PARAM_CACHE_STRIDE] = { "stride", 64, 1, 1u << 20 } } },
  [KTSTR_WORK_CACHE_PIPE]
  = { .kind = KTSTR_WORK_CACHE_PIPE,
      .name = "CachePipe",
      .params = { [KTSTR_PARAM_CACHE_SIZE_KB] = { "size_kb", 32, 1, 1u << 20 },
                  [KTSTR_PARAM_CACHE_STRIDE] = { "burst_iters", 1024, 1, 1u << 30 } },
      .grouping = KTSTR_WORK_GROUP_PAIR },
  [KTSTR_WORK_FUTEX_FAN_OUT]
  = { .kind = KTSTR_WORK_FUTEX_FAN_OUT,
      .name = "FutexFanOut",
      .params = { [KTSTR_PARAM_FAN_OUT_N] = { "fan_out", 4, 1, 63 },
                  [KTSTR_PARAM_FAN_OUT_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } },
      .grouping = KTSTR_WORK_GROUP_FAN_OUT },
  [KTSTR_WORK_FAN_OUT_COMPUTE]
  = { .kind = KTSTR_WORK_FAN_OUT_COMPUTE,
      .name = "FanOutCompute",
      .params = { [KTSTR_PARAM_FOC_FAN_OUT] = { "fan_out", 4, 1, 63 },
                  [KTSTR_PARAM_FOC_FOOTPRINT_KB] = { "cache_footprint_kb", 256, 1, 1u << 20 },
                  [KTSTR_PARAM_FOC_OPERATIONS] = { "operations", 5, 0, 1000 },
                  [KTSTR_PARAM_FOC_SLEEP_USEC] = { "sleep_usec", 100, 0, 10000000 } },
      .grouping = KTSTR_WORK_GROUP_FAN_OUT },
  [KTSTR_WORK_SEQUENCE] = { .kind = KTSTR_WORK_SEQUENCE,
                            .name = "Sequence",
                            .params = { [KTSTR_PARAM_SEQ_SPIN_MS] = { "spin_ms", 10, 0, 60000 },
                                        [KTSTR_PARAM_SEQ_SLEEP_MS] = { "sleep_ms", 10, 0, 60000 },
                                        [KTSTR_PARAM_SEQ_YIELD_MS] = { "yield_ms", 5, 0, 60000 },
                                        [KTSTR_PARAM_SEQ_IO_MS] = { "io_ms", 5, 0, 60000 } } },
  [KTSTR_WORK_FORK_EXIT] = { .kind = KTSTR_WORK_FORK_EXIT, .name = "ForkExit" },
  [KTSTR_WORK_NICE_SWEEP] = { .kind = KTSTR_WORK_NICE_SWEEP, .name = "NiceSweep" },
  [KTSTR_WORK_AFFINITY_CHURN]
  = { .kind = KTSTR_WORK_AFFINITY_CHURN,
      .name = "AffinityChurn",
      .params = { [KTSTR_PARAM_CHURN_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } } },
  [KTSTR_WORK_POLICY_CHURN]
  = { .kind = KTSTR_WORK_POLICY_CHURN,
      .name = "PolicyChurn",
      .params = { [KTSTR_PARAM_CHURN_SPIN_ITERS] = { "spin_iters", 1024, 0, 1u << 30 } } },
  [KTSTR_WORK_PAGE_FAULT_CHURN]
  = { .kind = KTSTR_WORK_PAGE_FAULT_CHURN,
      .name = "PageFaultChurn",
      .params = { [KTSTR_PARAM_PFC_REGION_KB] = { "region_kb", 4096, 4, 1u << 22 },
                  [KTSTR_PARAM_PFC_TOUCHES] = { "touches_per_cycle", 256, 1, 1u << 20 },
                  [KTSTR_PARAM_PFC_SPIN_ITERS] = { "spin_iters", 64, 0, 1u << 30 } } },
  [KTSTR_WORK_MUTEX_CONTENTION]
  = { .kind = KTSTR_WORK_MUTEX_CONTENTION,
      .name = "MutexContention",
      .params = { [KTSTR_PARAM_MUTEX_CONTENDERS] = { "contenders", 4, 1, 64 },
                  [KTSTR_PARAM_MUTEX_HOLD_ITERS] = { "hold_iters", 256, 0, 1u << 30 },
                  [KTSTR_PARAM_MUTEX_WORK_ITERS] = { "work_iters", 1024, 0, 1u << 30 } },
      .grouping = KTSTR_WORK_GROUP_CONTENDERS },
};

const KtstrWorkType *
ktstr_worktype_nth (size_t i)
{
  return i < KTSTR_WORK_N_KINDS ? &work_types[i] : NULL;
}

const KtstrWorkType *
ktstr_worktype_find (const char *name)
{
  for (size_t i = 0; i < KTSTR_WORK_N_KINDS; i++)
    if (strcmp (work_types[i].name, name) == 0)
      return &work_types[i];
  return NULL;
}

int
ktstr_worktype_param_index (const KtstrWorkType *t, const char *key)
{
  for (int i = 0; i < KTSTR_WORK_MAX_PARAMS && t->params[i].name != NULL; i++)
    if (strcmp (t->params[i].name, key) == 0)
      return i;
  return -1;
}

unsigned
ktstr_worktype_group_size (const KtstrWorkType *t, const uint64_t *params)
{
  switch (t->grouping)
    {
    case KTSTR_WORK_GROUP_PAIR:
      return 2;
    case KTSTR_WORK_GROUP_FAN_OUT:
      return (unsigned)params[0] + 1;
    case KTSTR_WORK_GROUP_CONTENDERS:
      return (unsigned)params[0];
    case KTSTR_WORK_GROUP_ONE:
      break;
    }
  return 1;
}
