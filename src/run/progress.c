#include "config.h"

#include "run/progress.h"

double
ktstr_progress_eta_s (const KtstrProgress *p)
{
  if (p->n_run == 0 || p->jobs == 0)
    return -1;
  guint left = p->total - p->done;
  double mean = p->sum_run_s / p->n_run;
  /* RUNNING counts the queued too; the ones in flight are about half
   * done on average. */
  guint in_flight = MIN (MIN (left, p->running), p->jobs);
  double work = (left - in_flight) * mean + in_flight * mean / 2;
  return work / MIN (p->jobs, MAX (left, 1u));
}

static void
append_clock (GString *s, double secs)
{
  guint t = (guint)(secs + 0.5);
  if (t >= 3600)
    g_string_append_printf (s, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
  else
    g_string_append_printf (s, "%u:%02u", t / 60, t % 60);
}

char *
ktstr_progress_format (const KtstrProgress *p)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "[%u/%u] %u failed", p->done, p->total, p->failed);
  if (p->skipped)
    g_string_append_printf (s, ", %u skipped", p->skipped);
  /* RUNNING counts the queued variants too; at most JOBS run at once. */
  g_string_append_printf (s, ", %u running, ", MIN (p->running, MAX (p->jobs, 1u)));
  append_clock (s, p->elapsed_us / 1e6);
  g_string_append (s, " elapsed, ETA ");
  double eta = ktstr_progress_eta_s (p);
  if (p->done == p->total)
    g_string_append (s, "0:00");
  else if (eta < 0)
    g_string_append (s, "--:--");
  else
    append_clock (s, eta);
  return g_string_free (s, FALSE);
}
