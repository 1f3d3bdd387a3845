/* The scheduler's tracer, in the guest: the program of a plan's
 * scheduler_tracer line (ktstr test --auto-repro's event recorder,
 * guest-trace/ktstr-trace).  Started once the scheduler is enabled, with
 * the scheduler's environment (the LD_LIBRARY_PATH of the packed
 * libraries); its stdout and stderr go to a pipe that the scheduler's
 * watcher thread reads, and each line reaches the host as a "log" frame
 * of src "tracer" (common/proto.h).  Stopped before the scheduler, so
 * that what it prints on SIGINT comes before the scheduler's end. */
#ifndef KTSTR_GUEST_TRACER_H
#define KTSTR_GUEST_TRACER_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/ctrl.h"

/* Starts PATH with ARGV (NULL-terminated, argv[0] included) and ENV
 * (NULL-terminated additions), then waits until it printed "ready" or
 * READY_MS passed or it ended; the watcher must already run, since it is
 * what reads the lines.  KEEP_OUT: fds the child must not inherit.
 * Returns 0 when ready, -1 otherwise (a "log" line of src "init" says
 * why; the run goes on without it). */
int ktstr_tracer_start (KtstrCtrl *ctrl, const char *const *argv, const char *const *env,
                        uint64_t ready_ms, const int *keep_out, unsigned n_keep_out);

/* The read end of its output pipe, or -1 (none, or at EOF). */
int ktstr_tracer_fd (void);

/* Reads what is in the pipe and forwards complete lines; at EOF forwards
 * the last partial line and closes the pipe.  Called by the watcher. */
void ktstr_tracer_read (void);

/* SIGINT, then (after STOP_MS) SIGKILL; waits for it to end.  No-op when
 * none was started. */
void ktstr_tracer_stop (uint64_t stop_ms);

#endif
