#include "config.h"

#include "backends/kvm/virtio-mmio.h"

#include <string.h>

#define VENDOR_ID 0x5453544b /* "KTST" */
#define MAX_QUEUES 8

struct _KtstrVirtioMmio
{
  const KtstrVirtioDeviceOps *ops;
  gpointer dev;
  KtstrKvmMemory *mem;
  KtstrVirtioIrqFunc irq;
  gpointer irq_data;

  guint32 status;
  guint32 isr;
  guint32 device_features_sel;
  guint32 driver_features_sel;
  guint64 driver_features;
  guint32 queue_sel;
  KtstrVirtqueue queues[MAX_QUEUES];
};

static guint16
load16 (const guint8 *p)
{
  guint16 v;
  memcpy (&v, p, 2);
  return v;
}

KtstrVirtqPop
ktstr_virtq_pop (KtstrVirtqueue *vq, KtstrKvmMemory *mem, KtstrVirtqChain *chain)
{
  if (!vq->is_ready || vq->num == 0)
    return KTSTR_VIRTQ_EMPTY;
  guint8 *avail = ktstr_kvm_memory_ptr (mem, vq->avail, 4 + 2 * (guint64)vq->num);
  if (avail == NULL)
    return KTSTR_VIRTQ_BROKEN;
  /* Acquire: the ring entries below were written before idx. */
  guint16 idx = __atomic_load_n ((guint16 *)(avail + 2), __ATOMIC_ACQUIRE);
  if (idx == vq->last_avail)
    return KTSTR_VIRTQ_EMPTY;
  if ((guint16)(idx - vq->last_avail) > vq->num)
    return KTSTR_VIRTQ_BROKEN;

  guint16 head = load16 (avail + 4 + 2 * (vq->last_avail % vq->num));
  guint16 i = head;
  chain->head = head;
  chain->n = 0;
  for (;;)
    {
      if (i >= vq->num || chain->n >= KTSTR_VIRTQ_MAX_CHAIN)
        return KTSTR_VIRTQ_BROKEN;
      const guint8 *d = ktstr_kvm_memory_ptr (mem, vq->desc + 16 * (guint64)i, 16);
      if (d == NULL)
        return KTSTR_VIRTQ_BROKEN;
      guint64 addr;
      guint32 len;
      guint16 flags, next;
      memcpy (&addr, d, 8);
      memcpy (&len, d + 8, 4);
      memcpy (&flags, d + 12, 2);
      memcpy (&next, d + 14, 2);
      /* Indirect descriptors are not offered, so the driver must not use them. */
      if ((flags & KTSTR_VIRTQ_DESC_F_INDIRECT) || ktstr_kvm_memory_ptr (mem, addr, len) == NULL)
        return KTSTR_VIRTQ_BROKEN;
      chain->bufs[chain->n++] = (KtstrVirtqBuf){
        .gpa = addr,
        .len = len,
        .is_write = (flags & KTSTR_VIRTQ_DESC_F_WRITE) != 0,
      };
      if (!(flags & KTSTR_VIRTQ_DESC_F_NEXT))
        break;
      i = next;
    }
  vq->last_avail++;
  return KTSTR_VIRTQ_OK;
}

void
ktstr_virtq_push (KtstrVirtqueue *vq, KtstrKvmMemory *mem, guint16 head, guint32 len)
{
  guint8 *used = ktstr_kvm_memory_ptr (mem, vq->used, 4 + 8 * (guint64)vq->num);
  if (used == NULL || vq->num == 0)
    return;
  guint8 *elem = used + 4 + 8 * (vq->used_idx % vq->num);
  guint32 id = head;
  memcpy (elem, &id, 4);
  memcpy (elem + 4, &len, 4);
  vq->used_idx++;
  /* Release: the element is visible before the index that publishes it. */
  __atomic_store_n ((guint16 *)(used + 2), vq->used_idx, __ATOMIC_RELEASE);
}

KtstrVirtioMmio *
ktstr_virtio_mmio_new (const KtstrVirtioDeviceOps *ops, gpointer dev, KtstrKvmMemory *mem,
                       KtstrVirtioIrqFunc irq, gpointer irq_data)
{
  g_return_val_if_fail (ops->n_queues <= MAX_QUEUES, NULL);
  g_return_val_if_fail (ops->queue_max <= KTSTR_VIRTQ_MAX_SIZE, NULL);
  KtstrVirtioMmio *m = g_new0 (KtstrVirtioMmio, 1);
  m->ops = ops;
  m->dev = dev;
  m->mem = mem;
  m->irq = irq;
  m->irq_data = irq_data;
  return m;
}

