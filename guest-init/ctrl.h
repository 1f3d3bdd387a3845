/* The control channel: where the guest->host JSON lines of common/proto.h
 * go.  In a VM that is the virtio-serial port named KTSTR_CTRL_PORT_NAME
 * (found through /sys/class/virtio-ports), else /dev/hvc0 or /dev/ttyS1;
 * with --run-plan it is a file or stdout.  Every write is bounded. */
#ifndef KTSTR_GUEST_CTRL_H
#define KTSTR_GUEST_CTRL_H

#include <stdbool.h>
#include <stddef.h>

#include "guest-init/util.h"

typedef enum
{
  KTSTR_CTRL_VIRTIO, /* virtio-serial port: a blocking write returns once the host took it */
  KTSTR_CTRL_TTY,    /* hvc0 / ttyS1 in raw mode: flushed with tcdrain */
  KTSTR_CTRL_FILE,   /* --run-plan output: a file, pipe or terminal */
} KtstrCtrlKind;

typedef struct
{
  int fd;
  KtstrCtrlKind kind;
  char path[256];
  bool is_broken; /* a write failed or timed out; later writes are dropped */
  unsigned write_timeout_ms;
} KtstrCtrl;

/* How long to wait for the named port to show up: the virtio control
 * queue delivers port names shortly after the driver probes. */
#define KTSTR_CTRL_WAIT_MS 5000
#define KTSTR_CTRL_WRITE_TIMEOUT_MS 5000

/* Finds and opens the control port.  DEVICE, when non-NULL (from
 * ktstr.ctrl= on the kernel command line), names the device to use and
 * skips the search.  Otherwise waits up to wait_ms for a virtio port named
 * KTSTR_CTRL_PORT_NAME, then falls back to /dev/hvc0 and /dev/ttyS1. */
int ktstr_ctrl_open_port (KtstrCtrl *c, const char *device, unsigned wait_ms, KtstrError *err);

/* Wraps an already open fd (--run-plan). */
void ktstr_ctrl_init_fd (KtstrCtrl *c, int fd, const char *what);

/* Writes all of buf within the write timeout.  On failure marks the
 * channel broken, says so on the console once, and returns -1. */
int ktstr_ctrl_write (KtstrCtrl *c, const char *buf, size_t len);

/* Makes sure the host has everything written so far (before poweroff). */
void ktstr_ctrl_flush (KtstrCtrl *c);

#endif
