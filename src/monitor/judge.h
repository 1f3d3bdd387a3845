/* What the monitor adds to a test's verdict (verdict.h): one failure
 * reason per sustained violation, with the CPU, the values, the threshold
 * and the time since the scenario started; and timeline events (the
 * violations, and when the sched_ext dump was asked for) for the report
 * and the sidecar's stimulus_events. */
#ifndef KTSTR_MONITOR_JUDGE_H
#define KTSTR_MONITOR_JUDGE_H

#include <glib.h>

#include "monitor/evaluate.h"
#include "monitor/monitor.h"

G_BEGIN_DECLS

typedef struct
{
  KtstrMonitorEval *eval; /* never NULL */
  GPtrArray *reasons;     /* char*, "monitor: ..." lines; empty unless it failed */
  GPtrArray *events;      /* KtstrStimulusEvent*, in time order */
} KtstrMonitorJudgement;

void ktstr_monitor_judgement_free (KtstrMonitorJudgement *judgement);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrMonitorJudgement, ktstr_monitor_judgement_free)

/* Judges MONITOR's run (after ktstr_monitor_stop). */
KtstrMonitorJudgement *ktstr_monitor_judge (KtstrMonitor *monitor);

G_END_DECLS

#endif