void
ktstr_virtio_mmio_free (KtstrVirtioMmio *m)
{
  g_free (m);
}

static guint64
device_features (const KtstrVirtioMmio *m)
{
  return m->ops->features | (1ull << KTSTR_VIRTIO_F_VERSION_1);
}

static KtstrVirtqueue *
selected_queue (KtstrVirtioMmio *m)
{
  return m->queue_sel < m->ops->n_queues ? &m->queues[m->queue_sel] : NULL;
}

static void
reset (KtstrVirtioMmio *m)
{
  m->status = 0;
  m->isr = 0;
  m->driver_features = 0;
  m->device_features_sel = 0;
  m->driver_features_sel = 0;
  m->queue_sel = 0;
  memset (m->queues, 0, sizeof m->queues);
  if (m->ops->reset != NULL)
    m->ops->reset (m->dev);
}

void
ktstr_virtio_mmio_read (KtstrVirtioMmio *m, guint64 offset, guint8 *data, guint len)
{
  if (offset >= KTSTR_VIRTIO_MMIO_CONFIG)
    {
      memset (data, 0, len);
      if (m->ops->read_config != NULL)
        m->ops->read_config (m->dev, (guint)(offset - KTSTR_VIRTIO_MMIO_CONFIG), data, len);
      return;
    }
  guint32 v = 0;
  KtstrVirtqueue *q = selected_queue (m);
  switch (offset)
    {
    case KTSTR_VIRTIO_MMIO_MAGIC_VALUE:
      v = KTSTR_VIRTIO_MMIO_MAGIC;
      break;
    case KTSTR_VIRTIO_MMIO_VERSION:
      v = 2;
      break;
    case KTSTR_VIRTIO_MMIO_DEVICE_ID:
      v = m->ops->device_id;
      break;
    case KTSTR_VIRTIO_MMIO_VENDOR_ID:
      v = VENDOR_ID;
      break;
    case KTSTR_VIRTIO_MMIO_DEVICE_FEATURES:
      if (m->device_features_sel < 2)
        v = (guint32)(device_features (m) >> (32 * m->device_features_sel));
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_NUM_MAX:
      v = q != NULL ? m->ops->queue_max : 0;
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_READY:
      v = q != NULL && q->is_ready;
      break;
    case KTSTR_VIRTIO_MMIO_INTERRUPT_STATUS:
      v = m->isr;
      break;
    case KTSTR_VIRTIO_MMIO_STATUS:
      v = m->status;
      break;
    case KTSTR_VIRTIO_MMIO_CONFIG_GENERATION:
      v = 0;
      break;
    default:
      v = 0;
      break;
    }
  memset (data, 0, len);
  memcpy (data, &v, MIN (len, 4u));
}

static void
set_half (guint64 *addr, gboolean is_high, guint32 v)
{
  if (is_high)
    *addr = (*addr & 0xffffffffull) | ((guint64)v << 32);
  else
    *addr = (*addr & ~0xffffffffull) | v;
}

static void
set_queue_ready (KtstrVirtioMmio *m, KtstrVirtqueue *q, gboolean is_ready)
{
  if (!is_ready)
    {
      q->is_ready = FALSE;
      return;
    }
  guint64 n = q->num;
  if (n == 0 || ktstr_kvm_memory_ptr (m->mem, q->desc, 16 * n) == NULL
      || ktstr_kvm_memory_ptr (m->mem, q->avail, 6 + 2 * n) == NULL
      || ktstr_kvm_memory_ptr (m->mem, q->used, 6 + 8 * n) == NULL)
    {
      ktstr_virtio_mmio_set_needs_reset (m);
      return;
    }
  q->last_avail = 0;
  q->used_idx = 0;
  q->is_ready = TRUE;
}

