/* The monitor's raw series, read back for plotting.
 *
 * When ktstr runs the scheduler monitor it keeps what it sampled beside
 * the sidecar, as `{test}-{hash}.monitor.jsonl`: a header line
 *   {"monitor":"ktstr","version":1,"sampler":"host-memory"|"guest",
 *    "interval_ms":N,"hz":N,"host_sampler_cpu_us":N|null,
 *    "scenario_start_ms":N|null}
 * then one line per sample
 *   {"elapsed_ms":N,"scx_enabled":B,"cpus":[{"nr_running":N,
 *    "scx_nr_running":N,"local_dsq_depth":N,...}, ...]}
 * with elapsed_ms counted from the monitor's start and, per CPU, only the
 * fields the sampler could see.  A report needs few of them: per CPU the
 * runqueue length and the local DSQ depth, on the scenario's clock
 * (elapsed_ms - scenario_start_ms), which is the clock of the sidecar's
 * stimulus events.
 *
 * Reading is tolerant of what a report can do without: unknown members
 * are ignored and a CPU without a field reads as "not seen".  A series of
 * another version, or a line that is not a sample, makes the whole file
 * unreadable (with a message saying where), never a half-plotted guess. */
#ifndef KTSTR_STATS_MONITOR_SERIES_H
#define KTSTR_STATS_MONITOR_SERIES_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_MONITOR_SERIES_ERROR (ktstr_monitor_series_error_quark ())
GQuark ktstr_monitor_series_error_quark (void);

typedef enum
{
  KTSTR_MONITOR_SERIES_ERROR_IO,      /* the file cannot be read */
  KTSTR_MONITOR_SERIES_ERROR_INVALID, /* not a monitor series this reader knows */
} KtstrMonitorSeriesError;

typedef struct
{
  char *sampler; /* "host-memory", "guest", or NULL */
  guint interval_ms;
  /* The scenario's start on the monitor's clock; FALSE: unknown (then the
   * samples stay on the monitor's clock, and say so). */
  gboolean has_scenario_start;
  gint64 scenario_start_ms;
  guint n_cpus;       /* the most CPUs any sample had */
  guint n_samples;    /* samples kept */
  gint64 *t_ms;       /* n_samples: the sample's time on the scenario's clock */
  gint32 *nr_running; /* n_samples x n_cpus, -1 where not seen */
  gint32 *dsq_depth;  /* n_samples x n_cpus, -1 where not seen */
  gboolean has_nr_running;
  gboolean has_dsq_depth;
  /* Whether the samples say if a sched_ext scheduler was loaded
   * (scx_enabled), and whether one was in any sample: under the kernel's
   * own scheduler there is no local DSQ to plot, only zeros. */
  gboolean has_scx_enabled;
  gboolean any_scx_enabled;
} KtstrMonitorSeries;

void ktstr_monitor_series_free (KtstrMonitorSeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitorSeries, ktstr_monitor_series_free)

/* The series path beside SIDECAR_PATH ("….ktstr.json" -> "….monitor.jsonl"),
 * or NULL when SIDECAR_PATH is not a sidecar name. */
char *ktstr_monitor_series_path (const char *sidecar_path);

/* Parses DATA (the file's text); NULL with ERROR naming the line. */
KtstrMonitorSeries *ktstr_monitor_series_parse (const char *data, gsize len, GError **error);
KtstrMonitorSeries *ktstr_monitor_series_load (const char *path, GError **error);

G_END_DECLS

#endif
