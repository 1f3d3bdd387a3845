/* Small helpers shared by every part of ktstr-init: clocks, bounded file
 * reads, paths and diagnostics.  Error text and number parsing, which the
 * plan grammar needs on the host too, live in common/ and are included
 * here.  Plain libc: this code runs as PID 1 in the guest and is also
 * linked into the host-side unit tests. */
#ifndef KTSTR_GUEST_UTIL_H
#define KTSTR_GUEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"
#include "common/number.h"

uint64_t ktstr_clock_ns (clockid_t clock);

static inline uint64_t
ktstr_now_ns (void)
{
  return ktstr_clock_ns (CLOCK_MONOTONIC);
}

/* Sleeps until CLOCK_MONOTONIC reaches deadline_ns, resuming after signals. */
void ktstr_sleep_until_ns (uint64_t deadline_ns);
void ktstr_sleep_ms (uint64_t ms);

/* Reads at most len-1 bytes of PATH into buf, NUL-terminated, trailing
 * whitespace stripped.  Returns the length, or -1 with errno set. */
long ktstr_read_text (const char *path, char *buf, size_t len);

/* snprintf into buf that reports truncation as -1 instead of silently cutting. */
int ktstr_path (char *buf, size_t len, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* A diagnostic line on stderr ("ktstr-init: ..."), which is the kernel
 * console (ttyS0) when running as PID 1. */
void ktstr_diag (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* In a child the agent forked to run a program it watches (the scheduler
 * under test, the auto-repro tracer): every signal back to its default and
 * unblocked (the agent's handlers and mask are not the program's), a
 * process group of its own (so that it and its children can be signalled
 * together), stdin from /dev/null, stdout and stderr into OUT_WR, and the
 * agent's descriptors KEEP_OUT (N_KEEP_OUT of them) closed. */
void ktstr_child_setup (int out_wr, const int *keep_out, unsigned n_keep_out);
#endif
