/* Reserving host CPUs for one VM (run/cpu-reserve.h). */
#include "config.h"

#include "run/cpu-reserve.h"

#include "util/cpulist.h"

/* Performance-mode VMs of this process waiting for its own VMs: while
 * there are any, VMs that do not pin wait before they reserve. */
static gint perf_waiting;

void
ktstr_cpu_reservation_free (KtstrCpuReservation *r)
{
  if (r == NULL)
    return;
  ktstr_cpu_plan_free (r->plan);
  ktstr_cpulock_set_free (r->locks);
  g_free (r);
}

static KtstrCpuPlan *
make_plan (const KtstrCpuReserveRequest *req, const GArray *host, const GArray *busy,
           GError **error)
{
  switch (req->mode)
    {
    case KTSTR_PLACEMENT_PERF:
      return ktstr_cpu_plan_perf (host, &req->topology, busy, error);
    case KTSTR_PLACEMENT_CAPPED:
      return ktstr_cpu_plan_capped (host, ktstr_topology_cpus (&req->topology), req->cap, busy,
                                    error);
    case KTSTR_PLACEMENT_FLOAT:
    default:
      return ktstr_cpu_plan_float (host, busy, error);
    }
}

static void
mark_busy (GArray *busy, const GArray *host, const KtstrCpuLockWant *held)
{
  for (guint i = 0; i < host->len; i++)
    {
      const KtstrHostCpu *c = &g_array_index (host, KtstrHostCpu, i);
      if ((held->kind == KTSTR_CPULOCK_CPU && c->cpu == held->index)
          || (held->kind == KTSTR_CPULOCK_LLC && c->llc == held->index))
        g_array_append_val (busy, c->cpu);
    }
  ktstr_cpulist_sort_unique (busy);
}

/* One round: plans around what is found held until one is locked (TRUE,
 * *OUT set) or none fits (FALSE; *WHY the plan's error, *LOCK_WHY the last
 * lock contention, *IS_OURS whether every contention was with this
 * process).  FALSE with ERROR set on a hard failure. */
static gboolean
try_round (const KtstrCpuReserveRequest *req, const GArray *host, const char *dir,
           KtstrCpuReservation **out, GError **why, GError **lock_why, gboolean *is_ours,
           GError **error)
{
  g_autoptr (GArray) busy = g_array_new (FALSE, FALSE, sizeof (guint));
  *is_ours = TRUE;
  for (guint round = 0; round <= host->len + 1; round++)
    {
      g_autoptr (GError) plan_error = NULL;
      g_autoptr (KtstrCpuPlan) plan = make_plan (req, host, busy, &plan_error);
      if (plan == NULL)
        {
          if (!g_error_matches (plan_error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY))
            {
              g_propagate_error (error, g_steal_pointer (&plan_error));
              return FALSE;
            }
          g_propagate_error (why, g_steal_pointer (&plan_error));
          return FALSE;
        }
      g_autoptr (GArray) wants = ktstr_cpu_plan_wants (plan);
      KtstrCpuLockWant held;
      gboolean ours = FALSE;
      g_autoptr (GError) lock_error = NULL;
      KtstrCpuLockSet *locks = ktstr_cpulock_try (dir, (const KtstrCpuLockWant *)wants->data,
                                                  wants->len, &held, &ours, &lock_error);
      if (locks != NULL)
        {
          *out = g_new0 (KtstrCpuReservation, 1);
          (*out)->plan = g_steal_pointer (&plan);
          (*out)->locks = locks;
          return TRUE;
        }
      if (!g_error_matches (lock_error, KTSTR_CPULOCK_ERROR, KTSTR_CPULOCK_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&lock_error));
          return FALSE;
        }
      *is_ours &= ours;
      g_clear_error (lock_why);
      g_propagate_error (lock_why, g_steal_pointer (&lock_error));
      guint before = busy->len;
      mark_busy (busy, host, &held);
      if (busy->len == before)
        break; /* held, yet no CPU of ours: the plan cannot change */
    }
  g_set_error_literal (why, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY,
                       "the host CPUs it needs are held by other VMs");
  return FALSE;
}

KtstrCpuReservation *
ktstr_cpu_reserve (const KtstrCpuReserveRequest *req, GError **error)
{
  g_autoptr (GArray) own_host = NULL;
  const GArray *host = req->host;
  if (host == NULL)
    {
      own_host = ktstr_host_cpus_read (error);
      if (own_host == NULL)
        return NULL;
      host = own_host;
    }
  g_autofree char *dir = ktstr_cpulock_dir ();
  gboolean is_perf = req->mode == KTSTR_PLACEMENT_PERF;
  gboolean counted = FALSE, has_waited = FALSE;
  KtstrCpuReservation *out = NULL;
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (req->cancellable, error))
        break;
      g_autoptr (GError) why = NULL;
      g_autoptr (GError) lock_why = NULL;
      gboolean is_ours = TRUE;
      if (!is_perf && g_atomic_int_get (&perf_waiting) > 0)
        {
          g_usleep (KTSTR_CPU_RESERVE_POLL_MS * G_TIME_SPAN_MILLISECOND);
          continue;
        }
      if (try_round (req, host, dir, &out, &why, &lock_why, &is_ours, error))
        {
          out->has_waited = has_waited;
          break;
        }
      if (why == NULL)
        break; /* a hard error, in ERROR */
      if (is_perf && !is_ours)
        {
          g_set_error (error, KTSTR_CPU_PLAN_ERROR, KTSTR_CPU_PLAN_ERROR_BUSY, "%s; %s",
                       why->message,
                       lock_why != NULL ? lock_why->message : "held by another process");
          break;
        }
      if (is_perf && !counted)
        {
          g_atomic_int_inc (&perf_waiting);
          counted = TRUE;
        }
      if (!has_waited && req->on_wait != NULL)
        {
          g_autofree char *msg
              = g_strdup_printf ("%s%s%s", why->message, lock_why != NULL ? "; " : "",
                                 lock_why != NULL ? lock_why->message : "");
          req->on_wait (msg, req->user_data);
        }
      has_waited = TRUE;
      g_usleep (KTSTR_CPU_RESERVE_POLL_MS * G_TIME_SPAN_MILLISECOND);
    }
  if (counted)
    (void)g_atomic_int_dec_and_test (&perf_waiting);
  return out;
}
