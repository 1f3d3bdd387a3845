/* The work types a plan's `work` line can name (ktstr-features §5.6).
 * Each is one table entry: its parameters with defaults and bounds, how
 * many workers form a group, and a few hooks.  A new work type is one
 * iteration function plus one entry in worktypes.c. */
#ifndef KTSTR_GUEST_WORKTYPES_H
#define KTSTR_GUEST_WORKTYPES_H

#include <stddef.h>
#include <stdint.h>

#include "guest-init/util.h"
#include "guest-init/worker.h"

#define KTSTR_WORK_MAX_PARAMS 4
#define KTSTR_WORK_GROUP_MAX_FDS 16

typedef struct
{
  const char *name; /* NULL ends the list */
  uint64_t def;
  uint64_t min;
  uint64_t max;
} KtstrWorkParam;

/* Resources that the workers of one group share, made by the parent before
 * it forks them: pipes (PipeIo pairs), MAP_SHARED futex words
 * (FutexPingPong, FutexFanOut).  Workers inherit them across fork. */
struct KtstrWorkGroup
{
  const KtstrWorkType *type;
  const uint64_t *params;
  unsigned size;
  void *shared; /* MAP_SHARED, shared_len bytes, unmapped by workers.c */
  size_t shared_len;
  int fds[KTSTR_WORK_GROUP_MAX_FDS];
  unsigned n_fds; /* closed by workers.c after the workers stopped */
};

struct KtstrWorkType
{
  const char *name; /* PascalCase, as in ktstr */
  KtstrWorkParam params[KTSTR_WORK_MAX_PARAMS];
  /* Workers per group; NULL means 1 (independent workers).  A work line's
   * worker count must be a multiple of it. */
  unsigned (*group_size) (const uint64_t *params);
  /* In the parent, before forking a group's workers. */
  int (*group_setup) (KtstrWorkGroup *g, KtstrError *err);
  /* In the worker: before the measured loop (may fail, with a reason),
   * one outer iteration, and cleanup after the loop. */
  int (*init) (KtstrWorker *w, KtstrError *err);
  void (*iterate) (KtstrWorker *w);
  void (*fini) (KtstrWorker *w);
};

const KtstrWorkType *ktstr_worktype_find (const char *name);
/* The i-th known type, or NULL past the end (for listings and messages). */
const KtstrWorkType *ktstr_worktype_nth (size_t i);
/* Index of KEY in t->params, or -1. */
int ktstr_worktype_param_index (const KtstrWorkType *t, const char *key);
unsigned ktstr_worktype_group_size (const KtstrWorkType *t, const uint64_t *params);

#endif
