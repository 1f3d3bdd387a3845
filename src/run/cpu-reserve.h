/* Reserving host CPUs for one VM: a placement plan (run/cpu-plan.h) whose
 * CPUs and LLCs could all be locked (record/cpulock.h), held until the VM
 * has ended.
 *
 * On contention the plan is made again around the CPUs found held, until
 * one fits or none can.  Then a performance-mode VM is refused at once
 * (the test is skipped with the reason and the holders) unless every
 * holder is this process: its own VMs end, so it waits for them, and
 * while it waits this process starts no VM that does not pin (or it could
 * starve).  A floating or --cpu-cap VM waits until CPUs are free, polling
 * every KTSTR_CPU_RESERVE_POLL_MS.  A plan that can never fit on this host
 * is refused at once. */
#ifndef KTSTR_RUN_CPU_RESERVE_H
#define KTSTR_RUN_CPU_RESERVE_H

#include <gio/gio.h>

#include "run/cpu-plan.h"

G_BEGIN_DECLS

#define KTSTR_CPU_RESERVE_POLL_MS 200

typedef struct
{
  KtstrPlacementMode mode;
  KtstrTopology topology;
  guint cap; /* KTSTR_PLACEMENT_CAPPED: at most this many host CPUs */
  /* Tells the user once that the VM waits for CPUs (WHY says for which);
   * NULL: silent. */
  void (*on_wait) (const char *why, gpointer user_data);
  gpointer user_data;
  GCancellable *cancellable; /* stops a wait: G_IO_ERROR_CANCELLED */
  /* The host's CPUs (KtstrHostCpu) instead of this process's: for tests. */
  const GArray *host;
} KtstrCpuReserveRequest;

typedef struct
{
  KtstrCpuPlan *plan;
  KtstrCpuLockSet *locks;
  gboolean has_waited;
} KtstrCpuReservation;

void ktstr_cpu_reservation_free (KtstrCpuReservation *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrCpuReservation, ktstr_cpu_reservation_free)

/* The reservation, or NULL with KTSTR_CPU_PLAN_ERROR_NO_FIT (never fits),
 * _BUSY (performance mode, held by another process; the message names the
 * holders), _HOST, a KTSTR_CPULOCK_ERROR_IO or G_IO_ERROR_CANCELLED. */
KtstrCpuReservation *ktstr_cpu_reserve (const KtstrCpuReserveRequest *req, GError **error);

G_END_DECLS

#endif
