/* The filesystems PID 1 needs before anything else: /proc, /sys, /dev,
 * cgroup2, tmpfs for /tmp and /run, and best-effort debugfs, tracefs and
 * bpffs (for schedulers and dumps later). */
#ifndef KTSTR_GUEST_MOUNTS_H
#define KTSTR_GUEST_MOUNTS_H

#include <stddef.h>

#define KTSTR_MOUNTS_MAX_WARNINGS 8

typedef struct
{
  unsigned n;
  char msg[KTSTR_MOUNTS_MAX_WARNINGS][160];
} KtstrMountWarnings;

/* Mounts everything; never fails outright (what a failed mount breaks fails
 * later with its own message), but records each failure in *w so it can be
 * reported once the control channel is open. */
void ktstr_mounts_setup (KtstrMountWarnings *w);

/* Makes fds 0-2 the console if the kernel could not (no /dev/console in
 * the initramfs before devtmpfs was mounted). */
void ktstr_mounts_console_stdio (void);

#endif
