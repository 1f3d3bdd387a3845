/* The virtio-mmio transport (virtio 1.x, register layout version 2) and
 * split virtqueues.
 *
 * A device model supplies its ID, feature bits, queue count, config space
 * and a notify callback; this module implements the register file the
 * guest driver sees at the device's MMIO window (feature negotiation,
 * status, queue setup, interrupt status/ack) and the descriptor walking
 * that every device needs.  All guest addresses go through
 * ktstr_kvm_memory_ptr, so a bad ring or buffer address is refused, never
 * dereferenced.  Callers serialize access (the device's lock). */
#ifndef KTSTR_KVM_VIRTIO_MMIO_H
#define KTSTR_KVM_VIRTIO_MMIO_H

#include <glib.h>

#include "backends/kvm/memory.h"

G_BEGIN_DECLS

#define KTSTR_VIRTIO_MMIO_SIZE 0x1000
#define KTSTR_VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

/* Register offsets (virtio spec 4.2.2). */
#define KTSTR_VIRTIO_MMIO_MAGIC_VALUE 0x000
#define KTSTR_VIRTIO_MMIO_VERSION 0x004
#define KTSTR_VIRTIO_MMIO_DEVICE_ID 0x008
#define KTSTR_VIRTIO_MMIO_VENDOR_ID 0x00c
#define KTSTR_VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define KTSTR_VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define KTSTR_VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define KTSTR_VIRTIO_MMIO_QUEUE_SEL 0x030
#define KTSTR_VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define KTSTR_VIRTIO_MMIO_QUEUE_NUM 0x038
#define KTSTR_VIRTIO_MMIO_QUEUE_READY 0x044
#define KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define KTSTR_VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define KTSTR_VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define KTSTR_VIRTIO_MMIO_STATUS 0x070
#define KTSTR_VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define KTSTR_VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define KTSTR_VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define KTSTR_VIRTIO_MMIO_CONFIG 0x100

#define KTSTR_VIRTIO_STATUS_ACKNOWLEDGE 1
#define KTSTR_VIRTIO_STATUS_DRIVER 2
#define KTSTR_VIRTIO_STATUS_DRIVER_OK 4
#define KTSTR_VIRTIO_STATUS_FEATURES_OK 8
#define KTSTR_VIRTIO_STATUS_NEEDS_RESET 0x40
#define KTSTR_VIRTIO_STATUS_FAILED 0x80

#define KTSTR_VIRTIO_F_VERSION_1 32

#define KTSTR_VIRTQ_DESC_F_NEXT 1
#define KTSTR_VIRTQ_DESC_F_WRITE 2
#define KTSTR_VIRTQ_DESC_F_INDIRECT 4
#define KTSTR_VIRTQ_MAX_SIZE 256
#define KTSTR_VIRTQ_MAX_CHAIN 16

typedef struct
{
  guint64 desc, avail, used; /* guest physical addresses of the three rings */
  guint16 num;               /* size chosen by the driver */
  gboolean is_ready;
  guint16 last_avail; /* next avail ring slot the device consumes */
  guint16 used_idx;   /* next used ring slot the device fills */
} KtstrVirtqueue;

typedef struct
{
  guint64 gpa;
  guint32 len;
  gboolean is_write; /* device writes (guest reads) this buffer */
} KtstrVirtqBuf;

typedef struct
{
  guint16 head;
  guint n;
  KtstrVirtqBuf bufs[KTSTR_VIRTQ_MAX_CHAIN];
} KtstrVirtqChain;

typedef enum
{
  KTSTR_VIRTQ_EMPTY,  /* no buffer available */
  KTSTR_VIRTQ_OK,     /* CHAIN filled */
  KTSTR_VIRTQ_BROKEN, /* the guest's ring is malformed */
} KtstrVirtqPop;

/* Takes the next available descriptor chain. */
KtstrVirtqPop ktstr_virtq_pop (KtstrVirtqueue *vq, KtstrKvmMemory *mem, KtstrVirtqChain *chain);

/* Returns chain HEAD to the guest with LEN bytes written into it. */
void ktstr_virtq_push (KtstrVirtqueue *vq, KtstrKvmMemory *mem, guint16 head, guint32 len);

typedef struct
{
  guint32 device_id;
  guint64 features; /* VIRTIO_F_VERSION_1 is added by the transport */
  guint n_queues;
  guint16 queue_max;
  void (*read_config) (gpointer dev, guint offset, guint8 *data, guint len);
  void (*notify) (gpointer dev, guint queue);
  void (*driver_ok) (gpointer dev);
  void (*reset) (gpointer dev);
} KtstrVirtioDeviceOps;

/* Sets the interrupt line to LEVEL. */
typedef void (*KtstrVirtioIrqFunc) (gboolean level, gpointer user_data);

typedef struct _KtstrVirtioMmio KtstrVirtioMmio;

KtstrVirtioMmio *ktstr_virtio_mmio_new (const KtstrVirtioDeviceOps *ops, gpointer dev,
                                        KtstrKvmMemory *mem, KtstrVirtioIrqFunc irq,
                                        gpointer irq_data);
void ktstr_virtio_mmio_free (KtstrVirtioMmio *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVirtioMmio, ktstr_virtio_mmio_free)

/* A guest access of LEN (1, 2 or 4) bytes at OFFSET in the MMIO window. */
void ktstr_virtio_mmio_read (KtstrVirtioMmio *m, guint64 offset, guint8 *data, guint len);
void ktstr_virtio_mmio_write (KtstrVirtioMmio *m, guint64 offset, const guint8 *data, guint len);

/* Queue I when the driver has set it up and is running, else NULL. */
KtstrVirtqueue *ktstr_virtio_mmio_queue (KtstrVirtioMmio *m, guint i);

/* Signals used buffers to the guest (interrupt status bit 0 and an edge
 * on the interrupt line). */
void ktstr_virtio_mmio_interrupt (KtstrVirtioMmio *m);

/* Marks the device broken (DEVICE_NEEDS_RESET) after a malformed ring. */
void ktstr_virtio_mmio_set_needs_reset (KtstrVirtioMmio *m);

G_END_DECLS

#endif
