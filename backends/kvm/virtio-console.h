/* The control channel: a virtio console on virtio-mmio with one named port.
 *
 * The device offers VIRTIO_CONSOLE_F_MULTIPORT with a single port (id 0)
 * named "org.ktstr.ctrl", so the guest agent finds it exactly as under
 * QEMU's virtserialport: /sys/class/virtio-ports/vport0p0/name.  Queues:
 * 0 port RX (host to guest), 1 port TX, 2 control RX, 3 control TX.  The
 * handshake is the driver's DEVICE_READY, our PORT_ADD, its PORT_READY,
 * then our PORT_NAME and PORT_OPEN (the host end is always connected).
 *
 * Bytes the guest writes to the port reach the data callback; bytes for
 * the guest wait until it posts receive buffers.  Every entry point takes
 * the device's lock, so vCPU threads and the host may call concurrently. */
#ifndef KTSTR_KVM_VIRTIO_CONSOLE_H
#define KTSTR_KVM_VIRTIO_CONSOLE_H

#include <glib.h>

#include "backends/kvm/virtio-mmio.h"

G_BEGIN_DECLS

#define KTSTR_VIRTIO_ID_CONSOLE 3
#define KTSTR_VIRTIO_CONSOLE_F_MULTIPORT 1

/* struct virtio_console_control events */
#define KTSTR_VIRTIO_CONSOLE_DEVICE_READY 0
#define KTSTR_VIRTIO_CONSOLE_PORT_ADD 1
#define KTSTR_VIRTIO_CONSOLE_PORT_REMOVE 2
#define KTSTR_VIRTIO_CONSOLE_PORT_READY 3
#define KTSTR_VIRTIO_CONSOLE_CONSOLE_PORT 4
#define KTSTR_VIRTIO_CONSOLE_RESIZE 5
#define KTSTR_VIRTIO_CONSOLE_PORT_OPEN 6
#define KTSTR_VIRTIO_CONSOLE_PORT_NAME 7

#define KTSTR_VIRTIO_CONSOLE_QUEUES 4
#define KTSTR_VIRTIO_CONSOLE_QUEUE_SIZE 256

typedef void (*KtstrConsoleDataFunc) (const guint8 *data, gsize len, gpointer user_data);

typedef struct _KtstrVirtioConsole KtstrVirtioConsole;

KtstrVirtioConsole *ktstr_virtio_console_new (KtstrKvmMemory *mem, const char *port_name,
                                              KtstrConsoleDataFunc on_data, KtstrVirtioIrqFunc irq,
                                              gpointer user_data);
void ktstr_virtio_console_free (KtstrVirtioConsole *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVirtioConsole, ktstr_virtio_console_free)

/* Guest accesses to the device's MMIO window. */
void ktstr_virtio_console_mmio_read (KtstrVirtioConsole *c, guint64 offset, guint8 *data,
                                     guint len);
void ktstr_virtio_console_mmio_write (KtstrVirtioConsole *c, guint64 offset, const guint8 *data,
                                      guint len);

/* Queues LEN bytes for the guest on the port (delivered as soon as the
 * guest has receive buffers). */
void ktstr_virtio_console_send (KtstrVirtioConsole *c, const guint8 *data, gsize len);

/* TRUE once the guest has opened the port. */
gboolean ktstr_virtio_console_is_guest_open (KtstrVirtioConsole *c);

/* FALSE, with KTSTR_KVM_ERROR_RUN saying why, once the guest has broken
 * the protocol (a malformed ring) and the device stopped; TRUE while it
 * works. */
gboolean ktstr_virtio_console_check (KtstrVirtioConsole *c, GError **error);

G_END_DECLS

#endif