static void
write_status (KtstrVirtioMmio *m, guint32 v)
{
  if (v == 0)
    {
      reset (m);
      return;
    }
  if ((v & KTSTR_VIRTIO_STATUS_FEATURES_OK) && !(m->status & KTSTR_VIRTIO_STATUS_FEATURES_OK))
    {
      /* Only a subset of what we offer, and always virtio 1.x. */
      if ((m->driver_features & ~device_features (m)) != 0
          || !(m->driver_features & (1ull << KTSTR_VIRTIO_F_VERSION_1)))
        v &= ~KTSTR_VIRTIO_STATUS_FEATURES_OK;
    }
  gboolean is_newly_ok
      = (v & KTSTR_VIRTIO_STATUS_DRIVER_OK) && !(m->status & KTSTR_VIRTIO_STATUS_DRIVER_OK);
  m->status = v | (m->status & KTSTR_VIRTIO_STATUS_NEEDS_RESET);
  if (is_newly_ok && m->ops->driver_ok != NULL)
    m->ops->driver_ok (m->dev);
}

void
ktstr_virtio_mmio_write (KtstrVirtioMmio *m, guint64 offset, const guint8 *data, guint len)
{
  if (offset >= KTSTR_VIRTIO_MMIO_CONFIG || len != 4)
    return; /* our config spaces are read-only; registers are 32 bits wide */
  guint32 v;
  memcpy (&v, data, 4);
  KtstrVirtqueue *q = selected_queue (m);
  gboolean is_q_writable = q != NULL && !q->is_ready;
  switch (offset)
    {
    case KTSTR_VIRTIO_MMIO_DEVICE_FEATURES_SEL:
      m->device_features_sel = v;
      break;
    case KTSTR_VIRTIO_MMIO_DRIVER_FEATURES:
      if (m->driver_features_sel < 2)
        {
          guint shift = 32 * m->driver_features_sel;
          m->driver_features
              = (m->driver_features & ~(0xffffffffull << shift)) | ((guint64)v << shift);
        }
      break;
    case KTSTR_VIRTIO_MMIO_DRIVER_FEATURES_SEL:
      m->driver_features_sel = v;
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_SEL:
      m->queue_sel = v;
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_NUM:
      if (is_q_writable && v > 0 && v <= m->ops->queue_max && (v & (v - 1)) == 0)
        q->num = (guint16)v;
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_READY:
      if (q != NULL)
        set_queue_ready (m, q, v == 1);
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_NOTIFY:
      if (v < m->ops->n_queues && m->queues[v].is_ready
          && (m->status & KTSTR_VIRTIO_STATUS_DRIVER_OK) && m->ops->notify != NULL)
        m->ops->notify (m->dev, v);
      break;
    case KTSTR_VIRTIO_MMIO_INTERRUPT_ACK:
      m->isr &= ~v;
      break;
    case KTSTR_VIRTIO_MMIO_STATUS:
      write_status (m, v);
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_DESC_LOW:
    case KTSTR_VIRTIO_MMIO_QUEUE_DESC_HIGH:
      if (is_q_writable)
        set_half (&q->desc, offset == KTSTR_VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
      if (is_q_writable)
        set_half (&q->avail, offset == KTSTR_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
      break;
    case KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
      if (is_q_writable)
        set_half (&q->used, offset == KTSTR_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
      break;
    default:
      break;
    }
}

/* The driver set DRIVER_OK and the device has not failed since. */
static gboolean
is_driver_ok (const KtstrVirtioMmio *m)
{
  return (m->status & KTSTR_VIRTIO_STATUS_DRIVER_OK)
         && !(m->status & (KTSTR_VIRTIO_STATUS_NEEDS_RESET | KTSTR_VIRTIO_STATUS_FAILED));
}

KtstrVirtqueue *
ktstr_virtio_mmio_queue (KtstrVirtioMmio *m, guint i)
{
  if (i >= m->ops->n_queues || !m->queues[i].is_ready || !is_driver_ok (m))
    return NULL;
  return &m->queues[i];
}

void
ktstr_virtio_mmio_interrupt (KtstrVirtioMmio *m)
{
  m->isr |= 1;
  /* An edge per notification: ISA IRQs are edge-triggered on the IOAPIC,
   * and the driver reads and acks the status in its handler. */
  if (m->irq != NULL)
    {
      m->irq (TRUE, m->irq_data);
      m->irq (FALSE, m->irq_data);
    }
}

void
ktstr_virtio_mmio_set_needs_reset (KtstrVirtioMmio *m)
{
  m->status |= KTSTR_VIRTIO_STATUS_NEEDS_RESET;
  m->isr |= 2; /* configuration change tells the driver to look */
  if (m->irq != NULL)
    {
      m->irq (TRUE, m->irq_data);
      m->irq (FALSE, m->irq_data);
    }
}
